"""Table-driven tests for mail-bridge reply parsing (MIME, charsets, quotes, keywords, auto-replies)."""

from __future__ import annotations

import base64
from email.header import Header
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sealflow_mail.parsing import (
    Decision,
    ParsedReply,
    extract_text,
    header_token_candidates,
    is_auto_reply,
    parse_decision,
    parse_message,
    parse_reply,
    strip_quoted,
)

from .mailbuild import (
    ADDR,
    ORIG_CN,
    ORIG_EN,
    OUTLOOK_CN_HEADER,
    OUTLOOK_EN_HEADER,
    PO,
    message,
    multipart,
    part,
    plain,
    quoted,
)

MAILS = Path(__file__).parent / "mails"

PDF = (
    b'Content-Type: application/pdf; name="quote.pdf"\r\nContent-Transfer-Encoding: base64\r\n'
    b'Content-Disposition: attachment; filename="quote.pdf"\r\n\r\n'
    + base64.encodebytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    ).replace(b"\n", b"\r\n")
)

OUTLOOK_CN_WEB_HTML = f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<style type="text/css" style="display:none;"> P {{margin-top:0;margin-bottom:0;}} </style>
</head>
<body dir="ltr">
<div class="elementToProof" style="font-family: 等线; font-size: 12pt;">同意，请王喆跟进付款。</div>
<div id="appendonsend"></div>
<hr style="display:inline-block;width:98%" tabindex="-1">
<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">
<b>发件人:</b> Sealflow 审批 &lt;{ADDR}&gt;<br>
<b>发送时间:</b> 2026年11月20日 10:00<br>
<b>收件人:</b> 李四 &lt;lisi@corp.example.com&gt;<br>
<b>主题:</b> [Sealflow] 待审批：采购单 {PO}</font><div>&nbsp;</div></div>
<div><p>张三 申请采购 {PO}（金额 12,000 元）。</p><p>请在第一行回复 同意 或 驳回。</p></div>
</body></html>
"""

OUTLOOK_CN_DESKTOP_HTML = f"""<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office">
<head><meta http-equiv=Content-Type content="text/html; charset=gb2312">
<style><!-- p.MsoNormal {{margin:0cm;font-size:10.5pt;font-family:等线;}} --></style>
<!--[if gte mso 9]><xml><o:shapedefaults v:ext="edit" spidmax="1026" /></xml><![endif]-->
</head><body lang=ZH-CN link="#0563C1" style='text-justify-trim:punctuation'>
<div class=WordSection1><p class=MsoNormal>驳回<span lang=EN-US>,</span>供应商资质不全<span
lang=EN-US><o:p></o:p></span></p>
<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>
<p class=MsoNormal><b>发件人<span lang=EN-US>:</span></b><span lang=EN-US> Sealflow &lt;{ADDR}&gt; <br></span>
<b>发送时间<span lang=EN-US>:</span></b><span lang=EN-US> 2026</span>年<span lang=EN-US>11</span>月<span
lang=EN-US>20</span>日<span lang=EN-US> 10:00<br></span><b>收件人<span lang=EN-US>:</span></b><span
lang=EN-US> </span>李四<span lang=EN-US><br></span><b>主题<span lang=EN-US>:</span></b><span lang=EN-US>
[Sealflow] </span>待审批<o:p></o:p></p></div>
<p class=MsoNormal>张三 申请采购 {PO}。<span lang=EN-US><o:p></o:p></span></p></div></body></html>
"""

OUTLOOK_EN_WEB_HTML = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
</head>
<body><div style="font-family: Aptos, sans-serif;">Reject &#8212; budget is frozen until January.</div>
<div id="Signature"><div>Bob Smith | Finance</div></div>
<div id="appendonsend"></div><p>This line comes after appendonsend and is dropped.</p>
<hr style="display:inline-block;width:98%">
<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Sealflow &lt;{ADDR}&gt;
<br><b>Sent:</b> Friday, November 20, 2026 10:00 AM</div><div>{PO}</div></body></html>
"""

GMAIL_HTML = f"""<div dir="ltr">Approve, fine by me.<div><br></div><div>Bob</div></div><br>
<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Fri, Nov 20, 2026 at
10:00 AM Sealflow Approvals &lt;<a href="mailto:{ADDR}">{ADDR}</a>&gt; wrote:<br></div>
<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204)">
{PO}<br>Reply APPROVE or REJECT.</blockquote></div>
"""

QQ_HTML = f"""<meta http-equiv="Content-Type" content="text/html; charset=GB18030"><div>同意</div><div>
<br></div><div><includetail><div style="font:Verdana normal 14px;color:#000;"><div
style="FONT-SIZE: 12px;FONT-FAMILY: Arial Narrow;padding:2px 0 2px 0;">------------------&nbsp;原始邮件&nbsp;
------------------</div><div style="FONT-SIZE: 12px;background:#efefef;padding:8px;"><div><b>发件人:</b>&nbsp;
"Sealflow 审批"&lt;{ADDR}&gt;;</div></div><div><br></div>{PO}</div></includetail></div>
"""

NETEASE_HTML = f"""<div style="line-height:1.7;color:#000000;font-size:14px;font-family:Arial">
<div>同意，下周一前付款</div><br><br><div id="divNeteaseMailCard"></div><br>
<pre><br>在 2026-11-20 10:00:00，"Sealflow 审批" &lt;{ADDR}&gt; 写道：</pre>
<blockquote id="isReplyContent" style="PADDING-LEFT: 1ex; MARGIN: 0px 0px 0px 0.8ex;">{PO}</blockquote></div>
"""

NOISY_HTML = """<html><head><title>REJECT</title><style>p { color: red } /* REJECT */</style>
<script>var verdict = "REJECT";</script></head><body><p>同意&nbsp;&nbsp;好的，<b>按计划</b>执行</p>
<blockquote type="cite">REJECT this please</blockquote><p>谢谢</p></body></html>
"""

FORWARDED = (
    b'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="original.eml"\r\n\r\n'
    + f"From: someone@example.com\r\nSubject: {PO}\r\nContent-Type: text/plain\r\n\r\nREJECT\r\n".encode()
)

# --------------------------------------------------------------------------- parse_reply: whole replies

