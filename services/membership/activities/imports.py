"""The activity import: the secretariat's activity log (`.xlsx`/`.csv`, Chinese headings) → activities of one
alliance (the shape of services/matching/imports.py).

Each row is checked like the body of `POST /v1/activities`; organizations are named by their registered name
(several in one cell, separated by `、` `,` `;`), matched exactly among live organizations. Valid rows are created,
each in its own savepoint; the report names each rejected row with field, column and rule — never a cell's value.
A dry run checks every row and writes nothing (the caller rolls back)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import AppError, translate_validation_error
from chanjiao.spreadsheets import Column, ImportColumn, Table, aliases, build_template, describe_columns, text_key
from chanjiao.sync import Since
from services.membership.activities import service
from services.membership.activities.models import KIND_LABELS
from services.membership.activities.schemas import ActivityCreate
from services.membership.organizations import service as organizations

SEPARATORS = re.compile(r"[、,，;；\n]+")
COLUMNS = (
    Column(
        "活动类型", "kind", True, "必填；研讨会、专家报告会、考察交流、培训、技能竞赛、签约仪式、其他活动（或代码）"
    ),
    Column("活动名称", "title", True, "必填；至多 200 字"),
    Column("活动日期", "held_on", True, "必填；YYYY-MM-DD（多日活动写首日）"),
    Column("结束日期", "end_on", False, "YYYY-MM-DD；不早于活动日期"),
    Column("地点", "place", False, "至多 200 字"),
    Column("主办单位", "host_org_id", False, "平台上登记的单位全称"),
    Column("协办单位", "co_organizer_org_ids", False, "单位全称，多个用顿号分隔"),
    Column("参加单位", "participant_org_ids", False, "单位全称，多个用顿号分隔"),
    Column("参加人数", "headcount", False, "非负整数（人次）"),
    Column("备注", "note", False, "至多 2000 字"),
)
BY_FIELD = {c.field: c for c in COLUMNS}
KINDS = aliases(KIND_LABELS, {"报告会": "lecture", "考察": "visit", "竞赛": "competition", "大赛": "competition"})
ORG_FIELDS = ("host_org_id", "co_organizer_org_ids", "participant_org_ids")


class ActivityImportRejection(BaseModel):
    row: int = Field(description="Spreadsheet row number (the heading row is 1)")
    field: str | None = Field(description="Field name, e.g. held_on")
    column: str | None = Field(description="Column heading, e.g. 活动日期")
    rule: str = Field(description="The rule broken, e.g. missing, date_from_datetime_parsing, unknown_org")
    message: str


class ActivityImportReport(BaseModel):
    dry_run: bool
    rows: int = Field(description="Data rows read (blank rows are not counted)")
    created: int = Field(description="Activities created (or, in a dry run, that would be)")
    rejected: list[ActivityImportRejection] = Field(
        description="拒绝的行 One entry per rule a rejected row breaks, in row order; never a cell's value"
    )
    ignored_columns: list[str] = Field(description="Letters of columns whose heading is not in the table")


def columns() -> list[ImportColumn]:
    return describe_columns(COLUMNS)


def template() -> bytes:
    """Blocking: the import template."""
    return build_template(
        "活动",
        COLUMNS,
        choices={"kind": list(KIND_LABELS.values())},
        notes=[
            [],
            ["说明"],
            ["每行一项活动（一次专家报告会一行）；单位写平台上登记的全称，多个用顿号分隔。"],
            ["报告中只写行号、列名与规则，不回显单元格内容。试运行（dry_run=true）只检查不保存。"],
        ],
    )


async def _org(session: AsyncSession, name: str, cache: dict[str, uuid.UUID | None]) -> uuid.UUID | None:
    """The live organization registered under exactly this name (None: none, or several)."""
    key = name.strip()
    if key not in cache:
        page = await organizations.list_organizations(
            session,
            org_type=None,
            region_prefix=None,
            q=key,
            since=Since(),
            include_deleted=False,
            cursor=None,
            limit=50,
        )
        exact = [o.id for o in page.rows if o.name == key]
        cache[key] = exact[0] if len(exact) == 1 else None
    return cache[key]


async def run(
    session: AsyncSession, *, table: Table, alliance_id: uuid.UUID, actor: str, english: bool, dry_run: bool
) -> ActivityImportReport:
    report = ActivityImportReport(dry_run=dry_run, rows=0, created=0, rejected=[], ignored_columns=table.ignored)
    rows = [(number, cells) for number, values in table.rows if (cells := table.cells(values))]
    report.rows = len(rows)
    cache: dict[str, uuid.UUID | None] = {}

    def reject(row: int, fld: str | None, rule: str, zh: str, en: str) -> None:
        column = BY_FIELD[fld].heading if fld in BY_FIELD else None
        report.rejected.append(
            ActivityImportRejection(row=row, field=fld, column=column, rule=rule, message=en if english else zh)
        )

    for number, cells in rows:
        missing = [c.field for c in COLUMNS if c.required and c.field not in cells]
        for fld in missing:
            reject(number, fld, "missing", "必须填写", "Required")
        item: dict[str, Any] = dict(cells)
        if "kind" in item:
            item["kind"] = KINDS.get(text_key(item["kind"]), item["kind"])
        for fld in ("held_on", "end_on"):
            if fld in item:
                item[fld] = item[fld][:10]
        unknown = False
        for fld in ORG_FIELDS:
            if fld not in item:
                continue
            names = [n for n in SEPARATORS.split(item[fld]) if n.strip()]
            ids = [await _org(session, n, cache) for n in names]
            if any(i is None for i in ids) or (fld == "host_org_id" and len(ids) != 1):
                reject(number, fld, "unknown_org", "找不到该名称的单位", "No organization registered under this name")
                unknown = True
                del item[fld]
                continue
            item[fld] = str(ids[0]) if fld == "host_org_id" else [str(i) for i in ids]
        item["alliance_id"] = str(alliance_id)
        try:
            data = ActivityCreate.model_validate(item)
        except ValidationError as exc:
            for e in exc.errors():
                fe = translate_validation_error(e)
                fld = next((str(p) for p in fe.loc if isinstance(p, str) and p != "body"), None)
                if fld not in missing:
                    reject(number, fld, fe.type, fe.msg_zh, fe.msg_en)
            continue
        if missing or unknown:
            continue
        try:
            async with session.begin_nested():
                await service.create(session, data=data, actor=actor)
        except AppError as exc:
            if exc.status >= 500:
                raise
            for e in exc.errors or []:
                fld = next((str(p) for p in reversed(e.loc) if isinstance(p, str) and p != "body"), None)
                reject(number, fld, e.type, e.msg_zh, e.msg_en)
            if not exc.errors:
                reject(number, None, exc.slug, exc.detail_zh or exc.slug, exc.detail_en or exc.slug)
            continue
        report.created += 1
    report.rejected.sort(key=lambda r: r.row)
    return report
