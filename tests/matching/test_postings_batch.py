"""`POST /v1/{demands|offers}/batch`: many drafts in one request, one answer per item, idempotent, all-or-nothing
on request, and never a posting for another organization (docs/matching-core.md)."""

from __future__ import annotations

import json
import uuid

import asyncpg

from tests.matching.conftest import MatchingPlatform, demand_body, offer_body


async def test_valid_items_are_saved_and_invalid_ones_answer_their_problem(mp: MatchingPlatform):
    enterprise = await mp.new_org("enterprise")
    owner = mp.as_org(enterprise)
    items = [
        demand_body(enterprise, title="订单班一"),
        demand_body(enterprise, major_codes=["4601"]),
        demand_body(enterprise, title="订单班二", period_start="2027-09-01", period_end="2027-01-01"),
        demand_body(enterprise, title="订单班三"),
    ]
    r = await owner.post("/v1/demands/batch", json={"items": items})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["committed"], answer["created"], answer["failed"]) == (True, 2, 2)
    assert [x["status"] for x in answer["results"]] == [201, 422, 422, 201]
    assert answer["results"][1]["problem"]["errors"][0]["loc"] == ["body", "items", 1, "major_codes"]
    assert answer["results"][2]["problem"]["errors"][0]["loc"] == ["body", "items", 2, "period_end"]
    listed = (await owner.get("/v1/demands", params={"org_id": enterprise})).json()["items"]
    assert sorted(d["title"] for d in listed) == ["订单班一", "订单班三"]
    assert {d["status"] for d in listed} == {"draft"}


async def test_an_atomic_batch_with_a_bad_item_saves_nothing(mp: MatchingPlatform):
    school = await mp.new_org()
    owner = mp.as_org(school)
    items = [offer_body(school), offer_body(school, count=0)]
    r = await owner.post("/v1/offers/batch", params={"atomic": "true"}, json={"items": items})
    assert r.status_code == 422
    assert [x["status"] for x in r.json()["results"]] == [424, 422]
    assert (await owner.get("/v1/offers", params={"org_id": school})).json()["items"] == []


async def test_a_batch_posting_for_another_organization_is_403_and_saves_nothing(mp: MatchingPlatform):
    school, other = await mp.new_org(), await mp.new_org()
    owner = mp.as_org(school)
    r = await owner.post("/v1/offers/batch", json={"items": [offer_body(school), offer_body(other)]})
    assert r.status_code == 403 and r.json()["items"] == [1]
    assert (await owner.get("/v1/offers", params={"org_id": school})).json()["items"] == []


async def test_a_retried_batch_is_answered_from_its_first_run(mp: MatchingPlatform):
    school = await mp.new_org()
    owner = mp.as_org(school)
    headers = {"Idempotency-Key": f"offers-batch-{school}"}
    first = await owner.post("/v1/offers/batch", json={"items": [offer_body(school)]}, headers=headers)
    again = await owner.post("/v1/offers/batch", json={"items": [offer_body(school)]}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len((await owner.get("/v1/offers", params={"org_id": school})).json()["items"]) == 1


async def test_more_than_1000_items_are_refused(mp: MatchingPlatform):
    school = await mp.new_org()
    r = await mp.as_org(school).post("/v1/offers/batch", json={"items": [offer_body(school)] * 1001})
    assert r.status_code in (413, 422), r.text
    assert (await mp.as_org(school).get("/v1/offers", params={"org_id": school})).json()["items"] == []


async def test_a_batch_audits_and_announces_each_posting_as_the_single_create_does(mp: MatchingPlatform, database):
    """The batch writes its rows, audit rows and events set-based (services/matching/batches.py); an auditor or a
    subscriber sees the same record per posting as for `POST /v1/offers`."""
    school = await mp.new_org("higher_vocational")
    owner = mp.as_org(school)
    single = (await owner.post("/v1/offers", json=offer_body(school, title="单条"))).json()
    r = await owner.post("/v1/offers/batch", json={"items": [offer_body(school, title="批量")]})
    batched = r.json()["results"][0]["id"]
    conn = await asyncpg.connect(database.admin_url)
    try:

        async def trail(offer_id: str) -> tuple:
            audit = await conn.fetchrow(
                "select action, actor, diff from matching.audit_log where entity_id = $1",
                uuid.UUID(offer_id),
            )
            event = await conn.fetchrow(
                "select type, seq, payload from matching.outbox where aggregate_id = $1",
                uuid.UUID(offer_id),
            )
            strip = lambda text: text.replace(offer_id, "ID").replace("单条", "T").replace("批量", "T")  # noqa: E731
            return audit["action"], audit["actor"], strip(audit["diff"]), event["type"], event["seq"], event["payload"]

        one, many = await trail(single["id"]), await trail(batched)
    finally:
        await conn.close()
    assert one[:2] == many[:2] == ("create", one[1]) and one[3:5] == many[3:5] == ("offer.created", 1)
    assert one[2] == many[2]

    def same(payload: str, offer_id: str) -> dict:
        p = json.loads(payload)
        return {k: v for k, v in p.items() if k not in ("id", "title", "created_at", "updated_at")} | {
            "id": p["id"] == offer_id
        }

    assert same(one[5], single["id"]) == same(many[5], batched)
