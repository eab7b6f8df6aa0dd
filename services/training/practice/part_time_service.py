"""Part-time teaching rules (兼职授课 — enterprise staff teaching at a school): create, read, list, update, soft
delete — each with an audit row and an outbox event. The staff member is named (optionally referencing a
membership person); no personal data beyond the name is kept. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.db import soft_delete
from chanjiao.errors import NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from services.training.practice.common import Tombstone, list_rows, now, record, snapshot
from services.training.practice.models import PartTimeTeaching
from services.training.practice.schemas import PartTimeTeachingCreate, PartTimeTeachingPublic, PartTimeTeachingUpdate

ENTITY = "part_time_teaching"
FIELDS = (
    "staff_name",
    "person_id",
    "enterprise_org_id",
    "school_org_id",
    "term",
    "term_start_on",
    "term_end_on",
    "course",
    "class_hours",
)


class PartTimeTeachingNotFound(NotFound):
    slug = "part-time-teaching-not-found"
    title_zh, title_en = "兼职授课记录不存在", "Part-time teaching record not found"


def not_found() -> PartTimeTeachingNotFound:
    return PartTimeTeachingNotFound(
        detail_zh="没有该兼职授课记录，或已被删除", detail_en="No such part-time teaching record, or it was deleted"
    )


def term_dates(term: str) -> tuple[date, date]:
    """The default dates of a well-formed term `YYYY-YYYY-N` (422 on `term` when the years do not follow):
    term 1 = 1 Sep (first year) – 31 Jan (second year); term 2 = 1 Feb – 31 Jul (second year)."""
    first, second, n = int(term[:4]), int(term[5:9]), term[10]
    if second != first + 1:
        raise field_error(
            ["body", "term"],
            "term_years",
            "学年的第二个年份应为第一个年份加一，如 2024-2025-1",
            "The school year's second year must follow the first, e.g. 2024-2025-1",
        )
    if n == "1":
        return date(first, 9, 1), date(second, 1, 31)
    return date(second, 2, 1), date(second, 7, 31)


def _check_dates(start_on: date, end_on: date) -> None:
    if end_on < start_on:
        raise field_error(
            ["body", "term_end_on"], "period", "学期结束日期不能早于开始日期", "term_end_on is before term_start_on"
        )


async def create_record(session: AsyncSession, *, data: PartTimeTeachingCreate, actor: str) -> PartTimeTeaching:
    default_start, default_end = term_dates(data.term)
    values = data.model_dump()
    values["term_start_on"] = data.term_start_on or default_start
    values["term_end_on"] = data.term_end_on or default_end
    _check_dates(values["term_start_on"], values["term_end_on"])
    stamp = now()
    row = PartTimeTeaching(id=new_id(), **values, version=1, created_at=stamp, updated_at=stamp)
    session.add(row)
    await session.flush()
    after = snapshot(row, FIELDS)
    await record(
        session, entity=ENTITY, entity_id=row.id, action="create", actor=actor, before=None, after=after, payload=after
    )
    return row


async def get_record(session: AsyncSession, record_id: uuid.UUID, *, for_update: bool = False) -> PartTimeTeaching:
    stmt = sa.select(PartTimeTeaching).where(PartTimeTeaching.id == record_id, PartTimeTeaching.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise not_found()
    return row


async def list_records(
    session: AsyncSession,
    *,
    enterprise_org_id: uuid.UUID | None,
    school_org_id: uuid.UUID | None,
    person_id: uuid.UUID | None,
    term: str | None,
    period_start: date | None,
    period_end: date | None,
    updated_since: datetime | None,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
    visible: sa.ColumnElement[bool] | None,
) -> tuple[list[PartTimeTeaching], str | None]:
    where: list[sa.ColumnElement[bool]] = []
    if enterprise_org_id is not None:
        where.append(PartTimeTeaching.enterprise_org_id == enterprise_org_id)
    if school_org_id is not None:
        where.append(PartTimeTeaching.school_org_id == school_org_id)
    if person_id is not None:
        where.append(PartTimeTeaching.person_id == person_id)
    if term is not None:
        where.append(PartTimeTeaching.term == term)
    if period_start is not None:
        where.append(PartTimeTeaching.term_end_on >= period_start)
    if period_end is not None:
        where.append(PartTimeTeaching.term_start_on <= period_end)
    return await list_rows(
        session,
        PartTimeTeaching,
        where=where,
        visible=visible,
        updated_since=updated_since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
    )


async def update_record(
    session: AsyncSession, *, row: PartTimeTeaching, changes: PartTimeTeachingUpdate, if_match: str | None, actor: str
) -> PartTimeTeaching:
    check_if_match(if_match, row.version)
    data: dict[str, Any] = changes.model_dump(exclude_unset=True)
    if "term" in data and data["term"] != row.term:
        default_start, default_end = term_dates(data["term"])
        data.setdefault("term_start_on", default_start)
        data.setdefault("term_end_on", default_end)
    elif "term" in data:
        term_dates(data["term"])
    before = snapshot(row, FIELDS)
    merged = {**before, **data}
    _check_dates(merged["term_start_on"], merged["term_end_on"])
    for key, value in data.items():
        setattr(row, key, value)
    after = snapshot(row, FIELDS)
    if after == before:
        return row
    row.version += 1
    row.updated_at = now()
    await session.flush()
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    await record(
        session,
        entity=ENTITY,
        entity_id=row.id,
        action="update",
        actor=actor,
        before=before,
        after=after,
        payload={"changed": changed},
    )
    return row


async def delete_record(session: AsyncSession, *, row: PartTimeTeaching, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, row.version)
    before = snapshot(row, FIELDS)
    await soft_delete(session, row)
    await record(
        session, entity=ENTITY, entity_id=row.id, action="delete", actor=actor, before=before, after=None, payload={}
    )


def render(rows: list[PartTimeTeaching]) -> list[PartTimeTeachingPublic | Tombstone]:
    out: list[PartTimeTeachingPublic | Tombstone] = []
    for r in rows:
        if r.deleted_at is not None:
            out.append(Tombstone(id=r.id, deleted_at=r.deleted_at))
            continue
        out.append(
            PartTimeTeachingPublic(
                id=r.id,
                staff_name=r.staff_name,
                person_id=r.person_id,
                enterprise_org_id=r.enterprise_org_id,
                school_org_id=r.school_org_id,
                term=r.term,
                term_start_on=r.term_start_on,
                term_end_on=r.term_end_on,
                course=r.course,
                class_hours=float(r.class_hours),
                version=r.version,
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
        )
    return out


def public(row: PartTimeTeaching) -> PartTimeTeachingPublic:
    out = render([row])[0]
    assert isinstance(out, PartTimeTeachingPublic)
    return out
