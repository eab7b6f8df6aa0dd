"""Spreadsheets of organizations: import an uploaded `.xlsx`/`.csv` row by row, build the template and the
export. One table maps the Chinese column headings to fields; reading the file, its limits and its errors are the
kernel's (`chanjiao.spreadsheets`).

Reading and writing workbooks is blocking work: callers run those functions in a thread. The import
itself runs in the caller's transaction, one SAVEPOINT per row; a rejected row touches nothing. The
report never echoes a cell value (rows may carry personal data), only row numbers, fields and rules.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import spreadsheets
from chanjiao.errors import AppError, translate_validation_error
from chanjiao.spreadsheets import Column, ImportColumn, Table, text_key
from chanjiao.validators import CodeError, normalize_code, normalize_credit_code, normalize_name, validate_credit_code
from services.membership.organizations import service
from services.membership.organizations.models import ORG_TYPE_LABELS, Organization
from services.membership.organizations.schemas import OrganizationCreate, OrganizationPublic, OrganizationUpdate
from services.membership.organizations.schemas_batch import (
    OrganizationImportRejection,
    OrganizationImportReport,
)

EXPORT_CAP = 50_000

COLUMNS = (
    Column("单位名称", "name", True, "必填（新单位）；2–100 个字符"),
    Column("单位类型", "org_type", True, "必填（新单位）；中文名称（如 高职院校、企业）或代码（如 higher_vocational）"),
    Column("行政区划代码", "region_code", True, "必填（新单位）；6 位数字，如 370303"),
    Column("统一社会信用代码", "credit_code", False, "18 位，校验位须正确；已登记的单位按此代码更新"),
    Column("行业代码", "industry_codes", False, "GB/T 4754-2017 行业代码，多个用逗号分隔，如 3311,3120"),
    Column("上级单位信用代码", "parent_credit_code", False, "上级单位的统一社会信用代码（须已登记，或在本表靠前的行）"),
    Column("举办单位信用代码", "sponsor_credit_code", False, "仅学校：举办单位的统一社会信用代码（须已登记）"),
)
_BY_FIELD = {c.field: c for c in COLUMNS}
# Errors raised on the stored field name map back to the spreadsheet column that fed it.
_FIELD_OF_ERROR = {"parent_id": "parent_credit_code", "sponsor_org_id": "sponsor_credit_code"}


def _org_type_aliases() -> dict[str, str]:
    aliases = {text_key(code): code for code in ORG_TYPE_LABELS}
    for code, label in ORG_TYPE_LABELS.items():
        aliases[text_key(label)] = code
        for part in re.split(r"[/(（)）]", label):
            if part and "含" not in part:
                aliases[text_key(part)] = code
    extra = {
        "政府": "government",
        "本科": "undergraduate",
        "本科高校": "undergraduate",
        "高职": "higher_vocational",
        "职业本科": "higher_vocational",
        "中职": "secondary_vocational",
        "技工院校": "technician_college",
        "高级技工学校": "technical_school",
        "科研机构": "research_institute",
        "培训机构": "training_company",
        "其它": "other",
    }
    aliases.update({text_key(k): v for k, v in extra.items()})
    return aliases


ORG_TYPE_ALIASES = _org_type_aliases()


def read_table(data: bytes, filename: str | None, columns: Sequence[Column] = COLUMNS) -> Table:
    """Blocking: parse an upload of `columns` (by default the organization table) into a heading map and rows."""
    return spreadsheets.read_table(data, filename, columns, en_join=", ")


# ---- importing ------------------------------------------------------------------------------------------
@dataclass
class Row:
    """One data row being imported: its parsed values and the rules it broke (by field and column)."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    rejected: list[OrganizationImportRejection] = field(default_factory=list)
    columns: Mapping[str, Column] = field(default_factory=lambda: _BY_FIELD)

    def reject(self, fld: str | None, rule: str, message: str) -> None:
        column = self.columns[fld].heading if fld in self.columns else None
        self.rejected.append(
            OrganizationImportRejection(row=self.number, field=fld, column=column, rule=rule, message=message)
        )


def _code_error(row: Row, fld: str, exc: CodeError, english: bool) -> None:
    row.reject(fld, exc.rule, exc.message_en if english else exc.message_zh)


def reject_validation(row: Row, exc: ValidationError, english: bool) -> None:
    for e in exc.errors():
        fe = translate_validation_error(e)
        fld = next((str(p) for p in fe.loc if isinstance(p, str)), None)
        row.reject(_FIELD_OF_ERROR.get(fld or "", fld), fe.type, fe.msg_en if english else fe.msg_zh)


