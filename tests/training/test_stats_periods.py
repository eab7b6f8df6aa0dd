"""Training figures by period rule: a class and its students count in the period it opens, it runs in every period
it overlaps, its completions count when it ends; a period is a calendar year, a 学年 (September–August) or a range,
and the answer says which and names each figure's rule. Commissioned programmes count by project level."""

from __future__ import annotations

from typing import Any

import pytest

from tests.training.test_stats_api import _enrol, _learner, _post


async def _programme(tp, provider: str, kind: str, start: str, end: str, **extra) -> str:
    body = {"name": f"期间测试班{kind}", "kind": kind, "provider_org_id": provider, "start_on": start, "end_on": end}
    return (await _post(tp, "/v1/programmes", body | extra))["id"]


@pytest.fixture(scope="module")
async def world(tp) -> dict[str, str]:
    s = await tp.new_org("higher_vocational")
    # A three-year order class opened in September 2023: three students, one completes when it ends, one drops.
    order = await _programme(tp, s, "order_class", "2023-09-01", "2026-06-30")
    learners = [await _learner(tp, s) for _ in range(4)]
    await _enrol(tp, learners[0], order, "2023-09-01", "2026-06-30", "completed", 600, 4800)
    await _enrol(tp, learners[1], order, "2023-09-01", "2026-06-30", "enrolled", 580, 4640)
    await _enrol(tp, learners[2], order, "2023-09-01", "2024-01-10", "dropped", 40, 320)
    # Commissioned projects: national, provincial, municipal opened in 2023; a municipal one opened in 2022 and the
    # provider's own programme in 2023 are not 2023's commissioned projects.
    lv = {"commissioned_by": "山东省人力资源和社会保障厅"}
    nat = await _programme(tp, s, "field_engineer", "2023-03-01", "2023-12-20", project_level="national", **lv)
    await _enrol(tp, learners[3], nat, "2023-03-01", "2023-12-20", "completed", 80, 640)
    await _programme(tp, s, "safety_training", "2023-05-08", "2023-05-12", project_level="provincial", **lv)
    await _programme(tp, s, "study_training", "2023-10-09", "2024-01-19", project_level="municipal", **lv)
    await _programme(tp, s, "upskilling", "2022-11-01", "2023-01-20", project_level="municipal", **lv)
    await _programme(tp, s, "special_equipment", "2023-06-01", "2023-06-05")
    return {"S": s}


async def _stats(tp, world, **params) -> dict[str, Any]:
    r = await tp.as_org(world["S"]).get("/v1/training-stats", params={"org_id": world["S"], **params})
    assert r.status_code == 200, r.text
    return r.json()


def _order(body) -> tuple[int, int, int, int]:
    """The order class figures: (opened, students, running, completions)."""
    k = next(k for k in body["programmes"]["by_kind"] if k["kind"] == "order_class")
    return k["programmes"], k["person_times"], k["running"], k["completions"]


async def test_a_three_year_order_class_opens_once_runs_each_year_and_completes_when_it_ends(tp, world):
    """seed 001「开设了“万华化学”等订单班 20 个」: a class counts in the year it opens — a three-year order class opened
    in 2023 is one of 2023's order classes, running in 2024 and 2025, completed in 2026."""
    y2023 = await _stats(tp, world, year=2023)
    assert y2023["period"] == {"kind": "calendar_year", "label": "2023年"}
    assert (y2023["period_start"], y2023["period_end"]) == ("2023-01-01", "2023-12-31")
    assert _order(y2023) == (1, 2, 1, 0)  # opened, its 2 students (the dropped one not), running, no completion yet
    assert y2023["apprenticeship"]["order_class"] == {"classes": 1, "students": 2, "running": 1}
    assert y2023["apprenticeship"]["period_rule"] == "opened_in_period"
    for year in (2024, 2025):
        body = await _stats(tp, world, year=year)
        assert _order(body) == (0, 0, 1, 0), year  # running only
        assert body["apprenticeship"]["classes"] == 0 and body["apprenticeship"]["running"] == 1
    y2026 = await _stats(tp, world, year=2026)
    assert _order(y2026) == (0, 0, 1, 1)  # it ends: its one completion counts now
    assert (y2026["programmes"]["ended"], y2026["completions"]) == (1, 1)
    assert y2026["person_times"] == 0  # its students were 2023's


