"""HMAC-SHA256 signatures of raw event bodies (`X-Sealflow-Signature`)."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Sealflow-Signature"
PREFIX = "sha256="


def sign(body: bytes, secret: str) -> str:
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str | None) -> bool:
    # The scheme prefix is part of the format: a bare digest is refused, so no other scheme can pass.
    if not signature or not signature.startswith(PREFIX):
        return False
    given = signature[len(PREFIX) :]
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given, expected)
