"""Appraisal figures of `GET /v1/training-stats`: 鉴定人次 (candidates who sat — absent ones not counted) and the pass
rate, for an organization and for an alliance's members while they were members, checked against numbers worked out
by hand below.

Period asked: 2023-01-01 … 2023-12-31. Alliance A: S joined 2020-01-01 (member all year); E joined 2023-06-01 and
left 2023-10-01 (member 06-01 … 09-30); O never a member.

    batch  org  kind             appraised_on  candidates                           counts for A?
    S1     S    skill_level      2023-03-10    pass, pass, fail, absent             yes
    S2     S    skill_level_1x   2023-11-05    pass, fail, fail                     yes
    S0     S    skill_level      2022-12-31    pass                                 (before the period)
    E0     E    skill_level_1x   2023-05-31    pass, pass                           (E not yet a member)
    E1     E    skill_level_1x   2023-07-15    pass, pass, absent, fail             yes
    E2     E    skill_level_1x   2023-10-01    pass                                 (E left that day)
    O1     O    skill_level      2023-05-01    pass                                 (O is no member)

S for 2023: 2 batches, sat 3 + 3 = 6, passed 2 + 1 = 3, failed 1 + 2 = 3, absent 1, pass rate 3/6 = 0.5;
skill_level 1 batch, sat 3, passed 2, 0.6667; skill_level_1x 1 batch, sat 3, passed 1, 0.3333.
A for 2023: S1, S2, E1 → 3 batches, sat 6 + 3 = 9, passed 3 + 2 = 5, failed 3 + 1 = 4, absent 1 + 1 = 2,
pass rate 5/9 = 0.5556; skill_level 1 batch, 3, 2, 0.6667; skill_level_1x 2 batches, 6, 3, 0.5.
"""

import pytest

from tests.training.appraisal_support import candidate, learners, record_batch

Y2023 = {"period_start": "2023-01-01", "period_end": "2023-12-31"}


async def _batch(tp, org: str, kind: str, day: str, results: list[str]) -> None:
    people = await learners(tp, org, *[f"考生{i}" for i in range(len(results))])
    await record_batch(
        tp,
        org,
        [candidate(p, r, None if r == "absent" else 75) for p, r in zip(people, results, strict=True)],
        certificate_kind=kind,
        level="四级/中级工" if kind == "skill_level" else "中级",
        appraised_on=day,
    )


@pytest.fixture(scope="module")
async def world(tp):
    s = await tp.new_org("enterprise", name="潍柴动力鉴定统计")
    e = await tp.new_org("enterprise")
    o = await tp.new_org("enterprise")
    a = await tp.new_alliance()
    await tp.join(s, a, "2020-01-01")
    await tp.join(e, a, "2023-06-01", "2023-10-01")
    await _batch(tp, s, "skill_level", "2023-03-10", ["pass", "pass", "fail", "absent"])
    await _batch(tp, s, "skill_level_1x", "2023-11-05", ["pass", "fail", "fail"])
    await _batch(tp, s, "skill_level", "2022-12-31", ["pass"])
    await _batch(tp, e, "skill_level_1x", "2023-05-31", ["pass", "pass"])
    await _batch(tp, e, "skill_level_1x", "2023-07-15", ["pass", "pass", "absent", "fail"])
    await _batch(tp, e, "skill_level_1x", "2023-10-01", ["pass"])
    await _batch(tp, o, "skill_level", "2023-05-01", ["pass"])
    return {"S": s, "E": e, "O": o, "A": a}


async def _appraisals(client, **params) -> dict:
    r = await client.get("/v1/training-stats", params=params)
    assert r.status_code == 200, r.text
    return r.json()["appraisals"]


def _kinds(figures: dict) -> dict:
    return {
        k["kind"]: (k["label"], k["batches"], k["person_times"], k["passed"], k["pass_rate"])
        for k in figures["by_kind"]
    }


async def test_an_organizations_appraisal_person_times_and_pass_rate(tp, world):
    # seed 003「支持先进制造业企业自主开展职业技能等级认定」: the enterprise reports how many of its staff sat its
    # skill level appraisals (鉴定人次) and how many passed
    got = await _appraisals(tp.as_org(world["S"], "org_staff"), org_id=world["S"], **Y2023)
    assert (got["batches"], got["person_times"], got["passed"], got["failed"], got["absent"]) == (2, 6, 3, 3, 1)
    assert got["pass_rate"] == 0.5
    assert _kinds(got) == {
        "skill_level": ("职业技能等级证书", 1, 3, 2, 0.6667),
        "skill_level_1x": ("1+X 职业技能等级证书", 1, 3, 1, 0.3333),
    }
    # A period without batches has no pass rate.
    none = await _appraisals(tp.admin, org_id=world["S"], period_start="2024-01-01", period_end="2024-12-31")
    assert (none["batches"], none["person_times"], none["pass_rate"]) == (0, 0, None)


async def test_an_alliance_counts_its_members_batches_while_they_were_members(tp, world):
    got = await _appraisals(tp.as_alliance(world["A"]), alliance_id=world["A"], **Y2023)
    assert (got["batches"], got["person_times"], got["passed"], got["failed"], got["absent"]) == (3, 9, 5, 4, 2)
    assert got["pass_rate"] == 0.5556
    assert _kinds(got) == {
        "skill_level": ("职业技能等级证书", 1, 3, 2, 0.6667),
        "skill_level_1x": ("1+X 职业技能等级证书", 2, 6, 3, 0.5),
    }
    # The programmes scope changes the programmes only: the appraisals stay the members'.
    scoped = await _appraisals(tp.admin, alliance_id=world["A"], scope="alliance_programmes", **Y2023)
    assert scoped == got


def test_the_figures_kind_labels_are_the_certificate_kinds():
    from services.training.certificates.rules import KINDS, CertificateKind
    from services.training.stats.schemas import APPRAISAL_KINDS

    assert APPRAISAL_KINDS == {k: KINDS[CertificateKind(k)].label for k in ("skill_level", "skill_level_1x")}
