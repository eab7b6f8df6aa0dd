"""The audit rows and outbox events that alliance and committee writes leave (docs/membership.md, "Events and
audit"): their entity, action, diff, event type, aggregate, order and payload, as consumers and auditors read them."""

from __future__ import annotations

import json
import uuid

import asyncpg
import pytest

from tests.membership.test_alliances_api import apply, make_org, move


async def _trail(database, entity_id: str, aggregate_id: str | None = None) -> tuple[list[dict], list[dict]]:
    """(audit rows of `entity_id`, outbox events of `aggregate_id` — default the same id), oldest first."""
    conn = await asyncpg.connect(database.admin_url)
    try:
        audits = await conn.fetch(
            "select entity, action, diff from membership.audit_log where entity_id=$1 order by occurred_at",
            uuid.UUID(entity_id),
        )
        events = await conn.fetch(
            "select type, aggregate_type, seq, payload from membership.outbox where aggregate_id=$1 order by seq",
            uuid.UUID(aggregate_id or entity_id),
        )
    finally:
        await conn.close()
    return (
        [{"entity": a["entity"], "action": a["action"], "diff": json.loads(a["diff"])} for a in audits],
        [
            {"type": e["type"], "aggregate_type": e["aggregate_type"], "seq": e["seq"], **json.loads(e["payload"])}
            for e in events
        ],
    )


