"""`GET /v1/training-stats/teachers`: every teacher figure counts a teacher once, through the membership person —
a practice's or teaching record's `person_id`, a learner record's `membership_person_id`, a legacy practice by the
person its learner names — worked out by hand on the world below (2023; alliance A):

    S   school      member all of 2023        teachers T1, T2 (membership people of S)
    S2  school      member from 2023-04-01    teacher T3
    E   enterprise  member all of 2023        staff member P1
    O   school      never a member            teacher T4

双师培训 (`teacher_training` programmes of S, learners registered by S):
    G1 2023-07-01 … 07-20  L1 (teacher, names T1) · L3 (teacher, current org S2, names T3) · L4 (teacher, no person)
                           · L5 (student: not a teacher) · L6 (teacher, dropped)
    G2 2023-11-01 … 11-05  L1 again
    G3 on_job (not 双师培训) L1                     G4 of O (no member): its learner naming T4
    → 人次 4 (L1 ×2, L3, L4) · 人数 3 (T1, T3, L4's person) · 2 of them by their membership person
企业实践 (by school):
    T1 S→E 06-01 … 06-30 (30 d) · T2 S→E 07-01 … 08-29 (60 d) · T3 S2→E 03-01 … 04-30 (30 d in S2's membership)
    · T4 O→E (no member) · legacy L4 S 09-01 … 09-30 (30 d, no person) · legacy L7 S 10-01 … 10-30 (30 d; L7 names T2)
    → 5 practices · 4 teachers (T1, T2, T3, L4's person) · 180 days = 6.0 人月 · 1 practice known only by its learner
兼职授课 (by school): P1 E→S term ends 2023-07-10, 40 学时 · by name only E→S 2023-01-15, 12 学时
    → 2 人次 · 52 学时 · 1 person · 1 record by name only
competition awards: T1 2023-05-01 (counts) · T1 2022-05-01 (before the period)
teachers: T1, T2, T3, L4's person, P1 = 5, of whom 1 known only as a learner."""

from __future__ import annotations

import uuid

import pytest

from tests.training.practice_support import sql
from tests.training.test_stats_api import _enrol, _learner, _practice, _programme, _teacher, _teaching

Y2023 = {"period_start": "2023-01-01", "period_end": "2023-12-31"}


async def _link(tp, owner: str, learner: str, person: str, **extra) -> None:
    r = await tp.as_org(owner).patch(f"/v1/learners/{learner}", json={"membership_person_id": person, **extra})
    assert r.status_code == 200, r.text
    assert r.json()["membership_person_id"] == person


async def _legacy_practice(database, learner: str, school: str, enterprise: str, start: str, end: str) -> None:
    """A record made while the teacher was a training learner (no person): written as it was then."""
    await sql(
        database,
        "insert into training.teacher_practices (id, learner_id, school_org_id, enterprise_org_id, start_on, end_on, "
        "version, created_at, updated_at) values ($1, $2, $3, $4, $5::text::date, $6::text::date, 1, now(), now())",
        uuid.uuid4(),
        uuid.UUID(learner),
        uuid.UUID(school),
        uuid.UUID(enterprise),
        start,
        end,
    )


async def _award(tp, person: str, org: str, issued_on: str) -> None:
    body = {
        "kind": "competition_award",
        "number": f"JS{uuid.uuid4().hex[:10]}",
        "person_id": person,
        "holder_org_id": org,
        "issuer_name": "山东省职业院校技能大赛组委会",
        "issuer_authority": "competition_organizer",
        "occupation_name": "化工生产技术",
        "issued_on": issued_on,
    }
    r = await tp.as_org(org).post("/v1/certificates/records", json=body)
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
async def world(tp, database):
    a = await tp.new_alliance()
    s, s2, o = [await tp.new_org("higher_vocational") for _ in range(3)]
    e = await tp.new_org("enterprise")
    await tp.join(s, a, "2020-01-01")
    await tp.join(s2, a, "2023-04-01")
    await tp.join(e, a, "2019-06-01")
    t1, t2, t3, t4 = await _teacher(tp, s), await _teacher(tp, s), await _teacher(tp, s2), await _teacher(tp, o)
    p1 = await _teacher(tp, e)

    l1, l3, l4, l6, l7 = [await _learner(tp, s, "teacher") for _ in range(5)]
    l5 = await _learner(tp, s)
    await _link(tp, s, l1, t1)
    await _link(tp, s, l3, t3, current_org_id=s2)  # a person of the learner's current organization
    await _link(tp, s, l7, t2)
    g1 = await _programme(tp, s, "teacher_training", "2023-07-01", "2023-07-20")
    for learner in (l1, l3, l4, l5):
        await _enrol(tp, learner, g1, "2023-07-01", "2023-07-20", "completed", 15, 120)
    await _enrol(tp, l6, g1, "2023-07-01", "2023-07-20", "dropped")
    g2 = await _programme(tp, s, "teacher_training", "2023-11-01", "2023-11-05")
    await _enrol(tp, l1, g2, "2023-11-01", "2023-11-05", "completed", 5, 40)
    g3 = await _programme(tp, s, "on_job", "2023-03-01", "2023-03-05")
    await _enrol(tp, l1, g3, "2023-03-01", "2023-03-05", "completed", 5, 40)
    lo = await _learner(tp, o, "teacher")
    await _link(tp, o, lo, t4)
    g4 = await _programme(tp, o, "teacher_training", "2023-07-01", "2023-07-20")
    await _enrol(tp, lo, g4, "2023-07-01", "2023-07-20", "completed", 15, 120)

    await _practice(tp, t1, s, e, "2023-06-01", "2023-06-30")
    await _practice(tp, t2, s, e, "2023-07-01", "2023-08-29")
    await _practice(tp, t3, s2, e, "2023-03-01", "2023-04-30")
    await _practice(tp, t4, o, e, "2023-03-01", "2023-04-30")
    await _legacy_practice(database, l4, s, e, "2023-09-01", "2023-09-30")
    await _legacy_practice(database, l7, s, e, "2023-10-01", "2023-10-30")

    body = {"staff_name": "李师傅", "enterprise_org_id": e, "school_org_id": s, "term": "2022-2023-2"}
    body |= {"term_start_on": "2023-02-20", "term_end_on": "2023-07-10", "course": "化工单元操作", "class_hours": 40}
    r = await tp.admin.post("/v1/part-time-teaching", json=body | {"person_id": p1})
    assert r.status_code == 201, r.text
    await _teaching(tp, e, s, "2022-2023-1", "2022-09-01", "2023-01-15", 12)

    await _award(tp, t1, s, "2023-05-01")
    await _award(tp, t1, s, "2022-05-01")
    return {"A": a, "S": s, "S2": s2, "O": o, "E": e, "T4": t4, "L4": l4}


