"""Organization status: dated active ⇄ inactive events through the kernel StateMachine."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import asyncpg

from services.membership.organizations.service import today
from tests.membership.test_organizations_structure import create


async def test_events_drive_the_status_and_are_kept(membership_client, database):
    o = await create(membership_client)
    url = f"/v1/organizations/{o['id']}/status-changes"
    r = await membership_client.post(url, json={"to": "inactive", "effective_on": "2024-06-30", "reason": "企业注销"})
    assert r.status_code == 201, r.text
    event = r.json()
    assert event["from"] == "active" and event["to"] == "inactive" and event["effective_on"] == "2024-06-30"
    assert event["actor"] == "user:test-platform-admin" and event["reason"] == "企业注销"
    got = await membership_client.get(f"/v1/organizations/{o['id']}")
    assert got.json()["status"] == "inactive" and got.headers["etag"] == '"2"'
    r = await membership_client.post(url, json={"to": "active"})  # effective today by default
    assert r.status_code == 201 and r.json()["effective_on"] == today().isoformat()
    page = (await membership_client.get(url)).json()
    assert [(e["from"], e["to"]) for e in page["items"]] == [("active", "inactive"), ("inactive", "active")]
    first = (await membership_client.get(url, params={"limit": 1})).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = (await membership_client.get(url, params={"limit": 1, "cursor": first["next_cursor"]})).json()
    assert rest["items"][0]["to"] == "active" and rest["next_cursor"] is None
    listed = await membership_client.get("/v1/organizations", params={"status": "active", "q": o["name"]})
    assert [i["id"] for i in listed.json()["items"]] == [o["id"]]
    conn = await asyncpg.connect(database.admin_url)
    try:
        events = await conn.fetch(
            "select type, payload from membership.outbox where aggregate_id=$1 order by seq", uuid.UUID(o["id"])
        )
        audit = await conn.fetch(
            "select action, diff from membership.audit_log where entity_id=$1 order by occurred_at", uuid.UUID(o["id"])
        )
    finally:
        await conn.close()
    assert [e["type"] for e in events] == [
        "organization.created",
        "organization.status_changed",
        "organization.status_changed",
    ]
    assert '"effective_on": "2024-06-30"' in events[1]["payload"]
    assert [a["action"] for a in audit] == ["create", "status_change", "status_change"]
    assert '"status": ["active", "inactive"]' in audit[1]["diff"]


async def test_illegal_moves_and_dates(membership_client):
    o = await create(membership_client)
    url = f"/v1/organizations/{o['id']}/status-changes"
    r = await membership_client.post(url, json={"to": "active"})
    assert r.status_code == 409 and r.json()["type"].endswith("illegal-transition")
    assert r.json()["allowed"] == ["inactive"]
    assert (await membership_client.post(url, json={"to": "inactive", "effective_on": "2025-03-01"})).status_code == 201
    early = await membership_client.post(url, json={"to": "active", "effective_on": "2025-02-28"})
    assert early.status_code == 409 and early.json()["latest_effective_on"] == "2025-03-01"
    future = (today() + timedelta(days=1)).isoformat()
    r = await membership_client.post(
        url, json={"to": "active", "effective_on": future}, headers={"Accept-Language": "en"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "future"
    assert r.json()["errors"][0]["msg"] == "effective_on cannot be in the future"
    same_day = await membership_client.post(url, json={"to": "active", "effective_on": "2025-03-01"})
    assert same_day.status_code == 201
    for body in ({"to": "closed"}, {"to": "active", "effective_on": "2025-13-01"}, {"to": "active", "x": 1}, {}):
        assert (await membership_client.post(url, json=body)).status_code == 422, body
    assert (await membership_client.get(f"/v1/organizations/{uuid.uuid4()}/status-changes")).status_code == 404


async def test_idempotent_and_race_free(membership_client):
    o = await create(membership_client)
    url = f"/v1/organizations/{o['id']}/status-changes"
    h = {"Idempotency-Key": "s-" + uuid.uuid4().hex}
    a = await membership_client.post(url, json={"to": "inactive"}, headers=h)
    b = await membership_client.post(url, json={"to": "inactive"}, headers=h)
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    # five concurrent re-activations: the row lock lets exactly one through, the rest are illegal
    results = await asyncio.gather(*(membership_client.post(url, json={"to": "active"}) for _ in range(5)))
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409, 409]
    page = (await membership_client.get(url)).json()
    assert len(page["items"]) == 2