async def test_an_alliance_create_update_and_delete_leave_their_trail(membership_client, database):
    c = membership_client
    name = f"化工产教融合共同体{uuid.uuid4().hex[:6]}"
    r = await c.post(
        "/v1/alliances",
        json={"name": name, "kind": "industry_community", "level": "national", "industry_focus": ["化工"]},
    )
    assert r.status_code == 201, r.text
    a = r.json()["id"]
    r = await c.patch(f"/v1/alliances/{a}", json={"charter": "第一章 总则"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["version"] == 2
    # Sending what is already there changes nothing: same version, no audit row, no event.
    r = await c.patch(f"/v1/alliances/{a}", json={"charter": "第一章 总则", "level": "national"})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.headers["etag"] == '"2"'
    assert (await c.delete(f"/v1/alliances/{a}", headers={"If-Match": '"2"'})).status_code == 204

    audits, events = await _trail(database, a)
    assert [(x["entity"], x["action"]) for x in audits] == [
        ("alliance", "create"),
        ("alliance", "update"),
        ("alliance", "delete"),
    ]
    assert audits[0]["diff"] == {
        "name": [None, name],
        "kind": [None, "industry_community"],
        "level": [None, "national"],
        "entity_run": [None, False],
        "legal_person_status": [None, "none"],
        "lead_org_ids": [None, []],
        "industry_focus": [None, ["化工"]],
    }
    assert audits[1]["diff"] == {"charter": [None, "第一章 总则"]}
    assert audits[2]["diff"]["charter"] == ["第一章 总则", None] and audits[2]["diff"]["name"] == [name, None]
    assert [(e["type"], e["aggregate_type"], e["seq"]) for e in events] == [
        ("alliance.created", "alliance", 1),
        ("alliance.updated", "alliance", 2),
        ("alliance.deleted", "alliance", 3),
    ]
    assert set(events[0]) - {"type", "aggregate_type", "seq"} == {
        "id",
        "name",
        "kind",
        "level",
        "founded_on",
        "seat_region_code",
        "seat_park",
        "entity_run",
        "legal_person_status",
        "legal_person_registration_no",
        "guiding_body",
        "lead_org_ids",
        "charter",
        "membership_rules",
        "industry_focus",
    }
    assert events[0]["id"] == a and events[0]["charter"] is None
    assert events[1]["changed"] == {"charter": "第一章 总则"} and events[2]["id"] == a


async def test_renaming_an_alliance_to_a_taken_name_is_a_conflict_and_writes_nothing(membership_client, database):
    c = membership_client
    taken = f"潍坊市域产教联合体{uuid.uuid4().hex[:6]}"
    assert (
        await c.post("/v1/alliances", json={"name": taken, "kind": "city_consortium", "level": "municipal"})
    ).status_code == 201
    r = await c.post(
        "/v1/alliances",
        json={"name": f"淄博市域产教联合体{uuid.uuid4().hex[:6]}", "kind": "city_consortium", "level": "municipal"},
    )
    b = r.json()["id"]
    r = await c.patch(f"/v1/alliances/{b}", json={"name": taken})
    assert r.status_code == 409 and r.json()["type"].endswith("duplicate-alliance")
    again = await c.get(f"/v1/alliances/{b}")
    assert again.json()["version"] == 1 and again.json()["name"] != taken
    audits, events = await _trail(database, b)
    assert [x["action"] for x in audits] == ["create"] and [e["type"] for e in events] == ["alliance.created"]


async def test_a_committee_its_seats_and_positions_are_one_stream_of_events(membership_client, database):
    c = membership_client
    r = await c.post(
        "/v1/alliances",
        json={
            "name": f"技工教育联盟{uuid.uuid4().hex[:6]}",
            "kind": "technical_education_alliance",
            "level": "municipal",
        },
    )
    a = r.json()["id"]
    org = await make_org(c, "某技师学院", "technician_college", "370302")
    membership = await apply(c, a, org, "2020-01-01")
    await move(c, membership, "active", "2020-02-01")
    r = await c.post(
        "/v1/committees",
        json={"alliance_id": a, "name": "专业建设工作委员会", "body_type": "working_committee", "description": "说明"},
    )
    assert r.status_code == 201, r.text
    k = r.json()["id"]
    r = await c.patch(f"/v1/committees/{k}", json={"domain": "机电"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["version"] == 2
    r = await c.post(
        f"/v1/committees/{k}/seats", json={"org_id": org, "seat_role": "director_unit", "start_on": "2021-01-01"}
    )
    assert r.status_code == 201, r.text
    seat = r.json()["id"]
    r = await c.post(f"/v1/committees/{k}/seats/{seat}/end", json={"end_on": "2022-12-31", "reason": "换届"})
    assert r.status_code == 200 and r.json()["end_on"] == "2022-12-31"

    audits, events = await _trail(database, k)
    assert [(x["entity"], x["action"]) for x in audits] == [("committee", "created"), ("committee", "updated")]
    assert audits[0]["diff"] == {
        "alliance_id": [None, a],
        "name": [None, "专业建设工作委员会"],
        "body_type": [None, "working_committee"],
    }
    assert audits[1]["diff"] == {"domain": [None, "机电"]}
    assert [(e["type"], e["aggregate_type"], e["seq"]) for e in events] == [
        ("committee.created", "committee", 1),
        ("committee.updated", "committee", 2),
        ("committee_seat.created", "committee", 3),
        ("committee_seat.ended", "committee", 4),
    ]
    assert events[0] == {
        "type": "committee.created",
        "aggregate_type": "committee",
        "seq": 1,
        "id": k,
        "alliance_id": a,
        "name": "专业建设工作委员会",
        "body_type": "working_committee",
        "domain": None,
    }
    assert events[1]["domain"] == "机电" and events[2]["id"] == seat and events[3]["reason"] == "换届"
    seat_audits, _ = await _trail(database, seat)
    assert [(x["entity"], x["action"]) for x in seat_audits] == [
        ("committee_seat", "created"),
        ("committee_seat", "ended"),
    ]


@pytest.mark.parametrize("path", ["/v1/alliances/{id}", "/v1/committees/{id}"])
async def test_an_unknown_id_is_the_noun_s_404(membership_client, path):
    r = await membership_client.get(path.format(id=uuid.uuid4()))
    slug = "alliance-not-found" if "alliances" in path else "committee-not-found"
    assert r.status_code == 404 and r.json()["type"].endswith(slug)
    assert r.headers["content-type"].startswith("application/problem+json")
