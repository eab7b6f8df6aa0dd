"""Part-time teaching rules (兼职授课 — enterprise staff teaching at a school): the term and its dates, and the
record's create, read, list, update and soft delete — each write with an audit row and an outbox event in the
caller's transaction (chanjiao/resources.py). The staff member is named (optionally referencing a membership
person); no personal data beyond the name is kept. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.db import soft_delete
from chanjiao.errors import NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage
from chanjiao.sync_exits import record_exits
from services.training.db import SCHEMA, kernel
from services.training.part_time_teaching.models import PartTimeTeaching
from services.training.part_time_teaching.schemas import PartTimeTeachingCreate, PartTimeTeachingUpdate
from services.training.parties import can_read, exit_query, list_rows, seen_by, visible_filter

ENTITY = "part_time_teaching"
AUDIT = Audit(kernel, ENTITY)


class PartTimeTeachingNotFound(NotFound):
    slug = "part-time-teaching-not-found"
    title_zh, title_en = "兼职授课记录不存在", "Part-time teaching record not found"


def not_found() -> PartTimeTeachingNotFound:
    return PartTimeTeachingNotFound(
        detail_zh="没有该兼职授课记录，或已被删除", detail_en="No such part-time teaching record, or it was deleted"
    )


def parties(row: Any) -> tuple[uuid.UUID | None, ...]:
    """The organizations whose principals write the record and read it: the enterprise and the school."""
    return (row.enterprise_org_id, row.school_org_id)


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


def check_dates(values: dict[str, Any]) -> None:
    if values["term_end_on"] < values["term_start_on"]:
        raise field_error(
            ["body", "term_end_on"], "period", "学期结束日期不能早于开始日期", "term_end_on is before term_start_on"
        )


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get(session: AsyncSession, record_id: uuid.UUID, *, for_update: bool = False) -> PartTimeTeaching:
    return await load(session, PartTimeTeaching, record_id, not_found=not_found, for_update=for_update)


async def get_visible(session: AsyncSession, principal: Principal, record_id: uuid.UUID) -> PartTimeTeaching:
    """A record the caller may read (its enterprise's or school's principals …); anyone else gets 404."""
    return await load(
        session, PartTimeTeaching, record_id, not_found=not_found, rule=lambda r: can_read(principal, *parties(r))
    )


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    where: Iterable[sa.ColumnElement[bool]],
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    t: Any = PartTimeTeaching
    columns = (t.enterprise_org_id, t.school_org_id)
    return await list_rows(
        session,
        PartTimeTeaching,
        where=list(where),
        visible=visible_filter(principal, *columns),
        since=since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
        exits=exit_query(principal, ENTITY, PartTimeTeaching, *columns),
    )


# ---- writes --------------------------------------------------------------------------------------------------------
async def create(session: AsyncSession, *, data: PartTimeTeachingCreate, actor: str) -> PartTimeTeaching:
    """The dates default from the term. The organizations and the person were checked by the router."""
    values = data.model_dump()
    default_start, default_end = term_dates(values["term"])
    values["term_start_on"] = values["term_start_on"] or default_start
    values["term_end_on"] = values["term_end_on"] or default_end
    check_dates(values)
    stamp = now()
    row = PartTimeTeaching(id=new_id(), **values, version=1, created_at=stamp, updated_at=stamp)
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def update(
    session: AsyncSession, *, row: PartTimeTeaching, changes: PartTimeTeachingUpdate, if_match: str | None, actor: str
) -> PartTimeTeaching:
    """`row` is locked by the caller (`get(for_update=True)`). A new term sent without dates resets them to its
    defaults (a term sent again unchanged is only checked)."""
    check_if_match(if_match, row.version)
    data = changes.model_dump(exclude_unset=True)
    if "term" in data and data["term"] != row.term:
        default_start, default_end = term_dates(data["term"])
        data.setdefault("term_start_on", default_start)
        data.setdefault("term_end_on", default_end)
    elif "term" in data:
        term_dates(data["term"])
    before = AUDIT.snapshot(row)
    seen_before = seen_by(*parties(row))
    check_dates({**before, **data})
    for key, value in data.items():
        setattr(row, key, value)
    if await AUDIT.updated(session, row, actor=actor, before=before):
        await record_exits(session, SCHEMA, ENTITY, [row.id], before=seen_before, after=seen_by(*parties(row)))
    return row


async def delete(session: AsyncSession, *, row: PartTimeTeaching, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    await soft_delete(session, row)
    await AUDIT.deleted(session, row, actor=actor, before=before)
