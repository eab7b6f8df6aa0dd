"""The yearly facts imports (one spreadsheet template per kind) and an alliance's member figures summed from its
members' facts (services/membership/facts_imports.py, services/membership/member_facts/). Each figure's test cites
the seed phrase it computes. One platform and World per module (tests/authz/harness.py)."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.authz import conftest as authz
from tests.authz.harness import Req, World

platform, world = authz.platform, authz.world
READ_ONLY = ("membership:read",)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INTAKE_HEAD = "年度,专业代码,招生渠道,计划招生人数,实际招生人数"
ENTERPRISE_HEAD = "年度,在岗职工,专职研发人员,营业收入（万元）,所有制,校企合作经费支出（万元）,产教融合工作机构"


def _csv(*lines: str) -> dict:
    return {"file": ("facts.csv", ("\n".join(lines) + "\n").encode(), "text/csv")}


async def _org(w: World, org_type: str, alliance: dict | None, *, left_on: str | None = None, joined: str = "2020"):
    org = await w.new_org(org_type)
    if alliance is not None:
        m = await w.admin_post(
            "/v1/memberships",
            {"org_id": org["id"], "alliance_id": alliance["id"], "role": "member", "applied_on": f"{joined}-01-01"},
        )
        await w.admin_post(
            f"/v1/memberships/{m['id']}/transitions", {"to": "active", "effective_on": f"{joined}-02-01"}
        )
        if left_on:
            await w.admin_post(f"/v1/memberships/{m['id']}/transitions", {"to": "withdrawn", "effective_on": left_on})
    return org


def _nco(count: int, planned: list[int]) -> list[dict]:
    return [
        {"major_code": f"{550100 + n}", "channel": "nco", "planned": planned[n], "actual": planned[n] - 2}
        for n in range(count)
    ]


def _groups(designation: str, n: int, prefix: str) -> list[dict]:
    return [{"name": f"{prefix}{i}", "designation": designation, "major_codes": ["470201"]} for i in range(n)]


async def _put(w: World, org: dict, year: int, body: dict, kind: str = "school") -> None:
    r = await w.send(w.org_admin(org), Req("PUT", f"/v1/organizations/{org['id']}/{kind}-years/{year}", json=body))
    assert r.status_code in (200, 201), r.text


@pytest.fixture(scope="module")
async def figures(world: World) -> dict:
    """A fresh alliance with four member schools and two member enterprises in 2023, a school that left in 2022, one
    that joined in 2024 and one that never joined; the 2023 member figures as its secretariat reads them."""
    w = world
    alliance = await w.new_alliance()
    s1 = await _org(w, "higher_vocational", alliance)
    s2 = await _org(w, "secondary_vocational", alliance)
    s3 = await _org(w, "higher_vocational", alliance)
    s4 = await _org(w, "technician_college", alliance)
    e1 = await _org(w, "enterprise", alliance)
    e2 = await _org(w, "training_company", alliance)
    left = await _org(w, "secondary_vocational", alliance, left_on="2022-06-30")
    late = await _org(w, "higher_vocational", alliance, joined="2024")
    outsider = await _org(w, "higher_vocational", None)
    # S1's intake comes by the spreadsheet import: 三二连读 3000 and eight 士官生 majors.
    lines = [INTAKE_HEAD, "2023,660301,三二连读,3000,3000"]
    lines += [f"2023,{550100 + n},士官生,70,68" for n in range(8)]
    r = await w.send(
        w.org_admin(s1), Req("POST", f"/v1/organizations/{s1['id']}/school-year-imports", files=_csv(*lines))
    )
    assert r.status_code == 200 and r.json()["written"] and r.json()["created"] == 1, r.text
    groups = _groups("national_double_high", 3, "双高群") + _groups("brand", 1, "品牌群")
    r = await w.send(
        w.org_admin(s1),
        Req(
            "PATCH",
            f"/v1/organizations/{s1['id']}/school-years/2023",
            json={"major_groups": groups, "full_time_students": 15000},
        ),
    )
    assert r.status_code == 200, r.text
    await _put(w, s1, 2022, {"intakes": [{"major_code": "660301", "channel": "three_two", "actual": 999}]})
    await _put(
        w,
        s2,
        2023,
        {
            "full_time_students": 4200,
            "intakes": [
                {"major_code": "660301", "channel": "three_two", "planned": 2800, "actual": 2745},
                *_nco(8, [70] * 8),
            ],
            "major_groups": _groups("national_double_high", 2, "双高群") + _groups("provincial_high_level", 1, "省群"),
        },
    )
    await _put(w, s3, 2023, {"intakes": _nco(8, [70] * 8), "major_groups": _groups("provincial_high_level", 2, "省群")})
    await _put(w, s4, 2023, {"intakes": _nco(7, [63] * 6 + [66]), "major_groups": _groups("brand", 1, "品牌群")})
    for other in (left, late, outsider):
        await _put(
            w,
            other,
            2023,
            {
                "intakes": [{"major_code": "660301", "channel": "three_two", "actual": 500}, *_nco(2, [50, 50])],
                "major_groups": _groups("national_double_high", 1, "双高群"),
            },
        )
    await _put(
        w,
        e1,
        2023,
        {
            "staff": 42000,
            "rd_staff": 312,
            "revenue_wan": "18920000",
            "cooperation_spending_wan": "3000",
            "pe_office": "产教融合办公室",
        },
        "enterprise",
    )
    # E2's year comes by the enterprise import.
    text = _csv(ENTERPRISE_HEAD, "2023,1000,20,5000,民营,250.5,")
    r = await w.send(w.org_admin(e2), Req("POST", f"/v1/organizations/{e2['id']}/enterprise-year-imports", files=text))
    assert r.status_code == 200 and r.json()["written"], r.text
    r = await w.send(
        w.alliance_admin(alliance), Req("GET", f"/v1/alliances/{alliance['id']}/member-facts", params={"year": 2023})
    )
    assert r.status_code == 200, r.text
    answer = r.json()
    return {"answer": answer, "by_key": {f["key"]: f for f in answer["figures"]}, "alliance": alliance}


def test_members_are_the_roll_on_31_december(figures: dict) -> None:
    """A member that left in 2022, one that joined in 2024 and a non-member are not counted in 2023."""
    a = figures["answer"]
    assert (a["as_of"], a["members"], a["schools_reporting"], a["enterprises_reporting"]) == ("2023-12-31", 6, 4, 2)


def test_three_two_intake(figures: dict) -> None:
    """seed 001「中高职“三二连读”贯通培养招生达 5745 多人」: the actual 三二连读 intake of the members' schools, by
    招生年度 (S1's 2022 intake and the non-members' are not counted)."""
    f = figures["by_key"]["three_two_intake"]
    assert (f["value"], f["unit"], f["reporting"]) == (5745, "人", 4)
    assert f["period_rule"].startswith("招生年度")


def test_nco_majors_and_planned_intake(figures: dict) -> None:
    """seed 001「4 家集团成员单位士官生招生专业 31 个，计划招生人数达 2124 人」: majors (school × major) with a
    士官生 intake, their planned intake and the schools."""
    by_key = figures["by_key"]
    assert (by_key["nco_majors"]["value"], by_key["nco_planned_intake"]["value"]) == (31, 2124)
    assert by_key["nco_schools"]["value"] == 4
    nco = next(c for c in figures["answer"]["intake_by_channel"] if c["channel"] == "nco")
    assert (nco["label"], nco["planned"], nco["actual"], nco["majors"]) == ("士官生", 2124, 2124 - 62, 31)


def test_double_high_major_groups(figures: dict) -> None:
    """seed 001「其中国家“双高”专业群 5 个，省级高水平专业群建设成员单位 6 家，高职院校品牌专业群 8 个」: groups by
    designation as the members report them for the year."""
    by_key = figures["by_key"]
    assert by_key["double_high_groups"]["value"] == 5
    assert by_key["provincial_group_schools"]["value"] == 2  # S2 and S3, whatever their number of groups
    assert by_key["brand_groups"]["value"] == 2
    assert by_key["major_groups"]["value"] == 5 + 3 + 2


def test_enterprise_staff_and_rd_staff(figures: dict) -> None:
    """seed 000「在岗职工 4.2 万人」「专职研发人员312人」: the member enterprises' staff and R&D staff of the year."""
    by_key = figures["by_key"]
    assert (by_key["enterprise_staff"]["value"], by_key["rd_staff"]["value"]) == (43000, 332)
    assert by_key["enterprise_staff"]["reporting"] == 2
    sizes = {s["key"]: s["count"] for s in figures["answer"]["enterprises_by_size"]}
    assert (sizes["large"], sizes["medium"]) == (1, 1)  # derived from staff and revenue


