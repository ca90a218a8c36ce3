"""Catalogue rules: a form template must be a JSON Schema, provider URLs must be reachable safely."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.internal"})


def form_schema_problem(schema: dict[str, Any]) -> str | None:
    """Why `schema` cannot be an item's form template (Draft 2020-12, an object at the root), or None."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        return f"not a valid JSON Schema (Draft 2020-12) at {where}: {exc.message}"
    kind = schema.get("type")
    if kind is not None and kind != "object":
        return "the form is a JSON object, so the schema's root type must be 'object'"
    return None


def url_problem(url: str, *, allow_private: bool) -> str | None:
    """Why a provider URL is refused: link-local and metadata addresses always; loopback and private
    addresses outside development and tests (they would let a caller reach the park's own network)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        return "the URL has no host"
    if host in METADATA_HOSTS:
        return "the URL points at a metadata service"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not allow_private and (host == "localhost" or host.endswith(".localhost")):
            return "the URL points at a loopback host"
        return None
    if address.is_link_local or str(address) in ("169.254.169.254", "fd00:ec2::254"):
        return "the URL points at a link-local or metadata address"
    if not allow_private and (address.is_loopback or address.is_private or address.is_unspecified):
        return "the URL points at a loopback or private address"
    return None
