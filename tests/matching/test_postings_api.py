"""Demands and offers through the gateway: a draft is its owner's, posting publishes it to the market, the status
moves only along the lifecycle with a dated history, codes are checked like elsewhere, and another organization
never writes (docs/matching-core.md)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from tests.matching.conftest import MatchingPlatform, demand_body, offer_body

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_an_order_class_demand_goes_from_draft_to_the_market_and_its_history_is_kept(mp: MatchingPlatform):
    # seed 003「招生即招工、毕业即上岗」: an enterprise posts an order class (订单班) for a school to fill.
    enterprise, school = await mp.new_org("enterprise"), await mp.new_org()
    owner, other = mp.as_org(enterprise), mp.as_org(school)
    r = await owner.post("/v1/demands", json=demand_body(enterprise, period_start="2027-09-01"))
    assert r.status_code == 201, r.text
    demand = r.json()
    assert demand["status"] == "draft" and demand["kind_label"] == "订单班"
    assert demand["majors"] == [{"code": "460103", "name": "数控技术", "code_known": True}]
    assert demand["unknown_codes"] == []
    assert r.headers["location"] == f"/v1/demands/{demand['id']}"

    # A draft is the owner's alone: another organization gets 404 and does not find it in the list.
    assert (await other.get(f"/v1/demands/{demand['id']}")).status_code == 404
    listed = (await other.get("/v1/demands", params={"org_id": enterprise})).json()["items"]
    assert listed == []
    assert [d["id"] for d in (await owner.get("/v1/demands", params={"org_id": enterprise})).json()["items"]] == [
        demand["id"]
    ]

    r = await owner.post(f"/v1/demands/{demand['id']}/transitions", json={"to": "open", "reason": "发布"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "open" and r.json()["version"] == 2

    # Published: the school finds it by region prefix and major code (full-width digits fold), and reads it.
    market = {"region_prefix": "3707", "major_code": "４６０１０３", "status": "open"}
    found = await other.get("/v1/demands", params=market)
    assert demand["id"] in [d["id"] for d in found.json()["items"]]
    assert (await other.get(f"/v1/demands/{demand['id']}")).status_code == 200
    elsewhere = await other.get("/v1/demands", params={"region_prefix": "11", "org_id": enterprise})
    assert elsewhere.json()["items"] == []

    r = await owner.post(f"/v1/demands/{demand['id']}/transitions", json={"to": "matched"})
    assert r.status_code == 200, r.text
    history = (await other.get(f"/v1/demands/{demand['id']}/transitions")).json()
    assert history["status"] == "matched"
    assert [(e["from_status"], e["to_status"], e["reason"]) for e in history["items"]] == [
        ("draft", "open", "发布"),
        ("open", "matched", None),
    ]
    assert [e["seq"] for e in history["items"]] == [1, 2]


async def test_an_illegal_move_is_409_naming_the_allowed_ones(mp: MatchingPlatform):
    enterprise = await mp.new_org("enterprise")
    demand = await mp.post("demands", enterprise, demand_body(enterprise))
    owner = mp.as_org(enterprise)
    r = await owner.post(f"/v1/demands/{demand['id']}/transitions", json={"to": "matched"})
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["allowed"] == ["cancelled", "open"]
    assert (await owner.post(f"/v1/demands/{demand['id']}/transitions", json={"to": "cancelled"})).status_code == 200
    r = await owner.post(
        f"/v1/demands/{demand['id']}/transitions", json={"to": "open"}, headers={"Accept-Language": "en"}
    )
    assert r.status_code == 409 and r.json()["allowed"] == []
    assert "terminal" in r.json()["detail"]
    # Nothing was written by the refused moves.
    history = (await owner.get(f"/v1/demands/{demand['id']}/transitions")).json()["items"]
    assert [e["to_status"] for e in history] == ["cancelled"]


async def test_a_matched_offer_opens_again_when_its_agreement_falls_through(mp: MatchingPlatform):
    school = await mp.new_org()
    offer = await mp.post("offers", school, offer_body(school), open_it=True)
    owner = mp.as_org(school)
    for to in ("matched", "open", "closed"):
        r = await owner.post(f"/v1/offers/{offer['id']}/transitions", json={"to": to})
        assert r.status_code == 200, (to, r.text)
    history = (await owner.get(f"/v1/offers/{offer['id']}/transitions")).json()["items"]
    assert [e["to_status"] for e in history] == ["open", "matched", "open", "closed"]


async def test_transition_dates_are_not_in_the_future_nor_before_the_latest_change(mp: MatchingPlatform):
    school = await mp.new_org()
    offer = await mp.post("offers", school, offer_body(school))
    owner = mp.as_org(school)
    r = await owner.post(f"/v1/offers/{offer['id']}/transitions", json={"to": "open", "effective_on": "2999-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "effective_on"]
    r = await owner.post(f"/v1/offers/{offer['id']}/transitions", json={"to": "open", "effective_on": "2000-01-01"})
    assert r.status_code == 409 and r.json()["type"].endswith("event-out-of-order")


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("major_codes", ["46010"], "format"),
        ("occupation_codes", ["9-99"], "format"),
        ("region_code", "999999", "province"),
        ("region_code", "37070", "format"),
        ("headcount", 0, "greater_than_equal"),
        ("kind", "internship_base", "enum"),
    ],
)
async def test_a_malformed_field_is_422_naming_it(mp: MatchingPlatform, field, value, rule):
    enterprise = await mp.new_org("enterprise")
    r = await mp.as_org(enterprise).post("/v1/demands", json=demand_body(enterprise, **{field: value}))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    error = r.json()["errors"][0]
    assert field in error["loc"] and error["type"] == rule


async def test_well_formed_unknown_codes_are_accepted_and_flagged(mp: MatchingPlatform):
    school = await mp.new_org()
    body = offer_body(school, major_codes=["469999", "460103"], occupation_codes=["6-99-99-99"], region_code="379999")
    offer = await mp.post("offers", school, body)
    assert offer["unknown_codes"] == ["major_codes/469999", "occupation_codes/6-99-99-99", "region_code/379999"]
    assert offer["majors"][0] == {"code": "469999", "name": None, "code_known": False}


async def test_the_period_end_before_its_start_is_422_in_english_on_request(mp: MatchingPlatform):
    school = await mp.new_org()
    r = await mp.as_org(school).post(
        "/v1/offers",
        json=offer_body(school, period_start="2027-09-01", period_end="2027-08-31"),
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"loc": ["body", "period_end"], "msg": "period_end is before period_start", "type": "period"}
    ]


async def test_only_the_owning_organization_writes(mp: MatchingPlatform):
    enterprise, other_org = await mp.new_org("enterprise"), await mp.new_org("enterprise")
    other = mp.as_org(other_org)
    # Posting for another organization is refused before anything is written.
    r = await other.post("/v1/demands", json=demand_body(enterprise))
    assert r.status_code == 403
    draft = await mp.post("demands", enterprise, demand_body(enterprise))
    published = await mp.post("demands", enterprise, demand_body(enterprise), open_it=True)
    # A draft does not exist for another organization; a published demand is readable but not writable.
    assert (await other.patch(f"/v1/demands/{draft['id']}", json={"headcount": 1})).status_code == 404
    assert (await other.patch(f"/v1/demands/{published['id']}", json={"headcount": 1})).status_code == 403
    r = await other.post(f"/v1/demands/{published['id']}/transitions", json={"to": "cancelled"})
    assert r.status_code == 403
    # Read-only staff of the owner (no matching:write) cannot write either.
    reader = mp.as_org(enterprise, scopes=("matching:read",))
    assert (await reader.patch(f"/v1/demands/{published['id']}", json={"headcount": 1})).status_code == 403
    still = (await mp.as_org(enterprise).get(f"/v1/demands/{published['id']}")).json()
    assert still["headcount"] == 40 and still["status"] == "open"


async def test_an_alliance_admin_sees_published_postings_only(mp: MatchingPlatform):
    alliance, school = await mp.new_alliance(), await mp.new_org()
    draft = await mp.post("offers", school, offer_body(school, alliance_id=alliance))
    published = await mp.post("offers", school, offer_body(school, alliance_id=alliance), open_it=True)
    admin = mp.as_alliance(alliance)
    ids = [o["id"] for o in (await admin.get("/v1/offers", params={"alliance_id": alliance})).json()["items"]]
    assert ids == [published["id"]]
    assert (await admin.get(f"/v1/offers/{draft['id']}")).status_code == 404
    assert (await mp.admin.get(f"/v1/offers/{draft['id']}")).status_code == 200


async def test_update_checks_if_match_and_the_rules_on_the_saved_record(mp: MatchingPlatform):
    enterprise = await mp.new_org("enterprise")
    demand = await mp.post("demands", enterprise, demand_body(enterprise, period_start="2027-09-01"))
    owner = mp.as_org(enterprise)
    url = f"/v1/demands/{demand['id']}"
    r = await owner.patch(url, json={"headcount": 45}, headers={"If-Match": '"7"'})
    assert r.status_code == 412
    r = await owner.patch(url, json={"period_end": "2027-01-01"}, headers={"If-Match": '"1"'})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "period_end"]
    r = await owner.patch(
        url,
        json={"headcount": 45, "preferred_certificates": [{"kind": "special_operations"}]},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["headcount"] == 45 and r.json()["version"] == 2 and r.headers["etag"].endswith('"2"')
    preferred = r.json()["preferred_certificates"]
    assert preferred == [{"kind": "special_operations", "occupation_code": None, "level": None}]
    r = await owner.patch(url, json={"title": None})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "not_null"
    r = await owner.patch(url, json={"org_id": enterprise})
    assert r.status_code == 422


async def test_a_token_pull_returns_what_changed_since(mp: MatchingPlatform):
    school = await mp.new_org()
    owner = mp.as_org(school)
    first = await mp.post("offers", school, offer_body(school))
    token = (await owner.get("/v1/offers", params={"org_id": school})).json()["sync_token"]
    second = await mp.post("offers", school, offer_body(school))
    r = await owner.post(f"/v1/offers/{first['id']}/transitions", json={"to": "open"})
    assert r.status_code == 200
    pulled = (await owner.get("/v1/offers", params={"org_id": school, "since_token": token})).json()["items"]
    assert {o["id"] for o in pulled} == {first["id"], second["id"]}


async def test_the_list_exports_as_a_spreadsheet(mp: MatchingPlatform):
    enterprise = await mp.new_org("enterprise")
    await mp.post("demands", enterprise, demand_body(enterprise), open_it=True)
    r = await mp.as_org(enterprise).get("/v1/demands", params={"org_id": enterprise}, headers={"Accept": XLSX})
    assert r.status_code == 200 and r.headers["content-type"].startswith(XLSX)
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("需求ID", "发布单位ID", "需求类型", "标题")
    assert rows[1][2] == "订单班" and rows[1][-1] == "已发布"


async def test_a_cancelled_posting_no_longer_changes(mp: MatchingPlatform):
    school = await mp.new_org()
    offer = await mp.post("offers", school, offer_body(school))
    owner = mp.as_org(school)
    assert (await owner.post(f"/v1/offers/{offer['id']}/transitions", json={"to": "cancelled"})).status_code == 200
    r = await owner.patch(f"/v1/offers/{offer['id']}", json={"count": 1})
    assert r.status_code == 409 and r.json()["type"].endswith("posting-ended")
    assert (await owner.get(f"/v1/offers/{offer['id']}")).json()["count"] == 30
