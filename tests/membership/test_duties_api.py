"""Duties with deliverables: assigned by seat role or to named organizations, submitted by the assignee, accepted
or returned by the alliance, and the year's duties due, overdue and accepted."""

from __future__ import annotations

import pytest

from tests.membership.governance_support import admin_of, setup_governance, staff


@pytest.fixture(scope="module")
async def gov(membership_client):
    c = membership_client
    g = await setup_governance(c)
    r = await c.post(
        "/v1/committees",
        json={
            "alliance_id": g["alliance"],
            "name": "化工专业建设指导委员会",
            "body_type": "specialized_committee",
            "domain": "化工",
        },
    )
    g["committee"] = r.json()["id"]
    for org, role in ((g["school"], "director_unit"), (g["firm"], "deputy_director_unit"), (g["firm2"], "member_unit")):
        r = await c.post(
            f"/v1/committees/{g['committee']}/seats", json={"org_id": org, "seat_role": role, "start_on": "2021-01-01"}
        )
        assert r.status_code == 201, r.text
    return g


def _report(g, **extra) -> dict:
    return {
        "alliance_id": g["alliance"],
        "committee_id": g["committee"],
        "seat_roles": ["director_unit", "deputy_director_unit"],
        "title": "专业人才需求调研报告",
        "deliverable": "院校所属地区和服务企业行业的专业人才需求调研报告",
        "assigned_on": "2024-01-10",
        "due_on": "2024-06-30",
        **extra,
    }


async def test_a_duty_assigned_by_role_goes_to_each_seat_holder_who_submits_it(membership_client, gov):
    """seed 002「共建单位职责」: 「牵头技工院校（主任及副主任单位）…做好…专业人才需求调研报告」 — every holder of
    those seats gets the duty, submits its report, and the alliance accepts or returns it."""
    c, g = membership_client, gov
    r = await c.post("/v1/duties", json=_report(g), headers=admin_of(g["alliance"]))
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    assert sorted((d["assignee_org_id"], d["seat_role_label"]) for d in items) == sorted(
        [(g["school"], "主任单位"), (g["firm"], "副主任单位")]
    )
    school = next(d for d in items if d["assignee_org_id"] == g["school"])
    url = f"/v1/duties/{school['id']}/transitions"
    # another member does not see it; the assignee does, and submits it
    assert (await c.get(f"/v1/duties/{school['id']}", headers=staff(g["firm2"]))).status_code == 404
    assert (
        await c.post(url, json={"to": "submitted", "on": "2024-06-20"}, headers=staff(g["firm"]))
    ).status_code == 404
    r = await c.post(url, json={"to": "accepted", "on": "2024-06-20"}, headers=staff(g["school"]))
    assert r.status_code == 403  # the assignee does not accept its own work
    r = await c.post(url, json={"to": "submitted", "on": "2024-06-20", "note": "已上传"}, headers=staff(g["school"]))
    assert r.status_code == 200 and (r.json()["status_label"], r.json()["submitted_on"]) == ("已提交", "2024-06-20")
    r = await c.post(url, json={"to": "submitted"}, headers=staff(g["school"]))
    assert r.status_code == 409 and r.json()["allowed"] == ["accepted", "returned"]
    r = await c.post(
        url, json={"to": "returned", "on": "2024-06-25", "note": "补充数据"}, headers=admin_of(g["alliance"])
    )
    assert r.status_code == 200 and r.json()["review"] == "补充数据"
    r = await c.post(url, json={"to": "submitted", "on": "2024-07-05"}, headers=staff(g["school"]))
    assert r.status_code == 200
    r = await c.post(url, json={"to": "accepted", "on": "2024-07-04"}, headers=admin_of(g["alliance"]))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "before_submitted"
    r = await c.post(url, json={"to": "accepted", "on": "2024-07-10"}, headers=admin_of(g["alliance"]))
    assert r.status_code == 200 and (r.json()["status"], r.json()["accepted_on"]) == ("accepted", "2024-07-10")
    mine = (await c.get("/v1/duties", headers=staff(g["school"]))).json()["items"]
    assert [d["id"] for d in mine] == [school["id"]]
    assert (await c.get("/v1/duties", headers=staff(g["outsider"]))).json()["items"] == []


async def test_assignment_rules(membership_client, gov):
    c, g = membership_client, gov
    r = await c.post("/v1/duties", json=_report(g, seat_roles=["training_company_unit"]))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "no_holders"
    r = await c.post("/v1/duties", json=_report(g, assignee_org_ids=[g["firm2"]]))
    assert r.status_code == 422  # named organizations or seat roles, not both
    r = await c.post("/v1/duties", json=_report(g, due_on="2023-12-31"), headers={"Accept-Language": "en"})
    assert r.status_code == 422 and "due_on" in r.json()["errors"][0]["msg"]
    r = await c.post("/v1/duties", json=_report(g, alliance_id=g["other"]), headers=admin_of(g["other"]))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "committee_id"]
    r = await c.post("/v1/duties", json=_report(g), headers=admin_of(g["other"]))
    assert r.status_code == 403
    r = await c.post("/v1/duties", json=_report(g), headers=staff(g["school"]))
    assert r.status_code == 403


async def test_figures_count_duties_due_overdue_and_accepted_in_the_year(membership_client, gov):
    """seed 002「专业人才需求调研报告」: of the year's duties, how many were due, are overdue and were accepted."""
    c, g = membership_client, gov
    named = {k: v for k, v in _report(g).items() if k != "seat_roles"}
    body = {**named, "title": "师资培训计划", "assignee_org_ids": [g["firm2"]], "assigned_on": "2025-01-05"}
    late = (await c.post("/v1/duties", json={**body, "due_on": "2025-03-31"})).json()["items"][0]
    done = (await c.post("/v1/duties", json={**body, "due_on": "2025-05-31"})).json()["items"][0]
    await c.post("/v1/duties", json={**body, "due_on": "2026-01-15"})  # due the next year
    await c.post(f"/v1/duties/{done['id']}/transitions", json={"to": "submitted", "on": "2025-05-20"})
    r = await c.post(f"/v1/duties/{done['id']}/transitions", json={"to": "accepted", "on": "2025-06-02"})
    assert r.status_code == 200, r.text
    await c.post(f"/v1/duties/{late['id']}/transitions", json={"to": "submitted", "on": "2025-04-10"})
    r = await c.get("/v1/duties/figures", params={"alliance_id": g["alliance"], "year": 2025})
    assert r.status_code == 200, r.text
    f = r.json()
    assert (f["due"], f["overdue"], f["accepted"], f["as_of"]) == (2, 1, 1, "2025-12-31")
    assert "due_on in the calendar year" in f["period_rule"]
    # the alliance's admins read the figures; members and other alliances do not
    r = await c.get(
        "/v1/duties/figures", params={"alliance_id": g["alliance"], "year": 2025}, headers=staff(g["school"])
    )
    assert r.status_code == 404
    ok = await c.get(
        "/v1/duties/figures", params={"alliance_id": g["alliance"], "year": 2025}, headers=admin_of(g["alliance"])
    )
    assert ok.status_code == 200 and ok.json()["due"] == 2
    r = await c.patch(f"/v1/duties/{late['id']}", json={"due_on": "2025-12-01"}, headers=admin_of(g["alliance"]))
    assert r.status_code == 200 and r.json()["version"] == 3
    assert (await c.delete(f"/v1/duties/{late['id']}", headers=admin_of(g["other"]))).status_code == 404
    assert (await c.delete(f"/v1/duties/{late['id']}", headers=admin_of(g["alliance"]))).status_code == 204
