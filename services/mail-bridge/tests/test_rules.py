"""The pure parts: mail URLs and settings, tokens, the verdict on an inbound mail, DMARC, composed mails."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from sealflow_mail.compose import Headers, render, subject_for
from sealflow_mail.config import MailSettings, parse_imap_url, parse_smtp_url
from sealflow_mail.domain import (
    ContextView,
    dmarc_passes,
    new_token,
    plausible_tokens,
    plus_address,
    token_hash,
    token_message_id,
    verdict,
)
from sealflow_mail.imap import leadership
from sealflow_mail.reading import read_mail
from sealkit.db import Database

NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, None, None, False, False)),
        (
            "smtp://u%40x.com:p%3Ass@mail.x.com?starttls=true",
            ("mail.x.com", 587, "u@x.com", "p:ss", False, True),
        ),
        ("smtp://mail.x.com:25?starttls=false", ("mail.x.com", 25, None, None, False, False)),
        ("smtps://u:p@mail.x.com", ("mail.x.com", 465, "u", "p", True, False)),
        ("smtps://u:p@mail.x.com:2465?starttls=true", ("mail.x.com", 2465, "u", "p", True, False)),
    ],
)
def test_smtp_urls(url: str, expected: tuple[object, ...]) -> None:
    c = parse_smtp_url(url)
    assert (c.host, c.port, c.username, c.password, c.use_tls, c.start_tls) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "imap://bridge%40x.com:pw@imap.x.com:1143/INBOX",
            ("imap.x.com", 1143, "bridge@x.com", "pw", False, "INBOX"),
        ),
        ("imaps://b:pw@imap.x.com", ("imap.x.com", 993, "b", "pw", True, "INBOX")),
        (
            "imap://b:pw@imap.x.com/Approvals%2FReplies",
            ("imap.x.com", 143, "b", "pw", False, "Approvals/Replies"),
        ),
    ],
)
def test_imap_urls(url: str, expected: tuple[object, ...]) -> None:
    c = parse_imap_url(url)
    assert (c.host, c.port, c.username, c.password, c.use_tls, c.mailbox) == expected


@pytest.mark.parametrize("url", ["http://x", "smtp://", "imap://host/INBOX", "pop3://u:p@h"])
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match=r"must look like|needs a user"):
        (parse_imap_url if url.startswith(("imap", "pop3")) else parse_smtp_url)(url)


def test_settings_read_the_suite_wide_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALFLOW_SMTP_URL", "smtp://h:25")
    monkeypatch.setenv("SEALFLOW_IMAP_URL", "imap://u:p@h/INBOX")
    monkeypatch.setenv("SEALFLOW_MAIL_FROM", "Sealflow <no-reply@corp.example>")
    monkeypatch.setenv("SEALFLOW_MAIL_REPLY_ADDRESS", "approvals@corp.example")
    monkeypatch.setenv("SEALFLOW_MAIL_LISTEN", "10.0.0.5:2525")
    monkeypatch.setenv("MAIL_CONTEXT_TTL_HOURS", "24")
    s = MailSettings()
    assert (s.smtp_url, s.imap_url, s.mail_from, s.reply_address) == (
        "smtp://h:25",
        "imap://u:p@h/INBOX",
        "Sealflow <no-reply@corp.example>",
        "approvals@corp.example",
    )
    assert (s.listen_address, s.context_ttl_hours, s.local_mode, s.run_listener) == (
        ("10.0.0.5", 2525),
        24,
        False,
        False,
    )


def test_local_mode_when_the_urls_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SEALFLOW_SMTP_URL", "SEALFLOW_IMAP_URL", "SEALFLOW_MAIL_LISTEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SEALFLOW_SMTP_URL", "  ")
    s = MailSettings()
    assert (s.local_mode, s.run_listener, s.listen_address) == (True, True, ("127.0.0.1", 8025))
    s.check()


def test_tokens_are_long_random_and_stored_hashed() -> None:
    token = new_token()
    assert len(token) == 40 and token != new_token()  # 160 bits
    assert token_hash(token) == token_hash(token.upper()) != token
    assert plus_address("approvals@corp.example", token) == f"approvals+{token}@corp.example"
    mail_id = uuid.uuid4()
    assert token_message_id(token, mail_id, "corp.example") == token_message_id(
        token, mail_id, "corp.example"
    )
    assert plausible_tokens([token.upper(), "short", token, "x" * 40]) == [token]


def _verdict(**overrides: object) -> str | None:
    values: dict[str, object] = {
        "auto_reply": None,
        "has_token": True,
        "context": ContextView("boss@corp.example", NOW + timedelta(hours=1), None),
        "sender": "boss@corp.example",
        "dmarc_required": False,
        "dmarc_ok": False,
        "now": NOW,
    }
    values.update(overrides)
    return verdict(**values).outcome  # type: ignore[arg-type]


def test_verdict_order() -> None:
    assert _verdict() is None
    assert _verdict(auto_reply="Auto-Submitted: auto-replied", sender="x@y") == "auto_reply"
    assert _verdict(has_token=False, context=None) == "unknown_task"
    assert _verdict(context=None) == "forged"
    assert _verdict(sender="mallory@corp.example") == "forged"
    assert _verdict(sender=None) == "forged"
    assert _verdict(dmarc_required=True) == "forged"
    assert _verdict(dmarc_required=True, dmarc_ok=True) is None
    used = ContextView("boss@corp.example", NOW + timedelta(hours=1), NOW)
    assert _verdict(context=used) == "reused"
    assert _verdict(context=used, sender="mallory@corp.example") == "forged"  # never tell a forger more
    expired = ContextView("boss@corp.example", NOW, None)
    assert _verdict(context=expired) == "expired"


def test_dmarc_only_from_the_trusted_server() -> None:
    trusted = "mx.corp.example"
    assert dmarc_passes(
        ["mx.corp.example; spf=pass smtp.mailfrom=x; dmarc=pass header.from=corp.example"], trusted
    )
    assert not dmarc_passes(["mx.corp.example; dmarc=fail header.from=corp.example"], trusted)
    assert not dmarc_passes(["evil.example; dmarc=pass header.from=corp.example"], trusted)
    assert dmarc_passes(["evil.example; dmarc=pass", "MX.corp.example 1; dkim=pass;\r\n dmarc=pass"], trusted)
    assert not dmarc_passes([], trusted)


def test_read_mail_dmarc_and_sender() -> None:
    raw = (
        b"Authentication-Results: mx.corp.example; dmarc=pass header.from=corp.example\r\n"
        b"From: Boss <BOSS@corp.example>\r\nTo: a+" + b"a" * 40 + b"@corp.example\r\n"
        b"Message-ID: <m1@corp.example>\r\nSubject: Re: x\r\n\r\nAPPROVE\r\nok\r\n"
    )
    reading = read_mail(raw, trusted_authserv_id="mx.corp.example")
    assert (reading.sender, reading.message_id, reading.tokens, reading.dmarc_ok) == (
        "boss@corp.example",
        "<m1@corp.example>",
        ["a" * 40],
        True,
    )
    assert (reading.decision, reading.comment) == ("approve", "ok")
    assert not read_mail(raw, trusted_authserv_id="other.example").dmarc_ok
    two_senders = raw.replace(b"From: Boss <BOSS@corp.example>", b"From: a@x.example, b@x.example")
    assert read_mail(two_senders).sender is None


def test_task_mail_renders_for_phones_and_carries_the_token() -> None:
    token = new_token()
    headers = Headers(
        mail_from="Sealflow <noreply@corp.example>",
        to="boss@corp.example",
        message_id=token_message_id(token, uuid.uuid4(), "corp.example"),
        task_id="t-1",
        reply_to=plus_address("approvals@corp.example", token),
    )
    payload = {
        "title": "报销 <script>",
        "form": {"金额": 12, "note": None},
        "group_name": "g",
        "applicant_id": "a",
    }
    msg = render("task", payload, subject_for("task", "报销"), headers)
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed["Reply-To"] == f"approvals+{token}@corp.example"
    assert token in str(parsed["Message-ID"])
    text = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "金额: 12" in text and "同意" in text and "APPROVE" in text
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert 'name="viewport"' in html and f"mailto:approvals+{token}@corp.example?subject=" in html


async def test_one_reader_per_mailbox_on_sqlite_too(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'mail.db'}")
    try:
        async with (
            leadership(db, 42) as first,
            leadership(db, 42) as second,
            leadership(db, 43) as other_mailbox,
        ):
            assert (first, second, other_mailbox) == (True, False, True)
        async with leadership(db, 42) as again:
            assert again
    finally:
        await db.dispose()
