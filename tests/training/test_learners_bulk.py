"""`POST /v1/learners/batch` and the roster import: per-item/per-row results (`existing` and `conflict` only against
the organization's own records — another organization's record of the person is an ordinary creation), a bad check
digit reported by field and rule without echoing the number."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from tests.training.test_learners_api import register, resident_id, with_bad_check_digit


@pytest.fixture(scope="module")
async def school(tp):
    return await tp.new_org()


async def test_batch_results_per_item(tp, school):
    other = await tp.new_org()
    shared = resident_id()
    await register(tp.as_org(school), id_number=shared, name="共享学员")
    conflict = resident_id()
    await register(tp.as_org(school), id_number=conflict, name="原有姓名")
    elsewhere = resident_id()
    await register(tp.as_org(other), id_number=elsewhere, name="原有姓名")
    bad = with_bad_check_digit(resident_id())
    items = [
        {"name": "新学员", "id_number": resident_id(), "learner_type": "student", "phone": "13800001234"},
        {"name": "共享学员", "id_number": shared, "learner_type": "student"},
        {"name": "别的名字", "id_number": conflict, "learner_type": "student"},
        {"name": "校验错", "id_number": bad, "learner_type": "student"},
        {"name": "x", "id_number": resident_id(), "learner_type": "robot"},
        {"name": "别的名字", "id_number": elsewhere, "learner_type": "student"},  # another org's person: created
    ]
    r = await tp.as_org(school, "org_staff").post("/v1/learners/batch", json={"items": items})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(x["status"], x["outcome"]) for x in body["results"]] == [
        (201, "created"),
        (200, "existing"),
        (409, "conflict"),
        (422, "invalid"),
        (422, "invalid"),
        (201, "created"),
    ]
    assert (body["created"], body["existing"], body["failed"], body["committed"]) == (2, 1, 3, True)
    errors = body["results"][3]["problem"]["errors"]
    assert [(e["loc"], e["type"]) for e in errors] == [(["body", "items", 3, "id_number"], "check_digit")]
    assert {tuple(e["loc"][-1:]) for e in body["results"][4]["problem"]["errors"]} == {("name",), ("learner_type",)}
    assert bad not in r.text and "原有姓名" not in r.text and "13800001234" not in r.text
    # `existing` is the school's own record; the other organization's record stays out of its sight.
    found = await tp.as_org(school).post("/v1/learners/search", json={"id_number": shared})
    assert found.status_code == 200 and found.json()["id"] == body["results"][1]["id"]
    mine = await tp.as_org(school).post("/v1/learners/search", json={"id_number": elsewhere})
    assert mine.json()["id"] == body["results"][5]["id"] and mine.json()["name"] == "别的名字"


async def test_atomic_batch_saves_nothing_and_idempotency(tp, school):
    good = resident_id()
    items = [
        {"name": "原子学员", "id_number": good, "learner_type": "student"},
        {"name": "校验错", "id_number": with_bad_check_digit(resident_id()), "learner_type": "student"},
    ]
    r = await tp.as_org(school).post("/v1/learners/batch?atomic=true", json={"items": items})
    assert r.status_code == 422
    assert [x["status"] for x in r.json()["results"]] == [424, 422]
    assert (await tp.as_org(school).post("/v1/learners/search", json={"id_number": good})).status_code == 404
    key = {"Idempotency-Key": "roster-2026-11"}
    first = await tp.as_org(school).post("/v1/learners/batch", json={"items": items[:1]}, headers=key)
    again = await tp.as_org(school).post("/v1/learners/batch", json={"items": items[:1]}, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("idempotent-replayed") == "true" and again.json() == first.json()
    assert first.json()["results"][0]["outcome"] == "created"


async def test_batch_may_not_name_another_organization(tp, school):
    other = await tp.new_org()
    items = [{"name": "学员", "id_number": resident_id(), "learner_type": "student", "org_id": other}]
    assert (await tp.as_org(school).post("/v1/learners/batch", json={"items": items})).status_code == 403
    # A platform admin names the organization per item.
    r = await tp.admin.post("/v1/learners/batch", json={"items": items + [{**items[0], "org_id": None}]})
    assert [x["status"] for x in r.json()["results"]] == [201, 422]


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_roster_import_with_dry_run_and_report_without_echo(tp, school):
    shared = resident_id()
    await register(tp.as_org(school), id_number=shared, name="老学员")
    bad = with_bad_check_digit(resident_id())
    new = resident_id()
    content = xlsx(
        [
            ["姓名", "证件类型", "证件号码", "手机号", "学员类型", "备注"],
            ["新同学", "身份证", new, "139 0000 1111", "学生", "任意"],
            ["老学员", None, shared, None, "企业职工", None],
            ["校验错", "居民身份证", bad, None, "学生", None],
            [None, None, None, None, None, None],
            ["缺类型", "护照", "E12345678", "12345", None, None],
        ]
    )
    files = {"file": ("花名册.xlsx", content, "application/octet-stream")}
    client = tp.as_org(school, "org_staff")
    dry = await client.post("/v1/learners/imports?dry_run=true", files=files)
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert (report["dry_run"], report["rows"], report["created"], report["existing"]) == (True, 4, 1, 1)
    assert report["ignored_columns"] == ["F"]
    assert sorted((x["row"], x["field"], x["column"], x["rule"]) for x in report["rejected"]) == [
        (4, "id_number", "证件号码", "check_digit"),
        (6, "learner_type", "学员类型", "missing"),
        (6, "phone", "手机号", "length"),  # every rule of the row, not only the first
    ]
    assert bad not in dry.text and new not in dry.text and "13900001111" not in dry.text
    assert (await client.post("/v1/learners/search", json={"id_number": new})).status_code == 404  # nothing saved

    files = {"file": ("花名册.xlsx", content, "application/octet-stream")}
    r = await client.post("/v1/learners/imports", files=files, params={"current_org_id": school})
    report = r.json()
    assert (report["dry_run"], report["created"], report["existing"], len(report["rejected"])) == (False, 1, 1, 3)
    found = await client.post("/v1/learners/search", json={"id_number": new})
    assert found.status_code == 200 and found.json()["phone_masked"] == "139****1111"
    assert found.json()["current_org_id"] == school
    assert (await client.post("/v1/learners/search", json={"id_number": shared})).status_code == 200


async def test_dry_run_reports_every_error_of_a_row(tp, school):
    bad = with_bad_check_digit(resident_id())
    csv = f"姓名,证件号码,手机号,学员类型\n,{bad},12345,宇航员\n".encode()
    r = await tp.as_org(school).post("/v1/learners/imports?dry_run=true", files={"file": ("a.csv", csv, "text/csv")})
    assert r.status_code == 200, r.text
    assert [(x["row"], x["field"], x["column"], x["rule"]) for x in r.json()["rejected"]] == [
        (2, "name", "姓名", "missing"),
        (2, "id_number", "证件号码", "check_digit"),
        (2, "phone", "手机号", "length"),
        (2, "learner_type", "学员类型", "enum"),
    ]
    assert bad not in r.text and "12345" not in r.text and "宇航员" not in r.text


async def test_phone_error_in_import_is_named_not_echoed(tp, school):
    csv = f"姓名,证件号码,手机号,学员类型\n李雷,{resident_id()},12345,社会人员\n".encode()
    r = await tp.as_org(school).post("/v1/learners/imports", files={"file": ("a.csv", csv, "text/csv")})
    assert [(x["row"], x["field"], x["rule"]) for x in r.json()["rejected"]] == [(2, "phone", "length")]
    assert "12345" not in r.text


async def test_import_template(tp, school):
    r = await tp.as_org(school).get("/v1/learners/import-template.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    wb = load_workbook(io.BytesIO(r.content))
    assert [c.value for c in wb.worksheets[0][1]] == ["姓名", "证件类型", "证件号码", "手机号", "学员类型"]
    cols = (
        await tp.as_org(school).get("/v1/learners/import-template.xlsx", headers={"Accept": "application/json"})
    ).json()
    assert [c["field"] for c in cols if c["required"]] == ["name", "id_number", "learner_type"]
