"""Enrolments through the gateway: enrol (a learner record of the provider, shown as a summary), one per learner and
programme,
capacity as a hard limit under concurrency (two committed transactions racing for the last seat), a drop frees
the seat, dated transitions, completion needs attendance, tenants (403 / 404 / the learner record's owner reads)."""

from __future__ import annotations

import asyncio
import io
import uuid

import sqlalchemy as sa
from openpyxl import load_workbook

from chanjiao.dates import today
from chanjiao.spreadsheets import XLSX
from services.training.enrolments.models import Enrolment
from services.training.programmes.models import Programme
from tests.training.enrolment_factories import insert_learners

PROGRAMME = {
    "name": "2025级数控技术订单班",
    "kind": "order_class",
    "start_on": "2025-09-01",
    "end_on": "2026-06-30",
    "planned_hours": 480,
    "delivery": "offline",
}


def engine_of(tp):
    return tp.platform.upstreams["training"].app.state.engine


async def setup(tp, capacity: int | None = None, learners: int = 1, school: str | None = None):
    provider = await tp.new_org("training_company")
    client = tp.as_org(provider, "org_staff")
    r = await client.post("/v1/programmes", json={**PROGRAMME, "provider_org_id": provider, "capacity": capacity})
    assert r.status_code == 201, r.text
    ids = await insert_learners(engine_of(tp), learners, current_org_id=school, owner_org_id=provider)
    return provider, client, r.json(), ids


async def enrolled_count(tp, programme_id: str) -> int:
    async with engine_of(tp).connect() as conn:
        return (
            await conn.execute(sa.select(Programme.enrolled_count).where(Programme.id == uuid.UUID(programme_id)))
        ).scalar_one()