async def test_teacher_figures_of_an_alliance_count_each_teacher_once(tp, world):
    """seed 001「开展双师培训 1500 余人次」「集团成员院校教师参与企业实践 9614 人月」
    「集团成员企业骨干技术人员到院校兼职教师 3512 人次，任课总量 34128 学时」:
    the alliance's teacher figures, one teacher once through the membership person."""
    r = await tp.as_alliance(world["A"]).get("/v1/training-stats/teachers", params={"alliance_id": world["A"], **Y2023})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["teachers"], got["unlinked_teachers"], got["member_orgs"]) == (5, 1, 3)
    d = got["dual_teacher_training"]
    assert (d["person_times"], d["persons"], d["linked_persons"], d["period_rule"]["code"]) == (
        4,
        3,
        2,
        "ends_in_period",
    )
    p = got["enterprise_practice"]
    assert (p["practices"], p["teachers"], p["overlap_days"], p["person_months"], p["unlinked_practices"]) == (
        5,
        4,
        180,
        6.0,
        1,
    )
    assert p["period_rule"]["code"] == "overlaps_period"
    t = got["part_time_teaching"]
    assert (t["person_times"], t["class_hours"], t["persons"], t["unlinked_records"]) == (2, 52.0, 1, 1)
    assert (got["competition_awards"]["awards"], got["competition_awards"]["holders"]) == (1, 1)
    assert {n["figure"].split()[0] for n in got["not_computed"]} == {"dual_qualified", "titles", "teaching"}


async def test_teacher_figures_of_one_school_and_who_may_read_them(tp, world):
    """seed 001「4 个国家“双师型”教师培养培训基地，开展双师培训 1500 余人次」:
    a school's own figures; another organization gets 403."""
    school = tp.as_org(world["S"])
    r = await school.get("/v1/training-stats/teachers", params={"org_id": world["S"], **Y2023})
    assert r.status_code == 200, r.text
    got = r.json()
    # S alone: T3's practice is S2's; the rest as for the alliance but without P1's school (S2) — P1 teaches at S
    assert (got["dual_teacher_training"]["person_times"], got["enterprise_practice"]["practices"]) == (4, 4)
    assert got["enterprise_practice"]["teachers"] == 3 and got["enterprise_practice"]["person_months"] == 5.0
    assert got["teachers"] == 5  # T1, T2, T3 (trained at S), L4's person, P1
    assert (
        await tp.as_org(world["O"]).get("/v1/training-stats/teachers", params={"org_id": world["S"], **Y2023})
    ).status_code == 403
    r = await school.get(
        "/v1/training-stats/teachers", params={"org_id": world["S"], "alliance_id": world["A"], **Y2023}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "alliance_id"]
    r = await school.get("/v1/training-stats/teachers", params={"org_id": world["S"], "since": "x", **Y2023})
    assert r.status_code == 400


async def test_a_learner_names_only_a_person_of_its_owner_or_current_organization(tp, world):
    """A school links its learner record to its own person; another organization's person is refused with the answer
    a missing person gets, naming the field."""
    school = tp.as_org(world["S"])
    r = await school.patch(f"/v1/learners/{world['L4']}", json={"membership_person_id": world["T4"]})
    assert r.status_code == 422
    assert [(e["loc"], e["type"]) for e in r.json()["errors"]] == [
        (["body", "membership_person_id"], "person_not_found")
    ]
    r = await school.patch(f"/v1/learners/{world['L4']}", json={"membership_person_id": str(uuid.uuid4())})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "person_not_found"
    # another organization cannot link (nor see) the school's learner record
    r = await tp.as_org(world["O"]).patch(f"/v1/learners/{world['L4']}", json={"membership_person_id": world["T4"]})
    assert r.status_code == 404
