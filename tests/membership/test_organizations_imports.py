"""Spreadsheet import (`.xlsx`/`.csv`), the import template and the `.xlsx` export of the list."""

from __future__ import annotations

import io
import uuid
import zipfile

from openpyxl import Workbook, load_workbook

from tests.membership.test_organizations_structure import create, credit_code

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADINGS = [
    "单位名称",
    "单位类型",
    "行政区划代码",
    "统一社会信用代码",
    "行业代码",
    "上级单位信用代码",
    "举办单位信用代码",
]


def workbook(rows: list[list[object]], headings: list[str] = HEADINGS, title: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headings)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def upload(client, data: bytes, filename: str = "roster.xlsx", dry_run: bool = False, **kw):
    return await client.post(
        "/v1/organizations/imports",
        params={"dry_run": str(dry_run).lower()},
        files={"file": (filename, data, "application/octet-stream")},
        **kw,
    )


async def find(client, name: str) -> list[dict]:
    return (await client.get("/v1/organizations", params={"q": name})).json()["items"]


class TestImport:
    async def test_creates_updates_and_reports_rejections_without_values(self, membership_client):
        tag = uuid.uuid4().hex[:6]
        group_code, school_code, bad_code = credit_code(), credit_code(), credit_code()[:-1] + "Z"
        existing = await create(
            membership_client, name=f"已有企业{tag}", credit_code=credit_code(), industry_codes=["3120"]
        )
        rows = [
            [f"导入集团{tag}", "企业", 370102, group_code, "3311，3120", None, None],
            [f"导入学院{tag}", "高职院校", "370303", school_code, None, None, group_code],
            [f"导入子公司{tag}", "enterprise", "370112", None, None, group_code, None],
            [None, None, None, existing["credit_code"], "3311", None, None],  # update: blanks keep values
            [f"坏代码{tag}", "企业", "370102", bad_code, None, None, None],
            [f"缺类型{tag}", None, "370102", None, None, None, None],
            [f"坏类型{tag}", "大学", "999999", None, None, None, None],
            [f"无上级{tag}", "企业", "370102", None, None, credit_code(), None],
            [],  # blank rows are not counted
        ]
        dry = await upload(membership_client, workbook(rows), dry_run=True)
        assert dry.status_code == 200, dry.text
        report = dry.json()
        assert report["dry_run"] is True
        assert (report["rows"], report["created"], report["updated"], report["skipped"]) == (8, 3, 1, 0)
        assert await find(membership_client, f"导入集团{tag}") == []  # the dry run wrote nothing
        r = await upload(membership_client, workbook(rows))
        report = r.json()
        assert (report["rows"], report["created"], report["updated"], report["skipped"]) == (8, 3, 1, 0)
        rejected = {(x["row"], x["field"], x["rule"]) for x in report["rejected"]}
        assert rejected == {
            (6, "credit_code", "check_character"),
            (7, "org_type", "missing"),
            (8, "org_type", "enum"),
            (8, "region_code", "province"),
            (9, "parent_credit_code", "not_found"),
        }
        assert {x["column"] for x in report["rejected"] if x["row"] == 6} == {"统一社会信用代码"}
        assert bad_code not in r.text and f"坏代码{tag}" not in r.text and "大学" not in r.text
        group = (await find(membership_client, f"导入集团{tag}"))[0]
        assert group["industry_codes"] == ["3311", "3120"] and group["region_code"] == "370102"
        school = (await find(membership_client, f"导入学院{tag}"))[0]
        assert school["org_type"] == "higher_vocational" and school["sponsor_org_id"] == group["id"]
        child = (await find(membership_client, f"导入子公司{tag}"))[0]
        assert child["parent_id"] == group["id"]
        updated = (await membership_client.get(f"/v1/organizations/{existing['id']}")).json()
        assert updated["name"] == existing["name"] and updated["industry_codes"] == ["3311"]
        # importing the same file again changes nothing: every good row is now "skipped"
        again = (await upload(membership_client, workbook(rows))).json()
        assert (again["created"], again["updated"], again["skipped"]) == (0, 0, 4)

    async def test_csv_in_gbk_with_a_title_row_and_extra_columns(self, membership_client):
        tag = uuid.uuid4().hex[:6]
        text = f"成员单位名单\n单位名称,单位类型,行政区划代码,备注\n济南职业学院{tag},高职,370112,x\n"
        r = await upload(membership_client, text.encode("gb18030"), filename="名单.csv")
        assert r.status_code == 200, r.text
        assert r.json()["created"] == 1 and r.json()["ignored_columns"] == ["D"]
        assert (await find(membership_client, f"济南职业学院{tag}"))[0]["org_type"] == "higher_vocational"
        # without a credit code, name + region find the same unit again
        again = await upload(membership_client, text.encode("utf-8-sig"), filename="名单.csv")
        assert again.json()["skipped"] == 1

    async def test_english_messages(self, membership_client):
        r = await upload(
            membership_client, workbook([["某单位", "企业", "3701", None]]), headers={"Accept-Language": "en"}
        )
        assert r.json()["rejected"][0]["message"] == "A region code is exactly 6 digits"

    async def test_bad_uploads(self, membership_client):
        r = await upload(membership_client, b"\xd0\xcf\x11\xe0" + b"\0" * 100, filename="old.xls")
        assert r.status_code == 415 and r.headers["content-type"].startswith("application/problem+json")
        r = await upload(membership_client, b"PK\x03\x04garbage", filename="x.xlsx")
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "unreadable"
        r = await upload(membership_client, "姓名,电话\n张三,13800000000\n".encode(), filename="x.csv")
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "missing_headings"
        assert "13800000000" not in r.text
        r = await upload(membership_client, workbook([], headings=["单位名称", "name"]))
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "duplicate_column"
        r = await upload(membership_client, b"x" * (5 * 1024 * 1024 + 100 * 1024), filename="big.csv")
        assert r.status_code == 413 and r.json()["type"].endswith("payload-too-large")
        r = await membership_client.post("/v1/organizations/imports", json={"file": "x"})
        assert r.status_code == 415
        r = await membership_client.post("/v1/organizations/imports", files={"other": ("a.csv", b"x", "text/csv")})
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "missing"
        rows = "\n".join(f"单位{i:05d},企业,370102" for i in range(10_001))
        r = await upload(membership_client, ("单位名称,单位类型,行政区划代码\n" + rows).encode(), filename="x.csv")
        assert r.status_code == 413

    async def test_zip_bomb_is_refused_before_opening(self, membership_client):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (120 * 1024 * 1024))
        r = await upload(membership_client, buf.getvalue(), filename="bomb.xlsx")
        assert r.status_code == 413


