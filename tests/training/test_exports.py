"""`.xlsx` exports of the training list routes (`Accept: …spreadsheetml.sheet`): every list exports exactly what the
caller could page through (filters and tenant visibility), every export carries the record's id (the learners and
enrolments exports join on 学员ID), the learners export carries only masked numbers, and an export beyond the cap is
422 `export_too_large`."""

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from chanjiao import spreadsheets
from chanjiao.spreadsheets import XLSX
from tests.training.practice_support import id_number

ACCEPT = {"Accept": XLSX}


async def _register(client, org: str, name: str, learner_type: str = "student") -> dict[str, Any]:
    number, phone = id_number(), f"139{id_number()[-8:].replace('X', '7')}"
    r = await client.post(
        "/v1/learners",
        json={"name": name, "id_number": number, "phone": phone, "learner_type": learner_type, "current_org_id": org},
    )
    assert r.status_code == 201, r.text
    return {**r.json(), "_number": number, "_phone": phone}


async def _post(client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post(path, json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def _world(tp, school: str, enterprise: str, tag: str) -> dict[str, Any]:
    c = tp.as_org(school)
    learners = [await _register(c, school, f"{tag}学员{i}") for i in range(2)]
    teacher = await _register(c, school, f"{tag}教师", "teacher")
    person = await tp.admin.post("/v1/people", json={"name": f"{tag}王老师", "org_id": school})
    assert person.status_code == 201, person.text
    programme = {
        "name": f"{tag}数控订单班",
        "kind": "order_class",
        "start_on": "2025-09-01",
        "end_on": "2026-06-30",
        "planned_hours": 480,
        "capacity": 40,
        "delivery": "offline",
        "provider_org_id": school,
    }
    programmes = [await _post(c, "/v1/programmes", programme), await _post(c, "/v1/programmes", {**programme})]
    for learner in learners:
        await _post(c, "/v1/enrolments", {"learner_id": learner["id"], "programme_id": programmes[0]["id"]})
    internship = {
        "school_org_id": school,
        "host_org_id": enterprise,
        "kind": "post",
        "start_on": "2024-03-01",
        "end_on": "2024-06-30",
        "position": '=HYPERLINK("x")',  # stays text in the sheet, never a formula
        "insured": True,
        "insurance_policy_no": "PICC-2024-001",
        "stipend_monthly_cny": "2500.50",
    }
    for learner in learners:
        await _post(c, "/v1/internships", {**internship, "learner_id": learner["id"]})
    for start, end in (("2024-07-01", "2024-08-29"), ("2025-01-10", "2025-02-20")):
        await _post(
            c,
            "/v1/teacher-practices",
            {
                "person_id": person.json()["id"],
                "school_org_id": school,
                "enterprise_org_id": enterprise,
                "start_on": start,
                "end_on": end,
            },
        )
    for term in ("2024-2025-1", "2024-2025-2"):
        await _post(
            c,
            "/v1/part-time-teaching",
            {
                "staff_name": f"{tag}师傅",
                "enterprise_org_id": enterprise,
                "school_org_id": school,
                "term": term,
                "course": "数控车削加工",
                "class_hours": 64.5,
            },
        )
    for name in ("甲", "乙"):
        await _post(
            c,
            "/v1/training-bases",
            {
                "owner_org_id": school,
                "name": f"{tag}实训基地{name}",
                "kind": "productive",
                "level": "provincial",
                "stations": 120,
                "major_codes": ["460103"],
                "shared": True,
            },
        )
    return {"learners": [*learners, teacher]}


@pytest.fixture(scope="module")
async def world(tp):
    a, b, host = (
        await tp.new_org("higher_vocational"),
        await tp.new_org("higher_vocational"),
        await tp.new_org("enterprise"),
    )
    return {"a": a, "b": b, "a_data": await _world(tp, a, host, "甲校"), "b_data": await _world(tp, b, host, "乙校")}


def _yes(v: bool) -> str:
    return "是" if v else "否"


def _d(v: str) -> date:
    return date.fromisoformat(v)


# route → (query for org A, heading → function of the JSON item giving the expected cell)
ROUTES: dict[str, tuple[str, dict[str, Any]]] = {
    "/v1/learners": (
        "",
        {
            "姓名": lambda i: i["name"],
            "证件类型": lambda i: i["id_type_label"],
            "证件号码（脱敏）": lambda i: i["id_number_masked"],
            "性别": lambda i: {"male": "男", "female": "女"}.get(i["gender"]),
            "出生年份": lambda i: i["birth_year"],
            "手机号码（脱敏）": lambda i: i["phone_masked"],
            "学员类型": lambda i: i["learner_type_label"],
            "当前所在单位ID": lambda i: i["current_org_id"],
            "学员ID": lambda i: i["id"],
        },
    ),
    "/v1/programmes": (
        "",
        {
            "项目ID": lambda i: i["id"],
            "项目名称": lambda i: i["name"],
            "培训类型": lambda i: i["kind_label"],
            "举办单位ID": lambda i: i["provider_org_id"],
            "开始日期": lambda i: _d(i["start_on"]),
            "结束日期": lambda i: _d(i["end_on"]),
            "名额": lambda i: i["capacity"],
            "已报名": lambda i: i["enrolled_count"],
        },
    ),
    "/v1/enrolments": (
        "",
        {
            "报名ID": lambda i: i["id"],
            "学员ID": lambda i: i["learner_id"],
            "培训项目ID": lambda i: i["programme_id"],
            "状态": lambda i: i["status_label"],
            "报名日期": lambda i: _d(i["enrolled_on"]),
        },
    ),
    "/v1/internships": (
        "",
        {
            "实习ID": lambda i: i["id"],
            "学生ID": lambda i: i["learner_id"],
            "实习类型": lambda i: i["kind_label"],
            "开始日期": lambda i: _d(i["start_on"]),
            "实习天数": lambda i: i["days"],
            "三个月及以上": lambda i: _yes(i["three_months_or_more"]),
            "岗位": lambda i: i["position"],
            "已投保": lambda i: _yes(i["insured"]),
            "实习报酬（元/月）": lambda i: Decimal(i["stipend_monthly_cny"]),
        },
    ),
    "/v1/teacher-practices": (
        "",
        {
            "记录ID": lambda i: i["id"],
            "教师": lambda i: i["teacher_name"],
            "教师人员ID": lambda i: i["person_id"],
            "开始日期": lambda i: _d(i["start_on"]),
            "天数": lambda i: i["days"],
            "人月": lambda i: i["person_months"],
        },
    ),
    "/v1/part-time-teaching": (
        "",
        {
            "记录ID": lambda i: i["id"],
            "姓名": lambda i: i["staff_name"],
            "学期": lambda i: i["term"],
            "学期开始": lambda i: _d(i["term_start_on"]),
            "授课学时": lambda i: i["class_hours"],
        },
    ),
    # training bases are open to every reader: the owner filter keeps the comparison to one organization
    "/v1/training-bases": (
        "owner_org_id={a}",
        {
            "基地ID": lambda i: i["id"],
            "基地名称": lambda i: i["name"],
            "级别": lambda i: i["level_label"],
            "服务专业代码": lambda i: ",".join(i["major_codes"]),
            "开放共享": lambda i: _yes(i["shared"]),
        },
    ),
}


async def _pages(client, path: str, query: str) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        params = "&".join(p for p in (query, "limit=1", f"cursor={cursor}" if cursor else "") if p)
        r = await client.get(f"{path}?{params}")
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        if not (cursor := r.json()["next_cursor"]):
            return items


async def _sheet(client, path: str, query: str = "") -> tuple[list[str], list[tuple[Any, ...]], Any]:
    r = await client.get(f"{path}?{query}" if query else path, headers=ACCEPT)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(XLSX)
    assert r.headers["content-disposition"].startswith("attachment;")
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[0]), rows[1:], ws


def _value(cell: Any) -> Any:
    if hasattr(cell, "date") and callable(cell.date):
        return cell.date()  # openpyxl reads a date cell as a datetime
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return cell


@pytest.mark.parametrize("path", list(ROUTES))
async def test_export_rows_match_the_json_list(tp, world, path):
    query, expect = ROUTES[path]
    query = query.format(a=world["a"])
    client = tp.as_org(world["a"])
    items = await _pages(client, path, query)
    assert len(items) >= 2
    headings, rows, ws = await _sheet(client, path, query)
    assert set(expect) <= set(headings)
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert len(rows) == len(items)
    for item, row in zip(items, rows, strict=True):
        cells = dict(zip(headings, row, strict=True))
        for heading, fn in expect.items():
            want, got = fn(item), _value(cells[heading])
            if isinstance(want, Decimal | float) and got is not None:
                assert Decimal(str(got)) == Decimal(str(want)), (heading, got, want)
            else:
                assert got == want, (heading, got, want)


# the column of each export that carries the record's own id
ID_COLUMNS = {
    "/v1/learners": "学员ID",
    "/v1/programmes": "项目ID",
    "/v1/enrolments": "报名ID",
    "/v1/internships": "实习ID",
    "/v1/teacher-practices": "记录ID",
    "/v1/part-time-teaching": "记录ID",
    "/v1/training-bases": "基地ID",
}


@pytest.mark.parametrize("path", list(ROUTES))
async def test_every_export_carries_the_record_id(tp, world, path):
    query = ROUTES[path][0].format(a=world["a"])
    client = tp.as_org(world["a"])
    ids = {i["id"] for i in await _pages(client, path, query)}
    headings, rows, _ = await _sheet(client, path, query)
    assert ids and {r[headings.index(ID_COLUMNS[path])] for r in rows} == ids


async def test_learners_and_enrolments_exports_join_on_the_learner_id(tp, world):
    client = tp.as_org(world["a"])
    learners_head, learners, _ = await _sheet(client, "/v1/learners")
    enrol_head, enrolments, _ = await _sheet(client, "/v1/enrolments")
    name_of = {r[learners_head.index("学员ID")]: r[learners_head.index("姓名")] for r in learners}
    assert len(enrolments) == 2
    for row in enrolments:
        assert name_of[row[enrol_head.index("学员ID")]] == row[enrol_head.index("学员姓名")]


async def test_export_types_dates_numbers_and_text(tp, world):
    _, _, ws = await _sheet(tp.as_org(world["a"]), "/v1/internships")
    headings = [c.value for c in ws[1]]
    row = ws[2]
    start = row[headings.index("开始日期")]
    assert start.is_date and start.number_format == "yyyy-mm-dd"
    assert row[headings.index("实习报酬（元/月）")].data_type == "n"
    position = row[headings.index("岗位")]
    assert position.data_type == "s" and position.value.startswith("=HYPERLINK")


@pytest.mark.parametrize("path", [p for p in ROUTES if p != "/v1/training-bases"])
async def test_an_org_exports_only_its_own_rows(tp, world, path):
    own = {r for r in (await _sheet(tp.as_org(world["a"]), path))[1]}
    theirs = {r for r in (await _sheet(tp.as_org(world["b"]), path))[1]}
    assert own and theirs and not own & theirs
    everyone = {r for r in (await _sheet(tp.admin, path, "limit=500"))[1]}
    assert own | theirs <= everyone
    if path == "/v1/learners":
        names = {r[0] for r in own}
        assert {x["name"] for x in world["a_data"]["learners"]} == names
        assert not {x["name"] for x in world["b_data"]["learners"]} & names


async def test_learners_export_never_carries_a_full_number(tp, world):
    secrets = {s for d in ("a_data", "b_data") for x in world[d]["learners"] for s in (x["_number"], x["_phone"])}
    for client in (tp.as_org(world["a"]), tp.admin):
        headings, rows, _ = await _sheet(client, "/v1/learners")
        assert rows
        for row in [headings, *rows]:
            for cell in row:
                text = str(cell or "")
                assert not any(s in text or text in s and len(text) >= 6 for s in secrets), cell
    masked = {x["id_number_masked"] for x in world["a_data"]["learners"]}
    _, rows, _ = await _sheet(tp.as_org(world["a"]), "/v1/learners")
    assert {r[2] for r in rows} == masked


async def test_filters_apply_to_the_export(tp, world):
    client = tp.as_org(world["a"])
    learner = world["a_data"]["learners"][0]["id"]
    items = await _pages(client, "/v1/internships", f"learner_id={learner}")
    _, rows, _ = await _sheet(client, "/v1/internships", f"learner_id={learner}&cursor=ignored&limit=1")
    assert len(rows) == len(items) == 1 and rows[0][0] == learner


async def test_export_beyond_the_cap_is_422(tp, world, monkeypatch):
    monkeypatch.setattr(spreadsheets, "EXPORT_CAP", 1)
    r = await tp.as_org(world["a"]).get("/v1/programmes", headers=ACCEPT)
    assert r.status_code == 422, r.text
    assert [(e["loc"], e["type"]) for e in r.json()["errors"]] == [(["header", "accept"], "export_too_large")]
    monkeypatch.setattr(spreadsheets, "EXPORT_CAP", 2)
    _, rows, _ = await _sheet(tp.as_org(world["a"]), "/v1/programmes")
    assert len(rows) == 2
