"""Raw reply builders for the parsing tests: realistic top-level headers, MIME parts, quoted originals."""

from __future__ import annotations

import base64
import quopri
from email.header import Header
from email.utils import formataddr

TOKEN = "AbCdEfGhIjKlMnOpQr_-12"
ADDR = f"approvals+{TOKEN}@sealflow.example.com"
MSGID = f"<sealflow.{TOKEN}.20261120T020000Z.1@sealflow.example.com>"
# Every quoted original mentions the PO number and no reply does, so its presence means quotes leaked.
PO = "PO-2026-1120"
ORIG_EN = (
    f"Zhang San requests approval for purchase order {PO} (CNY 12,000).\n"
    "Reply APPROVE or REJECT on the first line; anything after it is your comment.\n"
)
ORIG_CN = f"张三 申请采购 {PO}（金额 12,000 元）。\n请在第一行回复 同意 或 驳回，可在后面附上意见。\n"
OUTLOOK_EN_HEADER = (
    f"From: Sealflow Approvals <{ADDR}>\n"
    "Sent: Friday, November 20, 2026 10:00 AM\n"
    "To: Bob Smith <bob.smith@corp.example.com>\n"
    f"Subject: [Sealflow] Approval needed: {PO}\n"
)
OUTLOOK_CN_HEADER = (
    f"发件人: Sealflow 审批 <{ADDR}>\n"
    "发送时间: 2026年11月20日 10:00\n"
    "收件人: 李四 <lisi@corp.example.com>\n"
    f"主题: [Sealflow] 待审批：采购单 {PO}\n"
)


def quoted(text: str, prefix: str = "> ") -> str:
    return "".join(f"{prefix}{line}\n" for line in text.splitlines())


# --------------------------------------------------------------------------- raw message builders


def part(
    body: str,
    *,
    ctype: str = "text/plain",
    charset: str | None = "utf-8",
    cte: str = "8bit",
    codec: str | None = None,
    extra: str = "",
) -> bytes:
    """A MIME part: headers, blank line, ``body`` encoded with ``codec`` (default: charset) and ``cte``."""
    data = body.encode(codec or charset or "utf-8")
    if cte == "base64":
        payload = base64.encodebytes(data.replace(b"\n", b"\r\n"))
    elif cte == "quoted-printable":
        payload = quopri.encodestring(data)
    else:
        payload = data
    payload = payload.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    params = f'; charset="{charset}"' if charset else ""
    head = f"Content-Type: {ctype}{params}{extra}\r\nContent-Transfer-Encoding: {cte}\r\n"
    return head.encode() + b"\r\n" + payload


def multipart(subtype: str, *parts: bytes, boundary: str = "----=_Part_0_1763604000") -> bytes:
    out = f'Content-Type: multipart/{subtype};\r\n\tboundary="{boundary}"\r\n\r\n'.encode()
    out += b"This is a multi-part message in MIME format.\r\n\r\n"
    for item in parts:
        out += f"--{boundary}\r\n".encode() + item + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def message(
    body: bytes,
    *,
    subject: str = f"Re: [Sealflow] 待审批：采购单 {PO}",
    sender: tuple[str, str] = ("李四", "lisi@corp.example.com"),
    headers: str = "",
) -> bytes:
    """A whole reply: realistic top-level headers followed by ``body`` (a part or a multipart)."""
    top = (
        f"Received: from mail.corp.example.com (mail.corp.example.com [203.0.113.7])\r\n"
        f"\tby mx.sealflow.example.com (Postfix) with ESMTPS id 4Kx9Qz1mZbz9sWL\r\n"
        f"\tfor <{ADDR}>; Fri, 20 Nov 2026 10:12:44 +0800 (CST)\r\n"
        f"From: {formataddr(sender, charset='utf-8')}\r\n"
        f"To: {formataddr(('Sealflow 审批', ADDR), charset='utf-8')}\r\n"
        f"Subject: {Header(subject, 'utf-8').encode()}\r\n"
        "Date: Fri, 20 Nov 2026 10:12:40 +0800\r\n"
        "Message-ID: <reply-1763604760.42@corp.example.com>\r\n"
        f"In-Reply-To: {MSGID}\r\n"
        f"References: {MSGID}\r\n"
        "MIME-Version: 1.0\r\n"
        f"{headers}"
    )
    return top.encode() + body


def plain(body: str, **kwargs: str) -> bytes:
    return message(part(body, **kwargs))
