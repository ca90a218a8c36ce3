"""Applications: who may apply, the audit over real uploaded files, returns with reasons in two
languages, resubmission that keeps what passed, staff on the applicant's behalf, and a race."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from .helpers import (
    ADMIN,
    GOOD_FORM,
    STAFF,
    apply,
    is_problem,
    make_enterprise,
    make_item,
    member,
    uploaded,
    verified_member,
)
from .samples import pdf, png, truncated_pdf

PLAN = {
    "key": "plan", "name": "Business plan", "required": True, "content_types": ["application/pdf"],
    "max_bytes": 60_000, "min_pages": 3,
}  # fmt: skip
PHOTO = {
    "key": "photo",
    "name": "Site photo",
    "required": False,
    "content_types": ["image/png"],
    "max_bytes": 60_000,
}


def _fields(body: dict[str, Any]) -> dict[str, str]:
    return {p["field"]: p["code"] for p in body["problems"]}


async def test_only_members_of_a_verified_enterprise_apply(client: httpx.AsyncClient) -> None:
    item = await make_item(client, materials=[])
    _, nobody = member()
    assert is_problem(await apply(client, nobody, item["id"]), 403)
    _, pending_user = member()
    await make_enterprise(client, pending_user, verify=False)
    assert is_problem(await apply(client, pending_user, item["id"]), 403)
    assert is_problem(await apply(client, STAFF, item["id"]), 403)
    _, _, enterprise = await verified_member(client)
    _, by_claim = member(enterprise)  # a member by the token's enterprise_id claim
    accepted = await apply(client, by_claim, item["id"])
    assert accepted.status_code == 201 and accepted.json()["status"] == "accepted", accepted.text
    assert accepted.json()["order_id"] and accepted.json()["problems"] == []


async def test_every_problem_at_once_in_the_callers_language(client: httpx.AsyncClient) -> None:
    item = await make_item(client, materials=[PLAN, PHOTO])
    _, user, _ = await verified_member(client)
    photo = await uploaded(client, user, pdf(1), "photo.pdf")
    form = {"amount": "lots"}
    english = await apply(client, user, item["id"], form, {"photo": photo})
    assert english.status_code == 201, english.text
    body = english.json()
    assert body["status"] == "returned" and body["order_id"] is None
    assert _fields(body) == {
        "form.amount": "type",
        "form.contact": "required",
        "materials.plan": "material_missing",
        "materials.photo": "wrong_type",
    }
    assert any("required material 'Business plan'" in p["reason"] for p in body["problems"])
    chinese = await apply(client, user, item["id"], form, {"photo": photo}, lang="zh-CN")
    assert chinese.status_code == 201
    assert "缺少必需的材料「Business plan」" in [p["reason"] for p in chinese.json()["problems"]]


async def test_real_files_are_opened_and_counted(client: httpx.AsyncClient) -> None:
    item = await make_item(client, materials=[PLAN])
    _, user, _ = await verified_member(client)
    cases = {
        "no pages": (pdf(0), "pdf_too_few_pages"),
        "one page": (pdf(1), "pdf_too_few_pages"),
        "encrypted": (pdf(3, password="s3cret"), "pdf_encrypted"),
        "truncated": (truncated_pdf(), "pdf_unreadable"),
        "oversize": (pdf(3, padding=80_000), "too_large"),
    }
    for name, (data, code) in cases.items():
        file_id = await uploaded(client, user, data, f"{name}.pdf")
        response = await apply(client, user, item["id"], GOOD_FORM, {"plan": file_id})
        assert response.status_code == 201, response.text
        assert _fields(response.json()) == {"materials.plan": code}, name
    for data in (pdf(3), pdf(3, password="")):
        good = await apply(client, user, item["id"], GOOD_FORM, {"plan": await uploaded(client, user, data)})
        assert good.json()["status"] == "accepted", good.text


async def test_someone_elses_file_is_a_problem(client: httpx.AsyncClient) -> None:
    item = await make_item(client, materials=[PLAN])
    _, user, _ = await verified_member(client)
    _, other = member()
    theirs = await uploaded(client, other, pdf(3))
    response = await apply(client, user, item["id"], GOOD_FORM, {"plan": theirs})
    assert _fields(response.json()) == {"materials.plan": "file_not_yours"}


async def test_resubmission_keeps_the_materials_that_passed(client: httpx.AsyncClient) -> None:
    item = await make_item(client, materials=[PLAN, PHOTO])
    _, user, _ = await verified_member(client)
    plan = await uploaded(client, user, pdf(3))
    photo = await uploaded(client, user, png(), "photo.png", "image/png")
    first = (await apply(client, user, item["id"], {"amount": 0}, {"plan": plan, "photo": photo})).json()
    assert first["status"] == "returned" and set(_fields(first)) == {"form.amount", "form.contact"}
    url = f"/v1/applications/{first['id']}"
    again = await client.put(url, json={"form": GOOD_FORM}, headers=user)
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "accepted" and again.json()["materials"] == {
        "plan": plan,
        "photo": photo,
    }
    history = again.json()["history"]
    assert [h["action"] for h in history] == ["returned", "accepted"]
    assert history[0]["problems"] and history[0]["by"] == history[1]["by"]
    assert is_problem(await client.put(url, json={"form": GOOD_FORM}, headers=user), 409)


async def test_two_resubmissions_at_once_one_wins(client: httpx.AsyncClient) -> None:
    item = await make_item(client, materials=[PLAN])
    _, user, _ = await verified_member(client)
    plan = await uploaded(client, user, pdf(3))
    first = (await apply(client, user, item["id"], {}, {"plan": plan})).json()
    url = f"/v1/applications/{first['id']}"
    answers = await asyncio.gather(
        *(client.put(url, json={"form": GOOD_FORM}, headers=user) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    final = await client.get(url, headers=user)
    assert final.json()["status"] == "accepted" and len(final.json()["history"]) == 2


async def test_two_resubmissions_that_are_both_returned_still_one_wins(client: httpx.AsyncClient) -> None:
    item = await make_item(client, materials=[PLAN])
    _, user, _ = await verified_member(client)
    first = (await apply(client, user, item["id"], {}, {})).json()
    url = f"/v1/applications/{first['id']}"
    answers = await asyncio.gather(
        *(client.put(url, json={"form": {"amount": i}}, headers=user) for i in (1, 2))
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    winner = next(a for a in answers if a.status_code == 200).json()
    final = (await client.get(url, headers=user)).json()
    assert final["status"] == "returned" and final["form"] == winner["form"] and len(final["history"]) == 2


async def test_who_sees_an_application_and_staff_supplement_it(client: httpx.AsyncClient) -> None:
    item = await make_item(client, materials=[PLAN])
    _, user, _ = await verified_member(client)
    bad = await uploaded(client, user, pdf(1))
    returned = (await apply(client, user, item["id"], GOOD_FORM, {"plan": bad})).json()
    url = f"/v1/applications/{returned['id']}"
    _, stranger, _ = await verified_member(client)
    assert is_problem(await client.get(url, headers=stranger), 404)
    assert is_problem(await client.put(url, json={"form": GOOD_FORM}, headers=stranger), 404)
    assert (await client.get(url, headers=STAFF)).status_code == 200
    # staff may open the files a submission uses, and nothing else of the applicant's
    assert (await client.get(f"/v1/files/{bad}/content", headers=STAFF)).status_code == 200
    staff_file = await uploaded(client, STAFF, pdf(3))
    supplemented = await client.put(
        url, json={"form": GOOD_FORM, "materials": {"plan": staff_file}}, headers=STAFF
    )
    assert supplemented.status_code == 200, supplemented.text
    assert supplemented.json()["status"] == "accepted"
    last = supplemented.json()["history"][-1]
    assert last["by"] == "staff-1" and last["on_behalf"] is True


async def test_inactive_and_unknown_items(client: httpx.AsyncClient) -> None:
    item = await make_item(client, materials=[])
    _, user, _ = await verified_member(client)
    body = {**item, "active": False}
    for key in ("id", "version", "created_at", "updated_at"):
        body.pop(key)
    body["provider"] = {"kind": "internal", "ticket_type": "loans"}
    assert (await client.put(f"/v1/catalog/items/{item['id']}", json=body, headers=ADMIN)).status_code == 200
    assert is_problem(await apply(client, user, item["id"]), 422)
    assert is_problem(await apply(client, user, "0195e5a0-0000-7000-8000-000000000000"), 404)
    assert is_problem(await client.post("/v1/applications", json={"form": {}}, headers=user), 422)