class TestTemplateAndExport:
    async def test_template(self, membership_client):
        r = await membership_client.get("/v1/organizations/import-template.xlsx")
        assert r.status_code == 200 and r.headers["content-type"] == XLSX
        assert "attachment" in r.headers["content-disposition"]
        wb = load_workbook(io.BytesIO(r.content))
        assert [c.value for c in wb.worksheets[0][1]] == HEADINGS
        assert wb.sheetnames == ["单位", "说明"]
        js = await membership_client.get(
            "/v1/organizations/import-template.xlsx", headers={"Accept": "application/json"}
        )
        assert [c["heading"] for c in js.json()] == HEADINGS and js.json()[0]["field"] == "name"

    async def test_export_round_trips_through_import(self, membership_client):
        tag = uuid.uuid4().hex[:6]
        group = await create(membership_client, name=f"导出集团{tag}", credit_code=credit_code())
        await create(
            membership_client, name=f"=HYPERLINK(导出{tag})", parent_id=group["id"], industry_codes=["3311", "3120"]
        )
        r = await membership_client.get("/v1/organizations", params={"q": tag}, headers={"Accept": XLSX})
        assert r.status_code == 200 and r.headers["content-type"] == XLSX
        ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        assert rows[0][:7] == HEADINGS
        assert [row[0] for row in rows[1:]] == [f"导出集团{tag}", f"=HYPERLINK(导出{tag})"]
        assert rows[2][1] == "企业" and rows[2][4] == "3311,3120" and rows[2][5] == group["credit_code"]
        assert rows[2][8] == "正常"
        with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
            sheet = next(n for n in zf.namelist() if n.startswith("xl/worksheets/"))
            assert b"<f>" not in zf.read(sheet)  # a name is never written as a formula
        again = (await upload(membership_client, r.content)).json()
        assert (
            again["skipped"] == 2 and again["rejected"] == [] and set(again["ignored_columns"]) == {"H", "I", "J", "K"}
        )
        json_page = await membership_client.get("/v1/organizations", params={"q": tag})
        assert json_page.headers["content-type"] == "application/json"


