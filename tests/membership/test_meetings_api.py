"""Meetings of an alliance's bodies: the quorum derived from the roll and the body's seats, resolutions adopted by
their votes, the year's figures, admissions that name the meeting that decided them, and who reads them."""

from __future__ import annotations

import pytest

from tests.membership.governance_support import admin_of, setup_governance, staff
from tests.membership.test_alliances_api import apply


@pytest.fixture(scope="module")
async def gov(membership_client):
    c = membership_client
    g = await setup_governance(c)
    r = await c.post(
        "/v1/committees",
        json={"alliance_id": g["alliance"], "name": "常务理事会", "body_type": "standing_council"},
    )
    assert r.status_code == 201, r.text
    g["standing"] = r.json()["id"]
    for org in (g["school"], g["firm"], g["firm2"]):
        r = await c.post(
            f"/v1/committees/{g['standing']}/seats",
            json={"org_id": org, "seat_role": "member_unit", "start_on": "2021-01-01"},
        )
        assert r.status_code == 201, r.text
    return g


def _standing(g, held_on: str, *present: str, **extra) -> dict:
    orgs = (g["school"], g["firm"], g["firm2"])
    return {
        "alliance_id": g["alliance"],
        "committee_id": g["standing"],
        "kind": "standing_council",
        "title": f"{held_on[:4]} 年常务理事会",
        "held_on": held_on,
        "quorum_rule": "two_thirds",
        "attendees": [{"org_id": o, "status": "present" if o in present else "absent"} for o in orgs],
        **extra,
    }


async def test_quorum_counts_the_committees_seats_and_resolutions_follow_their_votes(membership_client, gov):
    """seed 001「每年召开 1 次常务理事会」: a 常务理事会 of three seats meets with two present (two thirds: quorate)."""
    c, g = membership_client, gov
    body = _standing(
        g,
        "2024-03-15",
        g["school"],
        g["firm"],
        agenda=["审议年度工作报告", "审议新成员入会申请"],
        resolutions=[
            {"text": "通过 2023 年度工作报告", "votes_for": 2, "votes_against": 0, "votes_abstain": 0},
            {"text": "增设专业建设指导委员会", "votes_for": 1, "votes_against": 1, "votes_abstain": 0},
            {"text": "接纳寿光石化为理事单位", "adopted": True},
        ],
    )
    r = await c.post("/v1/meetings", json=body)
    assert r.status_code == 201, r.text
    m = r.json()
    assert (m["quorum_base"], m["quorum_base_source"], m["present_count"], m["quorum_met"]) == (3, "seats", 2, True)
    assert m["kind_label"] == "常务理事会" and m["quorum_rule_label"] == "三分之二以上出席"
    assert [(x["no"], x["adopted"]) for x in m["resolutions"]] == [(1, True), (2, False), (3, True)]
    assert m["attendees"][2]["status_label"] == "缺席"

    # one present of three: no quorum, so nothing is adopted — whatever the votes say
    r = await c.patch(
        f"/v1/meetings/{m['id']}", json={"attendees": _standing(g, "2024-03-15", g["school"])["attendees"]}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "resolutions", 2, "adopted"]
    r = await c.patch(
        f"/v1/meetings/{m['id']}",
        json={
            "attendees": _standing(g, "2024-03-15", g["school"])["attendees"],
            "resolutions": [{"text": "通过 2023 年度工作报告", "votes_for": 1, "votes_against": 0, "votes_abstain": 0}],
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["quorum_met"] is False and r.json()["resolutions"][0]["adopted"] is False
    # a proxy counts as present (委托出席)
    attendees = _standing(g, "2024-03-15", g["school"])["attendees"]
    attendees[1]["status"] = "proxy"
    r = await c.patch(f"/v1/meetings/{m['id']}", json={"attendees": attendees})
    assert r.json()["present_count"] == 2 and r.json()["resolutions"][0]["adopted"] is True

    # a stated adoption that contradicts the votes, and one without votes or a word on it
    bad = _standing(
        g,
        "2024-05-01",
        g["school"],
        g["firm"],
        resolutions=[{"text": "x", "votes_for": 0, "votes_against": 2, "adopted": True}],
    )
    r = await c.post("/v1/meetings", json=bad, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "votes"
    assert "more than half" in r.json()["errors"][0]["msg"]
    bad["resolutions"] = [{"text": "x"}]
    r = await c.post("/v1/meetings", json=bad)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "resolutions", 0, "adopted"]


async def test_a_meeting_of_the_alliance_counts_its_roll_unless_the_seats_are_stated(membership_client, gov):
    c, g = membership_client, gov
    body = {
        "alliance_id": g["alliance"],
        "kind": "general_assembly",
        "title": "第二届会员大会",
        "held_on": "2024-06-01",
        "attendees": [
            {"org_id": g["school"], "name": "王建国", "status": "present"},
            {"org_id": g["firm"], "status": "present"},
            {"org_id": g["firm2"], "status": "absent"},
            {"name": "特邀专家李明", "status": "present"},
        ],
    }
    r = await c.post("/v1/meetings", json=body)
    assert r.status_code == 201, r.text
    assert (r.json()["quorum_base"], r.json()["quorum_base_source"], r.json()["quorum_met"]) == (3, "roll", True)
    r = await c.patch(f"/v1/meetings/{r.json()['id']}", json={"seats": 5})
    assert (r.json()["quorum_base"], r.json()["quorum_base_source"], r.json()["quorum_met"]) == (5, "stated", False)
    # a committee of another alliance, an unknown organization, an organization twice
    r = await c.post("/v1/meetings", json={**body, "alliance_id": g["other"], "committee_id": g["standing"]})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "committee_id"]
    twice = {**body, "attendees": [body["attendees"][0], body["attendees"][0]]}
    r = await c.post("/v1/meetings", json=twice)
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "duplicate"


async def test_figures_count_meetings_by_kind_in_the_calendar_year(membership_client, gov):
    """seed 001「每年召开 1 次常务理事会」: the year's 常务理事会 are counted by their meeting date."""
    c, g = membership_client, gov
    for day in ("2025-01-10", "2025-12-31", "2024-12-31", "2026-01-01"):
        r = await c.post("/v1/meetings", json=_standing(g, day, g["school"], g["firm"]))
        assert r.status_code == 201, r.text
    r = await c.get("/v1/meetings/figures", params={"alliance_id": g["alliance"], "year": 2025})
    assert r.status_code == 200, r.text
    f = r.json()
    standing = next(k for k in f["by_kind"] if k["kind"] == "standing_council")
    assert standing == {"kind": "standing_council", "kind_label": "常务理事会", "count": 2}
    assert f["meetings"] == 2 and f["quorate"] == 2 and "calendar year" in f["period_rule"]


async def test_an_admission_names_the_meeting_and_resolution_that_decided_it(membership_client, gov):
    c, g = membership_client, gov
    from tests.membership.test_alliances_api import make_org

    newcomer = await make_org(c, "昌邑化工职业学校", "secondary_vocational", "370786")
    m = await apply(c, g["alliance"], newcomer, "2024-02-01")
    council = _standing(
        g,
        "2024-03-20",
        g["school"],
        g["firm"],
        kind="council",
        resolutions=[
            {"text": "否决某议案", "votes_for": 0, "votes_against": 2, "votes_abstain": 0},
            {"text": "同意昌邑化工职业学校入会", "votes_for": 2, "votes_against": 0, "votes_abstain": 0},
        ],
    )
    meeting = (await c.post("/v1/meetings", json=council)).json()
    elsewhere = (await c.post("/v1/meetings", json={**council, "alliance_id": g["other"], "committee_id": None})).json()
    url = f"/v1/memberships/{m}/transitions"
    move = {"to": "active", "effective_on": "2024-03-25", "meeting_id": meeting["id"]}
    r = await c.post(url, json={**move, "meeting_id": elsewhere["id"]})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "meeting_id"]
    r = await c.post(url, json={**move, "effective_on": "2024-03-19"})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "meeting_after"
    r = await c.post(url, json={**move, "resolution_no": 1})  # not adopted
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "resolution_no"]
    r = await c.post(url, json={"to": "active", "effective_on": "2024-03-25", "resolution_no": 2})
    assert r.status_code == 422
    r = await c.post(url, json={**move, "resolution_no": 2})
    assert r.status_code == 200, r.text
    r = await c.get(f"/v1/memberships/{m}")
    event = r.json()["events"][-1]
    assert (event["to"], event["meeting_id"], event["resolution_no"]) == ("active", meeting["id"], 2)