class TestEnrol:
    async def test_enrol_shows_the_learner_summary_and_takes_a_seat(self, tp):
        provider, client, p, (learner,) = await setup(tp, capacity=10)
        r = await client.post(
            "/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"]}, headers={"Idempotency-Key": "e-1"}
        )
        assert r.status_code == 201, r.text
        e = r.json()
        assert e["status"] == "enrolled" and e["status_label"] == "参训" and e["enrolled_on"] == today().isoformat()
        assert e["provider_org_id"] == provider and e["allowed_transitions"] == ["completed", "dropped", "failed"]
        assert r.headers["location"] == f"/v1/enrolments/{e['id']}" and r.headers["etag"] == '"1"'
        assert e["learner"] == {"name": "测试学员", "id_number_masked": "3701************34"}
        replay = await client.post(
            "/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"]}, headers={"Idempotency-Key": "e-1"}
        )
        assert replay.status_code == 201 and replay.json()["id"] == e["id"]
        assert await enrolled_count(tp, p["id"]) == 1
        dup = await client.post("/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"]})
        assert dup.status_code == 409 and dup.json()["existing_id"] == e["id"]
        assert dup.json()["type"].endswith("duplicate-enrolment")

    async def test_unknown_learner_or_programme(self, tp):
        _, client, p, _ = await setup(tp)
        r = await client.post("/v1/enrolments", json={"learner_id": str(uuid.uuid4()), "programme_id": p["id"]})
        assert r.status_code == 404 and r.json()["type"].endswith("learner-not-found")
        (learner,) = await insert_learners(engine_of(tp), owner_org_id=p["provider_org_id"])
        r = await client.post("/v1/enrolments", json={"learner_id": learner, "programme_id": str(uuid.uuid4())})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "programme_id"]

    async def test_wrong_org_is_403_and_a_stranger_reads_404(self, tp):
        school = await tp.new_org()
        provider, client, p, (learner,) = await setup(tp, school=school)
        other = await tp.new_org("training_company")
        r = await tp.as_org(other).post("/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"]})
        assert r.status_code == 403
        e = (await client.post("/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"]})).json()
        assert (await tp.as_org(other).get(f"/v1/enrolments/{e['id']}")).status_code == 404
        assert (await tp.as_org(other).get("/v1/enrolments", params={"programme_id": p["id"]})).json()["items"] == []
        # the learner's current organization is an attribute of the provider's record: it grants no reading
        assert (await tp.as_org(school).get(f"/v1/enrolments/{e['id']}")).status_code == 404
        # a platform admin may enrol another organization's record: that owner reads, but does not write
        (schools_own,) = await insert_learners(engine_of(tp), owner_org_id=school)
        r = await tp.admin.post("/v1/enrolments", json={"learner_id": schools_own, "programme_id": p["id"]})
        assert r.status_code == 201, r.text
        e = r.json()
        assert (await tp.as_org(school).get(f"/v1/enrolments/{e['id']}")).status_code == 200
        listed = await tp.as_org(school, "org_staff").get("/v1/enrolments")
        assert [i["id"] for i in listed.json()["items"]] == [e["id"]]
        r = await tp.as_org(school).patch(f"/v1/enrolments/{e['id']}", json={"days_attended": 3})
        assert r.status_code == 403
        r = await tp.as_org(other).post(
            f"/v1/enrolments/{e['id']}/transitions", json={"to": "dropped", "effective_on": today().isoformat()}
        )
        assert r.status_code == 403

    async def test_membership_down_past_the_ttl_is_503_and_nothing_is_written(self, tp):
        provider, client, p, (learner,) = await setup(tp, capacity=5)
        directory = tp.platform.upstreams["training"].app.state.org_directory
        membership = tp.platform.upstreams["membership"]
        ttl = directory.ttl
        directory._orgs.pop(uuid.UUID(provider), None)
        directory.ttl = 1.5
        try:
            (other,) = await insert_learners(engine_of(tp), owner_org_id=provider)
            r = await client.post("/v1/enrolments", json={"learner_id": other, "programme_id": p["id"]})
            assert r.status_code == 201  # cached for 1.5 s
            await membership.stop()
            await asyncio.sleep(1.6)
            r = await client.post("/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"]})
            assert r.status_code == 503, r.text
            r = await client.post(
                "/v1/enrolments/batch", json={"items": [{"learner_id": learner, "programme_id": p["id"]}]}
            )
            assert r.status_code == 503, r.text
            assert await enrolled_count(tp, p["id"]) == 1
            listed = await client.get("/v1/enrolments", params={"programme_id": p["id"]})
            assert listed.status_code == 200 and len(listed.json()["items"]) == 1  # reads keep working
        finally:
            directory.ttl = ttl
            await membership.start()


