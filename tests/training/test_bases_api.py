"""`/v1/training-bases`: owner-only writes, open reads, major codes with `code_known`, and utilisation computed
from a small hand-made programme/enrolment fixture (rows written in SQL; the figures below are counted by hand)."""

import uuid
from datetime import date

import asyncpg
import pytest

from tests.training.practice_support import new_learner, sql


@pytest.fixture(scope="module")
async def world(tp):
    return {"owner": await tp.new_org("higher_vocational"), "other": await tp.new_org("enterprise")}


def body(w, **overrides):
    return {
        "owner_org_id": w["owner"],
        "name": "智能制造产教融合实训基地",
        "kind": "productive",
        "level": "provincial",
        "stations": 120,
        "persons_per_day": 300,
        "major_codes": ["460103", " ４６０１０４ ", "460103", "999999"],
        "shared": True,
        **overrides,
    }


async def test_create_read_update_delete(tp, world):
    owner, other = tp.as_org(world["owner"]), tp.as_org(world["other"])
    assert (await other.post("/v1/training-bases", json=body(world))).status_code == 403
    r = await owner.post("/v1/training-bases", json=body(world))
    assert r.status_code == 201, r.text
    base = r.json()
    assert base["kind_label"] == "生产性实训基地" and base["level_label"] == "省级"
    assert base["major_codes"] == ["460103", "460104", "999999"]
    assert [m["code_known"] for m in base["majors"]] == [True, True, False]
    # a directory: any authenticated training:read caller reads it
    assert (await other.get(f"/v1/training-bases/{base['id']}")).status_code == 200
    listed = await other.get("/v1/training-bases", params={"owner_org_id": world["owner"], "major_code": "460104"})
    assert [b["id"] for b in listed.json()["items"]] == [base["id"]]
    assert (await tp.anonymous.get(f"/v1/training-bases/{base['id']}")).status_code == 401
    assert (await other.patch(f"/v1/training-bases/{base['id']}", json={"shared": False})).status_code == 403
    r = await owner.patch(
        f"/v1/training-bases/{base['id']}", json={"shared": False, "level": None}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.json()["shared"] is False and r.json()["level"] is None
    r = await owner.patch(f"/v1/training-bases/{base['id']}", json={"major_codes": ["46"]})
    assert r.status_code == 422
    r = await owner.post("/v1/training-bases", json=body(world, kind="imaginary"))
    assert r.status_code == 422
    assert (await other.delete(f"/v1/training-bases/{base['id']}")).status_code == 403
    assert (await owner.delete(f"/v1/training-bases/{base['id']}")).status_code == 204
    assert (await owner.get(f"/v1/training-bases/{base['id']}")).status_code == 404
    gone = await tp.new_org("enterprise")
    await tp.deactivate(gone, "2024-01-01")
    r = await tp.admin.post("/v1/training-bases", json=body(world, owner_org_id=gone))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "owner_org_id"]


async def _programme(database, provider, base_id, end_on, *, deleted=False):
    pid = uuid.uuid4()
    await sql(
        database,
        "insert into training.programmes (id, name, kind, provider_org_id, training_base_id, start_on, end_on, "
        "delivery, version, created_at, updated_at, deleted_at) values ($1, '数控班', 'upskilling', $2, $3, $4, $5, "
        "'offline', 1, now(), now(), case when $6 then now() end)",
        pid,
        uuid.UUID(provider),
        uuid.UUID(base_id) if base_id else None,
        date.fromisoformat(end_on).replace(day=1),
        date.fromisoformat(end_on),
        deleted,
    )
    return pid


async def _enrolment(tp, database, provider, programme, days, status="completed", *, deleted=False):
    learner = await new_learner(tp, database, provider)
    await sql(
        database,
        "insert into training.enrolments (id, learner_id, programme_id, status, enrolled_on, status_changed_on, "
        "days_attended, version, created_at, updated_at, deleted_at) values ($1, $2, $3, $4, '2024-01-01', "
        "'2024-01-01', $5, 1, now(), now(), case when $6 then now() end)",
        uuid.uuid4(),
        uuid.UUID(learner),
        programme,
        status,
        days,
        deleted,
    )


