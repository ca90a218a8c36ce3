"""Cross-channel process endpoints: versioned configuration, an order's position, completion, hand-off,
its preview, history, and who may do each."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from sealflow_orders.models import order_progress, orders
from sealkit.testing import auth

from .helpers import ADMIN, MONITOR, STAFF, is_problem, make_item
from .process_helpers import (
    PAIRS,
    PHONE,
    STRANGER,
    WEB,
    complete,
    configured_item,
    handoff,
    nodes,
    process,
    put_channel,
    put_mapping,
    view,
)
from .seed import seed_order

# --- configuration -------------------------------------------------------------------------------


async def test_configuration_is_admin_only_versioned_and_readable_by_everyone(
    client: httpx.AsyncClient,
) -> None:
    item = str((await make_item(client))["id"])
    path = f"/v1/catalog/items/{item}/processes"
    assert is_problem(await client.put(f"{path}/web", json=nodes(WEB)), 401)
    assert is_problem(await client.put(f"{path}/web", json=nodes(WEB), headers=STAFF), 403)
    empty = await client.get(path, headers=STRANGER)
    assert empty.json() == {"item_id": item, "version": 0, "channels": {}, "mappings": []}
    assert (await put_channel(client, item, "web", WEB)).json()["version"] == 1
    assert (await put_channel(client, item, "web", WEB)).json()["version"] == 1  # unchanged: no new version
    assert (await put_channel(client, item, "phone", PHONE)).json()["version"] == 2
    mapped = await put_mapping(client, item, "web", "phone", PAIRS)
    assert mapped.json()["version"] == 3
    assert mapped.json()["mappings"] == [
        {"from_channel": "phone", "to_channel": "web", "pairs": [[b, a] for a, b in PAIRS]}
    ]
    current = (await client.get(path, headers=STRANGER)).json()
    assert current["version"] == 3 and list(current["channels"]) == ["web", "phone"]
    assert current["channels"]["web"][1] == {"key": "form", "name": "Application form"}
    first = (await client.get(path, params={"version": 1}, headers=STRANGER)).json()
    assert list(first["channels"]) == ["web"] and first["mappings"] == []
    assert is_problem(await client.get(path, params={"version": 9}, headers=STRANGER), 404)
    assert is_problem(await put_channel(client, "0195e5a0-0000-7000-8000-000000000000", "web", WEB), 404)


async def test_bad_nodes_are_422_with_their_place(client: httpx.AsyncClient) -> None:
    item = str((await make_item(client))["id"])
    duplicate = await put_channel(client, item, "web", [("a", "A"), ("b", "B"), ("a", "again")])
    assert is_problem(duplicate, 422)
    assert duplicate.json()["errors"] == [
        {"loc": ["body", "nodes", 2, "key"], "msg": "node key 'a' appears more than once"}
    ]
    bodies: list[dict[str, Any]] = [
        {"nodes": []},
        {"nodes": [{"key": "a b", "name": "x"}]},
        {"nodes": [{"key": "a"}]},
    ]
    for bad in bodies:
        response = await client.put(f"/v1/catalog/items/{item}/processes/web", json=bad, headers=ADMIN)
        assert is_problem(response, 422), bad
    assert is_problem(await put_channel(client, item, "Web!", WEB), 422)


async def test_mappings_refuse_unknown_keys_fold_duplicates_and_serve_both_directions(
    client: httpx.AsyncClient,
) -> None:
    item = str((await make_item(client))["id"])
    await put_channel(client, item, "web", WEB)
    await put_channel(client, item, "phone", PHONE)
    unknown = await put_mapping(
        client, item, "web", "phone", [["identity", "caller"], ["nope", "details"], ["sign", "caller2"]]
    )
    assert is_problem(unknown, 422)
    assert [e["loc"] for e in unknown.json()["errors"]] == [["body", "pairs", 1, 0], ["body", "pairs", 2, 1]]
    assert is_problem(
        await put_mapping(client, item, "web", "app", [["identity", "x"]]), 422
    )  # no such channel
    assert is_problem(await put_mapping(client, item, "web", "web", [["identity", "form"]]), 422)
    assert is_problem(await put_mapping(client, item, "web", "phone", []), 422)
    folded = await put_mapping(client, item, "web", "phone", [*PAIRS, PAIRS[0], PAIRS[1]])
    assert folded.json()["mappings"][0]["pairs"] == [[b, a] for a, b in PAIRS]
    # the same mapping given the other way round replaces it rather than adding a second one
    backwards = await put_mapping(client, item, "phone", "web", [["caller", "identity"]])
    assert backwards.json()["mappings"] == [
        {"from_channel": "phone", "to_channel": "web", "pairs": [["caller", "identity"]]}
    ]
    assert is_problem(
        await client.put(
            f"/v1/catalog/items/{item}/process-mappings",
            json={"from_channel": "web", "to_channel": "phone", "pairs": [["a"]]},
            headers=ADMIN,
        ),
        422,
    )


async def test_a_mapped_node_cannot_be_removed_before_the_mapping_changes(client: httpx.AsyncClient) -> None:
    item = await configured_item(client)
    refused = await put_channel(client, item, "phone", PHONE[:2])
    assert is_problem(refused, 409) and "confirm" in refused.json()["detail"]
    await put_mapping(client, item, "web", "phone", PAIRS[:3])
    assert (await put_channel(client, item, "phone", PHONE[:2])).status_code == 200


# --- running an order ----------------------------------------------------------------------------


async def test_an_order_starts_at_its_channels_first_node_and_readers_see_it(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    item = await configured_item(client)
    order = await seed_order(app, item, channel="web")
    expected: tuple[str, list[str], list[str], str | None] = (
        "web",
        [],
        ["identity", "form", "materials", "sign"],
        "identity",
    )
    assert view(await process(client, order)) == expected
    assert view(await process(client, order, order.colleague_auth)) == expected
    assert view(await process(client, order, MONITOR)) == expected
    assert (
        view(await process(client, order, auth("x", "enterprise", enterprise_id=str(order.enterprise_id))))
        == expected
    )
    assert is_problem(await process(client, order, STRANGER), 404)
    assert is_problem(await client.get(f"/v1/orders/{order.order_id}/process"), 401)
    body = (await process(client, order)).json()
    assert body["nodes"][0] == {"key": "identity", "name": "Identity", "completed": False}


async def test_an_item_without_a_process_is_404(client: httpx.AsyncClient, app: FastAPI) -> None:
    item = str((await make_item(client))["id"])
    order = await seed_order(app, item)
    assert is_problem(await process(client, order), 404)
    await put_channel(client, item, "phone", PHONE)
    assert is_problem(await process(client, order), 404)  # the order is on web, which has no nodes


async def test_only_the_next_node_of_the_current_channel_completes(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    order = await seed_order(app, await configured_item(client))
    assert view(await complete(client, order, "identity", "web")) == (
        "web",
        ["identity"],
        ["form", "materials", "sign"],
        "form",
    )
    skipped = await complete(client, order, "sign", "web")
    assert is_problem(skipped, 409)
    assert skipped.json()["next_node"] == "form" and "'form'" in skipped.json()["detail"]
    assert is_problem(await complete(client, order, "identity", "web"), 409)  # already done
    assert is_problem(await complete(client, order, "unknown", "web"), 409)
    other_channel = await complete(client, order, "caller", "phone")
    assert is_problem(other_channel, 409) and other_channel.json()["channel"] == "web"
    assert is_problem(await complete(client, order, "a b", "web"), 422)
    assert view(await complete(client, order, "form", "web", STAFF))[3] == "materials"


async def test_who_may_move_a_process(client: httpx.AsyncClient, app: FastAPI) -> None:
    order = await seed_order(app, await configured_item(client))
    assert is_problem(await complete(client, order, "identity", "web", order.colleague_auth), 403)
    assert is_problem(await complete(client, order, "identity", "web", STRANGER), 404)
    assert is_problem(await complete(client, order, "identity", "web", MONITOR), 403)
    assert is_problem(await handoff(client, order, "phone", order.colleague_auth), 403)
    assert is_problem(
        await client.post(f"/v1/orders/{order.order_id}/handoff", json={"to_channel": "phone"}), 401
    )
    assert view(await process(client, order))[1] == []


async def test_a_closed_order_no_longer_moves(client: httpx.AsyncClient, app: FastAPI) -> None:
    order = await seed_order(app, await configured_item(client), status="completed")
    assert is_problem(await complete(client, order, "identity", "web"), 409)
    assert is_problem(await handoff(client, order, "phone"), 409)


async def test_hand_off_carries_mapped_progress_and_the_order_continues_there(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    order = await seed_order(app, await configured_item(client))
    for node in ("identity", "form"):
        await complete(client, order, node, "web")
    path = f"/v1/orders/{order.order_id}/handoff-preview"
    preview = await client.get(path, params={"to_channel": "phone"}, headers=order.applicant_auth)
    # `details` needs both form and materials: only `caller` is carried over
    assert view(preview) == ("phone", ["caller"], ["details", "confirm"], "details")
    assert view(await process(client, order))[0] == "web"  # the preview changed nothing
    moved = await handoff(client, order, "phone")
    assert moved.json() == preview.json()
    assert view(await process(client, order)) == view(preview)
    assert is_problem(await complete(client, order, "materials", "web"), 409)  # web is no longer current
    assert view(await complete(client, order, "details", "phone"))[3] == "confirm"
    # back to web: materials is done by way of `details`, and what web already had stays done
    assert view(await handoff(client, order, "web", STAFF)) == (
        "web",
        ["identity", "form", "materials"],
        ["sign"],
        "sign",
    )
    async with app.state.db.transaction() as conn:
        channel = await conn.scalar(sa.select(orders.c.channel).where(orders.c.id == order.order_id))
    assert channel == "web"


async def test_hand_off_refusals(client: httpx.AsyncClient, app: FastAPI) -> None:
    item = await configured_item(client)
    await put_channel(client, item, "app", [("start", "Start")])
    order = await seed_order(app, item)
    assert is_problem(await handoff(client, order, "web"), 409)  # the same channel
    assert is_problem(await handoff(client, order, "app"), 409)  # no mapping web ↔ app
    assert is_problem(await handoff(client, order, "fax"), 409)  # no such channel
    preview = await client.get(
        f"/v1/orders/{order.order_id}/handoff-preview",
        params={"to_channel": "app"},
        headers=order.applicant_auth,
    )
    assert is_problem(preview, 409)
    stranger = await client.get(
        f"/v1/orders/{order.order_id}/handoff-preview", params={"to_channel": "phone"}, headers=STRANGER
    )
    assert is_problem(stranger, 404)
    assert is_problem(await handoff(client, order, "Phone!"), 422)


async def test_an_order_keeps_the_process_version_it_started_with(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    item = await configured_item(client)
    old = await seed_order(app, item)
    await put_mapping(client, item, "web", "phone", PAIRS[:3])
    changed = await put_channel(
        client, item, "web", [("identity", "Identity"), ("form", "Form"), ("materials", "Materials")]
    )
    assert changed.json()["version"] == 5
    new = await seed_order(app, item)
    assert view(await process(client, old))[2] == ["identity", "form", "materials", "sign"]
    assert (await process(client, old)).json()["version"] == 3
    assert view(await process(client, new))[2] == ["identity", "form", "materials"]
    # once it has moved, the old order stays on version 3 too
    await complete(client, old, "identity", "web")
    assert (await process(client, old)).json()["version"] == 3


async def test_every_completion_and_hand_off_is_in_the_orders_progress(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    order = await seed_order(app, await configured_item(client))
    await complete(client, order, "identity", "web")
    await handoff(client, order, "phone", STAFF)
    async with app.state.db.transaction() as conn:
        rows = (
            await conn.execute(
                sa.select(order_progress)
                .where(order_progress.c.order_id == UUID(str(order.order_id)))
                .order_by(order_progress.c.at)
            )
        ).all()
    assert [(r.channel, r.by, r.status) for r in rows] == [
        ("web", order.applicant, "dispatched"),
        ("phone", "staff-1", "dispatched"),
    ]
    assert "identity" in rows[0].note and "from web to phone" in rows[1].note
    assert rows[0].at <= rows[1].at
