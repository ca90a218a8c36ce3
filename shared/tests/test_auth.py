"""Token verification: HS256, RS256, and every way a token must be refused."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sealkit.auth import Principal, TokenVerifier, ensure_owner, mint_token, service_token
from sealkit.problems import Forbidden, NotFound, Unauthorized

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


def test_hs256_round_trip_carries_the_claims() -> None:
    token = mint_token("alice", ["approver", "agent"], secret=SECRET, email="a@x.test", enterprise_id="e1")
    user = TokenVerifier(secret=SECRET).verify(token)
    assert user == Principal("alice", "alice", "a@x.test", frozenset({"approver", "agent"}), "e1")
    assert user.has("agent") and not user.has("admin")


@pytest.mark.parametrize(
    ("make", "slug"),
    [
        (lambda: mint_token("a", [], secret="another-secret-of-sufficient-length!!"), "token-invalid"),
        (lambda: mint_token("a", [], secret=SECRET, ttl_seconds=-10), "token-expired"),
        (lambda: jwt.encode({"sub": "a", "roles": []}, SECRET, algorithm="HS256"), "token-invalid"),
        (lambda: jwt.encode({"sub": "a", "exp": time.time() + 60}, "", algorithm="none"), "token-invalid"),
        (lambda: jwt.encode({"exp": time.time() + 60}, SECRET, algorithm="HS256"), "token-invalid"),
        (
            lambda: jwt.encode({"sub": "a", "exp": time.time() + 60, "roles": "admin"}, SECRET),
            "token-invalid",
        ),
        (lambda: "not.a.token", "token-invalid"),
        (
            lambda: jwt.encode({"sub": "", "exp": time.time() + 60, "roles": ["admin"]}, SECRET),
            "token-invalid",
        ),
        (lambda: jwt.encode({"sub": "  ", "exp": time.time() + 60, "roles": []}, SECRET), "token-invalid"),
        (lambda: jwt.encode({"sub": "a", "exp": time.time() + 60, "roles": {}}, SECRET), "token-invalid"),
        (lambda: jwt.encode({"sub": "a", "exp": time.time() + 60, "roles": 0}, SECRET), "token-invalid"),
        (lambda: jwt.encode({"sub": "a", "exp": time.time() + 60, "roles": ""}, SECRET), "token-invalid"),
        (lambda: jwt.encode({"sub": "a", "exp": time.time() + 60, "roles": None}, SECRET), "token-invalid"),
        (lambda: jwt.encode({"sub": "a", "exp": time.time() + 60, "roles": [1]}, SECRET), "token-invalid"),
    ],
    ids=[
        "wrong-key",
        "expired",
        "no-exp",
        "alg-none",
        "no-sub",
        "roles-not-a-list",
        "garbage",
        "empty-sub",
        "blank-sub",
        "roles-object",
        "roles-zero",
        "roles-empty-string",
        "roles-null",
        "roles-not-strings",
    ],
)
def test_bad_tokens_are_refused(make: object, slug: str) -> None:
    with pytest.raises(Unauthorized) as caught:
        TokenVerifier(secret=SECRET).verify(make())  # type: ignore[operator]  # the lambdas above
    assert caught.value.slug == slug


def test_rs256_with_a_public_key_and_hs256_is_then_refused() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    verifier = TokenVerifier(secret=SECRET, public_key=public, algorithms=["RS256"])
    token = jwt.encode(
        {"sub": "bob", "roles": ["admin"], "exp": time.time() + 60}, private, algorithm="RS256"
    )
    assert verifier.verify(token).has("admin")
    # an HS256 token signed with the public key text (the classic key-confusion attack) must not pass
    with pytest.raises(Unauthorized):
        verifier.verify(mint_token("eve", ["admin"], secret=SECRET))


def test_ownership_hides_or_forbids() -> None:
    owner = Principal("alice")
    ensure_owner(owner, ["alice"])
    ensure_owner(Principal("m", roles=frozenset({"monitor"})), ["alice"], staff_roles=["monitor"])
    with pytest.raises(NotFound):
        ensure_owner(Principal("eve"), ["alice"])
    with pytest.raises(Forbidden):
        ensure_owner(Principal("eve"), ["alice"], hide=False)


def test_service_token_prefers_the_configured_one() -> None:
    assert service_token("mail", secret=SECRET, configured="given") == "given"
    user = TokenVerifier(secret=SECRET).verify(service_token("mail", secret=SECRET))
    assert user.sub == "service:mail" and user.has("service")