async def test_established_and_closed_dates(tp, world):
    owner = tp.as_org(world["owner"])
    r = await owner.post("/v1/training-bases", json=body(world, established_on="2019-09-01"))
    assert r.status_code == 201, r.text
    base = r.json()
    assert (base["established_on"], base["closed_on"]) == ("2019-09-01", None)
    for bad in ("2019-09-01", "2019-08-31"):  # closing must come after opening, on create and on update
        r = await owner.post("/v1/training-bases", json=body(world, established_on="2019-09-01", closed_on=bad))
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "closed_on"], r.text
        r = await owner.patch(f"/v1/training-bases/{base['id']}", json={"closed_on": bad})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "closed_on"], r.text
    r = await owner.patch(f"/v1/training-bases/{base['id']}", json={"closed_on": "2025-07-01"})
    assert r.status_code == 200 and r.json()["closed_on"] == "2025-07-01"
    # moving the opening past the closing is refused as well; clearing it is fine
    r = await owner.patch(f"/v1/training-bases/{base['id']}", json={"established_on": "2025-08-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "closed_on"]
    r = await owner.patch(f"/v1/training-bases/{base['id']}", json={"established_on": None})
    assert r.status_code == 200 and (r.json()["established_on"], r.json()["closed_on"]) == (None, "2025-07-01")


async def test_utilisation_is_person_days_of_programmes_held_there(tp, world, database):
    owner = tp.as_org(world["owner"])
    base = (await owner.post("/v1/training-bases", json=body(world))).json()["id"]
    elsewhere = (await owner.post("/v1/training-bases", json=body(world, name="另一基地"))).json()["id"]
    p = world["owner"]
    # In 2024 at `base`: P1 (ends 2024-06-30) and P2 (ends 2024-12-31).
    p1 = await _programme(database, p, base, "2024-06-30")
    await _enrolment(tp, database, p, p1, 5)
    await _enrolment(tp, database, p, p1, 3.5, "enrolled")
    await _enrolment(tp, database, p, p1, 1, "dropped")  # its day counts in 人日, not in 人次
    await _enrolment(tp, database, p, p1, 100, deleted=True)  # deleted: nothing
    p2 = await _programme(database, p, base, "2024-12-31")
    await _enrolment(tp, database, p, p2, 10)
    # Not counted: ends in 2025; held elsewhere; no base; deleted programme.
    await _enrolment(tp, database, p, await _programme(database, p, base, "2025-01-01"), 20)
    await _enrolment(tp, database, p, await _programme(database, p, elsewhere, "2024-05-31"), 30)
    await _enrolment(tp, database, p, await _programme(database, p, None, "2024-05-31"), 40)
    await _enrolment(tp, database, p, await _programme(database, p, base, "2024-05-31", deleted=True), 50)

    other = tp.as_org(world["other"])  # open reads
    r = await other.get(
        f"/v1/training-bases/{base}/utilisation", params={"period_start": "2024-01-01", "period_end": "2024-12-31"}
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["programmes"], got["person_times"], got["person_days"]) == (2, 3, "19.5")  # 5 + 3.5 + 1 + 10
    r = await owner.get(
        f"/v1/training-bases/{base}/utilisation", params={"period_start": "2024-07-01", "period_end": "2025-01-01"}
    )
    assert (r.json()["programmes"], r.json()["person_times"], r.json()["person_days"]) == (2, 2, "30.0")
    r = await owner.get(
        f"/v1/training-bases/{base}/utilisation", params={"period_start": "2023-01-01", "period_end": "2023-12-31"}
    )
    assert (r.json()["programmes"], r.json()["person_times"], r.json()["person_days"]) == (0, 0, "0.0")
    r = await owner.get(
        f"/v1/training-bases/{base}/utilisation", params={"period_start": "2024-12-31", "period_end": "2024-01-01"}
    )
    assert r.status_code == 422
    r = await owner.get(
        f"/v1/training-bases/{uuid.uuid4()}/utilisation",
        params={"period_start": "2024-01-01", "period_end": "2024-12-31"},
    )
    assert r.status_code == 404


async def test_programmes_training_base_id_is_a_foreign_key(tp, world, database):
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await _programme(database, world["owner"], str(uuid.uuid4()), "2024-06-30")
