"""Teacher enterprise practice rules (教师企业实践): create, read, list, update, soft delete — each with an audit row
and an outbox event. The teacher is a learner of learner_type `teacher`; the record links it to the school and
the enterprise. Knows nothing of HTTP (the router checks tenancy and organizations first)."""

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
from services.training.learners.models import Learner, LinkVia
from services.training.learners.service import link_learner
from services.training.practice.common import Tombstone, list_rows, now, record, snapshot
from services.training.practice.models import TeacherPractice
from services.training.practice.schemas import TeacherPracticeCreate, TeacherPracticePublic, TeacherPracticeUpdate

ENTITY = "teacher_practice"
FIELDS = ("learner_id", "school_org_id", "enterprise_org_id", "start_on", "end_on", "post", "content")


class TeacherPracticeNotFound(NotFound):
    slug = "teacher-practice-not-found"
    title_zh, title_en = "教师企业实践记录不存在", "Teacher practice not found"


def not_found() -> TeacherPracticeNotFound:
    return TeacherPracticeNotFound(
        detail_zh="没有该教师企业实践记录，或已被删除", detail_en="No such teacher practice, or it was deleted"
    )


def days(start_on: date, end_on: date) -> int:
    return (end_on - start_on).days + 1


def person_months(start_on: date, end_on: date) -> float:
    """人月 of the whole span: days / 30 (rounded to 2 places for display only)."""
    return round(days(start_on, end_on) / 30, 2)


def _check_period(start_on: date, end_on: date) -> None:
    if end_on < start_on:
        raise field_error(["body", "end_on"], "period", "结束日期不能早于开始日期", "end_on is before start_on")


def check_teacher(learner: Learner) -> None:
    if learner.learner_type != "teacher":
        raise field_error(
            ["body", "learner_id"],
            "learner_not_teacher",
            "教师企业实践的学员类型应为教师（teacher）",
            "The learner of a teacher practice must have learner_type teacher",
        )


async def create_practice(session: AsyncSession, *, data: TeacherPracticeCreate, actor: str) -> TeacherPractice:
    _check_period(data.start_on, data.end_on)
    stamp = now()
    row = TeacherPractice(id=new_id(), **data.model_dump(), version=1, created_at=stamp, updated_at=stamp)
    session.add(row)
    await session.flush()
    for org in {data.school_org_id, data.enterprise_org_id}:
        await link_learner(session, data.learner_id, org, LinkVia.teacher_practice.value)
    after = snapshot(row, FIELDS)
    await record(
        session, entity=ENTITY, entity_id=row.id, action="create", actor=actor, before=None, after=after, payload=after
    )
    return row


async def get_practice(session: AsyncSession, practice_id: uuid.UUID, *, for_update: bool = False) -> TeacherPractice:
    stmt = sa.select(TeacherPractice).where(TeacherPractice.id == practice_id, TeacherPractice.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise not_found()
    return row


async def list_practices(
    session: AsyncSession,
    *,
    school_org_id: uuid.UUID | None,
    enterprise_org_id: uuid.UUID | None,
    learner_id: uuid.UUID | None,
    period_start: date | None,
    period_end: date | None,
    updated_since: datetime | None,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
    visible: sa.ColumnElement[bool] | None,
) -> tuple[list[TeacherPractice], str | None]:
    where: list[sa.ColumnElement[bool]] = []
    if school_org_id is not None:
        where.append(TeacherPractice.school_org_id == school_org_id)
    if enterprise_org_id is not None:
        where.append(TeacherPractice.enterprise_org_id == enterprise_org_id)
    if learner_id is not None:
        where.append(TeacherPractice.learner_id == learner_id)
    if period_start is not None:
        where.append(TeacherPractice.end_on >= period_start)
    if period_end is not None:
        where.append(TeacherPractice.start_on <= period_end)
    return await list_rows(
        session,
        TeacherPractice,
        where=where,
        visible=visible,
        updated_since=updated_since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
    )


async def update_practice(
    session: AsyncSession, *, row: TeacherPractice, changes: TeacherPracticeUpdate, if_match: str | None, actor: str
) -> TeacherPractice:
    check_if_match(if_match, row.version)
    data: dict[str, Any] = changes.model_dump(exclude_unset=True)
    before = snapshot(row, FIELDS)
    merged = {**before, **data}
    _check_period(merged["start_on"], merged["end_on"])
    for key, value in data.items():
        setattr(row, key, value)
    after = snapshot(row, FIELDS)
    if after == before:
        return row
    row.version += 1
    row.updated_at = now()
    await session.flush()
    for key in ("school_org_id", "enterprise_org_id"):
        if after[key] != before[key]:
            await link_learner(session, row.learner_id, after[key], LinkVia.teacher_practice.value)
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


async def delete_practice(session: AsyncSession, *, row: TeacherPractice, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, row.version)
    before = snapshot(row, FIELDS)
    await soft_delete(session, row)
    await record(
        session, entity=ENTITY, entity_id=row.id, action="delete", actor=actor, before=before, after=None, payload={}
    )


def render(rows: list[TeacherPractice]) -> list[TeacherPracticePublic | Tombstone]:
    out: list[TeacherPracticePublic | Tombstone] = []
    for r in rows:
        if r.deleted_at is not None:
            out.append(Tombstone(id=r.id, deleted_at=r.deleted_at))
            continue
        out.append(
            TeacherPracticePublic(
                id=r.id,
                learner_id=r.learner_id,
                school_org_id=r.school_org_id,
                enterprise_org_id=r.enterprise_org_id,
                start_on=r.start_on,
                end_on=r.end_on,
                days=days(r.start_on, r.end_on),
                person_months=person_months(r.start_on, r.end_on),
                post=r.post,
                content=r.content,
                version=r.version,
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
        )
    return out


def public(row: TeacherPractice) -> TeacherPracticePublic:
    out = render([row])[0]
    assert isinstance(out, TeacherPracticePublic)
    return out
