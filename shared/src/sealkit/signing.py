"""HMAC-SHA256 signatures of raw event bodies (`X-Sealflow-Signature`)."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Sealflow-Signature"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str | None) -> bool:
    if not signature:
        return False
    given = signature.removeprefix("sha256=")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given, expected)
