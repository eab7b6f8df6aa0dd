"""The enrolment roster import: a class list kept in Excel (`.xlsx`/`.csv`, Chinese headings) → enrolments.

A row names its learner by ID number (证件类型 + 证件号码: looked up by the keyed hash among the enrolling
organization's own learner records only — the number is never stored or echoed here) or by 学员ID (a record of the
enrolling organization, else `learner_not_found` like a missing one), and its programme by 培训项目ID (or the
`programme_id` of the request for a one-class roster). The rows that resolve go through the same set-based path
as `POST /v1/enrolments/batch` (staging COPY, one verdict statement, one INSERT); the report names each rejected
row with field, column and rule — never a cell's value. A dry run does the same work and the caller rolls it back."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import spreadsheets
from chanjiao.auth import Principal
from chanjiao.batch import ParsedBatch
from chanjiao.errors import translate_validation_error
from chanjiao.spreadsheets import Column, ImportColumn, Table, build_template, text_key
from chanjiao.validators import CodeError
from services.training.enrolments import batch
from services.training.enrolments.schemas import EnrolmentCreate
from services.training.learners import personal
from services.training.learners.models import ID_TYPE_LABELS, Learner
from services.training.learners.service import principal_org
from services.training.orgs import OrgDirectory
from services.training.programmes.models import Programme

COLUMNS = (
    Column(
        "证件类型", "id_type", False, "默认 居民身份证；可填 护照、港澳居民来往内地通行证、台湾居民来往大陆通行证等"
    ),
    Column("证件号码", "id_number", False, "与 学员ID 二选一：学员须已由本单位登记（POST /v1/learners 或学员导入）"),
    Column("学员ID", "learner_id", False, "与 证件号码 二选一：学员的 id（UUID）"),
    Column("姓名", "name", False, "可选；填写时须与登记的姓名一致（核对用，不修改学员信息）"),
    Column("培训项目ID", "programme_id", False, "培训项目的 id（UUID）；留空则用请求参数 programme_id"),
    Column("报名日期", "enrolled_on", False, "YYYY-MM-DD；留空为今天"),
)
_BY_FIELD = {c.field: c for c in COLUMNS}
ID_TYPE_ALIASES = personal.ID_TYPE_ALIASES


class EnrolmentImportRejection(BaseModel):
    row: int = Field(description="Spreadsheet row number (the heading row is 1)")
    field: str | None = Field(description="Field name, e.g. id_number")
    column: str | None = Field(description="Column heading, e.g. 证件号码")
    rule: str = Field(description="The rule broken, e.g. check_digit, learner_not_found, programme-full")
    message: str


class EnrolmentImportReport(BaseModel):
    dry_run: bool
    rows: int = Field(description="Data rows read (blank rows are not counted)")
    created: int = Field(description="Enrolments created (or, in a dry run, that would be)")
    rejected: list[EnrolmentImportRejection] = Field(
        description="拒绝的行：每行违反的每条规则各一条，按行号排列 One entry per rule a rejected row breaks (a row "
        "with three bad cells has three), in row order; never a cell's value"
    )
    ignored_columns: list[str] = Field(description="Letters of columns whose heading is not in the table")


def describe_columns() -> list[ImportColumn]:
    return spreadsheets.describe_columns(COLUMNS)


def template() -> bytes:
    """Blocking: the roster template."""
    return build_template(
        "报名",
        COLUMNS,
        choices={"id_type": list(ID_TYPE_LABELS.values())},
        notes=[
            [],
            ["说明"],
            ["每行一名学员报名一个培训项目；学员用 证件号码（可加 证件类型）或 学员ID 指定，须已登记。"],
            ["名额已满、重复报名、学员不存在的行被拒绝，报告中只写行号、列名与规则，不回显单元格内容。"],
            ["试运行（dry_run=true）只检查不保存。最多 10,000 行、5 MiB。"],
        ],
    )


def _reject(out: list[EnrolmentImportRejection], row: int, fld: str | None, rule: str, message: str) -> None:
    column = _BY_FIELD[fld].heading if fld in _BY_FIELD else None
    out.append(EnrolmentImportRejection(row=row, field=fld, column=column, rule=rule, message=message))


def _reject_cells(out: list[EnrolmentImportRejection], row: int, item: dict[str, Any], english: bool) -> None:
    """The format errors (a malformed id or date) of a row's cells, for a row already rejected for another rule:
    the row's report then names every cell to fix. A value the row lacks stands in as a well-formed one, so only
    the cells written in the sheet are judged."""
    filled = {k: v if v is not None else str(uuid.UUID(int=0)) for k, v in item.items()}
    try:
        EnrolmentCreate.model_validate(filled)
    except ValidationError as exc:
        for e in exc.errors():
            fe = translate_validation_error(e)
            fld = next((str(p) for p in fe.loc if isinstance(p, str)), None)
            if item.get(fld or "") is not None and not any(r.field == fld for r in out):
                _reject(out, row, fld, fe.type, fe.msg_en if english else fe.msg_zh)


def _row_programme(cells: dict[str, str], programme_id: uuid.UUID | None) -> str | None:
    return cells.get("programme_id") or (str(programme_id) if programme_id else None)


async def _providers(
    session: AsyncSession, rows: list[tuple[int, dict[str, str]]], programme_id: uuid.UUID | None
) -> dict[str, uuid.UUID]:
    """Provider of each programme the rows name (as written in the sheet → provider organization)."""
    named: dict[str, uuid.UUID] = {}
    for _, cells in rows:
        text = _row_programme(cells, programme_id)
        if text is None:
            continue
        try:
            named[text] = uuid.UUID(text)
        except ValueError:
            continue
    if not named:
        return {}
    result = await session.execute(
        sa.select(Programme.id, Programme.provider_org_id).where(Programme.id.in_(set(named.values())))
    )
    provider_of = {r.id: r.provider_org_id for r in result}
    return {text: provider_of[pid] for text, pid in named.items() if pid in provider_of}


async def run_import(
    session: AsyncSession,
    *,
    table: Table,
    programme_id: uuid.UUID | None,
    principal: Principal,
    directory: OrgDirectory,
    pd: personal.PersonalData,
    english: bool,
    dry_run: bool,
) -> EnrolmentImportReport:
    report = EnrolmentImportReport(dry_run=dry_run, rows=0, created=0, rejected=[], ignored_columns=table.ignored)
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in table.rows:
        cells = table.cells(values)
        if cells:
            rows.append((number, cells))
    report.rows = len(rows)

    # Every rule a row breaks is reported, not only the first: the errors of each row are gathered here.
    errors: dict[int, list[EnrolmentImportRejection]] = {number: [] for number, _ in rows}
    # The learners named by ID number: one look-up by keyed hash for the whole sheet.
    wanted: dict[int, list[bytes]] = {}
    for number, cells in rows:
        if "learner_id" in cells or "id_number" not in cells:
            continue
        id_type = ID_TYPE_ALIASES.get(text_key(cells.get("id_type", "resident_id")))
        if id_type is None:
            _reject(errors[number], number, "id_type", "enum", "Unknown ID type" if english else "证件类型不正确")
            continue
        num = personal.normalize_number(cells["id_number"])
        try:
            personal.validate_number(id_type, num)
        except CodeError as exc:
            _reject(errors[number], number, "id_number", exc.rule, exc.message_en if english else exc.message_zh)
            continue
        wanted[number] = pd.hashes(id_type, num)
    # Only the records of the enrolling organization are looked at (a platform admin's rows: those of the row's
    # programme's provider), so whether another organization registered a number changes nothing in the report.
    owner = None if principal.is_platform_admin else (principal_org(principal) or uuid.UUID(int=0))
    providers = await _providers(session, rows, programme_id) if owner is None else {}
    found: dict[tuple[uuid.UUID, bytes], tuple[uuid.UUID, str]] = {}
    all_hashes = [h for hs in wanted.values() for h in hs]
    if all_hashes:
        stmt = sa.select(Learner.owner_org_id, Learner.id_number_hash, Learner.id, Learner.name).where(
            Learner.id_number_hash.in_(all_hashes), Learner.deleted_at.is_(None)
        )
        if owner is not None:
            stmt = stmt.where(Learner.owner_org_id == owner)
        result = await session.execute(stmt)
        found = {(r.owner_org_id, r.id_number_hash): (r.id, r.name) for r in result}

    items: list[dict[str, Any]] = []
    item_rows: list[tuple[int, str]] = []  # (row number, the field that named the learner)
    for number, cells in rows:
        out = errors[number]
        learner: Any = None
        by = "learner_id"
        if "learner_id" in cells:
            learner = cells["learner_id"]
        elif number in wanted:
            whose = owner if owner is not None else providers.get(_row_programme(cells, programme_id) or "")
            hit = next((found[(whose, h)] for h in wanted[number] if (whose, h) in found), None)
            if hit is None:
                _reject(
                    out,
                    number,
                    "id_number",
                    "learner_not_found",
                    "No learner is registered with this ID number" if english else "没有以该证件号码登记的学员",
                )
            elif "name" in cells and not personal.names_match(cells["name"], hit[1]):
                _reject(
                    out,
                    number,
                    "name",
                    "name_mismatch",
                    "The name differs from the registered learner's" if english else "姓名与登记的学员不一致",
                )
            else:
                learner, by = str(hit[0]), "id_number"
        elif "id_number" not in cells:
            _reject(
                out,
                number,
                "id_number",
                "missing",
                "Give 证件号码 or 学员ID" if english else "须填写 证件号码 或 学员ID",
            )
        pid = _row_programme(cells, programme_id)
        if pid is None:
            _reject(
                out,
                number,
                "programme_id",
                "missing",
                "Give 培训项目ID or the programme_id parameter"
                if english
                else "须填写 培训项目ID（或请求参数 programme_id）",
            )
        item = {"learner_id": learner, "programme_id": pid}
        if "enrolled_on" in cells:
            item["enrolled_on"] = cells["enrolled_on"][:10]
        if out:
            _reject_cells(out, number, item, english)
            continue
        items.append(item)
        item_rows.append((number, by))
    for out in errors.values():
        report.rejected += out

    if items:
        outcome = await batch.enrol_many(
            session,
            parsed=ParsedBatch.from_python(EnrolmentCreate, items),
            principal=principal,
            directory=directory,
            atomic=False,
            english=english,
            instance="/v1/enrolments/imports",
            request_id=None,
        )
        for result, (number, by) in zip(outcome.results, item_rows, strict=True):
            if result["status"] == 201:
                report.created += 1
                continue
            problem = result.get("problem") or {}
            problems = problem.get("errors") or []
            if problems:
                for e in problems:
                    fld = next((str(p) for p in reversed(e["loc"]) if isinstance(p, str) and p != "body"), None)
                    _reject(report.rejected, number, by if fld == "learner_id" else fld, e["type"], e["msg"])
            else:
                slug = str(problem.get("type", "")).rsplit(":", 1)[-1]
                fld = by if slug.startswith("learner") else None
                _reject(report.rejected, number, fld, slug, problem.get("detail") or slug)
    report.rejected.sort(key=lambda r: r.row)
    return report
