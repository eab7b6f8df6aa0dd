"""Spreadsheet imports of yearly facts (the shape of services/matching/imports.py): a secretariat sends its members
the template of their kind, each sheet comes back filled for one organization, and whoever may write that
organization's facts uploads it (`school_facts/routes_import.py`, `enterprise_facts/routes_import.py`).

Every row is checked like the body of the single write (numbers, enums by Chinese label or code, codes); the report
names each rejected row with field, column and rule — never a cell's value. An upload is all or nothing: one
rejected row and nothing is written; `dry_run=true` checks and writes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chanjiao import spreadsheets
from chanjiao.errors import translate_validation_error
from chanjiao.spreadsheets import Column, Table, text_key
from services.membership.yearly_facts import FIRST_YEAR, LAST_YEAR

YEAR_COLUMN = Column("年度", "year", True, f"必填；公历年，{FIRST_YEAR}–{LAST_YEAR}")


class FactsImportRejection(BaseModel):
    row: int = Field(description="表格行号（表头为第 1 行） — spreadsheet row number (the heading row is 1)")
    field: str | None = Field(description="字段名 — field name, e.g. staff")
    column: str | None = Field(description="列名 — column heading, e.g. 在岗职工")
    rule: str = Field(description="违反的规则 — the rule broken, e.g. missing, duplicate, greater_than_equal")
    message: str


class FactsImportReport(BaseModel):
    dry_run: bool
    rows: int = Field(description="读取的数据行（空行不计） — data rows read (blank rows are not counted)")
    written: bool = Field(
        description="是否已保存（有任何拒绝行则整表不保存） — saved (nothing is when a row is rejected)"
    )
    years: list[int] = Field(description="写入（或试运行时将写入）的年份 — years written (or that would be)")
    created: int = Field(description="新建的年度记录 — year records created")
    updated: int = Field(description="更新的年度记录 — year records replaced")
    rejected: list[FactsImportRejection]
    ignored_columns: list[str] = Field(description="表头不在模板中的列 — letters of columns not in the template")


@dataclass
class Rows:
    """The rows of one upload, checked: the valid ones by row number, and the report so far."""

    report: FactsImportReport
    by_field: Mapping[str, Column]
    valid: list[tuple[int, Any]] = field(default_factory=list)

    def reject(self, row: int, fld: str | None, rule: str, message: str) -> None:
        column = self.by_field[fld].heading if fld in self.by_field else None
        self.report.rejected.append(FactsImportRejection(row=row, field=fld, column=column, rule=rule, message=message))


def check_rows(
    table: Table,
    columns: Sequence[Column],
    model: type[BaseModel],
    aliases: Mapping[str, Mapping[str, str]],
    *,
    english: bool,
    dry_run: bool,
) -> Rows:
    """Each non-blank row validated as `model` (cells by field, enum cells through `aliases`)."""
    report = FactsImportReport(
        dry_run=dry_run,
        rows=0,
        written=False,
        years=[],
        created=0,
        updated=0,
        rejected=[],
        ignored_columns=table.ignored,
    )
    out = Rows(report=report, by_field={c.field: c for c in columns})
    rows = [(number, cells) for number, values in table.rows if (cells := table.cells(values))]
    report.rows = len(rows)
    for number, cells in rows:
        missing = [c.field for c in columns if c.required and c.field not in cells]
        for fld in missing:
            out.reject(number, fld, "missing", "Required" if english else "必须填写")
        item: dict[str, Any] = dict(cells)
        for fld, table_of in aliases.items():
            if fld in item:
                item[fld] = table_of.get(text_key(item[fld]), item[fld])
        try:
            data = model.model_validate(item)
        except ValidationError as exc:
            for e in exc.errors():
                fe = translate_validation_error(e)
                fld = next((str(p) for p in fe.loc if isinstance(p, str)), None)
                if fld not in missing:
                    out.reject(number, fld, fe.type, fe.msg_en if english else fe.msg_zh)
            continue
        if not missing:
            out.valid.append((number, data))
    return out


def finish(rows: Rows, years: set[int], created: int, updated: int) -> FactsImportReport:
    report = rows.report
    report.rejected.sort(key=lambda r: r.row)
    report.years = sorted(years)
    report.created, report.updated = created, updated
    report.written = not report.rejected and not report.dry_run
    return report


async def read_upload(request: Request, columns: Sequence[Column]) -> Table:
    form = await request.form(max_files=1, max_fields=5)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise spreadsheets.unreadable(
                "缺少上传文件（字段名 file）", "No file uploaded (field `file`)", rule="missing"
            )
        data = await upload.read()
        return await run_in_threadpool(spreadsheets.read_table, data, upload.filename, columns)
    finally:
        await form.close()


NOTES = [
    [],
    ["说明"],
    ["秘书处每年把本模板发给成员单位；成员单位填写后由本单位（或代管该单位的联盟秘书处）上传。"],
    ["整表校验：有任何一行不合格则整表不保存，报告中只写行号、列名与规则，不回显单元格内容。"],
    ["试运行（dry_run=true）只检查不保存。"],
]