async def test_a_school_year_is_september_to_august_and_says_so(tp, world):
    """seed 001「开设了“万华化学”等订单班 20 个」 counted by 学年: `school_year=2023` is 2023-09-01 … 2024-08-31."""
    body = await _stats(tp, world, school_year=2023)
    assert body["period"] == {"kind": "school_year", "label": "2023–2024学年"}
    assert (body["period_start"], body["period_end"]) == ("2023-09-01", "2024-08-31")
    assert _order(body) == (1, 2, 1, 0)
    # The school year before ends on 2023-08-31, the day before the class opened.
    assert _order(await _stats(tp, world, school_year=2022)) == (0, 0, 0, 0)
    # The same dates given as a range are recognised as the 学年; other ranges are `custom`.
    same = await _stats(tp, world, period_start="2023-09-01", period_end="2024-08-31")
    assert same["period"]["kind"] == "school_year" and same["programmes"] == body["programmes"]
    custom = await _stats(tp, world, period_start="2023-09-01", period_end="2023-09-30")
    assert custom["period"]["kind"] == "custom"


async def test_each_figure_names_its_period_rule(tp, world):
    """seed 001「开设了“万华化学”等订单班 20 个」: the answer says by which date each figure counts a record."""
    body = await _stats(tp, world, year=2023)
    rules = {r["figure"]: (r["period_rule"], r["date_field"]) for r in body["period_rules"]}
    assert rules["programmes.total"] == ("opened_in_period", "programmes.start_on")
    assert rules["programmes.running"][0] == "running_in_period"
    assert rules["completions"] == ("ended_in_period", "programmes.end_on")
    assert rules["apprenticeship.classes"][0] == "opened_in_period"
    assert rules["commissioned"][0] == "opened_in_period"
    assert rules["teacher_practice.overlap_days"][0] == "overlap"
    assert rules["training_bases"][0] == "open_at_period_end"
    assert all(r["label"] for r in body["period_rules"])
    assert body["programmes"]["period_rule"] == "opened_in_period"


async def test_commissioned_programmes_count_by_project_level(tp, world):
    """seed 001「承接国家、省、市级培养培训项目 30 个」: programmes commissioned by a national, provincial or municipal
    body, counted in the year they open."""
    body = await _stats(tp, world, year=2023)
    levels = {x["level"]: (x["label"], x["programmes"], x["person_times"]) for x in body["commissioned"]["by_level"]}
    assert levels == {
        "national": ("国家级", 1, 1),
        "provincial": ("省级", 1, 0),
        "municipal": ("市级", 1, 0),  # the 2022 municipal project opened the year before
        "industry": ("行业", 0, 0),
    }
    assert body["commissioned"]["total"] == 3  # the provider's own 特种设备 course is no commissioned project
    kinds = {k["kind"]: k["programmes"] for k in body["programmes"]["by_kind"] if k["programmes"]}
    assert kinds == {
        "order_class": 1,
        "field_engineer": 1,
        "safety_training": 1,
        "study_training": 1,
        "special_equipment": 1,
    }
    assert (await _stats(tp, world, year=2022))["commissioned"]["total"] == 1


async def test_period_parameters_are_one_of_three_forms(tp, world):
    c, s = tp.admin, world["S"]

    async def fields(**params) -> set[str]:
        r = await c.get("/v1/training-stats", params={"org_id": s, **params})
        assert r.status_code == 422, r.text
        return {e["loc"][-1] for e in r.json()["errors"]}

    assert await fields() == {"period_start", "period_end"}
    assert await fields(year=2023, school_year=2023) == {"school_year"}
    assert await fields(year=2023, period_start="2023-01-01", period_end="2023-12-31") == {"year"}
    assert await fields(school_year=2023, period_end="2023-12-31") == {"school_year"}
    assert await fields(year=1800) == {"year"}
    r = await c.get("/v1/training-stats", params={"org_id": s, "year": 2023}, headers={"Accept-Language": "en"})
    assert r.status_code == 200