def test_cooperation_spending(figures: dict) -> None:
    """seed 000「校企合作经费支出超过 3000 万元以上」: the members' cooperation spending of the calendar year in 万元,
    money outside the platform's agreements included."""
    f = figures["by_key"]["cooperation_spending"]
    assert (f["value"], f["unit"]) == ("3250.50", "万元")
    assert "平台协议以外" in f["period_rule"]
    assert figures["by_key"]["enterprises_with_pe_office"]["value"] == 1


async def test_figures_are_the_alliances_own(world: World, figures: dict) -> None:
    w = world
    url = f"/v1/alliances/{figures['alliance']['id']}/member-facts"
    for outsider in (w.alliance_admin(w.alliance_x), w.org_admin(w.org_a)):
        assert (await w.send(outsider, Req("GET", url, params={"year": 2023}))).status_code == 404
    r = await w.send(w.platform_admin, Req("GET", url, params={"year": 2022}))
    assert r.status_code == 200, r.text
    three_two = next(f for f in r.json()["figures"] if f["key"] == "three_two_intake")
    assert three_two["value"] == 999  # the 2022 intake counts in 2022
    assert (await w.send(w.platform_admin, Req("GET", url))).status_code == 422  # year is required


async def test_intake_import_is_all_or_nothing_and_never_echoes_a_cell(world: World) -> None:
    w = world
    school = await _org(w, "higher_vocational", w.alliance_x)
    url = f"/v1/organizations/{school['id']}/school-year-imports"
    admin = w.org_admin(school)
    bad = _csv(INTAKE_HEAD, "2023,660301,三二连读,100,98", "2023,660302,秘密渠道XYZ,10,9", "2023,660301,三二连读,1,1")
    r = await w.send(admin, Req("POST", url, files=bad))
    report = r.json()
    assert r.status_code == 200 and not report["written"] and "秘密渠道XYZ" not in r.text, r.text
    assert [(x["row"], x["column"], x["rule"]) for x in report["rejected"]] == [
        (3, "招生渠道", "enum"),
        (4, "招生渠道", "duplicate"),
    ]
    assert (await w.send(admin, Req("GET", f"/v1/organizations/{school['id']}/school-years"))).json()["items"] == []
    good = _csv(INTAKE_HEAD, "2023,660301,三二连读,100,98", "2024,660301,3+2,5,5")
    r = await w.send(admin, Req("POST", url, files=good, params={"dry_run": "true"}))
    assert r.json()["rejected"][0]["rule"] == "enum"  # "3+2" is no channel name
    good = _csv(INTAKE_HEAD, "2023,660301,三二连读,100,98", "2024,660301,three_two,5,5")
    r = await w.send(admin, Req("POST", url, files=good, params={"dry_run": "true"}))
    assert (r.json()["written"], r.json()["created"], r.json()["years"]) == (False, 2, [2023, 2024]), r.text
    assert (await w.send(admin, Req("GET", f"/v1/organizations/{school['id']}/school-years"))).json()["items"] == []
    r = await w.send(admin, Req("POST", url, files=good))
    assert r.json()["written"] and r.json()["created"] == 2
    # Another import replaces the intake of the years in it and keeps the rest of the year.
    await w.send(admin, Req("PATCH", f"/v1/organizations/{school['id']}/school-years/2023", json={"laboratories": 9}))
    r = await w.send(admin, Req("POST", url, files=_csv(INTAKE_HEAD, "2023,660309,普通招生,40,")))
    assert (r.json()["created"], r.json()["updated"]) == (0, 1), r.text
    year = (await w.send(admin, Req("GET", f"/v1/organizations/{school['id']}/school-years/2023"))).json()
    assert [i["major_code"] for i in year["intakes"]] == ["660309"] and year["laboratories"] == 9
    # Whoever may not write the school's facts cannot import them.
    r = await w.send(w.alliance_admin(w.alliance_x), Req("POST", url, files=good))
    assert r.status_code == 403


async def test_templates_name_their_columns(world: World) -> None:
    w = world
    reader = w.org_staff(w.org_a)
    for kind, headings in (("school", INTAKE_HEAD), ("enterprise", ENTERPRISE_HEAD)):
        path = f"/v1/organizations/{kind}-years/import-template.xlsx"
        r = await w.send(reader, Req("GET", path))
        assert r.status_code == 200 and r.headers["content-type"] == XLSX
        sheet = load_workbook(BytesIO(r.content)).worksheets[0]
        first_row = [c.value for c in next(sheet.iter_rows(max_row=1))]
        assert set(headings.split(",")) <= set(first_row), first_row
        r = await w.send(reader, Req("GET", path, headers={"Accept": "application/json"}))
        assert r.json()[0] == {
            "heading": "年度",
            "field": "year",
            "required": True,
            "description": r.json()[0]["description"],
        }
