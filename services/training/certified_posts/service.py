"""Posts that require a certificate (持证岗位): the post's rules (the kind's levels), its create, read, list, update and
soft delete, and its holders — added (a membership person or a learner record of the post's organization, checked
by the router) and ended (`until` set, the row kept) — each write with an audit row and an outbox event in the
caller's transaction (chanjiao/resources.py). A change of holders is a new version of the post, so the holders
ride on the post's sync. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.dates import today
from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now, record_named
from chanjiao.sync import Since, SyncPage
from services.training.certificates.rules import KINDS, CertificateKind
from services.training.certified_posts.models import CertifiedPost, CertifiedPostHolder
from services.training.certified_posts.schemas import CertifiedPostCreate, CertifiedPostUpdate
from services.training.db import kernel
from services.training.learners.models import Learner
from services.training.learners.service import LearnerErased
from services.training.parties import can_read, list_rows, visible_filter

ENTITY = "certified_post"
AUDIT = Audit(kernel, ENTITY)
# A holder is audited and announced by id only: the person's name (kept for display) stays out.
HOLDER_AUDIT = Audit(kernel, "certified_post_holder", exclude=frozenset({"holder_name"}))


class CertifiedPostNotFound(NotFound):
    slug = "certified-post-not-found"
    title_zh, title_en = "持证岗位不存在", "Certified post not found"


class HolderNotFound(NotFound):
    slug = "certified-post-holder-not-found"
    title_zh, title_en = "在岗记录不存在", "Post holder not found"


class HolderOverlaps(Conflict):
    slug = "post-holder-overlaps"
    title_zh, title_en = "该人员在此期间已在岗", "Already on the post in that period"


class HoldingEnded(Conflict):
    slug = "post-holding-ended"
    title_zh, title_en = "该在岗记录已结束", "The holding has already ended"


def not_found() -> CertifiedPostNotFound:
    return CertifiedPostNotFound(
        detail_zh="没有该持证岗位，或已被删除", detail_en="No such certified post, or it was deleted"
    )


def holder_not_found() -> HolderNotFound:
    return HolderNotFound(detail_zh="该岗位没有这条在岗记录", detail_en="No such holder of this post")


def check_level(kind: str, level: str | None, field: str = "min_level") -> None:
    """`level` is one of the kind's levels (or none); a kind without levels takes none."""
    if level is None:
        return
    levels = KINDS[CertificateKind(kind)].levels
    if levels is None:
        raise field_error(
            ["body", field],
            "no_levels",
            "该证书种类没有等级，不能要求最低等级",
            "This kind of certificate has no levels",
        )
    if level not in levels:
        allowed = "、".join(levels)
        raise field_error(
            ["body", field], "level", f"等级应为以下之一：{allowed}", f"The level must be one of: {', '.join(levels)}"
        )


def level_rank(kind: str, level: str | None) -> int:
    """The position of `level` among the kind's levels, lowest first (-1: none, or not one of them)."""
    levels = KINDS[CertificateKind(kind)].levels or ()
    return levels.index(level) if level in levels else -1


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get(session: AsyncSession, post_id: uuid.UUID, *, for_update: bool = False) -> CertifiedPost:
    return await load(session, CertifiedPost, post_id, not_found=not_found, for_update=for_update)