REPLIES = [
    pytest.param(plain("同意\n"), "approve", None, id="plain-utf8-tongyi"),
    pytest.param(
        plain(f"yes\n\nOn Fri, Nov 20, 2026 at 10:00 AM Sealflow <{ADDR}> wrote:\n{quoted(ORIG_EN)}"),
        "approve",
        None,
        id="yes-lowercase",
    ),
    pytest.param(plain("ＡＰＰＲＯＶＥ！\n", cte="base64"), "approve", None, id="fullwidth-approve"),
    pytest.param(
        plain("ＡＰＰＲＯＶＥ！　可以执行\n", cte="base64"),
        "approve",
        "可以执行",
        id="fullwidth-with-comment",
    ),
    pytest.param(
        plain("不同意，预算超了\n\n" + quoted(ORIG_CN)), "reject", "预算超了", id="butongyi-reject-wins"
    ),
    pytest.param(plain("NOTED, will review tomorrow\n"), None, None, id="noted-unparseable"),
    pytest.param(plain("Now is not a good time.\n"), None, None, id="now-unparseable"),
    pytest.param(plain("Yesterday I approved a similar one.\n"), None, None, id="yesterday-unparseable"),
    pytest.param(plain("Hi team,\n\nAPPROVE\n"), None, None, id="greeting-first-unparseable"),
    pytest.param(plain("我同意\n"), None, None, id="keyword-not-first-unparseable"),
    pytest.param(
        plain("No, the vendor is not on the approved list.\n"),
        None,
        None,
        id="no-followed-by-words-is-conversation",
    ),
    pytest.param(plain("REJECTED\n"), "reject", None, id="rejected"),
    pytest.param(plain("\n\n   \u3000同意  \n\n"), "approve", None, id="leading-blank-lines"),
    pytest.param(plain("*APPROVE*\n\nBob\n"), "approve", "Bob", id="gmail-bold-asterisks"),
    pytest.param(plain("【同意】请尽快安排\n"), "approve", "请尽快安排", id="cjk-brackets"),
    pytest.param(
        plain(
            "同意。没问题，按合同付款即可，付款条件为到货后三十天内一次性付清全部款项，发票随货一并寄出。\n\n"
            f"在 2026/11/20 10:00, Sealflow 审批 写道:\n{quoted(ORIG_CN)}",
            cte="quoted-printable",
        ),
        "approve",
        "没问题，按合同付款即可，付款条件为到货后三十天内一次性付清全部款项，发票随货一并寄出。",
        id="qp-utf8-thunderbird-cn",
    ),
    pytest.param(
        plain(
            "驳回：供应商资质不全，请补充营业执照。\n\n发自我的iPhone\n\n"
            f'------------------ Original ------------------\nFrom: "Sealflow"<{ADDR}>\n{ORIG_CN}',
            charset="gbk",
            cte="base64",
        ),
        "reject",
        "供应商资质不全，请补充营业执照。",
        id="gbk-base64-iphone-qq",
    ),
    pytest.param(
        plain("同意，请王喆跟进付款。\n", charset="gb2312", codec="gbk", cte="base64"),
        "approve",
        "请王喆跟进付款。",
        id="gb2312-label-with-gbk-chars",
    ),
    pytest.param(plain("同意👍\n", charset="gb18030", cte="base64"), "approve", "👍", id="gb18030-four-byte"),
    pytest.param(
        plain(
            f"同意，請儘快付款。\n\n寄件者: Sealflow <{ADDR}>\n寄件日期: 2026年11月20日 上午 10:00\n"
            f"收件者: 陳大文 <chan@corp.example.hk>\n主旨: [Sealflow] {PO}\n\n陳小明 申請採購 {PO}。\n",
            charset="big5",
            cte="base64",
            codec="big5",
        ),
        "approve",
        "請儘快付款。",
        id="big5-outlook-tw",
    ),
    pytest.param(
        plain("駁回，峯哥說價格太高\n", charset="big5", codec="big5hkscs", cte="base64"),
        "reject",
        "峯哥說價格太高",
        id="big5-label-with-hkscs-chars",
    ),
    pytest.param(
        plain("同意，没问题\n", charset="utf-8", codec="gbk", cte="8bit"),
        "approve",
        "没问题",
        id="utf8-label-gbk-bytes",
    ),
    pytest.param(
        plain("APPROVE\n", charset="x-unknown", codec="utf-8"), "approve", None, id="unknown-charset"
    ),
    pytest.param(
        plain("Reject, see below\n", charset="base64", codec="utf-8"),
        "reject",
        "see below",
        id="non-text-codec-charset",
    ),
    pytest.param(message(part("YES\n", charset=None)), "approve", None, id="no-charset"),
    pytest.param(
        message(
            b"Content-Type: text/html\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + '<meta charset="big5"><p>同意，請儘快付款。</p>'.encode("big5")
        ),
        "approve",
        "請儘快付款。",
        id="html-meta-charset-only",
    ),
    pytest.param(
        message(part(OUTLOOK_CN_WEB_HTML, ctype="text/html", charset="gb2312", codec="gbk", cte="base64")),
        "approve",
        "请王喆跟进付款。",
        id="outlook-web-cn-html-only",
    ),
    pytest.param(
        message(part(OUTLOOK_CN_DESKTOP_HTML, ctype="text/html", charset="gb2312", cte="quoted-printable")),
        "reject",
        "供应商资质不全",
        id="outlook-desktop-cn-html-only",
    ),
    pytest.param(
        message(part(OUTLOOK_EN_WEB_HTML, ctype="text/html", cte="quoted-printable")),
        "reject",
        "budget is frozen until January.",
        id="outlook-web-en-html-signature",
    ),
    pytest.param(
        plain(
            f"Rejected - over budget for Q4.\n\nRegards,\nBob\n\n________________________________\n"
            f"{OUTLOOK_EN_HEADER}\n{ORIG_EN}"
        ),
        "reject",
        "over budget for Q4.",  # "Regards,\nBob" is the signature
        id="outlook-en-underscore-rule",
    ),
    pytest.param(
        plain(f"Approve\n\n-----Original Message-----\n{OUTLOOK_EN_HEADER}\n{ORIG_EN}"),
        "approve",
        None,
        id="outlook-original-message",
    ),
    pytest.param(
        plain(f"APPROVED, go ahead.\n\n{OUTLOOK_EN_HEADER}\n{ORIG_EN}"),
        "approve",
        "go ahead.",
        id="outlook-en-header-block",
    ),
    pytest.param(
        plain(f"批准\n\n{OUTLOOK_CN_HEADER}\n{ORIG_CN}"), "approve", None, id="outlook-cn-header-block"
    ),
    pytest.param(
        plain(
            f"通过，注意第三条\n\n{OUTLOOK_CN_HEADER.replace(': ', '：')}\n{ORIG_CN}",
            charset="gb2312",
            codec="gb18030",
            cte="base64",
        ),
        "approve",
        "注意第三条",
        id="outlook-cn-fullwidth-colons",
    ),
    pytest.param(
        plain(
            f"Reject\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n________________________________\n"
            f"{OUTLOOK_EN_HEADER}\n{ORIG_EN}"
        ),
        "reject",
        None,
        id="get-outlook-for-ios",
    ),
    pytest.param(
        message(
            multipart(
                "alternative",
                part(
                    "APPROVE. Please make sure the vendor invoice is attached.\n\n"
                    f"On Fri, Nov 20, 2026 at 10:00 AM Sealflow Approvals <{ADDR}>\nwrote:\n\n"
                    f"{quoted(ORIG_EN)}",
                    cte="quoted-printable",
                ),
                part(GMAIL_HTML, ctype="text/html", cte="quoted-printable"),
            )
        ),
        "approve",
        "Please make sure the vendor invoice is attached.",
        id="gmail-two-line-wrote",
    ),
    pytest.param(
        message(part(GMAIL_HTML, ctype="text/html", cte="quoted-printable")),
        "approve",
        "fine by me.\n\nBob",
        id="gmail-html-only",
    ),
    pytest.param(
        plain(f"同意\n\nSealflow 审批 <{ADDR}> 于2026年11月20日周五 10:00写道：\n\n{quoted(ORIG_CN)}"),
        "approve",
        None,
        id="gmail-cn",
    ),
    pytest.param(
        plain(
            f"驳回，下季度再议\n\nSealflow 审批 <{ADDR}> 于2026年11月20日周五\n上午10:00写道：\n\n"
            f"{quoted(ORIG_CN)}"
        ),
        "reject",
        "下季度再议",
        id="gmail-cn-wrapped",
    ),
    pytest.param(
        plain(f"2026年11月20日 10:00，Sealflow 审批 <{ADDR}> 写道：\n{quoted(ORIG_CN)}"),
        None,
        None,
        id="only-quote-unparseable",
    ),
    pytest.param(
        plain(
            f"Approved!\n\nSent from my iPhone\n\n> On Nov 20, 2026, at 10:00, Sealflow <{ADDR}> wrote:\n>\n"
            f"{quoted(ORIG_EN)}",
            charset="us-ascii",
            cte="7bit",
        ),
        "approve",
        None,
        id="apple-iphone",
    ),
    pytest.param(
        plain(
            f"Approved, fine by me.\n\nOn Nov 20, 2026, at 10:00, Sealflow <{ADDR}> wrote:\n\n{quoted(ORIG_EN)}"
        ),
        "approve",
        "fine by me.",
        id="apple-mail-desktop",
    ),
    pytest.param(
        plain(
            "REJECT: the supplier quote expired on \nNovember 15.\n\n"
            "On 11/20/26 10:00 AM, Sealflow Approvals \n"
            f"wrote:\n{quoted(ORIG_EN)}",
            extra="; format=flowed",
        ),
        "reject",
        "the supplier quote expired on November 15.",
        id="thunderbird-flowed",
    ),
    pytest.param(
        plain("REJECT: expired quote, ask for a new \none.\n", extra="; format=flowed; delsp=yes"),
        "reject",
        "expired quote, ask for a newone.",
        id="flowed-delsp",
    ),
    pytest.param(
        plain(f"通过，注意合同条款第三条\n\n在 2026/11/20 10:00, Sealflow 审批 写道:\n{quoted(ORIG_CN)}"),
        "approve",
        "注意合同条款第三条",
        id="thunderbird-cn",
    ),
    pytest.param(
        plain(
            f"On 11/20/26 10:00 AM, Sealflow Approvals wrote:\n{quoted(ORIG_EN)}\nAPPROVE, fine\n\n-- \nAnna\n"
        ),
        "approve",
        "fine",
        id="bottom-posted-thunderbird",
    ),
    pytest.param(
        plain(f"On second thought, yes.\n\nOn 11/20/26 10:00 AM, Sealflow wrote:\n{quoted(ORIG_EN)}"),
        None,
        None,
        id="on-second-thought-unparseable",
    ),
    pytest.param(
        message(
            multipart(
                "alternative",
                part(
                    "不同意，预算超了\n\n\n------------------ 原始邮件 ------------------\n"
                    f'发件人: "Sealflow 审批"<{ADDR}>;\n发送时间: 2026年11月20日(星期五) 上午10:00\n'
                    f"{ORIG_CN}",
                    charset="gbk",
                    cte="base64",
                ),
                part(QQ_HTML, ctype="text/html", charset="gbk", cte="base64"),
            )
        ),
        "reject",
        "预算超了",
        id="foxmail-gbk-alternative",
    ),
    pytest.param(
        message(part(QQ_HTML, ctype="text/html", charset="GB18030", cte="base64")),
        "approve",
        None,
        id="qq-html-only-includetail",
    ),
    pytest.param(
        plain(f"APPROVE\n\n------------------&nbsp;Original&nbsp;------------------\nFrom: x\n{ORIG_EN}"),
        "approve",
        None,
        id="qq-literal-nbsp-original",
    ),
    pytest.param(
        plain(
            f'驳回：供应商资质不全\n\n\n\n\n在 2026-11-20 10:00:00，"Sealflow 审批" <{ADDR}> 写道：\n'
            f"{quoted(ORIG_CN, '>')}",
            charset="GBK",
            cte="base64",
        ),
        "reject",
        "供应商资质不全",
        id="netease-163-xiedao",
    ),
    pytest.param(
        message(part(NETEASE_HTML, ctype="text/html", charset="GBK", cte="base64")),
        "approve",
        "下周一前付款",
        id="netease-html-only",
    ),
    pytest.param(
        plain(f"同意\n发自网易邮箱大师\n-----原始邮件-----\n发件人：Sealflow <{ADDR}>\n{ORIG_CN}"),
        "approve",
        None,
        id="netease-mobile-signature",
    ),
    pytest.param(
        plain(f"拒绝 没有预算\n\n----- 原始邮件 -----\n发件人：Sealflow <{ADDR}>\n{ORIG_CN}"),
        "reject",
        "没有预算",
        id="netease-spaced-divider",
    ),
    pytest.param(
        plain(f"通过\n\n发自我的iPhone\n\n------------------ Original ------------------\n{ORIG_CN}"),
        "approve",
        None,
        id="iphone-cn-signature",
    ),
    pytest.param(
        plain(f"同意，可以\n\n从我的 iPhone 发送\n\n> 在 2026年11月20日，Sealflow 写道：\n{quoted(ORIG_CN)}"),
        "approve",
        "可以",
        id="iphone-cn-signature-2",
    ),
    pytest.param(plain("不同意\n发自我的手机\n"), "reject", None, id="mobile-signature"),
    pytest.param(
        plain("Approve\n\nok with me\n-- \nBob Smith\nCFO, Example Corp\n"),
        "approve",
        "ok with me",
        id="sig-dash",
    ),
    pytest.param(
        plain("同意\n\n> 第一项\n第一项没问题\n> 第二项\n第二项也可以\n"),
        "approve",
        "第一项没问题\n第二项也可以",
        id="interleaved-quotes",
    ),
    pytest.param(
        message(
            multipart(
                "mixed",
                multipart(
                    "alternative",
                    part("同意，附件是签字版。\n"),
                    part("<p>同意，附件是签字版。</p>", ctype="text/html"),
                    boundary="----=_Alt_1",
                ),
                PDF,
            )
        ),
        "approve",
        "附件是签字版。",
        id="mixed-with-pdf",
    ),
    pytest.param(
        message(
            multipart(
                "mixed",
                part("REJECT\n", extra='\r\nContent-Disposition: attachment; filename="notes.txt"'),
                FORWARDED,
                part("APPROVE\n"),
            )
        ),
        "approve",
        None,
        id="mixed-text-attachment-and-forward-ignored",
    ),
    pytest.param(
        message(multipart("alternative", part("  \n"), part("<p>APPROVE</p>", ctype="text/html"))),
        "approve",
        None,
        id="blank-plain-falls-back-to-html",
    ),
    pytest.param(
        message(part(NOISY_HTML, ctype="text/html")),
        "approve",
        "好的，按计划执行\n谢谢",
        id="html-style-script-blockquote",
    ),
    pytest.param(message(part("", charset="utf-8")), None, None, id="empty-body"),
    pytest.param(b"From: a@example.com\r\nSubject: hi\r\n", None, None, id="headers-only"),
    pytest.param(b"", None, None, id="zero-bytes"),
    pytest.param(bytes(range(256)) * 3, None, None, id="garbage-bytes"),
    pytest.param(b"APPROVE\r\n", "approve", None, id="bare-body-no-headers"),
    pytest.param(message(multipart("mixed", PDF)), None, None, id="attachment-only"),
    pytest.param(
        message(b'Content-Type: multipart/mixed; boundary="never"\r\n\r\nno boundary here\r\n'),
        None,
        None,
        id="multipart-without-boundary",
    ),
    pytest.param(
        message(b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not*base64\r\n"),
        None,
        None,
        id="broken-base64",
    ),
    pytest.param(
        message(b'Content-Type: text/plain; charset="utf-8"\r\n\r\nREJECT.\xff\xfe bad bytes\r\n'),
        "reject",
        "\ufffd\ufffd bad bytes",
        id="invalid-utf8-replaced",
    ),
]


@pytest.mark.parametrize(("raw", "decision", "comment"), REPLIES)
def test_parse_reply(raw: bytes, decision: Decision | None, comment: str | None) -> None:
    parsed = parse_reply(raw)
    assert isinstance(parsed, ParsedReply)
    assert (parsed.decision, parsed.comment) == (decision, comment)
    assert PO not in parsed.text
    if decision is not None:
        assert parsed.text.strip()


# --------------------------------------------------------------------------- .eml fixtures

FIXTURE_TOKEN = "q8Zr3XkVb2LwT9mN4pYc"
FIXTURES = [
    ("outlook_web_cn_html_only.eml", "approve", "请王喆跟进付款。", None),
    ("foxmail_gbk_alternative.eml", "reject", "预算超了", None),
    (
        "gmail_en_alternative_qp.eml",
        "approve",
        "Please make sure the vendor invoice is attached to the PO before payment goes out.",
        None,
    ),
    ("netease_163_gbk.eml", "reject", "供应商资质不全，请补充营业执照。", None),
    (
        "thunderbird_flowed.eml",
        "reject",
        "the supplier quote expired on November 15, please ask for a new one before resubmitting.",
        None,
    ),
    ("apple_iphone.eml", "approve", None, None),
    ("outlook_desktop_en_mixed_pdf.eml", "approve", "signed quote attached.", None),
    ("bounce_delivery_status.eml", None, None, "bounce: multipart/report (delivery-status)"),
    ("exchange_ooo_cn.eml", None, None, "Auto-Submitted: auto-generated"),
]


@pytest.mark.parametrize(("name", "decision", "comment", "auto"), FIXTURES)
def test_eml_fixtures(name: str, decision: Decision | None, comment: str | None, auto: str | None) -> None:
    raw = (MAILS / name).read_bytes()
    parsed = parse_reply(raw)
    assert (parsed.decision, parsed.comment) == (decision, comment)
    assert PO not in parsed.text
    msg = parse_message(raw)
    assert is_auto_reply(msg) == auto
    assert header_token_candidates(msg) == [FIXTURE_TOKEN]


def test_every_fixture_is_in_the_table() -> None:
    assert sorted(path.name for path in MAILS.glob("*.eml")) == sorted(row[0] for row in FIXTURES)


# --------------------------------------------------------------------------- extract_text

EXTRACT = [
    pytest.param(plain("同意\n", charset="gb2312", codec="gbk", cte="base64"), "同意\n", id="gbk-base64"),
    pytest.param(plain("喆\n", charset="gb2312", codec="gbk"), "喆\n", id="gb2312-as-gb18030-8bit"),
    pytest.param(plain("峯\n", charset="big5", codec="big5hkscs"), "峯\n", id="big5-hkscs-fallback"),
    pytest.param(plain("請\n", charset="big5", cte="quoted-printable"), "請\n", id="big5-qp"),
    pytest.param(plain("é\n", charset="iso-8859-1", cte="quoted-printable"), "é\n", id="latin1-qp"),
    pytest.param(plain("\ufeff\u200bAPPROVE\r\nok\r\n"), "APPROVE\nok\n", id="bom-zwsp-crlf-removed"),
    pytest.param(plain("ok\n", charset="utf-16"), None, id="utf16-no-raise"),
    pytest.param(message(multipart("mixed", PDF)), "", id="attachment-only"),
    pytest.param(
        message(multipart("related", part("<p>A</p><p>B<br>C</p>", ctype="text/html"))),
        "A\nB\nC",
        id="related-html",
    ),
    pytest.param(message(part("<pre>  x\n  y</pre>", ctype="text/html")), "x\ny", id="html-pre"),
    pytest.param(
        message(part("<div><p>unclosed <div class=gmail_quote>quoted", ctype="text/html")),
        "unclosed",
        id="html-unclosed-quote",
    ),
    pytest.param(
        message(part("<table><tr><td>a</td><td>b</td></tr></table>", ctype="text/html")),
        "a b",
        id="html-table-cells",
    ),
    pytest.param(
        message(part("<p>Yes<img class=gmail_quote src=x>, fine</p>", ctype="text/html")),
        "Yes, fine",
        id="html-void-with-quote-class",
    ),
    pytest.param(
        message(part("<p>a</p><div id=x_divRplyFwdMsg>quoted</div><p>b</p>", ctype="text/html")),
        "a",
        id="html-requoted-outlook-id",
    ),
    pytest.param(
        message(part("<<<>>><p <a href='&#xZZ;'>&bogus; ok</p></<", ctype="text/html")),
        None,
        id="html-malformed-no-raise",
    ),
]


@pytest.mark.parametrize(("raw", "expected"), EXTRACT)
def test_extract_text(raw: bytes, expected: str | None) -> None:
    text = extract_text(parse_message(raw))
    assert isinstance(text, str)
    if expected is not None:
        assert text == expected


# --------------------------------------------------------------------------- strip_quoted

STRIP = [
    pytest.param("同意\n\n> quoted\n", "同意", id="gt-quote"),
    pytest.param("  > indented quote\nok", "ok", id="indented-gt-quote"),
    pytest.param(
        f"ok\n\nOn Fri, Nov 20, 2026 at 10:00 AM Sealflow <{ADDR}> wrote:\n> x", "ok", id="gmail-en"
    ),
    pytest.param(
        f"ok\n\nOn Fri, Nov 20, 2026 at 10:00 AM Sealflow <{ADDR}>\nwrote:\n\n> x",
        "ok",
        id="gmail-en-wrapped",
    ),
    pytest.param(
        f"ok\n\nOn Fri, Nov 20, 2026 at 10:00 AM Sealflow\n<{ADDR}>\nwrote:\n\n> x",
        "ok",
        id="gmail-en-wrapped-three-lines",
    ),
    pytest.param(
        "ok\n\n2026年11月20日周五 10:00，Sealflow <a@b.com> 写道：\n> x", "ok", id="gmail-cn-date-first"
    ),
    pytest.param(
        "ok\n\nSealflow <a@b.com> 于2026年11月20日周五\n上午10:00写道：\n> x", "ok", id="gmail-cn-wrapped"
    ),
    pytest.param('ok\n在 2026-11-20 10:00:00，"张三" <a@b> 写道：\n>x', "ok", id="netease"),
    pytest.param("ok\n在 2026/11/20 10:00, 张三 写道:\n> x", "ok", id="thunderbird-cn"),
    pytest.param("ok\nOn 11/20/26 10:00 AM, Zhang San wrote:\n> x", "ok", id="thunderbird-en"),
    pytest.param("ok\n\nOn Nov 20, 2026, at 10:00, Zhang San <a@b.com> wrote:\n\n> x", "ok", id="apple"),
    pytest.param("ok\nAm 20.11.2026 um 10:00 schrieb Zhang San:\n> x", "ok", id="german"),
    pytest.param("as you wrote:\nfine", "as you wrote:\nfine", id="prose-wrote-kept"),
    pytest.param("On 5 May, Li <l@x.cn> wrote:\n> q\n\nreply\n> q2\nmore", "reply\nmore", id="bottom-post"),
    pytest.param("On 5 May, Li <l@x.cn> wrote:\nunquoted history", "", id="attribution-without-quotes-cuts"),
    pytest.param("top\nOn 5 May, Li <l@x.cn> wrote:\n> q\nbelow", "top", id="top-post-cuts-below"),
    pytest.param("ok\n-----Original Message-----\nFrom: x", "ok", id="original-message"),
    pytest.param("ok\n----- Original Message -----\nFrom: x", "ok", id="original-message-spaced"),
    pytest.param("ok\n-----邮件原件-----\n发件人: x", "ok", id="outlook-cn-original"),
    pytest.param("ok\n------------------ 原始邮件 ------------------\n发件人: x", "ok", id="qq"),
    pytest.param("ok\n------------------\u00a0原始邮件\u00a0------------------\n", "ok", id="qq-nbsp"),
    pytest.param(
        "ok\n------------------&nbsp;Original&nbsp;------------------\n", "ok", id="qq-literal-nbsp"
    ),
    pytest.param("ok\n-----原始邮件-----\n发件人：x", "ok", id="netease-divider"),
    pytest.param("ok\n---------- Forwarded message ---------\nFrom: x", "ok", id="gmail-forward"),
    pytest.param("ok\nBegin forwarded message:\n\nFrom: x", "ok", id="apple-forward"),
    pytest.param("ok\n________________________________\nFrom: x\nSent: y", "ok", id="outlook-rule"),
    pytest.param(f"ok\n{OUTLOOK_EN_HEADER}", "ok", id="outlook-en-block"),
    pytest.param("ok\n*From:* Sealflow <a@b>\n*Sent:* Friday\n*To:* me", "ok", id="outlook-block-gmail-bold"),
    pytest.param(f"ok\n\n{OUTLOOK_CN_HEADER}", "ok", id="outlook-cn-block"),
    pytest.param(
        "ok\n发件人：张三\n\n发送时间：2026年11月20日\n", "ok", id="outlook-cn-fullwidth-blank-lines"
    ),
    pytest.param("ok\n寄件者: a\n寄件日期: b\n主旨: c", "ok", id="outlook-tw-block"),
    pytest.param(
        "From: finance team perspective this is fine",
        "From: finance team perspective this is fine",
        id="lone-from-kept",
    ),
    pytest.param("ok\n-- \nBob\nCFO", "ok", id="sig-dash"),
    pytest.param("ok\n--\nBob", "ok", id="sig-dash-trailing-space-stripped"),
    pytest.param("ok\n\nSent from my iPhone", "ok", id="sent-from-iphone"),
    pytest.param("ok\n\nSent from my Galaxy", "ok", id="sent-from-galaxy"),
    pytest.param("ok\n\nSent from Outlook for Android", "ok", id="sent-from-outlook"),
    pytest.param("ok\n\nGet Outlook for Android<https://aka.ms/ghei36>", "ok", id="get-outlook-android"),
    pytest.param("ok\n发自我的iPhone", "ok", id="fazi-iphone"),
    pytest.param("ok\n从我的 iPhone 发送", "ok", id="congwode-iphone"),
    pytest.param("ok\n发自网易邮箱大师", "ok", id="netease-master"),
    pytest.param("ok\n发自我的手机", "ok", id="fazi-shouji"),
    pytest.param("ok\n来自我的华为手机", "ok", id="laizi-huawei"),
    pytest.param("a\n\n\n\nb  \n\n", "a\n\nb", id="blank-runs-collapsed"),
    pytest.param("  \n\r\n", "", id="only-whitespace"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), STRIP)
def test_strip_quoted(text: str, expected: str) -> None:
    assert strip_quoted(text) == expected


# --------------------------------------------------------------------------- parse_decision

DECISIONS = [
    ("同意", "approve", None),
    ("批准", "approve", None),
    ("通过", "approve", None),
    ("通過", "approve", None),
    ("APPROVE", "approve", None),
    ("approved", "approve", None),
    ("Yes", "approve", None),
    ("YES!", "approve", None),
    ("驳回", "reject", None),
    ("駁回", "reject", None),
    ("拒绝", "reject", None),
    ("拒絕", "reject", None),
    ("不同意", "reject", None),
    ("REJECT", "reject", None),
    ("Rejected.", "reject", None),
    ("no", "reject", None),
    ("不同意，预算超了", "reject", "预算超了"),
    ("不同意。", "reject", None),
    ("同意。", "approve", None),
    ("同意，没问题", "approve", "没问题"),
    ("同意这个方案", None, None),
    ("APPROVE!", "approve", None),
    ("APPROVE! ship it", "approve", "ship it"),
    ("Yes, fine", None, None),
    ("yes - fine", None, None),
    ("YES好的", None, None),
    ("NO: too expensive", None, None),
    ("REJECT: too expensive", "reject", "too expensive"),
    ("No.\n\nToo expensive.", "reject", "Too expensive."),
    ("APPROVE\nline two\n\nline three", "approve", "line two\n\nline three"),
    ("ＡＰＰＲＯＶＥ！", "approve", None),
    ("ａｐｐｒｏｖｅｄ，　好", "approve", "好"),
    ("ＮＯ，太贵", None, None),
    ("ＮＯ！", "reject", None),
    ("同意…好的", None, None),
    ("\u200b\ufeff同意", "approve", None),
    ("\n\n\u3000 \t同意\n", "approve", None),
    ("*APPROVE*", "approve", None),
    ("**Approve** looks good", None, None),
    ("**Approve**: looks good", "approve", "looks good"),
    ("[YES] fine", None, None),
    ("[YES]", "approve", None),
    ("【驳回】资质不全", "reject", "资质不全"),
    ("「同意」", "approve", None),
    ("APPROVE (budget ok)", None, None),
    ('APPROVE "as is"', None, None),
    ("NOTED", None, None),
    ("NOW", None, None),
    ("Nope", None, None),
    ("nothing to add", None, None),
    ("Yesterday", None, None),
    ("yes-man", None, None),
    ("no-brainer, approve", None, None),
    ("APPROVES", None, None),
    ("REJECTION", None, None),
    ("№ 5", None, None),
    ("我同意", None, None),
    ("不通过", None, None),
    ("Hi,\nAPPROVE", None, None),
    ("ok", "approve", None),
    ("", None, None),
    ("   \n\u3000\n", None, None),
    pytest.param(" " * 47 + "NO", "reject", None, id="keyword-after-long-indent"),
    pytest.param(" " * 50 + "NOTED", None, None, id="no-keyword-after-long-indent"),
    pytest.param("APPROVE: " + "x" * 100_000, "approve", "x" * 100_000, id="huge-first-line"),
]


@pytest.mark.parametrize(("text", "decision", "comment"), DECISIONS)
def test_parse_decision(text: str, decision: Decision | None, comment: str | None) -> None:
    assert parse_decision(text) == (decision, comment)


# --------------------------------------------------------------------------- is_auto_reply


def auto_msg(headers: str, body: bytes = b"Content-Type: text/plain\r\n\r\nI am away.\r\n") -> bytes:
    return f"From: Li Si <lisi@corp.example.com>\r\nTo: {ADDR}\r\n{headers}".encode() + body


def subj(subject: str) -> str:
    return f"Subject: {Header(subject, 'utf-8').encode()}\r\n"


AUTO = [
    pytest.param(
        auto_msg("Auto-Submitted: auto-replied\r\n"), "Auto-Submitted: auto-replied", id="auto-submitted"
    ),
    pytest.param(
        auto_msg('Auto-Submitted: auto-generated; owner-email="x@y"\r\n'),
        'Auto-Submitted: auto-generated; owner-email="x@y"',
        id="auto-submitted-params",
    ),
    pytest.param(auto_msg("Auto-Submitted: no\r\n"), None, id="auto-submitted-no"),
    pytest.param(auto_msg("Auto-Submitted: No \r\n"), None, id="auto-submitted-no-case"),
    pytest.param(auto_msg("Precedence: bulk\r\n"), "Precedence: bulk", id="precedence-bulk"),
    pytest.param(auto_msg("Precedence: list\r\n"), "Precedence: list", id="precedence-list"),
    pytest.param(auto_msg("Precedence: JUNK\r\n"), "Precedence: junk", id="precedence-junk"),
    pytest.param(auto_msg("Precedence: first-class\r\n"), None, id="precedence-other"),
    pytest.param(auto_msg("X-Autoreply: yes\r\n"), "X-Autoreply: yes", id="x-autoreply"),
    pytest.param(
        auto_msg("X-Autorespond: Out of office\r\n"), "X-Autorespond: Out of office", id="x-autorespond"
    ),
    pytest.param(auto_msg("X-Auto-Response-Suppress: All\r\n"), None, id="x-auto-response-suppress-ignored"),
    pytest.param(
        auto_msg("X-Auto-Response-Suppress: OOF\r\n"), None, id="x-auto-response-suppress-oof-ignored"
    ),
    pytest.param(
        auto_msg(subj("Automatic reply: Re: [Sealflow] PO")),
        "automatic reply subject: Automatic reply: Re: [Sealflow] PO",
        id="subject-automatic-reply",
    ),
    pytest.param(
        auto_msg(subj("Out of Office: Re: [Sealflow]")),
        "automatic reply subject: Out of Office: Re: [Sealflow]",
        id="subject-out-of-office",
    ),
    pytest.param(
        auto_msg(subj("Auto: Re: [Sealflow]")),
        "automatic reply subject: Auto: Re: [Sealflow]",
        id="subject-auto",
    ),
    pytest.param(
        auto_msg(subj("AutoReply: Re: [Sealflow]")),
        "automatic reply subject: AutoReply: Re: [Sealflow]",
        id="subject-autoreply",
    ),
    pytest.param(
        auto_msg(subj("自动回复：Re: [Sealflow] 待审批")),
        "automatic reply subject: 自动回复：Re: [Sealflow] 待审批",
        id="subject-zidong-huifu",
    ),
    pytest.param(
        auto_msg(subj("Abwesenheitsnotiz: Re: [Sealflow]")),
        "automatic reply subject: Abwesenheitsnotiz: Re: [Sealflow]",
        id="subject-abwesenheitsnotiz",
    ),
    pytest.param(
        auto_msg(subj("休假中：Re: [Sealflow] 待审批")),
        "automatic reply subject: 休假中：Re: [Sealflow] 待审批",
        id="subject-xiujia",
    ),
    pytest.param(auto_msg(subj("Re: 休假申请 [Sealflow] 待审批")), None, id="subject-leave-request-is-human"),
    pytest.param(
        auto_msg(subj("Re: Out of office equipment purchase")), None, id="subject-oof-inside-is-human"
    ),
    pytest.param(auto_msg(subj("Re: [Sealflow] Approval needed")), None, id="human-reply"),
    pytest.param(auto_msg("Return-Path: <>\r\n"), "bounce: empty Return-Path", id="empty-return-path"),
    pytest.param(auto_msg("Return-Path: <lisi@corp.example.com>\r\n"), None, id="normal-return-path"),
    pytest.param(
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\r\nSubject: Undeliverable\r\n\r\nx",
        "bounce: sent by Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>",
        id="mailer-daemon",
    ),
    pytest.param(
        b"From: MAILER-DAEMON (Mail Delivery System)\r\n\r\nx",
        "bounce: sent by MAILER-DAEMON (Mail Delivery System)",
        id="mailer-daemon-bare",
    ),
    pytest.param(
        b"From: postmaster@corp.example.com\r\n\r\nx",
        "bounce: sent by postmaster@corp.example.com",
        id="postmaster",
    ),
    pytest.param(
        b"From: Postmaster Team <team@corp.example.com>\r\n\r\nx", None, id="postmaster-display-name"
    ),
    pytest.param(
        b"From: a@b.c\r\nContent-Type: multipart/report; report-type=delivery-status;\r\n"
        b'\tboundary="b"\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n',
        "bounce: multipart/report (delivery-status)",
        id="multipart-report",
    ),
    pytest.param(
        b"From: a@b.c\r\n"
        b'Content-Type: multipart/report; report-type="disposition-notification"; boundary=b\r\n\r\n',
        "bounce: multipart/report (disposition-notification)",
        id="read-receipt",
    ),
    pytest.param(b'To: <<<@@@>>>,,"\r\nFrom: "\\\r\n\r\nhi', None, id="malformed-headers"),
    pytest.param(b"", None, id="empty"),
]


@pytest.mark.parametrize(("raw", "reason"), AUTO)
def test_is_auto_reply(raw: bytes, reason: str | None) -> None:
    assert is_auto_reply(parse_message(raw)) == reason


def test_is_auto_reply_raw_8bit_gbk_subject() -> None:
    raw = b"From: a@b.c\r\nSubject: " + "自动回复: Re: [Sealflow]".encode("gbk") + b"\r\n\r\nx"
    assert is_auto_reply(parse_message(raw)) == "automatic reply subject: 自动回复: Re: [Sealflow]"


# --------------------------------------------------------------------------- header_token_candidates

T1 = "AbCdEfGhIjKlMnOp"  # exactly 16
T2 = "Zz9_-Yy8Xx7Ww6Vv5Uu4"
T3 = "Q" * 43
TOKENS = [
    pytest.param(f"To: Sealflow <approvals+{T1}@sealflow.example.com>\r\n", [T1], id="to-plus"),
    pytest.param(f"To: approvals+{T1[:-1]}@sealflow.example.com\r\n", [], id="too-short"),
    pytest.param(
        f"To: {Header('Sealflow 审批', 'utf-8').encode()} <approvals+{T2}@sealflow.example.com>\r\n",
        [T2],
        id="encoded-display-name",
    ),
    pytest.param(
        f"To: Li <li@corp.example.com>, Sealflow <approvals+{T1}@x.example>\r\n"
        f"Cc: <approvals+{T2}@x.example>\r\n"
        f"Delivered-To: approvals+{T1}@x.example\r\nX-Original-To: approvals+{T3}@x.example\r\n",
        [T1, T2, T3],
        id="to-cc-delivered-original-deduped",
    ),
    pytest.param(
        f"X-Original-To: approvals+{T3}@x.example\r\nTo: approvals+{T1}@x.example\r\n",
        [T1, T3],
        id="header-order-not-file-order",
    ),
    pytest.param(f"To: a+b+{T1}@x.example\r\n", [T1], id="last-plus-tag"),
    pytest.param(f"To: approvals+{T1}.extra@x.example\r\n", [], id="tag-with-dot-not-a-token"),
    pytest.param(
        f'To: "approvals+{T2}@x.example" <approvals+{T2}@x.example>\r\n', [T2], id="dupe-in-display-name"
    ),
    pytest.param(
        f"In-Reply-To: <sealflow.{T1}.1763604000.abc@sealflow.example.com>\r\n", [T1], id="in-reply-to"
    ),
    pytest.param(
        f"References: <CAF7x9@mail.gmail.com>\r\n <sealflow.{T2}.1@sealflow.example.com>\r\n"
        f"\t<sealflow.{T3}.2.x@sealflow.example.com> <sealflow.{T2}.3@sealflow.example.com>\r\n",
        [T2, T3],
        id="references-folded",
    ),
    pytest.param(
        f"In-Reply-To: <sealflow.{T1}.1@d>\r\nReferences: <sealflow.{T2}.1@d>\r\nTo: approvals+{T3}@d\r\n",
        [T3, T1, T2],
        id="addresses-before-message-ids",
    ),
    pytest.param(
        "References: <sealflow.short.1@d> <notsealflow.AbCdEfGhIjKlMnOpQr.1@d>\r\n"
        " <xsealflow.AbCdEfGhIjKlMnOpQr.1@d>\r\n",
        [],
        id="foreign-message-ids",
    ),
    pytest.param(f"References: <SEALFLOW.{T1}.1@d>\r\n", [T1], id="prefix-case-insensitive"),
    pytest.param('To: <<<@@@>>>,,"\r\nReferences: <a@b\r\n', [], id="malformed"),
    pytest.param(
        f"Subject: approvals+{T1}@x.example\r\nFrom: approvals+{T2}@x.example\r\n",
        [],
        id="other-headers-ignored",
    ),
]


@pytest.mark.parametrize(("headers", "expected"), TOKENS)
def test_header_token_candidates(headers: str, expected: list[str]) -> None:
    raw = headers.encode() + b"\r\nbody\r\n"
    assert header_token_candidates(parse_message(raw)) == expected


def test_parse_message_never_raises_on_non_bytes() -> None:
    msg = parse_message("not bytes")  # type: ignore[arg-type]
    assert extract_text(msg) == ""
    assert header_token_candidates(msg) == []
    assert is_auto_reply(msg) is None


def test_parsed_reply_is_frozen() -> None:
    parsed = parse_reply(plain("同意\n"))
    with pytest.raises(AttributeError):
        parsed.decision = "reject"  # type: ignore[misc]


# --------------------------------------------------------------------------- properties

MIME_PREFIXES = [
    b"",
    b"Content-Type: text/plain; charset=gb2312\r\nContent-Transfer-Encoding: base64\r\n\r\n",
    b"Content-Type: text/plain; charset=big5\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
    b"Content-Type: text/html; charset=x-unknown\r\n\r\n<div id=divRplyFwdMsg>",
    b"Content-Type: text/plain; format=flowed; delsp=yes\r\n\r\n",
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n',
    b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n\r\n'
    b"--b\r\nContent-Type: message/rfc822\r\n\r\n",
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MIME_PREFIXES), st.binary(max_size=2048))
def test_never_raises_on_arbitrary_bytes(prefix: bytes, tail: bytes) -> None:
    raw = prefix + tail
    parsed = parse_reply(raw)
    assert isinstance(parsed, ParsedReply)
    assert parsed.decision in (None, "approve", "reject")
    msg = parse_message(raw)
    assert isinstance(extract_text(msg), str)
    reason = is_auto_reply(msg)
    assert reason is None or isinstance(reason, str)
    assert all(isinstance(token, str) for token in header_token_candidates(msg))


