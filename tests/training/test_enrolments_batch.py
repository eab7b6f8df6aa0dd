"""`POST /v1/enrolments/batch`: per-item results (invalid, unknown learner, duplicate, twice in the batch, seats in
item order), `atomic=true`, the whole batch keyed by `Idempotency-Key`, wrong org → 403, Server-Timing."""

from __future__ import annotations

import asyncio
import uuid

import sqlalchemy as sa

from chanjiao import outbox  # noqa: F401 - the table the events land in
from chanjiao.dates import today
from services.training.db import kernel
from tests.training.enrolment_factories import insert_learners
from tests.training.test_enrolments_api import engine_of, enrolled_count, setup


def items(learners, programme_id, **extra):
    return [{"learner_id": lid, "programme_id": programme_id, **extra} for lid in learners]


async def test_per_item_results_and_seats_in_item_order(tp):
    provider, client, p, learners = await setup(tp, capacity=4, learners=6)
    first = await client.post("/v1/enrolments", json={"learner_id": learners[0], "programme_id": p["id"]})
    assert first.status_code == 201
    body = {
        "items": [
            {"learner_id": learners[0], "programme_id": p["id"]},  # 0 already enrolled
            {"learner_id": learners[1], "programme_id": p["id"]},  # 1 ok
            {"learner_id": "not-a-uuid", "programme_id": p["id"]},  # 2 invalid
            {"learner_id": str(uuid.uuid4()), "programme_id": p["id"]},  # 3 no such learner
            {"learner_id": learners[2], "programme_id": p["id"]},  # 4 ok
            {"learner_id": learners[2], "programme_id": p["id"]},  # 5 twice in the batch
            {"learner_id": learners[3], "programme_id": p["id"]},  # 6 ok (the last seat)
            {"learner_id": learners[4], "programme_id": p["id"]},  # 7 full
            {"learner_id": learners[5], "programme_id": str(uuid.uuid4())},  # 8 no such programme
        ]
    }
    r = await client.post("/v1/enrolments/batch", json=body)
    assert r.status_code == 200, r.text
    assert "batch;dur=" in r.headers["server-timing"] and "enrol;dur=" in r.headers["server-timing"]
    res = r.json()
    statuses = [x["status"] for x in res["results"]]
    assert statuses == [409, 201, 422, 404, 201, 409, 201, 409, 422]
    assert res["created"] == 3 and res["failed"] == 6 and res["committed"] is True
    assert res["results"][0]["existing_id"] == first.json()["id"]
    assert res["results"][7]["problem"]["type"].endswith("programme-full")
    assert res["results"][2]["problem"]["errors"][0]["loc"] == ["body", "items", 2, "learner_id"]
    assert res["results"][8]["problem"]["errors"][0]["loc"] == ["body", "items", 8, "programme_id"]
    assert await enrolled_count(tp, p["id"]) == 4
    listed = await client.get("/v1/enrolments", params={"programme_id": p["id"]})
    assert len(listed.json()["items"]) == 4
    created = [x["id"] for x in res["results"] if x["status"] == 201]
    got = await client.get(f"/v1/enrolments/{created[0]}")
    assert got.status_code == 200 and got.json()["status"] == "enrolled"
    # ONE event announces the batch: its enrolments in item order (not one event per enrolment).
    done = await client.post(
        f"/v1/enrolments/{created[0]}/transitions", json={"to": "dropped", "effective_on": str(today())}
    )
    assert done.status_code == 200, done.text
    async with engine_of(tp).connect() as conn:
        o = kernel.outbox.c
        announced = (
            await conn.execute(
                sa.select(o.aggregate_type, o.aggregate_id, o.seq, o.payload).where(o.type == "enrolment.batch_created")
            )
        ).all()
        own = (
            await conn.execute(
                sa.select(o.type, o.seq).where(o.aggregate_id.in_([uuid.UUID(i) for i in created])).order_by(o.seq)
            )
        ).all()
        audits = (
            await conn.execute(sa.select(kernel.audit.c.diff).where(kernel.audit.c.entity == "enrolment_batch"))
        ).all()
    mine = [a for a in announced if a.payload["enrolment_ids"] == created]
    assert len(mine) == 1 and mine[0].aggregate_type == "enrolment_batch" and mine[0].seq == 1
    assert mine[0].payload["created"] == 3 and mine[0].payload["programme_ids"] == [p["id"]]
    assert mine[0].payload["provider_org_ids"] == [str(provider)]
    assert mine[0].payload["batch_id"] == str(mine[0].aggregate_id) == res["batch_id"]
    # An enrolment's own events start after the batch: its first (the drop) is seq 1 of its aggregate.
    assert [(e.type, e.seq) for e in own] == [("enrolment.transitioned", 1)]
    assert any(sorted(a.diff["enrolment_ids"][1]) == sorted(created) for a in audits)