async def test_members_read_their_alliances_meetings_and_no_one_else_does(membership_client, gov):
    c, g = membership_client, gov
    meeting = (await c.post("/v1/meetings", json=_standing(g, "2023-04-01", g["school"], g["firm"]))).json()
    url = f"/v1/meetings/{meeting['id']}"
    assert (await c.get(url, headers=staff(g["firm2"]))).status_code == 200
    assert (await c.get(url, headers=admin_of(g["alliance"]))).status_code == 200
    for outsider in (staff(g["outsider"]), admin_of(g["other"])):
        assert (await c.get(url, headers=outsider)).status_code == 404
        r = await c.get("/v1/meetings", params={"alliance_id": g["alliance"]}, headers=outsider)
        assert r.status_code == 200 and r.json()["items"] == []
        r = await c.get("/v1/meetings/figures", params={"alliance_id": g["alliance"], "year": 2023}, headers=outsider)
        assert r.status_code == 404
    # another alliance's admin: as if the meeting did not exist
    assert (await c.patch(url, json={"place": "x"}, headers=admin_of(g["other"]))).status_code == 404
    ids = {i["id"] for i in (await c.get("/v1/meetings", headers=staff(g["school"]))).json()["items"]}
    assert meeting["id"] in ids
    # a member reads but does not write
    assert (await c.patch(url, json={"place": "潍坊"}, headers=staff(g["school"]))).status_code == 403
    r = await c.patch(url, json={"place": "潍坊"}, headers=admin_of(g["alliance"]))
    assert r.status_code == 200 and r.json()["version"] == 2
    assert (await c.delete(url, headers=admin_of(g["alliance"]))).status_code == 204
    assert (await c.get(url)).status_code == 404