@settings(max_examples=200)
@given(st.text(max_size=500))
def test_text_functions_never_raise(text: str) -> None:
    stripped = strip_quoted(text)
    decision, comment = parse_decision(stripped)
    assert decision in (None, "approve", "reject")
    assert comment is None or comment == comment.strip() != ""


APPROVE_WORDS = ["同意", "批准", "通过", "APPROVE", "APPROVED"]
REJECT_WORDS = ["驳回", "拒绝", "不同意", "REJECT", "REJECTED"]
KEYWORDS: list[tuple[str, Decision]] = [(w, "approve") for w in APPROVE_WORDS] + [
    (w, "reject") for w in REJECT_WORDS
]


@st.composite
def keyword_lines(draw: st.DrawFn) -> tuple[str, Decision]:
    """A keyword as a person might type it: any case, maybe full-width, maybe decorated."""
    word, decision = draw(st.sampled_from(KEYWORDS))
    if word.isascii():
        word = "".join(ch.lower() if draw(st.booleans()) else ch for ch in word)
        if draw(st.booleans()):
            word = "".join(chr(ord(ch) + 0xFEE0) for ch in word)
    left, right = draw(st.sampled_from([("", ""), ("*", "*"), ("【", "】"), ("[", "]")]))
    return f"{left}{word}{right}", decision


