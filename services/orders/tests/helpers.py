"""Builders shared by the orders tests. Every test makes its own category and items (unique names), so
tests share one database without seeing each other's rows."""

from __future__ import annotations

from typing import Any

import httpx

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