async def test_atomic_batch_saves_nothing_when_an_item_fails(tp):
    provider, client, p, learners = await setup(tp, capacity=None, learners=3)
    body = {"items": [*items(learners, p["id"]), {"learner_id": str(uuid.uuid4()), "programme_id": p["id"]}]}
    r = await client.post("/v1/enrolments/batch", params={"atomic": "true"}, json=body)
    assert r.status_code == 422
    assert r.json()["committed"] is False
    assert [x["status"] for x in r.json()["results"]] == [424, 424, 424, 404]
    assert await enrolled_count(tp, p["id"]) == 0
    r = await client.post("/v1/enrolments/batch", params={"atomic": "true"}, json={"items": items(learners, p["id"])})
    assert r.status_code == 200 and r.json()["created"] == 3
    assert await enrolled_count(tp, p["id"]) == 3


async def test_idempotent_replay_of_the_whole_batch(tp):
    provider, client, p, learners = await setup(tp, capacity=10, learners=3)
    body = {"items": items(learners, p["id"])}
    first = await client.post("/v1/enrolments/batch", json=body, headers={"Idempotency-Key": "batch-1"})
    assert first.status_code == 200 and first.json()["created"] == 3
    again = await client.post("/v1/enrolments/batch", json=body, headers={"Idempotency-Key": "batch-1"})
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await enrolled_count(tp, p["id"]) == 3
    other = await client.post(
        "/v1/enrolments/batch", json={"items": body["items"][:1]}, headers={"Idempotency-Key": "batch-1"}
    )
    assert other.status_code == 422
    # without the key the same batch is three duplicates
    dup = await client.post("/v1/enrolments/batch", json=body)
    assert [x["status"] for x in dup.json()["results"]] == [409, 409, 409]


async def test_another_orgs_programme_makes_the_batch_403(tp):
    provider, client, p, learners = await setup(tp, learners=2)
    mine = await tp.new_org("training_company")
    r = await tp.as_org(mine).post("/v1/enrolments/batch", json={"items": items(learners, p["id"])})
    assert r.status_code == 403
    assert await enrolled_count(tp, p["id"]) == 0


async def test_limits_and_only_the_providers_own_learners(tp):
    provider, client, p, learners = await setup(tp, learners=1)
    r = await client.post("/v1/enrolments/batch", json={"items": []})
    assert r.status_code == 422
    r = await client.post("/v1/enrolments/batch", json={"items": [{}] * 1001})
    assert r.status_code == 422
    more = await insert_learners(engine_of(tp), 50, owner_org_id=provider)
    r = await client.post("/v1/enrolments/batch", json={"items": items([*learners, *more], p["id"])})
    assert r.json()["created"] == 51
    # another organization's records are 404 items, like missing ones, and nothing of them changes
    school = await tp.new_org()
    theirs = await insert_learners(engine_of(tp), 2, owner_org_id=school)
    r = await client.post("/v1/enrolments/batch", json={"items": items(theirs, p["id"])})
    assert [x["status"] for x in r.json()["results"]] == [404, 404]
    assert all(x["problem"]["type"].endswith("learner-not-found") for x in r.json()["results"])
    assert (await tp.as_org(provider).get(f"/v1/learners/{theirs[0]}")).status_code == 404


async def test_concurrent_batches_and_single_enrolments_share_the_seats(tp):
    """Three overlapping rosters and two single enrolments for one order class of 6 seats, all at once, each on its
    own connection and committed: exactly 6 seats taken, nobody enrolled twice, every other item a 409."""
    provider, client, p, learners = await setup(tp, capacity=6, learners=10)
    clerks = [tp.as_org(provider, "org_staff") for _ in range(5)]
    rosters = [learners[0:6], learners[3:9], list(reversed(learners[4:10]))]
    answers = await asyncio.gather(
        *(clerks[i].post("/v1/enrolments/batch", json={"items": items(r, p["id"])}) for i, r in enumerate(rosters)),
        clerks[3].post("/v1/enrolments", json={"learner_id": learners[9], "programme_id": p["id"]}),
        clerks[4].post("/v1/enrolments", json={"learner_id": learners[0], "programme_id": p["id"]}),
    )
    assert all(a.status_code in (200, 201, 409) for a in answers), [a.text for a in answers]
    item_statuses = [x["status"] for a in answers[:3] for x in a.json()["results"]]
    assert set(item_statuses) <= {201, 409}
    created = item_statuses.count(201) + sum(a.status_code == 201 for a in answers[3:])
    assert created == 6
    assert await enrolled_count(tp, p["id"]) == 6
    listed = (await client.get("/v1/enrolments", params={"programme_id": p["id"], "limit": 100})).json()["items"]
    assert len(listed) == 6 and len({e["learner_id"] for e in listed}) == 6
