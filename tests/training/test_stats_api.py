"""`GET /v1/training-stats` through the gateway, on a small world built through the API, every figure checked
against a number worked out by hand below (never by running the same SQL again).

The world (period asked: 2023-01-01 … 2023-12-31 unless said otherwise). Alliance A; memberships
(`ended_on` is the day the organization left — it is no longer a member that day):

    S   school      joined 2020-01-01, still a member          → member all of 2023
    S2  school      joined 2023-04-01, left 2023-10-01         → member 04-01 … 09-30
    E   enterprise  joined 2019-06-01, left 2023-07-01         → member 01-01 … 06-30
    E2  enterprise  joined 2023-03-01, still a member          → member 03-01 … 12-31
    O   school      never a member (its records must not count for A)

Programmes (provider, kind, tagged with A?, start_on … end_on) and their enrolments (status, days, hours). A
programme and its enrolments count in the period it opens (start_on), its completions in the period it ends:

    P1  S   order_class                A  03-01 … 2023-06-30   L1 completed 20/160 · L2 completed 20/160
                                                                · L3 dropped 3/24 · L4 failed 18/144
    P2  S   on_job                        2022-12-01 … 12-31   L1 completed 5/40           (2022)
    P3  S2  modern_apprenticeship         04-10 … 2023-09-30   L2 enrolled 10/80 · L5 completed 12/96
    P4  S2  upskilling                 A  09-25 … 2023-10-01   L3 completed 2/16   (opened while S2 was a member;
                                                                                    ended after it left on 10-01)
    P5  E   enterprise_apprenticeship     01-05 … 2023-06-30   L4 completed 30/240 · L6 dropped (no days)
    P6  E   special_operations            06-28 … 2023-07-01   L5 completed 3/24   (opened while E was a member;
                                                                                    ended after it left on 07-01)
    P7  O   social_training            A  04-27 … 2023-05-01   L1 completed 4/32           (O is no member)
    P8  E2  pre_job                       02-14 … 2023-02-15   L6 completed 1/8            (E2 joined 03-01)
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from chanjiao.validators import compute_check_digit

Y2023 = {"period_start": "2023-01-01", "period_end": "2023-12-31"}
NONE_CO_BUILT = {"co_built": 0, "co_built_shared": 0}  # no base of this world has a co-builder


def _id_number() -> str:
    body = f"370702{random.randint(1975, 2006)}{random.randint(1, 12):02d}{random.randint(1, 28):02d}"
    body += f"{random.randint(0, 999):03d}"
    return body + compute_check_digit(body)


async def _post(tp, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await tp.admin.post(path, json=body)
    assert r.status_code in (200, 201), (path, r.text)
    return r.json()


async def _learner(tp, org: str, learner_type: str = "student") -> str:
    body = {"name": "统计学员", "id_number": _id_number(), "learner_type": learner_type, "org_id": org}
    return (await _post(tp, "/v1/learners", body))["id"]


async def _programme(tp, provider: str, kind: str, start: str, end: str, alliance: str | None = None) -> str:
    body = {"name": f"统计测试班{kind}", "kind": kind, "provider_org_id": provider, "start_on": start, "end_on": end}
    if alliance:
        body["alliance_id"] = alliance
    return (await _post(tp, "/v1/programmes", body))["id"]


async def _enrol(tp, learner: str, programme: str, start: str, end: str, status: str, days=None, hours=None) -> str:
    e = await _post(tp, "/v1/enrolments", {"learner_id": learner, "programme_id": programme, "enrolled_on": start})
    if days is not None:
        r = await tp.admin.patch(f"/v1/enrolments/{e['id']}", json={"days_attended": days, "hours_attended": hours})
        assert r.status_code == 200, r.text
    if status != "enrolled":
        r = await tp.admin.post(f"/v1/enrolments/{e['id']}/transitions", json={"to": status, "effective_on": end})
        assert r.status_code in (200, 201), r.text
    return e["id"]


async def _internship(tp, learner, school, host, start, end, kind="shadow") -> str:
    body = {"learner_id": learner, "school_org_id": school, "host_org_id": host, "kind": kind}
    body |= {"start_on": start, "end_on": end}
    if kind == "post":
        body |= {"insured": True, "insurance_policy_no": "PICC-2023-0001"}
    return (await _post(tp, "/v1/internships", body))["id"]


async def _teacher(tp, school: str) -> str:
    """A teacher: a membership person of the school."""
    return (await _post(tp, "/v1/people", {"name": "统计教师", "org_id": school, "tags": ["dual_qualified"]}))["id"]


async def _practice(tp, teacher, school, enterprise, start, end) -> str:
    body = {"person_id": teacher, "school_org_id": school, "enterprise_org_id": enterprise}
    return (await _post(tp, "/v1/teacher-practices", body | {"start_on": start, "end_on": end}))["id"]


async def _teaching(tp, enterprise, school, term, start, end, hours) -> str:
    body = {"staff_name": "李师傅", "enterprise_org_id": enterprise, "school_org_id": school, "term": term}
    body |= {"term_start_on": start, "term_end_on": end, "course": "化工单元操作", "class_hours": hours}
    return (await _post(tp, "/v1/part-time-teaching", body))["id"]


async def _base(tp, owner, shared, **dates) -> str:
    body = {"owner_org_id": owner, "name": "化工实训基地", "kind": "productive", "shared": shared, **dates}
    return (await _post(tp, "/v1/training-bases", body))["id"]


@pytest.fixture(scope="module")
async def world(tp) -> dict[str, str]:
    a = await tp.new_alliance()
    s, s2, o = [await tp.new_org("higher_vocational") for _ in range(3)]
    e, e2 = [await tp.new_org("enterprise") for _ in range(2)]
    await tp.join(s, a, "2020-01-01")
    await tp.join(s2, a, "2023-04-01", "2023-10-01")
    await tp.join(e, a, "2019-06-01", "2023-07-01")
    await tp.join(e2, a, "2023-03-01")
    w = {"A": a, "S": s, "S2": s2, "E": e, "E2": e2, "O": o}

    l1, l2, l3, l4, l5, l6 = [await _learner(tp, s) for _ in range(6)]
    p1 = await _programme(tp, s, "order_class", "2023-03-01", "2023-06-30", a)
    for learner, status, days, hours in (
        (l1, "completed", 20, 160),
        (l2, "completed", 20, 160),
        (l3, "dropped", 3, 24),
        (l4, "failed", 18, 144),
    ):
        await _enrol(tp, learner, p1, "2023-03-01", "2023-06-30", status, days, hours)
    p2 = await _programme(tp, s, "on_job", "2022-12-01", "2022-12-31")
    await _enrol(tp, l1, p2, "2022-12-01", "2022-12-31", "completed", 5, 40)
    p3 = await _programme(tp, s2, "modern_apprenticeship", "2023-04-10", "2023-09-30")
    await _enrol(tp, l2, p3, "2023-04-10", "2023-09-30", "enrolled", 10, 80)
    await _enrol(tp, l5, p3, "2023-04-10", "2023-09-30", "completed", 12, 96)
    p4 = await _programme(tp, s2, "upskilling", "2023-09-25", "2023-10-01", a)
    await _enrol(tp, l3, p4, "2023-09-25", "2023-10-01", "completed", 2, 16)
    p5 = await _programme(tp, e, "enterprise_apprenticeship", "2023-01-05", "2023-06-30")
    await _enrol(tp, l4, p5, "2023-01-05", "2023-06-30", "completed", 30, 240)
    await _enrol(tp, l6, p5, "2023-01-05", "2023-06-30", "dropped")
    p6 = await _programme(tp, e, "special_operations", "2023-06-28", "2023-07-01")
    await _enrol(tp, l5, p6, "2023-06-28", "2023-07-01", "completed", 3, 24)
    p7 = await _programme(tp, o, "social_training", "2023-04-27", "2023-05-01", a)
    await _enrol(tp, l1, p7, "2023-04-27", "2023-05-01", "completed", 4, 32)
    p8 = await _programme(tp, e2, "pre_job", "2023-02-14", "2023-02-15")
    await _enrol(tp, l6, p8, "2023-02-14", "2023-02-15", "completed", 1, 8)

    # Internships (school, host, start, end; ≥ 3 months by the rule of /v1/internships):
    #   I1 S  → E   2023-03-01 … 2023-05-31  ≥3m (exactly: 03-01 → 05-31)
    #   I2 S  → E2  2023-03-01 … 2023-05-30  <3m (one day short)
    #   I3 S2 → E   2023-01-10 … 2023-03-20  <3m   S2 not yet a member; E is
    #   I4 O  → E2  2023-09-01 … 2024-01-31  ≥3m   O no member; E2 is
    #   I5 S  → O   2022-09-01 … 2023-01-15  ≥3m   in progress on 2023's first days
    #   I6 S  → E   2022-03-01 … 2022-08-31  ≥3m   over before 2023
    #   I7 S2 → E2  2023-09-15 … 2023-12-15  ≥3m   (post, insured) S2 a member 09-15 … 09-30
    #   I8 S  → E   2023-04-01 … 2023-04-30        deleted
    await _internship(tp, l1, s, e, "2023-03-01", "2023-05-31")
    await _internship(tp, l2, s, e2, "2023-03-01", "2023-05-30")
    # An internship names the school's own learner record: S2's and O's students are registered by them.
    m1, m2, n1 = await _learner(tp, s2), await _learner(tp, s2), await _learner(tp, o)
    await _internship(tp, m1, s2, e, "2023-01-10", "2023-03-20")
    await _internship(tp, n1, o, e2, "2023-09-01", "2024-01-31")
    await _internship(tp, l5, s, o, "2022-09-01", "2023-01-15")
    await _internship(tp, l6, s, e, "2022-03-01", "2022-08-31")
    await _internship(tp, m2, s2, e2, "2023-09-15", "2023-12-15", kind="post")
    i8 = await _internship(tp, l3, s, e, "2023-04-01", "2023-04-30")
    assert (await tp.admin.delete(f"/v1/internships/{i8}")).status_code == 204

    # Teacher practice (school, enterprise, start, end) — days overlapping 2023 / the member windows:
    #   TP1 S  E   2023-06-01 … 2023-08-29   school 90 (30+31+29) · enterprise E only to 06-30: 30
    #   TP2 S  E2  2022-12-18 … 2023-01-14   school 14 (01-01 … 01-14) · E2 not yet a member: —
    #   TP3 S2 E   2023-03-01 … 2023-04-30   school S2 from 04-01: 30 · enterprise E 61 (31+30)
    #   TP4 O  E2  2023-11-01 … 2024-02-28   school O: — · enterprise E2 61 (30+31… 11-01 … 12-31)
    #   TP5 S  E   2024-01-01 … 2024-01-31   after 2023
    # Teachers (membership people of their school): T1 of S (TP1, TP2, TP5), T2 of S2 (TP3), T3 of O (TP4).
    t1, t2, t3 = await _teacher(tp, s), await _teacher(tp, s2), await _teacher(tp, o)
    await _practice(tp, t1, s, e, "2023-06-01", "2023-08-29")
    await _practice(tp, t1, s, e2, "2022-12-18", "2023-01-14")
    await _practice(tp, t2, s2, e, "2023-03-01", "2023-04-30")
    await _practice(tp, t3, o, e2, "2023-11-01", "2024-02-28")
    await _practice(tp, t1, s, e, "2024-01-01", "2024-01-31")

    # Part-time teaching (enterprise → school, term end, class hours):
    #   PT1 E  → S   2023-07-10  40   E had left by 07-10
    #   PT2 E2 → S   2024-01-20  32   term ends after 2023
    #   PT3 E2 → S2  2023-07-10  24
    #   PT4 E  → O   2023-01-15  16   school O no member
    #   PT5 E  → S   2023-01-15  12
    await _teaching(tp, e, s, "2022-2023-2", "2023-02-20", "2023-07-10", 40)
    await _teaching(tp, e2, s, "2023-2024-1", "2023-09-01", "2024-01-20", 32)
    await _teaching(tp, e2, s2, "2022-2023-2", "2023-02-20", "2023-07-10", 24)
    await _teaching(tp, e, o, "2022-2023-1", "2022-09-01", "2023-01-15", 16)
    await _teaching(tp, e, s, "2022-2023-1", "2022-09-01", "2023-01-15", 12)

    # Training bases (owner, shared): B1 S shared · B2 S · B3 S2 shared (S2 no member on 12-31) · B4 E2 shared ·
    # B5 O shared · B6 S shared, deleted · B7 S shared, established 2024-03-01 · B8 S, closed 2023-07-01.
    await _base(tp, s, True)
    await _base(tp, s, False)
    await _base(tp, s2, True)
    await _base(tp, e2, True)
    await _base(tp, o, True)
    b6 = await _base(tp, s, True)
    assert (await tp.admin.delete(f"/v1/training-bases/{b6}")).status_code == 204
    await _base(tp, s, True, established_on="2024-03-01")
    await _base(tp, s, False, established_on="2015-09-01", closed_on="2023-07-01")
    return w


async def _stats(client, **params) -> dict[str, Any]:
    r = await client.get("/v1/training-stats", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["server-timing"].startswith("app;dur=")
    return r.json()


def _kinds(body: dict[str, Any]) -> dict[str, tuple[int, int, float, int]]:
    """Non-empty kinds: (programmes, person_times, person_days, completions)."""
    return {
        k["kind"]: (k["programmes"], k["person_times"], k["person_days"], k["completions"])
        for k in body["programmes"]["by_kind"]
        if k["programmes"]
    }


# ---- an alliance, its members during their membership ------------------------------------------------------
async def test_alliance_members_programmes_and_enrolments(tp, world):
    body = await _stats(tp.as_alliance(world["A"]), alliance_id=world["A"], **Y2023)
    assert body["scope"] == "members" and body["member_orgs"] == 4  # S, S2, E, E2
    # Opened while their provider was a member: P1 (S), P3 (S2 from 04-01), P4 (S2, 09-25), P5 (E until 06-30),
    # P6 (E, 06-28). Not: P2 (2022), P7 (O), P8 (E2 joined after 02-14).
    assert body["programmes"]["total"] == 5
    # Completions count by the end day: P1, P3, P5 ended while their provider was a member; P4 (10-01) and P6
    # (07-01) ended after theirs had left, so their completions are not the alliance's.
    assert _kinds(body) == {
        "order_class": (1, 3, 61.0, 2),  # P1: L1, L2, L4 (L3 dropped); days 20+20+3+18; L1, L2 completed
        "modern_apprenticeship": (1, 2, 22.0, 1),  # P3: L2, L5; days 10+12; L5
        "enterprise_apprenticeship": (1, 1, 30.0, 1),  # P5: L4 (L6 dropped, no days); 30; L4
        "upskilling": (1, 1, 2.0, 0),  # P4: L3; its completion falls on 10-01, S2 gone
        "special_operations": (1, 1, 3.0, 0),  # P6: L5; its completion falls on 07-01, E gone
    }
    assert (body["programmes"]["running"], body["programmes"]["ended"]) == (5, 3)  # running: the five; ended: P1 P3 P5
    assert len(body["programmes"]["by_kind"]) == 17
    assert body["person_times"] == 8  # 3 + 2 + 1 + 1 + 1
    assert body["persons"] == 5  # L1, L2, L3, L4, L5 — L2 (P1, P3), L4 (P1, P5), L5 (P3, P6) count once each
    assert body["dropped"] == 2  # L3 in P1, L6 in P5
    assert body["person_days"] == 118.0  # 61 + 22 + 2 + 30 + 3, the dropped L3's 3 days included
    assert body["person_hours"] == 944.0  # (160+160+24+144) + (80+96) + 16 + 240 + 24
    assert body["completions"] == 4  # L1, L2 (P1), L5 (P3), L4 (P5); L4's failure in P1 is not one
    assert body["apprenticeship"] == {
        "order_class": {"classes": 1, "students": 3, "running": 1},
        "modern_apprenticeship": {"classes": 1, "students": 2, "running": 1},
        "enterprise_apprenticeship": {"classes": 1, "students": 1, "running": 1},
        "classes": 3,
        "students": 6,
        "running": 3,
        "period_rule": "opened_in_period",
    }


async def test_alliance_members_practice_records_and_bases(tp, world):
    body = await _stats(tp.as_alliance(world["A"]), alliance_id=world["A"], **Y2023)
    # School side: I1, I2, I5 (S), I7 (S2, 09-15 … 09-30 while a member); not I3 (S2 not yet), I4 (O), I6 (2022),
    # I8 (deleted). ≥ 3 months: I1, I5, I7.
    # Host side: I1 (E), I3 (E), I2, I4, I7 (E2); I5's host O is no member. ≥ 3 months: I1, I4, I7.
    assert body["internships"] == {"total": 4, "three_months_or_more": 3, "hosted": 5, "hosted_three_months_or_more": 3}
    # School side: TP1 90 + TP2 14 + TP3 30 = 134 days → 4.4667 → 4.5 person-months.
    # Enterprise side: TP1 30 (E) + TP3 61 (E) + TP4 61 (E2) = 152 days → 5.0667 → 5.1.
    # Teachers: school side T1 (TP1, TP2 — one person, counted once) and T2; enterprise side T1, T2, T3.
    assert body["teacher_practice"] == {
        "practices": 3,
        "teachers": 2,
        "overlap_days": 134,
        "person_months": 4.5,
        "hosted_practices": 3,
        "hosted_teachers": 3,
        "hosted_overlap_days": 152,
        "hosted_person_months": 5.1,
    }
    # School side: PT1 40 (S), PT3 24 (S2, term end 07-10 while a member), PT5 12 (S) → 3 人次, 76 学时.
    # Enterprise side: PT3 24 (E2), PT4 16 (E, 01-15), PT5 12 (E) → 3 人次, 52 学时; PT1's 07-10 is after E left.
    assert body["part_time_teaching"] == {
        "person_times": 3,
        "class_hours": 76.0,
        "enterprise_person_times": 3,
        "enterprise_class_hours": 52.0,
    }
    # Members on 12-31: S (B1 shared, B2), E2 (B4 shared); S2 left 10-01, B6 deleted, O no member; B7 not yet
    # established, B8 closed on 07-01.
    assert body["training_bases"] == {"as_of": "2023-12-31", "total": 3, "shared": 2, **NONE_CO_BUILT}


async def test_a_member_that_had_left_counts_only_while_it_was_a_member(tp, world):
    # Before S2 joined (Jan–Mar) none of its records count: I3 (S2's, 01-10 … 03-20) is out, TP3 too.
    body = await _stats(
        tp.as_alliance(world["A"]), alliance_id=world["A"], period_start="2023-01-01", period_end="2023-03-31"
    )
    assert body["member_orgs"] == 3  # S, E, E2 (from 03-01)
    # School side: I1 (S, from 03-01), I2 (S), I5 (S, to 01-15); hosted: I1, I3 (E), I2 (E2, from 03-01).
    assert body["internships"]["total"] == 3 and body["internships"]["hosted"] == 3
    # School side: TP2 14 days (S); TP3 is S2's before it joined. Enterprise: TP3 at E 31 days (03-01 … 03-31).
    assert body["teacher_practice"]["overlap_days"] == 14 and body["teacher_practice"]["hosted_overlap_days"] == 31
    # Bases on 03-31: S's B1, B2, B8 (closes 07-01) and E2's B4 (E is still a member but owns none).
    assert body["training_bases"] == {"as_of": "2023-03-31", "total": 4, "shared": 2, **NONE_CO_BUILT}
    # Opened in the quarter while a member: P1 (S, 03-01), P5 (E, 01-05); P8 (E2, 02-14) opened before E2 joined.
    # None ended in it while its provider was a member (P8 ended 02-15, before E2 joined).
    assert (body["programmes"]["total"], body["programmes"]["ended"], body["completions"]) == (2, 0, 0)


# ---- scope=alliance_programmes --------------------------------------------------------------------------------
async def test_alliance_programmes_scope_counts_the_tagged_programmes_of_anyone(tp, world):
    body = await _stats(tp.as_alliance(world["A"]), alliance_id=world["A"], scope="alliance_programmes", **Y2023)
    assert body["scope"] == "alliance_programmes"
    # Tagged with A, opened and ended in 2023: P1 (S), P4 (S2 — after it left: the tag is what counts), P7 (O, no
    # member).
    assert _kinds(body) == {
        "order_class": (1, 3, 61.0, 2),
        "upskilling": (1, 1, 2.0, 1),
        "social_training": (1, 1, 4.0, 1),
    }
    assert (body["programmes"]["total"], body["person_times"], body["dropped"]) == (3, 5, 1)
    assert (body["person_days"], body["person_hours"], body["completions"]) == (67.0, 536.0, 4)
    assert body["apprenticeship"]["classes"] == 1 and body["apprenticeship"]["students"] == 3
    # The other figures stay the members' ones.
    assert body["internships"]["total"] == 4 and body["teacher_practice"]["overlap_days"] == 134


# ---- one organization ---------------------------------------------------------------------------------------
async def test_an_organization_counts_its_own_records_in_the_period(tp, world):
    s = await _stats(tp.as_org(world["S"], "org_staff"), org_id=world["S"], **Y2023)
    assert s["scope"] == "organization" and s["member_orgs"] == 1
    assert _kinds(s) == {"order_class": (1, 3, 61.0, 2)}  # P1 only: P2 ended in 2022
    assert (s["person_times"], s["dropped"], s["person_days"], s["completions"]) == (3, 1, 61.0, 2)
    # I1, I2, I5 (I6 2022, I8 deleted); ≥3m I1, I5; S hosts none.
    assert s["internships"] == {"total": 3, "three_months_or_more": 2, "hosted": 0, "hosted_three_months_or_more": 0}
    # TP1 90 + TP2 14 = 104 days → 3.4667 → 3.5.
    assert (s["teacher_practice"]["practices"], s["teacher_practice"]["overlap_days"]) == (2, 104)
    assert s["teacher_practice"]["teachers"] == 1  # T1 in both
    assert s["teacher_practice"]["person_months"] == 3.5
    assert (s["part_time_teaching"]["person_times"], s["part_time_teaching"]["class_hours"]) == (2, 52.0)  # PT1, PT5
    # B1, B2 (B6 deleted, B8 closed)
    assert s["training_bases"] == {"as_of": "2023-12-31", "total": 2, "shared": 1, **NONE_CO_BUILT}
    # A year later B7 is open too; on the day B8 closes it no longer counts, the day before it does.
    later = await _stats(tp.as_org(world["S"]), org_id=world["S"], period_start="2024-01-01", period_end="2024-12-31")
    assert later["training_bases"] == {"as_of": "2024-12-31", "total": 3, "shared": 2, **NONE_CO_BUILT}  # B1, B2, B7
    for end, total in (("2023-06-30", 3), ("2023-07-01", 2), ("2024-02-29", 2), ("2024-03-01", 3)):
        got = await _stats(tp.as_org(world["S"]), org_id=world["S"], period_start="2023-01-01", period_end=end)
        assert got["training_bases"]["total"] == total, end

    # S2 as an organization: its own records whatever its membership — P3 and P4 (ends 10-01).
    s2 = await _stats(tp.as_org(world["S2"]), org_id=world["S2"], **Y2023)
    assert _kinds(s2) == {"modern_apprenticeship": (1, 2, 22.0, 1), "upskilling": (1, 1, 2.0, 1)}
    assert (s2["person_hours"], s2["training_bases"]["total"]) == (192.0, 1)  # 80 + 96 + 16; B3

    # E hosts: I1, I3 (I6 2022, I8 deleted); TP1 90 + TP3 61 = 151 → 5.0333 → 5.0; teaching PT1, PT4, PT5.
    e = await _stats(tp.as_org(world["E"]), org_id=world["E"], **Y2023)
    assert (e["internships"]["hosted"], e["internships"]["hosted_three_months_or_more"]) == (2, 1)
    assert (e["teacher_practice"]["hosted_overlap_days"], e["teacher_practice"]["hosted_person_months"]) == (151, 5.0)
    assert e["part_time_teaching"]["enterprise_person_times"] == 3
    assert e["part_time_teaching"]["enterprise_class_hours"] == 68.0  # 40 + 16 + 12
    # Its programmes: P5 (06-30) and P6 (07-01) — as an organization its membership does not matter.
    assert _kinds(e) == {"enterprise_apprenticeship": (1, 1, 30.0, 1), "special_operations": (1, 1, 3.0, 1)}


async def test_periods_split_records_by_start_end_date_and_overlap(tp, world):
    # 2022: P2 counts (ends 2022-12-31); teacher practice TP2 only its 14 days in 2022 (12-18 … 12-31).
    s = await _stats(tp.as_org(world["S"]), org_id=world["S"], period_start="2022-01-01", period_end="2022-12-31")
    assert _kinds(s) == {"on_job": (1, 1, 5.0, 1)}
    assert s["teacher_practice"]["overlap_days"] == 14
    assert s["internships"]["total"] == 2  # I5 (from 09-01) and I6
    # One day: 2023-06-30 — P1 ends that day (opened 03-01: not opened, running and ended, its 2 completions);
    # TP1 overlaps it by 1 day; I1/I2 are over.
    s = await _stats(tp.as_org(world["S"]), org_id=world["S"], period_start="2023-06-30", period_end="2023-06-30")
    assert (s["programmes"]["total"], s["person_times"], s["teacher_practice"]["overlap_days"]) == (0, 0, 1)
    assert (s["programmes"]["running"], s["programmes"]["ended"], s["completions"]) == (1, 1, 2)
    assert s["period"] == {"kind": "custom", "label": "2023-06-30 至 2023-06-30"}
    assert s["internships"]["total"] == 0


# ---- parameters and access ----------------------------------------------------------------------------------
def _fields(r) -> set[str]:
    return {e["loc"][-1] for e in r.json()["errors"]}


async def test_parameters_are_checked_and_named(tp, world):
    c = tp.admin
    r = await c.get("/v1/training-stats", params=Y2023)
    assert r.status_code == 422 and _fields(r) == {"org_id", "alliance_id"}
    r = await c.get("/v1/training-stats", params={"org_id": world["S"], "alliance_id": world["A"], **Y2023})
    assert r.status_code == 422 and _fields(r) == {"alliance_id"}
    r = await c.get("/v1/training-stats", params={"org_id": world["S"], "scope": "alliance_programmes", **Y2023})
    assert r.status_code == 422 and _fields(r) == {"scope"}
    r = await c.get(
        "/v1/training-stats", params={"org_id": world["S"], "period_start": "2023-02-01", "period_end": "2023-01-31"}
    )
    assert r.status_code == 422 and _fields(r) == {"period_end"}
    r = await c.get(
        "/v1/training-stats", params={"org_id": world["S"], "period_start": "2014-01-01", "period_end": "2024-01-01"}
    )
    assert r.status_code == 422 and _fields(r) == {"period_end"}  # ten years and a day
    r = await c.get(
        "/v1/training-stats", params={"org_id": world["S"], "period_start": "2014-01-01", "period_end": "2023-12-31"}
    )
    assert r.status_code == 200  # exactly ten years
    r = await c.get("/v1/training-stats", params={"org_id": world["S"], "period_start": "2023-01-01"})
    assert r.status_code == 422 and "period_end" in _fields(r)
    r = await c.get("/v1/training-stats", params={"alliance_id": "019abf2e-0000-7000-8000-00000000dead", **Y2023})
    assert r.status_code == 404


async def test_who_may_read(tp, world):
    org_params = {"org_id": world["S"], **Y2023}
    alliance_params = {"alliance_id": world["A"], **Y2023}
    r = await tp.anonymous.get("/v1/training-stats", params=org_params)
    assert r.status_code == 401
    assert (await tp.as_org(world["E"]).get("/v1/training-stats", params=org_params)).status_code == 403
    # An alliance admin reads the alliance's figures, not a member's own.
    assert (await tp.as_alliance(world["A"]).get("/v1/training-stats", params=org_params)).status_code == 403
    other = await tp.new_alliance()
    assert (await tp.as_alliance(other).get("/v1/training-stats", params=alliance_params)).status_code == 403
    # A member organization's principal does not read the alliance's figures.
    assert (await tp.as_org(world["S"]).get("/v1/training-stats", params=alliance_params)).status_code == 403
    # An API key without training:read.
    r = await tp.as_org(world["S"], scopes=("membership:read",)).get("/v1/training-stats", params=org_params)
    assert r.status_code == 403
    assert (
        await tp.as_org(world["S"], scopes=("training:read",)).get("/v1/training-stats", params=org_params)
    ).status_code == 200
    assert (await tp.admin.get("/v1/training-stats", params=alliance_params)).status_code == 200
