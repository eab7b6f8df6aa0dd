"""Spreadsheet import of demands or offers (`.xlsx`/`.csv`, Chinese headings) → drafts of one organization (the
shape of services/training/certificates/imports.py).

Each row is checked like the body of the single create (codes, enums by Chinese label or code, dates, rules); code
lists are written in one cell separated by `、`, `,`, `;` or spaces. Valid rows are created as drafts, each in its
own savepoint; the report names each rejected row with field, column and rule — never a cell's value. A dry run
does every check and writes nothing (the caller rolls back)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import spreadsheets
from chanjiao.auth import Principal
from chanjiao.errors import AppError, Forbidden, field_error, translate_validation_error
from chanjiao.spreadsheets import Column, ImportColumn, Table, build_template, text_key
from services.matching.market import ORG_ROLES

LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")
DATES = ("period_start", "period_end", "deadline_on")


class PostingImportRejection(BaseModel):
    row: int = Field(description="Spreadsheet row number (the heading row is 1)")
    field: str | None = Field(description="Field name, e.g. headcount")
    column: str | None = Field(description="Column heading, e.g. 需求人数")
    rule: str = Field(description="The rule broken, e.g. missing, format, enum, period")
    message: str


class PostingImportReport(BaseModel):
    dry_run: bool
    rows: int = Field(description="Data rows read (blank rows are not counted)")
    created: int = Field(description="Drafts created (or, in a dry run, that would be)")
    rejected: list[PostingImportRejection] = Field(
        description="拒绝的行：每行违反的每条规则各一条，按行号排列 One entry per rule a rejected row breaks, in row "
        "order; never a cell's value"
    )
    ignored_columns: list[str] = Field(description="Letters of columns whose heading is not in the table")


@dataclass(frozen=True)
class PostingImport:
    """One noun's import: its columns, what a cell may say for its enum fields (`aliases`: field → text_key →
    code), its list fields, the create body model and the service's create."""

    sheet: str
    columns: Sequence[Column]
    aliases: Mapping[str, Mapping[str, str]]
    lists: frozenset[str]
    model: type[BaseModel]
    create: Callable[[AsyncSession, Any, str], Awaitable[Any]]
    choices: Mapping[str, Sequence[str]]

    def describe_columns(self) -> list[ImportColumn]:
        return spreadsheets.describe_columns(self.columns)

    def template(self) -> bytes:
        """Blocking: the import template."""
        return build_template(
            self.sheet,
            self.columns,
            choices=self.choices,
            notes=[
                [],
                ["说明"],
                ["每行一项，导入后为草稿（仅本单位可见），发布请调用状态变更接口。"],
                ["多个代码写在同一单元格内，用顿号、逗号或空格分隔。"],
                ["报告中只写行号、列名与规则，不回显单元格内容。试运行（dry_run=true）只检查不保存。"],
            ],
        )

    def _item(self, cells: dict[str, str], org_id: uuid.UUID) -> dict[str, Any]:
        known = {c.field for c in self.columns}
        item: dict[str, Any] = {k: v for k, v in cells.items() if k in known}
        for fld, table in self.aliases.items():
            if fld in item:
                item[fld] = table.get(text_key(item[fld]), item[fld])
        for fld in self.lists:
            if fld in item:
                item[fld] = [p for p in LIST_SEPARATORS.split(item[fld]) if p]
        for fld in DATES:
            if fld in item:
                item[fld] = item[fld][:10]
        item["org_id"] = str(org_id)
        return item

    async def run(
        self,
        session: AsyncSession,
        *,
        table: Table,
        org_id: uuid.UUID,
        actor: str,
        english: bool,
        dry_run: bool,
    ) -> PostingImportReport:
        by_field = {c.field: c for c in self.columns}
        report = PostingImportReport(dry_run=dry_run, rows=0, created=0, rejected=[], ignored_columns=table.ignored)
        rows = [(number, cells) for number, values in table.rows if (cells := table.cells(values))]
        report.rows = len(rows)

        def reject(row: int, fld: str | None, rule: str, message: str) -> None:
            column = by_field[fld].heading if fld in by_field else None
            report.rejected.append(
                PostingImportRejection(row=row, field=fld, column=column, rule=rule, message=message)
            )

        for number, cells in rows:
            missing = [c.field for c in self.columns if c.required and c.field not in cells]
            for fld in missing:
                reject(number, fld, "missing", "Required" if english else "必须填写")
            try:
                data = self.model.model_validate(self._item(cells, org_id))
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
                    await self.create(session, data, actor)
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


def import_org(principal: Principal, org_id: uuid.UUID | None) -> uuid.UUID:
    """The organization the rows are posted for: the caller's own by default; a platform admin names one."""
    if org_id is None and not principal.is_platform_admin and principal.org_id:
        try:
            org_id = uuid.UUID(principal.org_id)
        except ValueError:
            org_id = None
    if org_id is None:
        raise field_error(
            ["query", "org_id"], "required", "须指定发布单位 org_id", "Name the posting organization (org_id)"
        )
    if not principal.acts_for_org(org_id, ORG_ROLES):
        raise Forbidden(detail_zh="只能为本单位导入", detail_en="You may only import for your own organization")
    return org_id
