"""Activities of an alliance: recorded with host, co-organizers and participants, imported from the secretariat's
activity log, counted by kind and headcount in the year of their first day, read by the alliance's members only."""

from __future__ import annotations

import csv
import io

import pytest

from tests.membership.governance_support import admin_of, setup_governance, staff


@pytest.fixture(scope="module")
async def gov(membership_client):
    return await setup_governance(membership_client)


def _lecture(g, held_on: str, headcount: int | None = 120, **extra) -> dict:
    return {
        "alliance_id": g["alliance"],
        "kind": "lecture",
        "title": "“工匠大讲堂”专家报告会",
        "held_on": held_on,
        "host_org_id": g["school"],
        "co_organizer_org_ids": [g["firm"]],
        "participant_org_ids": [g["firm2"]],
        "headcount": headcount,
        **extra,
    }


async def _org_name(c, org_id: str) -> str:
    return (await c.get(f"/v1/organizations/{org_id}")).json()["name"]


async def test_figures_count_lectures_and_headcount_in_the_year_of_their_first_day(membership_client, gov):
    """seed 003「“工匠大讲堂”双百计划专家报告会19次」: the year's 专家报告会 are counted, with their 人次."""
    c, g = membership_client, gov
    for day in ("2024-01-01", "2024-06-18", "2024-12-31"):
        r = await c.post("/v1/activities", json=_lecture(g, day))
        assert r.status_code == 201, r.text
    r = await c.post("/v1/activities", json=_lecture(g, "2024-03-01", None))  # no headcount recorded: adds 0
    assert r.status_code == 201 and r.json()["kind_label"] == "专家报告会"
    r = await c.post("/v1/activities", json=_lecture(g, "2023-12-30", end_on="2024-01-02", kind="visit"))
    assert r.status_code == 201, r.text  # counts in 2023, its first day
    r = await c.post("/v1/activities", json=_lecture(g, "2025-01-01"))
    assert r.status_code == 201
    r = await c.get("/v1/activities/figures", params={"alliance_id": g["alliance"], "year": 2024})
    assert r.status_code == 200, r.text
    f = r.json()
    lecture = next(k for k in f["by_kind"] if k["kind"] == "lecture")
    assert lecture == {"kind": "lecture", "kind_label": "专家报告会", "count": 4, "headcount": 360}
    assert f["activities"] == 4 and f["headcount"] == 360 and "first day" in f["period_rule"]
    assert next(k for k in f["by_kind"] if k["kind"] == "visit")["count"] == 0
    r = await c.get("/v1/activities", params={"alliance_id": g["alliance"], "org_id": g["firm2"], "limit": 50})
    assert len(r.json()["items"]) == 6


async def test_rules_of_an_activity(membership_client, gov):
    c, g = membership_client, gov
    r = await c.post("/v1/activities", json=_lecture(g, "2024-05-02", end_on="2024-05-01"))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "end_on"]
    r = await c.post("/v1/activities", json=_lecture(g, "2024-05-02", participant_org_ids=[g["firm2"], g["firm2"]]))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "participant_org_ids"]
    r = await c.post(
        "/v1/activities",
        json=_lecture(g, "2024-05-02", host_org_id="019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b"),
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["msg"] == "No such organization"
    r = await c.post("/v1/activities", json=_lecture(g, "2024-05-02", headcount=-1))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "headcount"]
    a = (await c.post("/v1/activities", json=_lecture(g, "2024-05-02"))).json()
    r = await c.patch(f"/v1/activities/{a['id']}", json={"headcount": 300, "kind": "training"})
    assert r.status_code == 200 and (r.json()["headcount"], r.json()["kind_label"], r.json()["version"]) == (
        300,
        "培训",
        2,
    )
    r = await c.patch(f"/v1/activities/{a['id']}", json={"held_on": "2024-06-01", "end_on": "2024-05-30"})
    assert r.status_code == 422
    assert (await c.get(f"/v1/activities/{a['id']}")).json()["held_on"] == "2024-05-02"  # nothing half-written