# Comment words start with a letter or digit, so no separator or quote marker can be mistaken for them.
WORD = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=10)
LINE = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
COMMENT = st.lists(LINE, min_size=1, max_size=4).map("\n".join)
SEPARATORS = [", ", "，", "。", "! ", "！", ": ", "：", " - ", "\n", "\n\n"]


@settings(max_examples=300)
@given(keyword_lines(), st.sampled_from(SEPARATORS), st.one_of(st.none(), COMMENT))
def test_keyword_and_comment_round_trip(keyword: tuple[str, Decision], sep: str, comment: str | None) -> None:
    line, decision = keyword
    assert parse_decision(line + (sep + comment if comment else "")) == (decision, comment)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    keyword_lines(),
    st.sampled_from(SEPARATORS),
    COMMENT,
    st.sampled_from(["base64", "quoted-printable", "8bit"]),
)
def test_keyword_and_comment_round_trip_through_mime(
    keyword: tuple[str, Decision], sep: str, comment: str, cte: str
) -> None:
    line, decision = keyword
    body = f"{line}{sep}{comment}"
    assume(strip_quoted(body) == body)  # a random comment could spell "Sent from my ..." and be cut
    raw = message(
        multipart(
            "alternative",
            part(body + f"\n\nOn Fri, Nov 20, 2026, Sealflow <{ADDR}> wrote:\n" + quoted(ORIG_EN), cte=cte),
            part("<p>ignored</p>", ctype="text/html"),
        )
    )
    parsed = parse_reply(raw)
    assert (parsed.decision, parsed.comment, parsed.text) == (decision, comment, body)


@settings(max_examples=100)
@given(st.sampled_from(["同意", "APPROVE", "YES"]), st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True))
def test_latin_keyword_glued_to_letters_is_not_a_keyword(word: str, tail: str) -> None:
    if word.isascii():
        assume((word + tail).upper() != "APPROVED")  # a keyword of its own, not a glued word
        assert parse_decision(word + tail) == (None, None)
    else:  # 同意 glued to a word is not a decision either ("同意abc" is not "同意: abc")
        assert parse_decision(word + tail) == (None, None)
