"""Spreadsheet import of designations (`.xlsx`/`.csv`, Chinese headings): a secretariat's list of its members'
designations and titles, or an organization's own (the shape of services/matching/imports.py).

Each row is checked like the body of `POST /v1/designations`: enums by Chinese label or code; the holder
(所属单位) by id, 统一社会信用代码 or exact name; a person (对象) by id or by exact name among the holder's people.
Valid rows are recorded, each in its own savepoint; the report names each rejected row with field, column and rule —
never a cell's value. A dry run does every check and writes nothing (the caller rolls back)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.errors import AppError, translate_validation_error
from chanjiao.spreadsheets import Column, Table, aliases, build_template, text_key
from services.membership.designations import access, service
from services.membership.designations.models import LEVEL_LABELS, STAGE_LABELS, SUBJECT_KIND_LABELS
from services.membership.designations.schemas import DesignationCreate
from services.membership.organizations.models import Organization
from services.membership.people.models import Person

COLUMNS = (
    Column("项目名称", "programme_name", True, "必填；如 全国示范性职业教育集团、山东省技术技能大师"),
    Column("级别", "level", True, "必填；国家级、省级、市级、行业、国际（或代码）"),
    Column("批次", "batch", False, "如 第一批"),
    Column(
        "阶段",
        "stage",
        True,
        "必填；申报、立项/入选、培育/建设、推荐、验收/认定（或 立项、入选、培育、建设、验收、认定）",
    ),
    Column("日期", "on", False, "YYYY-MM-DD；与年份至少填一项"),
    Column("年份", "year", False, "只知年份时填写，如 2024"),
    Column("认定单位", "recognising_body", False, "如 教育部"),
    Column(
        "对象类型", "subject_kind", True, "必填；单位、联盟/集团、人员、实训基地、课程、专业、专业群、项目（或代码）"
    ),
    Column("所属单位", "holder", False, "单位 ID、统一社会信用代码或全称；联盟本身的认定不填"),
    Column("对象", "subject", False, "人员：姓名或 ID；实训基地：ID；课程、专业、专业群、项目：名称；单位、联盟不填"),
    Column("对象代码", "subject_code", False, "如 专业代码"),
    Column("备注", "note", False, "至多 500 字"),
)
STAGE_ALIASES = aliases(
    STAGE_LABELS,
    {
        "立项": "selected",
        "入选": "selected",
        "获批": "selected",
        "培育": "building",
        "建设": "building",
        "验收": "recognised",
        "认定": "recognised",
        "获得": "recognised",
    },
)
ALIASES = {
    "level": aliases(LEVEL_LABELS, {"国家": "national", "省": "provincial", "市": "municipal"}),
    "stage": STAGE_ALIASES,
    "subject_kind": aliases(SUBJECT_KIND_LABELS, {"联盟": "alliance", "集团": "alliance", "基地": "training_base"}),
}


class DesignationImportRejection(BaseModel):
    row: int = Field(description="Spreadsheet row number (the heading row is 1)")
    field: str | None = Field(description="Field name, e.g. level")
    column: str | None = Field(description="Column heading, e.g. 级别")
    rule: str = Field(description="The rule broken, e.g. missing, enum, holder_not_found")
    message: str


class DesignationImportReport(BaseModel):
    dry_run: bool
    rows: int = Field(description="Data rows read (blank rows are not counted)")
    created: int = Field(description="Entries recorded (or, in a dry run, that would be)")
    rejected: list[DesignationImportRejection] = Field(
        description="拒绝的行：每行违反的每条规则各一条 One entry per rule a rejected row breaks, in row order; "
        "never a cell's value"
    )
    ignored_columns: list[str] = Field(description="Letters of columns whose heading is not in the table")


def template() -> bytes:
    """Blocking: the import template."""
    return build_template(
        "认定与称号",
        COLUMNS,
        choices={
            "level": list(LEVEL_LABELS.values()),
            "stage": [v for k, v in STAGE_LABELS.items() if k != "withdrawn"],
            "subject_kind": list(SUBJECT_KIND_LABELS.values()),
        },
        notes=[
            [],
            ["说明"],
            ["每行一项认定或称号，以其当前阶段登记；之后的阶段变化请调用 /v1/designations/{id}/stages。"],
            ["联盟秘书处导入时，所属单位须为本联盟现有成员单位。报告只写行号、列名与规则，不回显单元格内容。"],
        ],
    )


class _Reject(Exception):
    def __init__(self, field: str, rule: str, zh: str, en: str) -> None:
        self.field, self.rule, self.zh, self.en = field, rule, zh, en


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


async def _holder(session: AsyncSession, text: str) -> uuid.UUID:
    """The holder organization a cell names: by id, credit code or exact name among live organizations."""
    live = Organization.deleted_at.is_(None)
    by = (
        Organization.id == _uuid(text)
        if _uuid(text)
        else sa.or_(Organization.credit_code == text.upper(), Organization.name == text)
    )
    found = (await session.execute(sa.select(Organization.id).where(live, by).limit(2))).scalars().all()
    if len(found) != 1:
        raise _Reject(
            "holder",
            "holder_not_found",
            "找不到该所属单位（或同名单位不止一个）",
            "No such organization, or several share the name",
        )
    return found[0]


async def _person(session: AsyncSession, text: str, holder: uuid.UUID) -> uuid.UUID:
    live = sa.and_(Person.deleted_at.is_(None), Person.org_id == holder)
    by = Person.id == _uuid(text) if _uuid(text) else Person.name == text
    found = (await session.execute(sa.select(Person.id).where(live, by).limit(2))).scalars().all()
    if len(found) != 1:
        raise _Reject(
            "subject",
            "person_not_found",
            "所属单位中找不到该人员（或同名人员不止一个）",
            "No such person of the holder organization, or several share the name",
        )
    return found[0]


async def _body(session: AsyncSession, cells: dict[str, str], alliance_id: uuid.UUID | None) -> dict[str, Any]:
    item: dict[str, Any] = {k: v for k, v in cells.items() if k not in ("holder", "subject")}
    for fld, table in ALIASES.items():
        if fld in item:
            item[fld] = table.get(text_key(item[fld]), item[fld])
    if "on" in item:
        item["on"] = item["on"][:10]
    kind = item.get("subject_kind")
    holder = await _holder(session, cells["holder"]) if "holder" in cells else None
    subject = cells.get("subject")
    if kind == "alliance":
        if alliance_id is None:
            raise _Reject("subject_kind", "alliance_only", "联盟本身的认定由联盟导入", "An alliance imports its own")
        item["subject_id"] = str(alliance_id)
        return item
    if alliance_id is not None:
        item["alliance_id"] = str(alliance_id)
    if holder is None:
        raise _Reject("holder", "missing", "必须填写所属单位", "Required")
    item["org_id"] = str(holder)
    if kind == "organization":
        item["subject_id"] = str(holder)
    elif kind == "person":
        if subject is None:
            raise _Reject("subject", "missing", "人员须填写对象（姓名或 ID）", "Name the person")
        item["subject_id"] = str(await _person(session, subject, holder))
    elif kind == "training_base":
        item["subject_id"] = subject
    elif subject is not None:
        item["subject_name"] = subject
    return item


async def run(
    session: AsyncSession,
    *,
    table: Table,
    principal: Principal,
    alliance_id: uuid.UUID | None,
    english: bool,
    dry_run: bool,
) -> DesignationImportReport:
    by_field = {c.field: c for c in COLUMNS}
    report = DesignationImportReport(dry_run=dry_run, rows=0, created=0, rejected=[], ignored_columns=table.ignored)
    rows = [(number, cells) for number, values in table.rows if (cells := table.cells(values))]
    report.rows = len(rows)

    def reject(row: int, fld: str | None, rule: str, message: str) -> None:
        column = by_field[fld].heading if fld in by_field else None
        report.rejected.append(
            DesignationImportRejection(row=row, field=fld, column=column, rule=rule, message=message)
        )

    for number, cells in rows:
        missing = [c.field for c in COLUMNS if c.required and c.field not in cells]
        for fld in missing:
            reject(number, fld, "missing", "Required" if english else "必须填写")
        if missing:
            continue
        try:
            async with session.begin_nested():
                data = DesignationCreate.model_validate(await _body(session, cells, alliance_id))
                org_id, owner_alliance = await service.resolve_owner(session, data)
                if not access.may_write(principal, org_id, owner_alliance):
                    raise _Reject("holder", "forbidden", "无权为该单位登记", "You may not record for this organization")
                await service.create(
                    session, data=data, org_id=org_id, alliance_id=owner_alliance, actor=principal.actor
                )
        except _Reject as r:
            reject(number, r.field, r.rule, r.en if english else r.zh)
            continue
        except ValidationError as exc:
            for e in exc.errors():
                fe = translate_validation_error(e)
                fld = next((str(p) for p in fe.loc if isinstance(p, str)), None)
                reject(number, fld, fe.type, fe.msg_en if english else fe.msg_zh)
            continue
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