def _log(rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["活动类型", "活动名称", "活动日期", "主办单位", "协办单位", "参加单位", "参加人数"])
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


async def test_the_secretariats_activity_log_is_imported_row_by_row(membership_client, gov):
    """seed 003「专家报告会19次」: the secretariat brings its activity log as a spreadsheet."""
    c, g = membership_client, gov
    school, firm, firm2 = [await _org_name(c, g[k]) for k in ("school", "firm", "firm2")]
    rows = [
        ["专家报告会", "工匠大讲堂第1讲", "2022-03-01", school, firm, f"{firm2}、{firm}", "150"],
        ["考察", "赴万华化学考察交流", "2022-04-12", firm, "", "", "30"],
        ["专家报告会", "工匠大讲堂第2讲", "", school, "", "", "80"],  # no date
        ["讲座沙龙", "未知类型", "2022-05-01", school, "", "", ""],  # unknown kind
        ["专家报告会", "工匠大讲堂第3讲", "2022-06-01", "不存在的单位", "", "", "10"],  # unknown host
    ]
    files = {"file": ("活动台账.csv", _log(rows), "text/csv")}
    url = "/v1/activities/imports"
    r = await c.post(url, params={"alliance_id": g["alliance"], "dry_run": "true"}, files=files)
    assert r.status_code == 200, r.text
    assert (r.json()["rows"], r.json()["created"]) == (5, 2)
    assert [(x["row"], x["field"], x["rule"]) for x in r.json()["rejected"]] == [
        (4, "held_on", "missing"),
        (5, "kind", "enum"),
        (6, "host_org_id", "unknown_org"),
    ]
    assert "不存在的单位" not in r.text  # never a cell's value
    f = await c.get("/v1/activities/figures", params={"alliance_id": g["alliance"], "year": 2022})
    assert f.json()["activities"] == 0  # the dry run saved nothing
    # only the alliance's admins import for it
    r = await c.post(url, params={"alliance_id": g["alliance"]}, files=files, headers=admin_of(g["other"]))
    assert r.status_code == 403
    r = await c.post(url, params={"alliance_id": g["alliance"]}, files=files, headers=admin_of(g["alliance"]))
    assert r.status_code == 200 and r.json()["created"] == 2
    f = (await c.get("/v1/activities/figures", params={"alliance_id": g["alliance"], "year": 2022})).json()
    assert (f["activities"], f["headcount"]) == (2, 180)
    items = (await c.get("/v1/activities", params={"alliance_id": g["alliance"], "held_to": "2022-12-31"})).json()
    lecture = next(i for i in items["items"] if i["kind"] == "lecture")
    assert lecture["host_org_id"] == g["school"] and lecture["participant_org_ids"] == [g["firm2"], g["firm"]]
    r = await c.get("/v1/activities/import-template.xlsx", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()[0]["heading"] == "活动类型"
    r = await c.get("/v1/activities/import-template.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"


async def test_members_read_their_alliances_activities_and_no_one_else_does(membership_client, gov):
    c, g = membership_client, gov
    a = (await c.post("/v1/activities", json=_lecture(g, "2021-09-09"))).json()
    url = f"/v1/activities/{a['id']}"
    assert (await c.get(url, headers=staff(g["firm2"]))).status_code == 200
    for outsider in (staff(g["outsider"]), admin_of(g["other"])):
        assert (await c.get(url, headers=outsider)).status_code == 404
        r = await c.get("/v1/activities", headers=outsider)
        assert a["id"] not in {i["id"] for i in r.json()["items"]}
        r = await c.get("/v1/activities/figures", params={"alliance_id": g["alliance"], "year": 2021}, headers=outsider)
        assert r.status_code == 404
    assert (await c.delete(url, headers=admin_of(g["other"]))).status_code == 404
    assert (await c.delete(url, headers=staff(g["school"]))).status_code == 403
    r = await c.post("/v1/activities", json=_lecture(g, "2021-09-10"), headers=admin_of(g["other"]))
    assert r.status_code == 403
    assert (await c.delete(url, headers=admin_of(g["alliance"]))).status_code == 204
    assert (await c.get(url)).status_code == 404
