"""A throwaway real mail rig on loopback: Dovecot (IMAP + LMTP) from a config in a temp dir, and an
aiosmtpd SMTP front that delivers over LMTP (see /work/shared/MAIL-TEST-RIG.md and its pitfalls)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import smtplib
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from sealkit.testing import free_port

DOMAIN = "example.test"
USERS = {
    f"bridge@{DOMAIN}": "bridge-pw",
    f"approver@{DOMAIN}": "approver-pw",
    f"approver2@{DOMAIN}": "approver2-pw",
    f"mallory@{DOMAIN}": "mallory-pw",
    f"bridge2@{DOMAIN}": "bridge2-pw",
}
USERS.update({f"bench{i}@{DOMAIN}": f"bench{i}-pw" for i in range(20)})

# Dovecot 2.3 syntax (Debian 12). ROOT, IMAP_PORT and LMTP_PORT are filled in per session.
DOVECOT_CONF = """
base_dir  = ROOT/run
state_dir = ROOT/state
instance_name = sfmailrig
protocols = imap lmtp
listen = 127.0.0.1
log_path = ROOT/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 65534
first_valid_gid = 65534
mail_location = maildir:ROOT/mail/%d/%n/Maildir
recipient_delimiter = +
passdb {
  driver = passwd-file
  args = scheme=PLAIN ROOT/users
}
userdb {
  driver = static
  args = home=ROOT/mail/%d/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = LMTP_PORT
  }
}
"""


class LMTPRelay:
    """aiosmtpd handler: SMTP in, Dovecot LMTP out, one LMTP transaction per recipient (pitfall 6)."""

    def __init__(self, lmtp_port: int) -> None:
        self.lmtp_port = lmtp_port

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not address.lower().endswith("@" + DOMAIN):
            return "550 5.1.1 not a local domain"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        def deliver() -> dict[str, tuple[int, bytes]]:
            errors: dict[str, tuple[int, bytes]] = {}
            with smtplib.LMTP("127.0.0.1", self.lmtp_port) as lmtp:
                for rcpt in envelope.rcpt_tos:
                    try:
                        lmtp.sendmail(envelope.mail_from, [rcpt], envelope.original_content)
                    except smtplib.SMTPRecipientsRefused as exc:
                        errors.update(exc.recipients)
            return errors

        errors = await asyncio.get_running_loop().run_in_executor(None, deliver)
        if errors and len(errors) == len(envelope.rcpt_tos):
            code, msg = next(iter(errors.values()))
            return f"{code} {msg.decode()}"
        return "250 OK"


@dataclass
class MailRig:
    root: Path
    imap_port: int
    smtp_port: int
    users: dict[str, str] = field(default_factory=lambda: dict(USERS))

    def imap_url(self, user: str, mailbox: str = "INBOX") -> str:
        local = user.replace("@", "%40")
        return f"imap://{local}:{self.users[user]}@127.0.0.1:{self.imap_port}/{mailbox}"

    @property
    def smtp_url(self) -> str:
        return f"smtp://127.0.0.1:{self.smtp_port}"


def _wait_greeting(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout  # "* OK" comes only once auth is up (pitfall 3)
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5) as s:
            s.settimeout(2)
            if s.recv(100).startswith(b"* OK"):
                return
        time.sleep(0.02)
    text = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
    raise RuntimeError(f"dovecot did not come up on {port}; its log says:\n{text}")


def _open_up(root: Path) -> None:
    """pytest's temp dirs are 0700; Dovecot's auth and mail users need o+rx on every parent (pitfall 1)."""
    for path in (root, *root.parents):
        mode = path.stat().st_mode
        if mode & 0o005 != 0o005:
            path.chmod(mode & 0o7777 | 0o005)


@contextlib.contextmanager
def mail_rig(root: Path) -> Iterator[MailRig]:
    dovecot = shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if Path(p).exists()), None)
    if dovecot is None:
        raise RuntimeError(
            "Dovecot is not installed: the mail-bridge tests need a real IMAP server. "
            "Install it with `apt-get install -y dovecot-imapd dovecot-lmtpd` (make test does)."
        )
    _open_up(root)
    (root / "mail").mkdir()
    shutil.chown(root / "mail", "nobody", "nogroup")
    (root / "users").write_text("".join(f"{u}:{{PLAIN}}{pw}\n" for u, pw in USERS.items()))
    imap, lmtp = free_port(), free_port()
    conf = (
        DOVECOT_CONF.replace("ROOT", str(root))
        .replace("IMAP_PORT", str(imap))
        .replace("LMTP_PORT", str(lmtp))
    )
    (root / "dovecot.conf").write_text(conf)
    proc = subprocess.Popen([dovecot, "-F", "-c", str(root / "dovecot.conf")])
    try:
        _wait_greeting(imap, proc, root / "dovecot.log")
        relay = Controller(LMTPRelay(lmtp), hostname="127.0.0.1", port=free_port())
        relay.start()
        try:
            yield MailRig(root=root, imap_port=imap, smtp_port=relay.port)
        finally:
            relay.stop()
    finally:
        proc.terminate()  # the master stops its children (~1.1 s, pitfall 5)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
