"""Builders shared by the orders tests. Every test makes its own category and items (unique names), so
tests share one database without seeing each other's rows."""

from __future__ import annotations

import random
from typing import Any

import httpx
from stdnum.cn import uscc

from sealkit.testing import auth, unique

ADMIN = auth("admin-1", "admin")
STAFF = auth("staff-1", "staff")
MONITOR = auth("monitor-1", "monitor")

FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["amount", "contact"],
    "properties": {
        "amount": {"type": "integer", "minimum": 1},
        "contact": {"type": "string", "format": "email"},
    },
}


async def make_category(client: httpx.AsyncClient, name: str | None = None) -> str:
    response = await client.post(
        "/v1/catalog/categories", json={"name": name or unique("融资"), "description": "d"}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def item_body(category_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": unique("贷款 Loan"),
        "category_id": category_id,
        "description": "Working-capital loans for resident enterprises",
        "handling": {"steps": ["apply", "review"], "location": "Hall B", "notes": None},
        "form_schema": FORM_SCHEMA,
        "materials": [
            {
                "key": "license",
                "name": "Business licence",
                "required": True,
                "content_types": ["application/pdf"],
                "max_bytes": 100_000,
                "min_pages": 1,
            }
        ],
        "provider": {"kind": "internal", "ticket_type": "loans"},
        "approval": None,
        **fields,
    }


async def make_item(
    client: httpx.AsyncClient, category_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    category_id = category_id or await make_category(client)
    response = await client.post("/v1/catalog/items", json=item_body(category_id, **fields), headers=ADMIN)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def is_problem(response: httpx.Response, status: int) -> bool:
    return response.status_code == status and response.headers["content-type"] == "application/problem+json"


def credit_code() -> str:
    """A valid, unused unified social credit code (python-stdnum computes the check character)."""
    body = "91110000" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + str(uscc.calc_check_digit(body))


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    data: bytes,
    filename: str = "doc.pdf",
    content_type: str = "application/pdf",
) -> httpx.Response:
    return await client.post("/v1/files", files={"file": (filename, data, content_type)}, headers=headers)


async def uploaded(client: httpx.AsyncClient, headers: dict[str, str], data: bytes, filename: str = "doc.pdf",
                   content_type: str = "application/pdf") -> str:  # fmt: skip
    response = await upload(client, headers, data, filename, content_type)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def make_enterprise(client: httpx.AsyncClient, headers: dict[str, str], *, verify: bool = True) -> str:
    from .samples import pdf

    certificate = await uploaded(client, headers, pdf(1), "licence.pdf")
    body = {"name": unique("园区企业"), "credit_code": credit_code(), "certificate_file_id": certificate}
    response = await client.post("/v1/enterprises", json=body, headers=headers)
    assert response.status_code == 201, response.text
    enterprise_id = str(response.json()["id"])
    if verify:
        review = await client.post(
            f"/v1/enterprises/{enterprise_id}/review", json={"decision": "verify"}, headers=ADMIN
        )
        assert review.status_code == 200, review.text
    return enterprise_id


def member(enterprise_id: str | None = None) -> tuple[str, dict[str, str]]:
    """A new enterprise user (optionally a member by the token's enterprise_id claim)."""
    user = unique("ent")
    claims = {"enterprise_id": enterprise_id} if enterprise_id else {}
    return user, auth(user, "enterprise", **claims)


async def verified_member(client: httpx.AsyncClient) -> tuple[str, dict[str, str], str]:
    """A new enterprise user and the verified enterprise they registered."""
    user, headers = member()
    enterprise_id = await make_enterprise(client, headers)
    return user, headers, enterprise_id


async def apply(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    item_id: str,
    form: dict[str, Any] | None = None,
    materials: dict[str, str] | None = None,
    *,
    lang: str | None = None,
    **extra: Any,
) -> httpx.Response:
    body = {"item_id": item_id, "form": form if form is not None else GOOD_FORM, "materials": materials or {}}
    sent = {**headers, **({"Accept-Language": lang} if lang else {})}
    return await client.post("/v1/applications", json={**body, **extra}, headers=sent)


GOOD_FORM: dict[str, Any] = {"amount": 5000, "contact": "boss@corp.example"}


async def eventually(probe: Any, what: str, timeout: float = 30.0) -> Any:
    """Poll `probe` (an async callable) until it returns something truthy."""
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def get_order(
    client: httpx.AsyncClient, order_id: str, headers: dict[str, str] = STAFF
) -> dict[str, Any]:
    response = await client.get(f"/v1/orders/{order_id}", headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def wait_status(client: httpx.AsyncClient, order_id: str, status: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        order = await get_order(client, order_id)
        return order if order["status"] == status else None

    found: dict[str, Any] = await eventually(probe, f"order {order_id} to be {status}")
    return found


async def make_order(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, **item_fields: Any
) -> dict[str, Any]:
    """An accepted application's order (an item without materials or approval unless given), as the
    applicant sees it. With no `headers`, a new verified enterprise user applies."""
    if headers is None:
        _, headers, _ = await verified_member(client)
    item = await make_item(client, **{"materials": [], **item_fields})
    response = await apply(client, headers, item["id"])
    assert response.status_code == 201 and response.json()["status"] == "accepted", response.text
    return await get_order(client, response.json()["order_id"], headers)
