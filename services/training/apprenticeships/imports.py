"""Spreadsheet import of a school's apprentices (`.xlsx`/`.csv`, Chinese headings; the shape of
services/matching/imports.py).

Each row is checked like the body of `POST /v1/apprenticeships` for the importing school — the learner a record of
the school, the enterprise active, the mentors membership people of the school and of the enterprise, the programme a
现代学徒制 class, the contract complete — and created in its own savepoint; the report names each rejected row with
field, column and rule, never a cell's value. A dry run does every check and writes nothing (the caller rolls
back)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import spreadsheets
from chanjiao.auth import Principal
from chanjiao.errors import AppError, translate_validation_error
from chanjiao.spreadsheets import Column, ImportColumn, Table, aliases, build_template, text_key
from services.training.apprenticeships import service
from services.training.apprenticeships.models import CONTRACT_KIND_LABELS, CONTRACT_PARTY_LABELS
from services.training.apprenticeships.schemas import ApprenticeshipCreate
from services.training.learners.service import require_own_learner
from services.training.orgs import OrgDirectory

SEPARATORS = re.compile(r"[、,，;；\s]+")
DATES = ("start_on", "recruited_on", "contract_signed_on")

COLUMNS = [
    Column("学员ID", "learner_id", True, "学校已登记的学员（GET /v1/learners 或学员导出中的 ID）"),
    Column("合作企业ID", "enterprise_org_id", True, "合作企业的单位 ID"),
    Column("培训项目ID", "programme_id", False, "现代学徒制班或企业新型学徒制班；或用参数 programme_id 指定全表"),
    Column("学校导师人员ID", "school_mentor_person_id", True, "学校的人员（成员服务 /v1/people）"),
    Column("企业导师人员ID", "enterprise_mentor_person_id", False, "企业的人员（成员服务 /v1/people）"),
    Column("开始日期", "start_on", True, "YYYY-MM-DD"),
    Column("招工日期", "recruited_on", False, "YYYY-MM-DD"),
    Column("合同类型", "contract_kind", False, "三方协议、劳动合同或学徒合同；留空表示未签合同"),
    Column("合同编号", "contract_number", False, "至多 64 个字符"),
    Column("签订日期", "contract_signed_on", False, "填写合同类型时必填"),
    Column("签约方", "contract_parties", False, "学校、企业、学徒本人、监护人，用顿号分隔"),
]
KIND_ALIASES = aliases(CONTRACT_KIND_LABELS)
PARTY_ALIASES = aliases(CONTRACT_PARTY_LABELS, {"学徒": "apprentice", "学生": "apprentice"})


class ApprenticeImportRejection(BaseModel):
    row: int = Field(description="Spreadsheet row number (the heading row is 1)")
    field: str | None = Field(description="Field name, e.g. contract_parties")
    column: str | None = Field(description="Column heading, e.g. 签约方")
    rule: str = Field(description="The rule broken, e.g. missing, person_not_found, contract_parties")
    message: str


class ApprenticeImportReport(BaseModel):
    dry_run: bool
    rows: int = Field(description="Data rows read (blank rows are not counted)")
    created: int = Field(description="Apprentices recorded (or, in a dry run, that would be)")
    rejected: list[ApprenticeImportRejection] = Field(
        description="拒绝的行：每行违反的每条规则各一条，按行号排列 One entry per rule a rejected row breaks, in row "
        "order; never a cell's value"
    )
    ignored_columns: list[str] = Field(description="Letters of columns whose heading is not in the table")


def describe_columns() -> list[ImportColumn]:
    return spreadsheets.describe_columns(COLUMNS)


def template() -> bytes:
    """Blocking: the import template."""
    return build_template(
        "现代学徒制学徒",
        COLUMNS,
        choices={"contract_kind": list(CONTRACT_KIND_LABELS.values())},
        notes=[
            [],
            ["说明"],
            ["每行一名学徒：学校导师和企业导师（校企双导师制）、招工日期和合同。"],
            ["签约方写在同一单元格内，用顿号分隔；三方协议须有学校、企业、学徒本人。"],
            ["报告中只写行号、列名与规则，不回显单元格内容。试运行（dry_run=true）只检查不保存。"],
        ],
    )


def _item(cells: dict[str, str], school_org_id: uuid.UUID, programme_id: uuid.UUID | None) -> dict[str, Any]:
    item: dict[str, Any] = dict(cells)
    item["school_org_id"] = str(school_org_id)
    if "programme_id" not in item and programme_id is not None:
        item["programme_id"] = str(programme_id)
    if "contract_kind" in item:
        item["contract_kind"] = KIND_ALIASES.get(text_key(item["contract_kind"]), item["contract_kind"])
    if "contract_parties" in item:
        parts = [p for p in SEPARATORS.split(item["contract_parties"]) if p]
        item["contract_parties"] = [PARTY_ALIASES.get(text_key(p), p) for p in parts]
    for fld in DATES:
        if fld in item:
            item[fld] = item[fld][:10]
    return item


async def run_import(
    session: AsyncSession,
    *,
    table: Table,
    school_org_id: uuid.UUID,
    programme_id: uuid.UUID | None,
    principal: Principal,
    directory: OrgDirectory,
    english: bool,
    dry_run: bool,
) -> ApprenticeImportReport:
    by_field = {c.field: c for c in COLUMNS}
    rows = [(number, cells) for number, values in table.rows if (cells := table.cells(values))]
    report = ApprenticeImportReport(
        dry_run=dry_run, rows=len(rows), created=0, rejected=[], ignored_columns=table.ignored
    )

    def reject(row: int, fld: str | None, rule: str, message: str) -> None:
        column = by_field[fld].heading if fld in by_field else None
        report.rejected.append(ApprenticeImportRejection(row=row, field=fld, column=column, rule=rule, message=message))

    for number, cells in rows:
        missing = [c.field for c in COLUMNS if c.required and c.field not in cells]
        if "programme_id" not in cells and programme_id is None:
            missing.append("programme_id")
        for fld in missing:
            reject(number, fld, "missing", "Required" if english else "必须填写")
        try:
            data = ApprenticeshipCreate.model_validate(_item(cells, school_org_id, programme_id))
        except ValidationError as exc:
            for e in exc.errors():
                fe = translate_validation_error(e)
                fld = next((str(p) for p in fe.loc if isinstance(p, str) and p != "body"), None)
                if fld not in missing:
                    reject(number, fld, fe.type, fe.msg_en if english else fe.msg_zh)
            continue
        if missing:
            continue
        try:
            async with session.begin_nested():
                await _create(session, data, principal, directory)
        except AppError as exc:
            if exc.status >= 500:
                raise
            for e in exc.errors or []:
                fld = next((str(p) for p in reversed(e.loc) if isinstance(p, str) and p != "body"), None)
                reject(number, fld, e.type, e.msg_en if english else e.msg_zh)
            if not exc.errors:
                fld = "learner_id" if exc.status == 404 else None
                reject(number, fld, exc.slug, (exc.detail_en if english else exc.detail_zh) or exc.slug)
            continue
        report.created += 1
    report.rejected.sort(key=lambda r: r.row)
    return report


async def _create(
    session: AsyncSession, data: ApprenticeshipCreate, principal: Principal, directory: OrgDirectory
) -> None:
    """One row, checked as `POST /v1/apprenticeships` checks its body."""
    learner = await require_own_learner(session, principal, data.learner_id)
    await directory.require_active({"enterprise_org_id": data.enterprise_org_id})
    school_mentor = await directory.require_person_of(
        "school_mentor_person_id", data.school_mentor_person_id, data.school_org_id
    )
    enterprise_mentor = None
    if data.enterprise_mentor_person_id is not None:
        enterprise_mentor = await directory.require_person_of(
            "enterprise_mentor_person_id", data.enterprise_mentor_person_id, data.enterprise_org_id
        )
    await service.create(
        session,
        data=data,
        learner=learner,
        school_mentor_name=school_mentor.name,
        enterprise_mentor_name=enterprise_mentor.name if enterprise_mentor else None,
        actor=principal.actor,
    )
