"""Outside-post rules: create, list, update, soft delete of a person's posts in outside bodies — each write with an
audit row and an outbox event in the caller's transaction (chanjiao/resources.py). Knows nothing of HTTP.

A post belongs to a live person; `until ≥ since`. Posts are private like the person (services/membership/tenancy.py):
the person's organization reads and writes them; the alliance figures count them (`/v1/designations/stats`)."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.db import soft_delete
from chanjiao.errors import NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.pagination import keyset, page_of
from chanjiao.resources import Audit, now
from services.membership.db import kernel
from services.membership.person_posts.models import PersonPost
from services.membership.person_posts.schemas import PersonPostCreate, PersonPostUpdate

AUDIT = Audit(kernel, "person_post")


class PersonPostNotFound(NotFound):
    slug = "person-post-not-found"
    title_zh, title_en = "社会兼职记录不存在", "Outside post not found"


def not_found() -> PersonPostNotFound:
    return PersonPostNotFound(
        detail_zh="该人员没有这条社会兼职记录，或已被删除", detail_en="No such post of this person, or it was deleted"
    )


def _check_period(since: date, until: date | None) -> None:
    if until is not None and until < since:
        raise field_error(
            ["body", "until"], "end_before_start", "结束日期不能早于开始日期", "until cannot be earlier than since"
        )


async def create(session: AsyncSession, *, person_id: uuid.UUID, data: PersonPostCreate, actor: str) -> PersonPost:
    _check_period(data.since, data.until)  # type: ignore[arg-type]
    stamp = now()
    row = PersonPost(
        id=new_id(),
        person_id=person_id,
        body_name=data.body_name,
        post_kind=data.post_kind.value,
        post_title=data.post_title,
        level=data.level.value,
        since=data.since,
        until=data.until,
        note=data.note,
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def get(session: AsyncSession, person_id: uuid.UUID, post_id: uuid.UUID) -> PersonPost:
    stmt = (
        sa.select(PersonPost)
        .where(PersonPost.id == post_id, PersonPost.person_id == person_id, PersonPost.deleted_at.is_(None))
        .with_for_update()
    )
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise not_found()
    return row


async def list_posts(
    session: AsyncSession, *, person_id: uuid.UUID, held_on: date | None, cursor: str | None, limit: int
) -> tuple[list[PersonPost], str | None]:
    stmt = sa.select(PersonPost).where(PersonPost.person_id == person_id, PersonPost.deleted_at.is_(None))
    if held_on is not None:
        stmt = stmt.where(PersonPost.since <= held_on, sa.or_(PersonPost.until.is_(None), PersonPost.until >= held_on))
    rows = (await session.execute(keyset(stmt, [PersonPost.id], cursor, limit))).scalars().all()
    return page_of(rows, limit, lambda r: (r.id,))


async def update(
    session: AsyncSession, *, row: PersonPost, changes: PersonPostUpdate, if_match: str | None, actor: str
) -> None:
    check_if_match(if_match, row.version)
    data = changes.model_dump(exclude_unset=True)
    _check_period(data.get("since", row.since), data["until"] if "until" in data else row.until)
    before = AUDIT.snapshot(row)
    for key, value in data.items():
        setattr(row, key, value.value if hasattr(value, "value") else value)
    await AUDIT.updated(session, row, actor=actor, before=before)


async def delete(session: AsyncSession, *, row: PersonPost, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    await soft_delete(session, row)
    await AUDIT.deleted(session, row, actor=actor, before=before)
