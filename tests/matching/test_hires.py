"""Hires 招录 through the gateway: recorded by the school or the employer and confirmed (or disputed) by the other
party only; batch and spreadsheet import at graduation time; the yearly figures per school and per employer in
SQL, with the employment rate and 对口率 where the school supplied its graduate count (services/matching/hires/)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import openpyxl

from tests.matching.conftest import MatchingPlatform

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR = dt.date.today().year - 1


@dataclass
class Orgs:
    school: str
    employer: str
    outsider: str


async def orgs(mp: MatchingPlatform) -> Orgs:
    return Orgs(await mp.new_org("higher_vocational"), await mp.new_org("enterprise"), await mp.new_org("enterprise"))


def hire(o: Orgs, by: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "org_id": by or o.school,
        "person_name": "李明",
        "school_org_id": o.school,
        "employer_org_id": o.employer,
        "hired_on": f"{YEAR}-07-01",
        "post": "数控车工",
        "channel": "order_class",
        **extra,
    }


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_recorded_by_one_party_confirmed_by_the_other_only(mp: MatchingPlatform):
    o = await orgs(mp)
    r = await mp.as_org(o.school, "org_staff").post("/v1/hires", json=hire(o))
    assert r.status_code == 201, r.text
    h = r.json()
    assert (h["status"], h["status_label"], h["recorded_by_org_id"]) == ("recorded", "待确认", o.school)
    assert h["channel_label"] == "订单班"
    # The recorder cannot confirm its own record; an outsider does not even see it.
    r = await mp.as_org(o.school).post(f"/v1/hires/{h['id']}/confirmation", json={})
    assert r.status_code == 403
    r = await mp.as_org(o.outsider).post(f"/v1/hires/{h['id']}/confirmation", json={})
    assert r.status_code == 404
    assert (await mp.as_org(o.outsider).get(f"/v1/hires/{h['id']}")).status_code == 404
    r = await mp.as_org(o.employer).post(f"/v1/hires/{h['id']}/confirmation", json={})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "confirmed"
    # Once answered, it stays.
    r = await mp.as_org(o.employer).post(f"/v1/hires/{h['id']}/dispute", json={"reason": "入职日期有误"})
    assert r.status_code == 409
    # The same person, employer, school and day again: 409.
    r = await mp.as_org(o.employer).post("/v1/hires", json=hire(o, by=o.employer))
    assert r.status_code == 409 and r.json()["type"].endswith("hire-exists")


async def test_an_employer_records_and_the_school_disputes(mp: MatchingPlatform):
    o = await orgs(mp)
    r = await mp.as_org(o.employer).post("/v1/hires", json=hire(o, by=o.employer, person_name="王芳"))
    assert r.status_code == 201, r.text
    r = await mp.as_org(o.school).post(f"/v1/hires/{r.json()['id']}/dispute", json={"reason": "非本校毕业生"})
    assert r.status_code == 200 and r.json()["status"] == "disputed" and r.json()["reason"] == "非本校毕业生"


async def test_hire_rules_name_the_field(mp: MatchingPlatform):
    o = await orgs(mp)
    school = mp.as_org(o.school)
    cases = [
        (hire(o, by=o.outsider), 403, None),
        (hire(o, employer_org_id=o.school), 422, "employer_org_id"),
        (hire(o, hired_on="2999-01-01"), 422, "hired_on"),
        (hire(o, channel="agreement"), 422, "agreement_id"),
        (hire(o, channel="demand"), 422, "demand_id"),
        (hire(o, school_org_id=o.outsider, employer_org_id=o.employer, org_id=o.employer), 403, None),
        (hire(o, person_name=""), 422, "person_name"),
    ]
    for body, status, field in cases:
        r = await school.post("/v1/hires", json=body)
        assert r.status_code == status, (body, r.text)
        if field:
            assert field in [e["loc"][-1] for e in r.json()["errors"]], r.text
    # The school must be a school (membership says what the organization is).
    r = await mp.as_org(o.employer).post(
        "/v1/hires", json=hire(o, by=o.employer, school_org_id=o.outsider, person_name="赵强")
    )
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "not_a_school"
    # A demand named must be the employer's.
    other_demand = (
        await mp.as_org(o.outsider).post(
            "/v1/demands",
            json={"org_id": o.outsider, "kind": "employment", "title": "招聘", "headcount": 2},
        )
    ).json()
    r = await school.post("/v1/hires", json=hire(o, channel="demand", demand_id=other_demand["id"]))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "not_the_employer"
    # Nothing was written.
    r = await school.get("/v1/hires", params={"org_id": o.school})
    assert r.json()["items"] == []


async def test_a_graduation_batch_and_the_yearly_figures(mp: MatchingPlatform):
    # seed 000「山工职院毕业生…山钢招录 (人)」: the employer's hires of the school's graduates per year, next to
    # the school's graduates of that year; seed 003「招生即招工、毕业即上岗」: order classes and apprenticeships
    o = await orgs(mp)
    channels = ["order_class"] * 4 + ["apprenticeship"] * 2 + ["other"] * 3
    items = [hire(o, person_name=f"毕业生{i}", channel=c) for i, c in enumerate(channels)]
    items.append(hire(o, person_name="毕业生X", hired_on=f"{YEAR - 1}-07-01"))  # another year
    r = await mp.as_org(o.school).post("/v1/hires/batch", json={"items": items})
    assert r.status_code == 200 and r.json()["created"] == 10, r.text
    ids = [x["id"] for x in r.json()["results"]]
    employer = mp.as_org(o.employer)
    for hid in ids[:8]:  # eight confirmed; one left recorded
        assert (await employer.post(f"/v1/hires/{hid}/confirmation", json={})).status_code == 200
    assert (await employer.post(f"/v1/hires/{ids[9]}/confirmation", json={})).status_code == 200

    r = await mp.as_org(o.school).get("/v1/hires/figures", params={"org_id": o.school, "year": YEAR})
    assert r.status_code == 200, r.text
    s = r.json()["as_school"]
    assert (s["graduates_hired"], s["from_order_classes"], s["from_apprenticeships"], s["unconfirmed"]) == (8, 4, 2, 1)
    assert s["graduates"] is None and s["employment_rate"] is None and s["in_field_rate"] is None

    r = await mp.as_org(o.school).put(f"/v1/hires/graduate-counts/{o.school}/{YEAR}", json={"graduates": 20})
    assert r.status_code == 201, r.text
    r = await mp.as_org(o.school).put(
        f"/v1/hires/graduate-counts/{o.school}/{YEAR}", json={"graduates": 32, "in_field": 6}
    )
    assert r.status_code == 200 and r.json()["version"] == 2
    s = (await mp.as_org(o.school).get("/v1/hires/figures", params={"org_id": o.school, "year": YEAR})).json()[
        "as_school"
    ]
    assert (s["graduates"], s["in_field"], s["employment_rate"], s["in_field_rate"]) == (32, 6, 0.25, 0.75)

    e = (await employer.get("/v1/hires/figures", params={"org_id": o.employer, "year": YEAR})).json()["as_employer"]
    assert e == {"hires": 8, "from_order_classes": 4, "from_apprenticeships": 2, "unconfirmed": 1, "schools": 1}
    e = (await employer.get("/v1/hires/figures", params={"org_id": o.employer, "year": YEAR - 1})).json()
    assert e["as_employer"]["hires"] == 1

    # in_field above graduates is refused; another organization's figures and counts are not for the employer.
    r = await mp.as_org(o.school).put(
        f"/v1/hires/graduate-counts/{o.school}/{YEAR}", json={"graduates": 5, "in_field": 6}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "in_field"
    r = await employer.get("/v1/hires/figures", params={"org_id": o.school, "year": YEAR})
    assert r.status_code == 403
    r = await employer.put(f"/v1/hires/graduate-counts/{o.school}/{YEAR}", json={"graduates": 1})
    assert r.status_code == 403


async def test_the_graduation_spreadsheet_import(mp: MatchingPlatform):
    o = await orgs(mp)
    rows = [
        ["姓名", "学员ID", "学校ID", "用人单位ID", "入职日期", "岗位", "渠道", "需求ID", "协议ID"],
        ["张伟", "", o.school, o.employer, dt.datetime(YEAR, 7, 1), "装配钳工", "订单班", "", ""],
        ["刘洋", "", o.school, o.employer, f"{YEAR}-07-15", "电工", "学徒制", "", ""],
        ["", "", o.school, o.employer, f"{YEAR}-07-15", "电工", "其他", "", ""],
        ["陈静", "", o.school, o.employer, f"{YEAR}-07-15", "电工", "合作协议", "", ""],
    ]
    files = {"file": ("招录.xlsx", _xlsx(rows), XLSX)}
    school = mp.as_org(o.school)
    r = await school.post("/v1/hires/imports", params={"dry_run": "true"}, files=files)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["rows"], report["created"]) == (4, 2)
    assert [(x["row"], x["field"]) for x in report["rejected"]] == [(4, "person_name"), (5, "agreement_id")]
    assert "陈静" not in r.text  # never a cell's value
    assert (await school.get("/v1/hires", params={"org_id": o.school})).json()["items"] == []

    files = {"file": ("招录.xlsx", _xlsx(rows), XLSX)}
    r = await school.post("/v1/hires/imports", files=files)
    assert r.status_code == 200 and r.json()["created"] == 2, r.text
    listed = (await school.get("/v1/hires", params={"org_id": o.school, "channel": "order_class"})).json()["items"]
    assert [(h["person_name"], h["hired_on"], h["status"]) for h in listed] == [("张伟", f"{YEAR}-07-01", "recorded")]
    r = await school.get("/v1/hires/import-template.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith(XLSX)


async def test_the_hire_list_syncs_from_a_token(mp: MatchingPlatform):
    o = await orgs(mp)
    employer = mp.as_org(o.employer)
    token = (await employer.get("/v1/hires", params={"since_token": "0"})).json()["sync_token"]
    r = await mp.as_org(o.school).post("/v1/hires", json=hire(o, person_name="周杰"))
    assert r.status_code == 201, r.text
    r = await employer.get("/v1/hires", params={"since_token": token})
    assert [x["person_name"] for x in r.json()["items"]] == ["周杰"]
