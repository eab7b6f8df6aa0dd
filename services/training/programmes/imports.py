"""Spreadsheet import of programmes (`.xlsx`/`.csv`, Chinese headings) → programmes of one provider organization
(the shape of services/matching/imports.py).

Each row is checked like the body of `POST /v1/programmes`: enums by Chinese label or code (培训类型, 项目级别,
经费来源, 培训方式; 培训对象 several in one cell, separated by `、`, `,`, `;` or spaces), dates, the commissioning
rule, and the alliance named by 联盟ID must exist (membership, as on create). Valid rows are created, each in its own
savepoint; the report names each rejected row with field, column and rule — never a cell's value. A dry run does
every check and writes nothing (the caller rolls back)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import spreadsheets
from chanjiao.auth import Principal
from chanjiao.errors import AppError, Forbidden, field_error, translate_validation_error
from chanjiao.spreadsheets import Column, ImportColumn, Table, aliases, build_template, text_key
from services.training.orgs import OrgDirectory
from services.training.programmes import service
from services.training.programmes.models import (
    DELIVERY_LABELS,
    FUNDING_SOURCE_LABELS,
    KIND_LABELS,
    PROJECT_LEVEL_LABELS,
    TARGET_GROUP_LABELS,
)
from services.training.programmes.schemas import ProgrammeCreate

LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")
DATES = ("start_on", "end_on")

COLUMNS = (
    Column("项目名称", "name", True, "必填；2 至 100 字"),
    Column("培训类型", "kind", True, "必填；" + "、".join(KIND_LABELS.values()) + "（或代码）"),
    Column("开始日期", "start_on", True, "必填；YYYY-MM-DD（开班日期：统计按此日期计入开设班次）"),
    Column("结束日期", "end_on", True, "必填；YYYY-MM-DD；不早于开始日期"),
    Column("计划学时", "planned_hours", False, "≥ 0"),
    Column("名额", "capacity", False, "≥ 1；空为不限"),
    Column("培训方式", "delivery", False, "线上、线下、线上线下混合；默认 线下"),
    Column("职业代码", "occupation_code", False, "《职业分类大典》编码"),
    Column("专业代码", "major_code", False, "职业教育专业目录代码（6位）"),
    Column("委托单位", "commissioned_by", False, "委托/下达项目的单位名称；项目级别不是 非委托项目 时必填"),
    Column("项目级别", "project_level", False, "国家级、省级、市级、行业、非委托项目；默认 非委托项目"),
    Column("经费来源", "funding_source", False, "、".join(FUNDING_SOURCE_LABELS.values())),
    Column("培训对象", "target_groups", False, "多个用顿号分隔：" + "、".join(TARGET_GROUP_LABELS.values())),
    Column("联盟ID", "alliance_id", False, "所属联盟的 id（UUID）"),
)
ALIASES = {
    "kind": aliases(KIND_LABELS, {"特种设备": "special_equipment", "特种作业": "special_operations"}),
    "delivery": aliases(DELIVERY_LABELS, {"混合": "blended"}),
    "project_level": aliases(
        PROJECT_LEVEL_LABELS, {"国家": "national", "省": "provincial", "市": "municipal", "行业级": "industry"}
    ),
    "funding_source": aliases(FUNDING_SOURCE_LABELS),
    "target_groups": aliases(TARGET_GROUP_LABELS, {"农民": "farmers", "职业农民": "farmers", "援外": "foreign_aid"}),
}
CHOICES = {
    "kind": list(KIND_LABELS.values()),
    "delivery": list(DELIVERY_LABELS.values()),
    "project_level": list(PROJECT_LEVEL_LABELS.values()),
    "funding_source": list(FUNDING_SOURCE_LABELS.values()),
}


class ProgrammeImportRejection(BaseModel):
    row: int = Field(description="Spreadsheet row number (the heading row is 1)")
    field: str | None = Field(description="Field name, e.g. project_level")
    column: str | None = Field(description="Column heading, e.g. 项目级别")
    rule: str = Field(description="The rule broken, e.g. missing, enum, commissioner_required")
    message: str


class ProgrammeImportReport(BaseModel):
    dry_run: bool
    rows: int = Field(description="Data rows read (blank rows are not counted)")
    created: int = Field(description="Programmes created (or, in a dry run, that would be)")
    rejected: list[ProgrammeImportRejection] = Field(
        description="拒绝的行：每行违反的每条规则各一条，按行号排列 One entry per rule a rejected row breaks, in row "
        "order; never a cell's value"
    )
    ignored_columns: list[str] = Field(description="Letters of columns whose heading is not in the table")


def describe_columns() -> list[ImportColumn]:
    return spreadsheets.describe_columns(COLUMNS)


def template() -> bytes:
    """Blocking: the import template."""
    return build_template(
        "培训项目",
        COLUMNS,
        choices=CHOICES,
        notes=[
            [],
            ["说明"],
            ["每行一个培训项目/班，举办单位为导入单位。类型、级别、经费来源、培训对象可填中文名称或代码。"],
            ["委托项目（国家级、省级、市级、行业）须填写委托单位。培训对象多个时用顿号分隔。"],
            ["报告中只写行号、列名与规则，不回显单元格内容。试运行（dry_run=true）只检查不保存。"],
        ],
    )


def import_org(principal: Principal, org_id: uuid.UUID | None) -> uuid.UUID:
    """The provider the rows are for: the caller's own organization by default; a platform admin names one."""
    if org_id is None and not principal.is_platform_admin and principal.org_id:
        try:
            org_id = uuid.UUID(principal.org_id)
        except ValueError:
            org_id = None
    if org_id is None:
        raise field_error(
            ["query", "org_id"], "required", "须指定举办单位 org_id", "Name the provider organization (org_id)"
        )
    if not principal.acts_for_org(org_id, service.ORG_ROLES):
        raise Forbidden(detail_zh="只能为本单位导入", detail_en="You may only import for your own organization")
    return org_id


