"""The certificate import (`.xlsx`/`.csv`): learners by ID number (keyed hash, the organization's own records) or
id, issued and recorded rows, a per-row report that names row, field and column and never echoes a cell, numbers
de-duplicated by issuer, dry run, the template; and the `.xlsx` export of the list."""

from __future__ import annotations

import io
import uuid

from openpyxl import Workbook, load_workbook

from tests.training.certificate_support import issue
from tests.training.practice_support import sql

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT = "/v1/certificates/imports"
# GB 11643 check digits computed for these; never real people.
NUMBERS = ["11010519491231002X", "110105194912310038", "110105194912310046"]
BAD = "110105194912310037"  # wrong check digit
HEADINGS = [
    "证书类别",
    "证书编号",
    "证件号码",
    "学员ID",
    "姓名",
    "职业名称",
    "等级",
    "发证日期",
    "发证机关",
    "发证机关类别",
    "备注",
]


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _files(content: bytes, name: str = "证书.xlsx", kind: str = XLSX) -> dict:
    return {"file": (name, content, kind)}


async def _school(tp):
    school = await tp.new_org("higher_vocational")
    client = tp.as_org(school)
    ids = []
    for n, name in zip(NUMBERS[:2], ["王小明", "李华"], strict=True):
        r = await client.post("/v1/learners", json={"name": name, "id_number": n, "learner_type": "student"})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return school, client, ids


async def _count(database, numbers: list[str]) -> int:
    rows = await sql(database, "select count(*) as n from training.certificates where number = any($1)", numbers)
    return rows[0]["n"]


async def test_import_with_a_report_that_names_rows_and_columns_and_echoes_nothing(tp, database):
    school, client, (wang, li) = await _school(tp)
    other = await tp.new_org("higher_vocational")
    r = await tp.as_org(other).post(
        "/v1/learners", json={"name": "赵六", "id_number": NUMBERS[2], "learner_type": "student"}
    )
    assert r.status_code == 201
    tag = uuid.uuid4().hex[:6].upper()
    content = _xlsx(
        [
            HEADINGS,
            [
                "职业技能等级证书",
                f"A{tag}1",
                NUMBERS[0],
                None,
                "王小明",
                "电工",
                "四级/中级工",
                "2024-06-30",
                None,
                None,
                "x",
            ],
            ["completion", f"A{tag}2", None, li, None, "数控车工", None, "2024-07-01", None, None, None],  # 3 by id
            [
                "特种作业操作证",
                f"A{tag}3",
                NUMBERS[1],
                None,
                None,
                "低压电工作业",
                None,
                "2023-03-15",
                "潍坊市应急管理局",
                "应急管理部门",
                None,
            ],  # 4 recorded
            ["completion", f"A{tag}1", None, wang, None, "数控车工", None, "2024-06-30", None, None, None],  # 5 twice
            ["completion", f"A{tag}5", NUMBERS[2], None, None, "数控车工", None, "2024-06-30", None, None, None],  # 6
            ["completion", f"A{tag}6", BAD, None, None, "数控车工", None, "2024-06-30", None, None, None],  # 7
            ["职业技能等级证书", None, NUMBERS[0], None, "张三", "电工", "九级", "2024-13-01", None, None, None],  # 8
            ["completion", f"A{tag}8", NUMBERS[0], None, None, "数控车工", None, "2024-06-30", "某协会", None, None],
        ]
    )
    dry = await client.post(IMPORT, params={"dry_run": "true"}, files=_files(content))
    assert dry.status_code == 200, dry.text
    assert (dry.json()["dry_run"], dry.json()["created"]) == (True, 3)
    assert await _count(database, [f"A{tag}{i}" for i in range(1, 9)]) == 0  # a dry run writes nothing

    r = await client.post(IMPORT, files=_files(content))
    assert r.status_code == 200, r.text
    report = r.json()
    for n in [*NUMBERS, BAD]:
        assert n not in r.text and n[:6] not in r.text
    assert (report["rows"], report["created"], report["ignored_columns"]) == (8, 3, ["K"])
    assert [(x["row"], x["field"], x["column"], x["rule"]) for x in report["rejected"]] == [
        (5, "number", "证书编号", "unique"),
        # another organization's record of the number is not this organization's learner
        (6, "id_number", "证件号码", "learner_not_found"),
        (7, "id_number", "证件号码", "check_digit"),
        (8, "name", "姓名", "name_mismatch"),
        (8, "number", "证书编号", "missing"),
        (8, "issued_on", "发证日期", "date_from_datetime_parsing"),
        (9, "issuer_authority", "发证机关类别", "missing"),
    ], report["rejected"]
    assert dry.json()["rejected"] == report["rejected"]
    assert await _count(database, [f"A{tag}{i}" for i in (1, 2, 3)]) == 3
    listed = (await client.get("/v1/certificates", params={"org_id": school, "recorded": "true"})).json()["items"]
    assert [(c["number"], c["issuer_name"], c["holder_name"]) for c in listed] == [
        (f"A{tag}3", "潍坊市应急管理局", "李华")
    ]

    # the same sheet again: every number is taken now
    again = (await client.post(IMPORT, files=_files(content))).json()
    assert again["created"] == 0
    assert {(x["row"], x["rule"]) for x in again["rejected"]} >= {(2, "unique"), (3, "unique"), (4, "unique")}