def reject_app_error(row: Row, exc: AppError, english: bool) -> None:
    if exc.errors:
        for e in exc.errors:
            fld = next((str(p) for p in reversed(e.loc) if isinstance(p, str) and p != "body"), None)
            row.reject(_FIELD_OF_ERROR.get(fld or "", fld), e.type, e.msg_en if english else e.msg_zh)
        return
    fld = exc.extra.get("field")
    detail = (exc.detail_en if english else exc.detail_zh) or (exc.title_en if english else exc.title_zh)
    row.reject(_FIELD_OF_ERROR.get(fld, fld) if fld else None, exc.slug, detail)


async def _org_by_credit_code(session: AsyncSession, code: str) -> Organization | None:
    stmt = sa.select(Organization).where(Organization.credit_code == code, Organization.deleted_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


def _valid_credit_code(row: Row, fld: str, text: str, english: bool) -> str | None:
    code = normalize_credit_code(text)
    try:
        validate_credit_code(code)
    except CodeError as exc:
        _code_error(row, fld, exc, english)
        return None
    return code


async def organization_values(session: AsyncSession, row: Row, cells: dict[str, str], english: bool) -> None:
    for fld, text in cells.items():
        if fld == "org_type":
            row.values["org_type"] = ORG_TYPE_ALIASES.get(text_key(text), text)
        elif fld == "industry_codes":
            row.values["industry_codes"] = [p for p in re.split(r"[,，、;；\s]+", text) if p]
        elif fld in ("parent_credit_code", "sponsor_credit_code"):
            code = _valid_credit_code(row, fld, text, english)
            if code is None:
                continue
            target = await _org_by_credit_code(session, code)
            if target is None:
                row.reject(
                    fld,
                    "not_found",
                    "No organization with this credit code is registered"
                    if english
                    else "没有以该统一社会信用代码登记的单位",
                )
                continue
            row.values["parent_id" if fld == "parent_credit_code" else "sponsor_org_id"] = target.id
        elif fld == "credit_code":
            code = _valid_credit_code(row, fld, text, english)
            if code is not None:
                row.values["credit_code"] = code
        else:
            row.values[fld] = text


async def existing_organization(session: AsyncSession, values: dict[str, Any]) -> Organization | None:
    """The organization a row describes: by credit code, else by name + region among those without one."""
    if values.get("credit_code"):
        return await _org_by_credit_code(session, values["credit_code"])
    if values.get("name") and values.get("region_code"):
        stmt = sa.select(Organization).where(
            Organization.deleted_at.is_(None),
            Organization.credit_code.is_(None),
            Organization.name == normalize_name(values["name"]),
            Organization.region_code == normalize_code(values["region_code"]),
        )
        return (await session.execute(stmt)).scalars().first()
    return None


async def match_organization(
    session: AsyncSession, row: Row, cells: dict[str, str], english: bool
) -> Organization | None:
    """Parse the organization cells into `row.values` and find the organization they describe; a row that
    matches none must carry the required columns (else it is rejected with `missing`). A row is rejected with every
    rule it breaks: when one cell fails, the others are still checked against their own rules."""
    await organization_values(session, row, cells, english)
    # A row whose credit code cell is unreadable names no organization we could match: nothing to look up.
    unreadable_code = "credit_code" in cells and "credit_code" not in row.values
    existing = None if unreadable_code else await existing_organization(session, row.values)
    if existing is None and not unreadable_code:
        for c in COLUMNS:
            if c.required and c.field not in row.values and c.field not in cells:
                row.reject(c.field, "missing", "Required for a new organization" if english else "新单位必须填写")
    if row.rejected:
        _reject_cell_rules(row, english)
        return None
    return existing


def _reject_cell_rules(row: Row, english: bool) -> None:
    """For a row already rejected: the rules of its other cells (length, code format, type), each checked on its
    own — a field already named in the row's rejections is not named twice."""
    named = {r.field for r in row.rejected}
    try:
        OrganizationUpdate.model_validate({k: v for k, v in row.values.items() if k not in named})
    except ValidationError as exc:
        before = len(row.rejected)
        reject_validation(row, exc, english)
        row.rejected[before:] = [r for r in row.rejected[before:] if r.field not in named]


MayUpdate = Callable[[uuid.UUID], Awaitable[bool]]


async def save_organization(
    session: AsyncSession,
    values: dict[str, Any],
    existing: Organization | None,
    *,
    actor: str,
    may_update: MayUpdate | None = None,
    registered_by: uuid.UUID | None = None,
) -> tuple[Organization, str]:
    """Create the organization, or update the matched one (blank cells never overwrite): the organization and
    `created`, `updated` or `skipped` (nothing changed, or the caller may not edit it: `may_update` says no).
    Raises ValidationError/AppError; run it in a SAVEPOINT."""
    if existing is not None and may_update is not None and not await may_update(existing.id):
        return existing, "skipped"
    if existing is not None:
        version = existing.version
        changes = OrganizationUpdate.model_validate(values)
        org = await service.update_organization(
            session, org_id=existing.id, changes=changes, if_match=None, actor=actor
        )
        return org, "updated" if org.version != version else "skipped"
    data = OrganizationCreate.model_validate(values)
    return await service.create_organization(session, data=data, actor=actor, registered_by=registered_by), "created"


async def run_import(
    session: AsyncSession,
    *,
    table: Table,
    actor: str,
    english: bool,
    dry_run: bool,
    may_update: MayUpdate | None = None,
    registered_by: uuid.UUID | None = None,
) -> OrganizationImportReport:
    """Create new organizations and update existing ones (a blank cell never overwrites a value); an existing one
    that `may_update` refuses is left as it is and counted `skipped`.

    Runs in the caller's transaction; a dry run is the same work, rolled back by the caller."""
    report = OrganizationImportReport(
        dry_run=dry_run, rows=0, created=0, updated=0, skipped=0, rejected=[], ignored_columns=table.ignored
    )
    for number, values in table.rows:
        cells = table.cells(values)
        if not cells:
            continue
        report.rows += 1
        row = Row(number=number)
        existing = await match_organization(session, row, cells, english)
        if row.rejected:
            report.rejected += row.rejected
            continue
        outcome = "skipped"
        try:
            async with session.begin_nested():
                _, outcome = await save_organization(
                    session, row.values, existing, actor=actor, may_update=may_update, registered_by=registered_by
                )
        except ValidationError as exc:
            reject_validation(row, exc, english)
        except AppError as exc:
            reject_app_error(row, exc, english)
        if row.rejected:
            report.rejected += row.rejected
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)
    return report