def _item(cells: dict[str, str], org_id: uuid.UUID) -> dict[str, Any]:
    known = {c.field for c in COLUMNS}
    item: dict[str, Any] = {k: v for k, v in cells.items() if k in known}
    if "target_groups" in item:
        table = ALIASES["target_groups"]
        item["target_groups"] = [table.get(text_key(p), p) for p in LIST_SEPARATORS.split(item["target_groups"]) if p]
    for fld, table in ALIASES.items():
        if fld in item and fld != "target_groups":
            item[fld] = table.get(text_key(item[fld]), item[fld])
    for fld in DATES:
        if fld in item:
            item[fld] = item[fld][:10]
    item["provider_org_id"] = str(org_id)
    return item


async def run_import(
    session: AsyncSession,
    *,
    table: Table,
    org_id: uuid.UUID,
    directory: OrgDirectory,
    actor: str,
    english: bool,
    dry_run: bool,
) -> ProgrammeImportReport:
    """Check the provider once (422/503 before anything is written), then each row on its own."""
    await service.check_references(directory, provider_org_id=org_id)
    by_field = {c.field: c for c in COLUMNS}
    report = ProgrammeImportReport(dry_run=dry_run, rows=0, created=0, rejected=[], ignored_columns=table.ignored)
    rows = [(number, cells) for number, values in table.rows if (cells := table.cells(values))]
    report.rows = len(rows)

    def reject(row: int, fld: str | None, rule: str, message: str) -> None:
        column = by_field[fld].heading if fld in by_field else None
        report.rejected.append(ProgrammeImportRejection(row=row, field=fld, column=column, rule=rule, message=message))

    for number, cells in rows:
        missing = [c.field for c in COLUMNS if c.required and c.field not in cells]
        for fld in missing:
            reject(number, fld, "missing", "Required" if english else "必须填写")
        try:
            data = ProgrammeCreate.model_validate(_item(cells, org_id))
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
            if data.alliance_id is not None:
                await service.check_references(directory, alliance_id=data.alliance_id)
            async with session.begin_nested():
                await service.create_programme(session, data=data, actor=actor)
        except AppError as exc:
            if exc.status >= 500:
                raise
            for e in exc.errors or []:
                fld = next((str(p) for p in reversed(e.loc) if isinstance(p, str) and p != "body"), None)
                reject(number, fld, e.type, e.msg_en if english else e.msg_zh)
            if not exc.errors:
                reject(number, None, exc.slug, (exc.detail_en if english else exc.detail_zh) or exc.slug)
            continue
        report.created += 1
    report.rejected.sort(key=lambda r: r.row)
    return report
