"""Teacher enterprise practice rules (教师企业实践): the period, and the record's create, read, list, update and soft
delete — each write with an audit row and an outbox event in the caller's transaction (chanjiao/resources.py).
The teacher is a person of the membership service belonging to the school (`person_id`, with `teacher_name`, the
name when recorded); records made before that keep a legacy `learner_id` instead. Knows nothing of HTTP (the
router checks tenancy, organizations and the person first)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
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
from services.training.parties import can_read, exit_query, list_rows, seen_by, visible_filter
from services.training.teacher_practices.models import TeacherPractice
from services.training.teacher_practices.schemas import TeacherPracticeCreate, TeacherPracticeUpdate

ENTITY = "teacher_practice"
# Audited and in events: the teacher by id only — `teacher_name` (personal data, never changed) stays out of them.
AUDIT = Audit(kernel, ENTITY, exclude=frozenset({"teacher_name"}))


class TeacherPracticeNotFound(NotFound):
    slug = "teacher-practice-not-found"
    title_zh, title_en = "教师企业实践记录不存在", "Teacher practice not found"


def not_found() -> TeacherPracticeNotFound:
    return TeacherPracticeNotFound(
        detail_zh="没有该教师企业实践记录，或已被删除", detail_en="No such teacher practice, or it was deleted"
    )


def parties(row: Any) -> tuple[uuid.UUID | None, ...]:
    """The organizations whose principals write the record and read it: the school and the enterprise."""
    return (row.school_org_id, row.enterprise_org_id)


def check_period(values: dict[str, Any]) -> None:
    if values["end_on"] < values["start_on"]:
        raise field_error(["body", "end_on"], "period", "结束日期不能早于开始日期", "end_on is before start_on")


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get(session: AsyncSession, practice_id: uuid.UUID, *, for_update: bool = False) -> TeacherPractice:
    return await load(session, TeacherPractice, practice_id, not_found=not_found, for_update=for_update)


async def get_visible(session: AsyncSession, principal: Principal, practice_id: uuid.UUID) -> TeacherPractice:
    """A record the caller may read (its school's or enterprise's principals …); anyone else gets 404."""
    return await load(
        session, TeacherPractice, practice_id, not_found=not_found, rule=lambda r: can_read(principal, *parties(r))
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
    t: Any = TeacherPractice
    columns = (t.school_org_id, t.enterprise_org_id)
    return await list_rows(
        session,
        TeacherPractice,
        where=list(where),
        visible=visible_filter(principal, *columns),
        since=since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
        exits=exit_query(principal, ENTITY, TeacherPractice, *columns),
    )


# ---- writes --------------------------------------------------------------------------------------------------------
async def create(
    session: AsyncSession, *, data: TeacherPracticeCreate, teacher_name: str, actor: str
) -> TeacherPractice:
    """The school, the enterprise and the teacher were checked by the router."""
    values = data.model_dump()
    check_period(values)
    stamp = now()
    row = TeacherPractice(
        id=new_id(), **values, teacher_name=teacher_name, version=1, created_at=stamp, updated_at=stamp
    )
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def update(
    session: AsyncSession, *, row: TeacherPractice, changes: TeacherPracticeUpdate, if_match: str | None, actor: str
) -> TeacherPractice:
    """`row` is locked by the caller (`get(for_update=True)`); new organizations were checked by the caller."""
    check_if_match(if_match, row.version)
    data = changes.model_dump(exclude_unset=True)
    before = AUDIT.snapshot(row)
    seen_before = seen_by(*parties(row))
    check_period({**before, **data})
    for key, value in data.items():
        setattr(row, key, value)
    if await AUDIT.updated(session, row, actor=actor, before=before):
        await record_exits(session, SCHEMA, ENTITY, [row.id], before=seen_before, after=seen_by(*parties(row)))
    return row


async def delete(session: AsyncSession, *, row: TeacherPractice, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    await soft_delete(session, row)
    await AUDIT.deleted(session, row, actor=actor, before=before)