async def test_dry_run_reports_every_error_of_a_row(membership_client):
    tag = uuid.uuid4().hex[:6]
    bad_code = credit_code()[:-1] + "Z"
    rows = [
        [f"三错单位{tag}", "火星单位", "37A", bad_code, None, None, None],  # 2: type, region and credit code
        [None, None, "370102", credit_code(), None, bad_code, None],  # 3: a new unit without name and type, bad parent
    ]
    r = await upload(membership_client, workbook(rows), dry_run=True)
    assert r.status_code == 200, r.text
    report = r.json()
    got = sorted((x["row"], x["field"], x["column"]) for x in report["rejected"])
    assert got == [
        (2, "credit_code", "统一社会信用代码"),
        (2, "org_type", "单位类型"),
        (2, "region_code", "行政区划代码"),
        (3, "name", "单位名称"),
        (3, "org_type", "单位类型"),
        (3, "parent_credit_code", "上级单位信用代码"),
    ]
    assert {x["rule"] for x in report["rejected"] if x["field"] == "name"} == {"missing"}
    assert bad_code not in r.text and "火星" not in r.text and "37A" not in r.text
    assert report["created"] == 0 and await find(membership_client, f"三错单位{tag}") == []


async def test_an_import_retried_with_its_idempotency_key_runs_once(membership_client):
    tag = uuid.uuid4().hex[:6]
    csv_bytes = f"单位名称,单位类型,行政区划代码\n幂等导入{tag},企业,370102\n".encode()
    boundary = "chanjiao-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + csv_bytes
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Idempotency-Key": "i-" + uuid.uuid4().hex}
    a = await membership_client.post("/v1/organizations/imports", content=body, headers=headers)
    b = await membership_client.post("/v1/organizations/imports", content=body, headers=headers)
    assert a.status_code == b.status_code == 200 and a.json() == b.json() and a.json()["created"] == 1
    assert b.headers["idempotent-replayed"] == "true"
    assert len(await find(membership_client, f"幂等导入{tag}")) == 1


async def test_a_retry_with_new_multipart_framing_still_replays(membership_client):
    """httpx (like most clients) draws a new multipart boundary per request: the key follows the file."""
    tag = uuid.uuid4().hex[:6]
    csv_bytes = f"单位名称,单位类型,行政区划代码\n重试导入{tag},企业,370102\n".encode()
    key = {"Idempotency-Key": "i-" + uuid.uuid4().hex}
    a = await upload(membership_client, csv_bytes, "a.csv", headers=key)
    b = await upload(membership_client, csv_bytes, "a.csv", headers=key)
    assert a.status_code == b.status_code == 200 and b.headers["idempotent-replayed"] == "true"
    assert len(await find(membership_client, f"重试导入{tag}")) == 1
    # the same key for a dry run of the same file is another request, not a replay
    c = await upload(membership_client, csv_bytes, "a.csv", dry_run=True, headers=key)
    assert c.status_code == 422 and c.json()["code"] == "idempotency_key_reused"