async def get_visible(
    session: AsyncSession, principal: Principal, post_id: uuid.UUID, *, for_update: bool = False
) -> CertifiedPost:
    """A post the caller may read (its organization's principals, platform admins, services reading); anyone else
    gets 404."""
    return await load(
        session,
        CertifiedPost,
        post_id,
        not_found=not_found,
        rule=lambda r: can_read(principal, r.org_id),
        for_update=for_update,
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
    t: Any = CertifiedPost
    return await list_rows(
        session,
        CertifiedPost,
        where=list(where),
        visible=visible_filter(principal, t.org_id),
        since=since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
    )


async def holders(session: AsyncSession, post: CertifiedPost) -> list[tuple[CertifiedPostHolder, str | None]]:
    """Every holding of the post (ended ones too), oldest first, with a learner holder's current name."""
    h: Any = CertifiedPostHolder
    stmt = (
        sa.select(CertifiedPostHolder, Learner.name)
        .outerjoin(Learner, Learner.id == h.learner_id)  # type: ignore[arg-type]
        .where(h.post_id == post.id)
        .order_by(h.since, h.id)
    )
    return [(row, name) for row, name in (await session.execute(stmt)).all()]


async def holder(
    session: AsyncSession, post: CertifiedPost, holder_id: uuid.UUID, *, for_update: bool = False
) -> tuple[CertifiedPostHolder, str | None]:
    """One holding of `post` (404 for another post's), with a learner holder's current name."""
    h: Any = CertifiedPostHolder
    stmt = (
        sa.select(CertifiedPostHolder, Learner.name)
        .outerjoin(Learner, Learner.id == h.learner_id)  # type: ignore[arg-type]
        .where(h.id == holder_id, h.post_id == post.id)
    )
    if for_update:
        stmt = stmt.with_for_update(of=CertifiedPostHolder)
    found = (await session.execute(stmt)).first()
    if found is None:
        raise holder_not_found()
    return found[0], found[1]


def check_learner(learner: Learner, org_id: uuid.UUID) -> None:
    """A learner holder is a live record of the post's organization (a platform admin may name any record)."""
    if learner.owner_org_id != org_id:
        raise field_error(
            ["body", "learner_id"],
            "learner_not_of_org",
            "须是岗位所属单位登记的学员",
            "The learner must be a record of the post's organization",
        )
    if learner.erased_at is not None:
        raise LearnerErased(detail_zh="该学员信息已注销，不能上岗登记", detail_en="The learner record was erased")


# ---- writes --------------------------------------------------------------------------------------------------------
async def create(session: AsyncSession, *, data: CertifiedPostCreate, actor: str) -> CertifiedPost:
    """The organization was checked by the router."""
    values = data.model_dump()
    check_level(values["required_kind"], values["min_level"])
    stamp = now()
    row = CertifiedPost(id=new_id(), **values, version=1, created_at=stamp, updated_at=stamp)
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def update(
    session: AsyncSession, *, row: CertifiedPost, changes: CertifiedPostUpdate, if_match: str | None, actor: str
) -> CertifiedPost:
    """`row` is locked by the caller (`get_visible(for_update=True)`)."""
    check_if_match(if_match, row.version)
    data = changes.model_dump(exclude_unset=True)
    before = AUDIT.snapshot(row)
    merged = {**before, **data}
    check_level(merged["required_kind"], merged["min_level"])
    for key, value in data.items():
        setattr(row, key, value)
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row


async def delete(session: AsyncSession, *, row: CertifiedPost, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    await soft_delete(session, row)
    await AUDIT.deleted(session, row, actor=actor, before=before)


def _touch(post: CertifiedPost) -> None:
    """A change of the post's holders is a new version of the post (its ETag, its sync)."""
    post.version += 1
    post.updated_at = now()


async def add_holder(
    session: AsyncSession,
    *,
    post: CertifiedPost,
    person_id: uuid.UUID | None,
    holder_name: str | None,
    learner_id: uuid.UUID | None,
    since: date | None,
    actor: str,
) -> CertifiedPostHolder:
    """`post` is locked by the caller, and the holder was checked to be the post organization's person or learner
    record. The holding starts on `since` (default today, never later) and must not overlap another holding of the
    same holder on the post."""
    start = since or today()
    if start > today():
        raise field_error(["body", "since"], "future", "上岗日期不能晚于今天", "since may not be in the future")
    h: Any = CertifiedPostHolder
    same = h.person_id == person_id if person_id is not None else h.learner_id == learner_id
    overlap = await session.scalar(
        sa.select(h.id).where(h.post_id == post.id, same, sa.or_(h.until.is_(None), h.until > start)).limit(1)
    )
    if overlap is not None:
        raise HolderOverlaps(
            detail_zh="该人员在所填日期之后仍有在岗记录（先结束它，或换一个上岗日期）",
            detail_en="The holder has a holding of this post on or after that day (end it, or give another since)",
        )
    stamp = now()
    row = CertifiedPostHolder(
        id=new_id(),
        post_id=post.id,
        org_id=post.org_id,
        person_id=person_id,
        holder_name=holder_name if person_id is not None else None,
        learner_id=learner_id,
        since=start,
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    _touch(post)
    await HOLDER_AUDIT.created(session, row, actor=actor)
    return row


async def end_holder(
    session: AsyncSession, *, post: CertifiedPost, row: CertifiedPostHolder, until: date | None, actor: str
) -> CertifiedPostHolder:
    """Ends a holding on `until` (default today: the first day no longer on the post); the row is kept."""
    if row.until is not None:
        raise HoldingEnded(
            detail_zh=f"该在岗记录已于 {row.until.isoformat()} 结束", detail_en=f"The holding ended on {row.until}"
        )
    end = until or today()
    if end > today():
        raise field_error(["query", "until"], "future", "离岗日期不能晚于今天", "until may not be in the future")
    if end < row.since:
        raise field_error(["query", "until"], "period", "离岗日期不能早于上岗日期", "until is before since")
    before = HOLDER_AUDIT.snapshot(row)
    row.until = end
    row.version += 1
    row.updated_at = now()
    _touch(post)
    await session.flush()
    await record_named(
        HOLDER_AUDIT,
        session,
        row,
        action="end",
        event="ended",
        actor=actor,
        before=before,
        after=HOLDER_AUDIT.snapshot(row),
        payload={"post_id": row.post_id, "org_id": row.org_id, "until": end},
    )
    return row