class TestCapacity:
    async def test_two_clerks_race_for_the_last_seat(self, tp):
        provider, client, p, learners = await setup(tp, capacity=3, learners=4)
        for learner in learners[:2]:
            r = await client.post("/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"]})
            assert r.status_code == 201
        other_clerk = tp.as_org(provider, "org_admin")
        # Two committed transactions at once, on two connections, for the one seat left.
        a, b = await asyncio.gather(
            client.post("/v1/enrolments", json={"learner_id": learners[2], "programme_id": p["id"]}),
            other_clerk.post("/v1/enrolments", json={"learner_id": learners[3], "programme_id": p["id"]}),
        )
        assert sorted([a.status_code, b.status_code]) == [201, 409], (a.text, b.text)
        loser = a if a.status_code == 409 else b
        assert loser.json()["type"].endswith("programme-full")
        assert await enrolled_count(tp, p["id"]) == 3
        got = (await client.get(f"/v1/programmes/{p['id']}")).json()
        assert got["enrolled_count"] == 3 and got["seats_left"] == 0

    async def test_an_order_class_fills_to_capacity_under_concurrency(self, tp):
        provider, client, p, learners = await setup(tp, capacity=5, learners=12)
        clerks = [tp.as_org(provider, "org_staff") for _ in range(4)]
        answers = await asyncio.gather(
            *(
                clerks[i % 4].post("/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"]})
                for i, learner in enumerate(learners)
            )
        )
        assert sorted(r.status_code for r in answers) == [201] * 5 + [409] * 7
        assert await enrolled_count(tp, p["id"]) == 5
        listed = await client.get("/v1/enrolments", params={"programme_id": p["id"], "status": "enrolled"})
        assert len(listed.json()["items"]) == 5

    async def test_a_dropped_enrolment_frees_its_seat(self, tp):
        provider, client, p, (a, b) = await setup(tp, capacity=1, learners=2)
        e = (await client.post("/v1/enrolments", json={"learner_id": a, "programme_id": p["id"]})).json()
        full = await client.post("/v1/enrolments", json={"learner_id": b, "programme_id": p["id"]})
        assert full.status_code == 409
        day = today().isoformat()
        r = await client.post(
            f"/v1/enrolments/{e['id']}/transitions",
            json={"to": "dropped", "effective_on": day, "reason": "本人申请退出"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "dropped" and r.json()["allowed_transitions"] == []
        assert await enrolled_count(tp, p["id"]) == 0
        r = await client.post("/v1/enrolments", json={"learner_id": b, "programme_id": p["id"]})
        assert r.status_code == 201
        # b holds the seat now; a's re-enrolment after the drop finds the programme full, then gets one when b drops
        r = await client.post("/v1/enrolments", json={"learner_id": a, "programme_id": p["id"]})
        assert r.status_code == 409 and r.json()["type"].endswith("programme-full")
        bid = (await client.get("/v1/enrolments", params={"learner_id": b})).json()["items"][0]["id"]
        await client.post(f"/v1/enrolments/{bid}/transitions", json={"to": "dropped", "effective_on": day})
        r = await client.post("/v1/enrolments", json={"learner_id": a, "programme_id": p["id"]})
        assert r.status_code == 201 and r.json()["id"] != e["id"]
        assert await enrolled_count(tp, p["id"]) == 1


class TestTransitionsAndAttendance:
    async def test_completion_needs_days_and_hours(self, tp):
        _, client, p, (learner,) = await setup(tp)
        e = (
            await client.post(
                "/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"], "enrolled_on": "2025-08-25"}
            )
        ).json()
        r = await client.post(
            f"/v1/enrolments/{e['id']}/transitions", json={"to": "completed", "effective_on": "2026-06-30"}
        )
        assert r.status_code == 422
        assert {tuple(x["loc"]) for x in r.json()["errors"]} == {("days_attended",), ("hours_attended",)}
        r = await client.patch(f"/v1/enrolments/{e['id']}", json={"days_attended": 20}, headers={"If-Match": '"1"'})
        assert r.status_code == 200 and r.json()["days_attended"] == 20.0 and r.headers["etag"] == '"2"'
        r = await client.patch(f"/v1/enrolments/{e['id']}", json={"hours_attended": 160}, headers={"If-Match": '"1"'})
        assert r.status_code == 412
        r = await client.patch(f"/v1/enrolments/{e['id']}", json={"days_attended": 400})
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "exceeds_programme_days"
        r = await client.patch(f"/v1/enrolments/{e['id']}", json={"hours_attended": 160, "score": 88.5})
        assert r.status_code == 200
        r = await client.post(
            f"/v1/enrolments/{e['id']}/transitions", json={"to": "completed", "effective_on": "2025-08-01"}
        )
        assert r.status_code == 409 and r.json()["type"].endswith("event-out-of-order")
        r = await client.post(
            f"/v1/enrolments/{e['id']}/transitions",
            json={"to": "completed", "effective_on": "2026-06-30", "reason": "考核合格"},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "completed" and body["status_changed_on"] == "2026-06-30" and body["score"] == 88.5
        r = await client.post(
            f"/v1/enrolments/{e['id']}/transitions", json={"to": "dropped", "effective_on": "2026-07-01"}
        )
        assert r.status_code == 409 and r.json()["type"].endswith("illegal-transition")
        r = await client.patch(f"/v1/enrolments/{e['id']}", json={"hours_attended": None})
        assert r.status_code == 422

    async def test_future_dates_are_refused(self, tp):
        _, client, p, (learner,) = await setup(tp)
        r = await client.post(
            "/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"], "enrolled_on": "2999-01-01"}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "enrolled_on"]

    async def test_list_filters(self, tp):
        provider, client, p, learners = await setup(tp, learners=2)
        r = await client.post(
            "/v1/programmes",
            json={**PROGRAMME, "provider_org_id": provider, "start_on": "2024-01-01", "end_on": "2024-03-01"},
        )
        old = r.json()
        e1 = (await client.post("/v1/enrolments", json={"learner_id": learners[0], "programme_id": p["id"]})).json()
        e2 = (await client.post("/v1/enrolments", json={"learner_id": learners[1], "programme_id": old["id"]})).json()

        async def ids(**params):
            r = await client.get("/v1/enrolments", params={"provider_org_id": provider, **params})
            assert r.status_code == 200, r.text
            return [i["id"] for i in r.json()["items"]]

        assert await ids() == [e1["id"], e2["id"]]
        assert await ids(period_start="2024-01-01", period_end="2024-12-31") == [e2["id"]]
        assert await ids(learner_id=learners[0]) == [e1["id"]]
        assert await ids(status="dropped") == []
        assert await ids(updated_since=e1["updated_at"]) == [e2["id"]]