async def test_csv_english_and_a_replayed_import(tp, database):
    school, client, (wang, _) = await _school(tp)
    tag = uuid.uuid4().hex[:6].upper()
    text = (
        "证书类别,证书编号,学员ID,职业名称,发证日期\ncompletion,B{t}1,{w},数控车工,2024-06-30\n,B{t}2,{w},,2024-06-30\n"
    )
    content = text.format(t=tag, w=wang).encode()
    key = {"Idempotency-Key": str(uuid.uuid4()), "Accept-Language": "en"}
    r = await client.post(IMPORT, files=_files(content, "c.csv", "text/csv"), headers=key)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
    assert [(x["row"], x["field"], x["message"]) for x in r.json()["rejected"]] == [
        (3, "kind", "Required"),
        (3, "occupation_name", "Required"),
    ]
    again = await client.post(IMPORT, files=_files(content, "c.csv", "text/csv"), headers=key)
    assert again.json() == r.json()
    assert await _count(database, [f"B{tag}1"]) == 1


async def test_the_template(tp):
    school, client, _ = await _school(tp)
    r = await client.get("/v1/certificates/import-template.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    headings = [c.value for c in ws[1]]
    assert headings[:2] == ["证书类别", "证书编号"] and "发证机关" in headings
    cols = await client.get("/v1/certificates/import-template.xlsx", headers={"Accept": "application/json"})
    assert {"heading": "证书编号", "field": "number", "required": True} == {
        k: v for k, v in cols.json()[1].items() if k != "description"
    }


async def test_the_export_opens_with_openpyxl_and_has_the_rows(tp, database):
    school = await tp.new_org("higher_vocational", name=f"导出学院{uuid.uuid4().hex[:4]}")
    client = tp.as_org(school)
    learner = (
        await client.post("/v1/learners", json={"name": "王小明", "id_number": NUMBERS[0], "learner_type": "student"})
    ).json()["id"]
    w = {"school": school, "learner": learner}
    made = [await issue(tp, w) for _ in range(3)]
    other = await tp.new_org("higher_vocational")
    other_learner = (
        await tp.as_org(other).post(
            "/v1/learners", json={"name": "赵六", "id_number": NUMBERS[1], "learner_type": "student"}
        )
    ).json()["id"]
    await issue(tp, {"school": other, "learner": other_learner})
    r = await client.get("/v1/certificates", headers={"Accept": XLSX})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX and "attachment" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    heading = rows[0]
    assert heading[:3] == ("证书编号", "证书类别", "持证人")
    assert sorted(r[0] for r in rows[1:]) == sorted(c["number"] for c in made)  # the organization's own only
    by_number = {r[0]: dict(zip(heading, r, strict=True)) for r in rows[1:]}
    first = by_number[made[0]["number"]]
    assert (first["持证人"], first["状态"], first["核验链接"]) == ("王小明", "有效", made[0]["verification_url"])


async def test_an_enterprise_imports_its_staff_certificates_by_person(tp, database):
    # seed 000「确保在岗人员100%持证上岗」: an enterprise keeps the register of its workers' 特种作业操作证 and
    # imports it — the holders are its staff (membership people), not learners
    from tests.training.practice_support import new_person

    enterprise = await tp.new_org("enterprise")
    client = tp.as_org(enterprise)
    worker = (await new_person(tp, enterprise, "王建华"))["id"]
    outsider = (await new_person(tp, await tp.new_org("enterprise"), "赵六"))["id"]
    tag = uuid.uuid4().hex[:6].upper()
    rows = [
        ["证书类别", "证书编号", "人员ID", "学员ID", "职业名称", "发证日期", "发证机关", "发证机关类别"],
        ["特种作业操作证", f"T{tag}1", worker, None, "低压电工作业", "2024-03-15", "潍坊市应急管理局", "应急管理部门"],
        [
            "特种作业操作证",
            f"T{tag}2",
            outsider,
            None,
            "焊接与热切割作业",
            "2024-03-15",
            "潍坊市应急管理局",
            "应急管理部门",
        ],
        [
            "特种作业操作证",
            f"T{tag}3",
            worker,
            str(uuid.uuid4()),
            "高处作业",
            "2024-03-15",
            "潍坊市应急管理局",
            "应急管理部门",
        ],
    ]
    r = await client.post(IMPORT, files=_files(_xlsx(rows)))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["created"] == 1, report
    assert {(x["row"], x["field"]) for x in report["rejected"]} == {(3, "person_id"), (4, "person_id")}
    assert outsider not in r.text
    listed = (await client.get("/v1/certificates", params={"person_id": worker})).json()["items"]
    assert [(c["number"], c["holder_name"], c["recorded"]) for c in listed] == [(f"T{tag}1", "王建华", True)]
