"""Spreadsheet import of programmes: rows checked like the single create — kinds, project levels, funding sources
and target groups by Chinese name —, programmes of the caller's organization, a per-row report naming field, column
and rule (never a cell's value), and a dry run that saves nothing."""

from __future__ import annotations

import io

import openpyxl

from chanjiao.spreadsheets import XLSX

HEADINGS = ["项目名称", "培训类型", "开始日期", "结束日期", "名额", "委托单位", "项目级别", "经费来源", "培训对象"]
ROWS = [
    HEADINGS,
    [
        "2023年现场工程师专项班",
        "现场工程师培养",
        "2023-09-01",
        "2026-06-30",
        40,
        "教育部",
        "国家级",
        "多渠道筹资",
        "在校生",
    ],
    [
        "2023年退役军人技能提升班",
        "技能提升培训",
        "2023-04-10",
        "2023-05-26",
        60,
        "山东省退役军人事务厅",
        "省级",
        "职业技能提升行动专账资金",
        "退役军人、士官",
    ],
    ["叉车司机培训班", "特种设备", "2023-08-07", "2023-08-18", "", "", "", "企业自筹", "企业职工"],
    ["市级学训班", "学训班", "2023-06-05", "2023-06-30", "", "", "市级", "", "农民"],  # a level without its body
    ["援非培训班", "援外培训", "2023-11-06", "2023-11-24", "", "商务部", "国家级", "", "援外"],  # no such kind
    ["", "安全培训", "2023-03-13", "2023-03-01", "", "", "", "", "外星人"],  # no name, ends first, no such group
]


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_programmes_import_with_commissioning_fields_by_chinese_name(tp):
    """seed 001「承接国家、省、市级培养培训项目 30 个」: a year's projects kept in Excel come in with their level, their
    commissioning body, funding source and target groups."""
    school = await tp.new_org("higher_vocational")
    client = tp.as_org(school)
    files = {"file": ("培训项目.xlsx", _xlsx(ROWS), XLSX)}
    dry = await client.post("/v1/programmes/imports", params={"dry_run": "true"}, files=files)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["dry_run"], dry.json()["rows"], dry.json()["created"]) == (True, 6, 3)
    assert [(x["row"], x["column"], x["rule"]) for x in dry.json()["rejected"]] == [
        (5, "委托单位", "commissioner_required"),
        (6, "培训类型", "enum"),
        (7, "项目名称", "missing"),
        (7, "培训对象", "enum"),
    ]
    assert "外星人" not in dry.text and "援外培训" not in dry.text  # the report never echoes a cell
    assert (await client.get("/v1/programmes", params={"provider_org_id": school})).json()["items"] == []

    r = await client.post("/v1/programmes/imports", files={"file": ("培训项目.xlsx", _xlsx(ROWS), XLSX)})
    assert r.status_code == 200 and r.json()["created"] == 3, r.text
    items = (await client.get("/v1/programmes", params={"provider_org_id": school})).json()["items"]
    got = {p["name"]: (p["kind"], p["project_level"], p["funding_source"], p["target_groups"]) for p in items}
    assert got == {
        "2023年现场工程师专项班": ("field_engineer", "national", "mixed", ["students"]),
        "2023年退役军人技能提升班": ("upskilling", "provincial", "skills_upgrade_fund", ["veterans", "sergeants"]),
        "叉车司机培训班": ("special_equipment", "none", "enterprise_funded", ["employees"]),
    }
    figures = await client.get("/v1/training-stats", params={"org_id": school, "year": 2023})
    assert figures.json()["commissioned"]["total"] == 2


async def test_the_template_names_the_new_columns(tp):
    r = await tp.admin.get("/v1/programmes/import-template.xlsx", headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    headings = [c["heading"] for c in r.json()]
    assert {"委托单位", "项目级别", "经费来源", "培训对象"} <= set(headings)
    x = await tp.admin.get("/v1/programmes/import-template.xlsx")
    assert x.status_code == 200 and x.headers["content-type"].startswith(XLSX)
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).worksheets[0]
    assert [c.value for c in sheet[1]][: len(headings)] == headings