class TestTombstones:
    async def test_include_deleted_lists_a_deleted_enrolment_as_a_tombstone(self, tp):
        provider, client, p, learners = await setup(tp, learners=2)
        ids = []
        for learner in learners:
            r = await client.post("/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"]})
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        gone, kept = ids
        mine = {"programme_id": p["id"]}
        first = await client.get("/v1/enrolments", params=mine)
        token = first.json()["sync_token"]
        before = max(i["updated_at"] for i in first.json()["items"])
        # No route deletes an enrolment (a withdrawal is `dropped`); an operator's removal sets `deleted_at`.
        async with engine_of(tp).begin() as conn:
            await conn.execute(
                sa.update(Enrolment)
                .where(Enrolment.id == uuid.UUID(gone))
                .values(deleted_at=sa.func.now(), updated_at=sa.func.now(), version=Enrolment.version + 1)
            )

        plain = await client.get("/v1/enrolments", params=mine)
        assert [i["id"] for i in plain.json()["items"]] == [kept]
        full = await client.get("/v1/enrolments", params={**mine, "include_deleted": "true"})
        assert full.status_code == 200, full.text
        items = {i["id"]: i for i in full.json()["items"]}
        assert set(items) == {gone, kept} and items[kept]["status"] == "enrolled"
        assert set(items[gone]) == {"id", "deleted", "deleted_at"} and items[gone]["deleted"] is True

        # The token pull brings the deletion (and only it) with include_deleted, nothing without.
        pull = await client.get("/v1/enrolments", params={**mine, "since_token": token, "include_deleted": "true"})
        assert [(i["id"], i.get("deleted")) for i in pull.json()["items"]] == [(gone, True)]
        silent = await client.get("/v1/enrolments", params={**mine, "since_token": token})
        assert silent.json()["items"] == []
        old_style = await client.get(
            "/v1/enrolments", params={**mine, "updated_since": before, "include_deleted": "true"}
        )
        assert [i["id"] for i in old_style.json()["items"]] == [gone]

        # Tombstones follow the list's visibility, and an export leaves them out.
        stranger = tp.as_org(await tp.new_org("training_company"))
        hidden = await stranger.get("/v1/enrolments", params={**mine, "include_deleted": "true"})
        assert hidden.status_code == 200 and hidden.json()["items"] == []
        export = await client.get(
            "/v1/enrolments", params={**mine, "include_deleted": "true"}, headers={"Accept": XLSX}
        )
        assert export.status_code == 200 and export.headers["content-type"].startswith(XLSX)
        sheet = load_workbook(io.BytesIO(export.content)).active
        assert sheet.max_row == 2 and kept in [c.value for c in sheet[2]]
