"""The enrolment roster import: learners by ID number (keyed hash) or id, Chinese headings, a per-row report
that names row/field/rule and never echoes an ID number, dry run, the template."""

from __future__ import annotations

import io
import uuid

from openpyxl import Workbook, load_workbook

from services.training.learners.personal import PersonalData, mask_number
from tests.training.enrolment_factories import insert_learners
from tests.training.test_enrolments_api import engine_of, enrolled_count, setup

# GB 11643 check digits computed for these bodies; never real people.
NUMBERS = ["11010519491231002X", "110105194912310038", "110105194912310046"]
BAD = "110105194912310037"  # wrong check digit


def _pd(tp) -> PersonalData:
    current, previous = tp.platform.upstreams["training"].app.state.settings.personal_data_secrets()
    return PersonalData(current, previous)


async def _registered(tp, owner: str, number: str, name: str = "王小明") -> str:
    pd = _pd(tp)
    (lid,) = await insert_learners(
        engine_of(tp),
        1,
        owner_org_id=owner,
        name=name,
        id_number_hash=pd.hash("resident_id", number),
        id_number_masked=mask_number(number),
    )
    return lid


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_roster_by_id_number_and_id_with_a_report_that_echoes_nothing(tp):
    provider, client, p, (by_id,) = await setup(tp, capacity=3)
    a = await _registered(tp, provider, NUMBERS[0], "王小明")
    await _registered(tp, provider, NUMBERS[1], "李华")
    content = _xlsx(
        [
            ["姓名", "证件号码", "学员ID", "报名日期", "备注"],
            ["王小明", NUMBERS[0], None, "2025-08-30", "x"],  # 2 ok
            ["张三", NUMBERS[1], None, None, None],  # 3 name differs
            [None, NUMBERS[2], None, None, None],  # 4 not registered
            [None, BAD, None, None, None],  # 5 bad check digit
            [None, None, by_id, None, None],  # 6 ok, by id
            [None, NUMBERS[0], None, None, None],  # 7 twice
            ["赵六", None, None, None, None],  # 8 neither number nor id
        ]
    )
    files = {"file": ("名单.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    dry = await client.post("/v1/enrolments/imports", params={"programme_id": p["id"], "dry_run": "true"}, files=files)
    assert dry.status_code == 200, dry.text
    assert dry.json()["created"] == 2 and dry.json()["dry_run"] is True
    assert await enrolled_count(tp, p["id"]) == 0
    r = await client.post("/v1/enrolments/imports", params={"programme_id": p["id"]}, files=files)
    assert r.status_code == 200, r.text
    report = r.json()
    for n in [*NUMBERS, BAD]:
        assert n not in r.text and n[:6] + "********" not in r.text
    assert report["rows"] == 7 and report["created"] == 2 and report["ignored_columns"] == ["E"]
    assert [(x["row"], x["field"], x["rule"]) for x in report["rejected"]] == [
        (3, "name", "name_mismatch"),
        (4, "id_number", "learner_not_found"),
        (5, "id_number", "check_digit"),
        (7, None, "duplicate-enrolment"),
        (8, "id_number", "missing"),
    ]
    assert report["rejected"][0]["column"] == "姓名"
    assert await enrolled_count(tp, p["id"]) == 2
    listed = (await client.get("/v1/enrolments", params={"learner_id": a})).json()["items"]
    assert [i["enrolled_on"] for i in listed] == ["2025-08-30"]


async def test_csv_with_programme_column_and_full_programme(tp):
    provider, client, p, learners = await setup(tp, capacity=1, learners=2)
    text = "学员ID,培训项目ID\n" + "".join(f"{lid},{p['id']}\n" for lid in learners) + f"{learners[0]},{uuid.uuid4()}\n"
    r = await client.post("/v1/enrolments/imports", files={"file": ("r.csv", text.encode("gb18030"), "text/csv")})
    assert r.status_code == 200, r.text
    assert [(x["row"], x["field"], x["rule"]) for x in r.json()["rejected"]] == [
        (3, None, "programme-full"),
        (4, "programme_id", "programme_not_found"),
    ]


async def test_another_orgs_programme_is_403_and_bad_files(tp):
    provider, client, p, learners = await setup(tp, learners=1)
    other = await tp.new_org("training_company")
    text = f"学员ID\n{learners[0]}\n".encode()
    r = await tp.as_org(other).post(
        "/v1/enrolments/imports", params={"programme_id": p["id"]}, files={"file": ("r.csv", text, "text/csv")}
    )
    assert r.status_code == 403
    r = await client.post("/v1/enrolments/imports", files={"file": ("r.xls", b"\xd0\xcf\x11\xe0xx", "x")})
    assert r.status_code == 415
    r = await client.post("/v1/enrolments/imports", files={"file": ("r.csv", b"foo,bar\n1,2\n", "text/csv")})
    assert r.status_code == 422


async def test_template(tp):
    _, client, _, _ = await setup(tp)
    r = await client.get("/v1/enrolments/import-template.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert [c.value for c in wb.worksheets[0][1]] == [
        "证件类型",
        "证件号码",
        "学员ID",
        "姓名",
        "培训项目ID",
        "报名日期",
    ]
    r = await client.get("/v1/enrolments/import-template.xlsx", headers={"Accept": "application/json"})
    assert r.json()[1]["field"] == "id_number"


async def test_dry_run_reports_every_error_of_a_row(tp):
    _, client, p, (by_id,) = await setup(tp, capacity=3)
    content = _xlsx(
        [
            ["证件类型", "证件号码", "学员ID", "培训项目ID", "报名日期"],
            ["火星证", NUMBERS[0], None, "not-a-programme", "2025-13-45"],  # 2: three bad cells
            [None, BAD, None, None, "2025-02-30"],  # 3: bad number, no programme, no such day
            [None, None, "not-a-learner", p["id"], "2025/01/01"],  # 4: malformed id and date
            [None, None, by_id, p["id"], None],  # 5: fine
        ]
    )
    files = {"file": ("名单.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    r = await client.post("/v1/enrolments/imports", params={"dry_run": "true"}, files=files)
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["rows"], report["created"]) == (4, 1)
    by_row: dict[int, list[tuple[str, str]]] = {}
    for x in report["rejected"]:
        by_row.setdefault(x["row"], []).append((x["field"], x["rule"]))
    assert {n: [f for f, _ in errors] for n, errors in by_row.items()} == {
        2: ["id_type", "programme_id", "enrolled_on"],
        3: ["id_number", "programme_id", "enrolled_on"],
        4: ["learner_id", "enrolled_on"],
    }
    assert by_row[3][:2] == [("id_number", "check_digit"), ("programme_id", "missing")]
    assert all(x["column"] and x["message"] for x in report["rejected"])
    assert BAD not in r.text and "not-a-" not in r.text
    assert await enrolled_count(tp, p["id"]) == 0
