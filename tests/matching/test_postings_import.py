"""Spreadsheet import of demands and offers: rows checked like the single create, drafts of the caller's organization,
a per-row report that names field, column and rule, and a dry run that saves nothing (docs/matching-core.md)."""

from __future__ import annotations

import io

import openpyxl

from tests.matching.conftest import MatchingPlatform

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


DEMANDS = [
    ["需求类型", "标题", "职业代码", "专业代码", "学历层次", "需求人数", "行政区划代码", "开始日期", "结束日期"],
    ["订单班", "数控订单班", "6-18-01-01", "460103、460104", "高职专科", 40, "370702", "2027-09-01", "2030-06-30"],
    ["学徒制", "电工学徒", "", "4601", "中职", 10, "", "", ""],
    ["招聘", "", "", "", "", "", "", "", ""],
    ["internship", "实习岗位", "", "", "", 5, "", "2027-09-01", "2027-01-01"],
]


async def test_a_dry_run_reports_every_row_and_saves_nothing(mp: MatchingPlatform):
    enterprise = await mp.new_org("enterprise")
    owner = mp.as_org(enterprise)
    files = {"file": ("需求.xlsx", _xlsx(DEMANDS), XLSX)}
    r = await owner.post("/v1/demands/imports", params={"dry_run": "true"}, files=files)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["dry_run"], report["rows"], report["created"]) == (True, 4, 1)
    assert [(x["row"], x["column"], x["rule"]) for x in report["rejected"]] == [
        (3, "专业代码", "format"),
        (4, "标题", "missing"),
        (4, "需求人数", "missing"),
        (5, "结束日期", "period"),
    ]
    assert "4601" not in r.text  # the report never echoes a cell
    assert (await owner.get("/v1/demands", params={"org_id": enterprise})).json()["items"] == []


async def test_an_import_creates_drafts_of_the_callers_organization(mp: MatchingPlatform):
    enterprise = await mp.new_org("enterprise")
    owner = mp.as_org(enterprise)
    r = await owner.post("/v1/demands/imports", files={"file": ("需求.xlsx", _xlsx(DEMANDS), XLSX)})
    assert r.status_code == 200 and r.json()["created"] == 1
    [demand] = (await owner.get("/v1/demands", params={"org_id": enterprise})).json()["items"]
    assert (demand["kind"], demand["education_level"], demand["status"]) == ("order_class", "voc_associate", "draft")
    assert demand["major_codes"] == ["460103", "460104"] and demand["headcount"] == 40


async def test_offers_import_from_csv(mp: MatchingPlatform):
    school = await mp.new_org()
    owner = mp.as_org(school)
    csv = "供给类型,标题,专业代码,届别,人数\n毕业生,数控技术2027届,460103,2027,30\n实习生,机电实习生,460301,1800,5\n"
    r = await owner.post("/v1/offers/imports", files={"file": ("offers.csv", csv.encode(), "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
    assert [(x["row"], x["field"]) for x in r.json()["rejected"]] == [(3, "cohort_year")]
    [offer] = (await owner.get("/v1/offers", params={"org_id": school})).json()["items"]
    assert (offer["kind"], offer["cohort_year"], offer["count"]) == ("graduates", 2027, 30)


async def test_importing_for_another_organization_is_refused(mp: MatchingPlatform):
    school, other = await mp.new_org(), await mp.new_org()
    csv = "供给类型,标题,人数\n毕业生,他校毕业生,30\n".encode()
    r = await mp.as_org(school).post(
        "/v1/offers/imports", params={"org_id": other}, files={"file": ("o.csv", csv, "text/csv")}
    )
    assert r.status_code == 403
    assert (await mp.admin.get("/v1/offers", params={"org_id": other})).json()["items"] == []


async def test_the_template_names_the_columns(mp: MatchingPlatform):
    school = await mp.new_org()
    r = await mp.as_org(school).get("/v1/offers/import-template.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith(XLSX)
    headings = next(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert headings[:3] == ("供给类型", "标题", "说明")