# ---- template and export ------------------------------------------------------------------------------------
def describe_columns() -> list[ImportColumn]:
    return spreadsheets.describe_columns(COLUMNS)


def build_template() -> bytes:
    """Blocking: the import template — headings, text-formatted columns, a 单位类型 drop-down, 说明 sheet."""
    return spreadsheets.build_template(
        "单位",
        COLUMNS,
        choices={"org_type": list(dict.fromkeys(ORG_TYPE_LABELS.values()))},
        notes=[[], ["单位类型可填", "代码"], *([label, code] for code, label in ORG_TYPE_LABELS.items())],
        widths={"name": 36},
    )


EXPORT_HEADINGS = [c.heading for c in COLUMNS] + ["地区", "状态", "单位ID", "更新时间"]
_STATUS_LABELS = {"active": "正常", "inactive": "停用"}


def text_cell(ws: Any, value: Any) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the name starts with
    return cell


def build_export(items: list[OrganizationPublic], credit_codes: dict[uuid.UUID, str | None]) -> bytes:
    """Blocking: the listed organizations in the import layout (so an export can be edited and re-imported)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("单位")
    for pos in range(len(EXPORT_HEADINGS)):
        ws.column_dimensions[get_column_letter(pos + 1)].width = 22
    ws.append(EXPORT_HEADINGS)
    for o in items:
        parts = (o.region.province, o.region.city, o.region.name) if o.region else (o.country_name or o.country_code,)
        region = "".join(dict.fromkeys(p for p in parts if p))
        values = [
            o.name,
            o.org_type_label,
            o.region_code,
            o.credit_code,
            ",".join(o.industry_codes),
            credit_codes.get(o.parent_id) if o.parent_id else None,
            credit_codes.get(o.sponsor_org_id) if o.sponsor_org_id else None,
            region,
            _STATUS_LABELS.get(o.status.value, o.status.value),
            str(o.id),
            o.updated_at.isoformat(),
        ]
        ws.append([text_cell(ws, v) for v in values])
    return spreadsheets.save_workbook(wb)


async def credit_codes_of(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    if not ids:
        return {}
    rows = await session.execute(sa.select(Organization.id, Organization.credit_code).where(Organization.id.in_(ids)))
    return {r.id: r.credit_code for r in rows}
