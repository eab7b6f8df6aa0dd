"""Alliance relations: a sub-alliance inside an alliance, a community or consortium its members lead, a cooperation —
recorded by the alliance they start from, with an audit row and an outbox event per write. Knows nothing of HTTP."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage, sync_page
from services.membership.alliances.models import Alliance, AllianceRelation
from services.membership.alliances.schemas_relations import RelationCreate, RelationUpdate, check_period
from services.membership.alliances.service import get_alliance, is_live
from services.membership.db import kernel
from services.membership.organizations import service as organizations

AUDIT = Audit(kernel, "alliance_relation")


class RelationNotFound(NotFound):
    slug = "alliance-relation-not-found"
    title_zh, title_en = "联盟关系不存在", "Alliance relation not found"


class DuplicateRelation(Conflict):
    slug = "duplicate-alliance-relation"
    title_zh, title_en = "联盟关系已存在", "Alliance relation already exists"


def _duplicate() -> DuplicateRelation:
    return DuplicateRelation(
        detail_zh="两个联盟之间已有同类关系", detail_en="These alliances already have a relation of this kind"
    )


async def _check_lead(session: AsyncSession, lead_org_id: uuid.UUID | None) -> None:
    if lead_org_id is not None and not await organizations.lock_if_live(session, lead_org_id):
        raise field_error(["body", "lead_org_id"], "org_not_found", "没有该单位，或已被删除", "No such organization")


async def create(
    session: AsyncSession, *, alliance_id: uuid.UUID, data: RelationCreate, actor: str
) -> AllianceRelation:
    await get_alliance(session, alliance_id)
    if data.related_alliance_id == alliance_id:
        raise field_error(
            ["body", "related_alliance_id"], "itself", "联盟不能与自身建立关系", "An alliance cannot relate to itself"
        )
    if not await is_live(session, data.related_alliance_id):
        raise field_error(
            ["body", "related_alliance_id"], "alliance_not_found", "没有该联盟，或已被删除", "No such alliance"
        )
    await _check_lead(session, data.lead_org_id)
    stamp = now()
    row = AllianceRelation(
        id=new_id(),
        alliance_id=alliance_id,
        related_alliance_id=data.related_alliance_id,
        kind=data.kind.value,
        lead_org_id=data.lead_org_id,
        since=data.since,
        until=data.until,
        note=(data.note or "").strip() or None,
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    try:
        await AUDIT.created(session, row, actor=actor)
    except IntegrityError as exc:  # the partial unique index: one live relation per pair and kind
        raise _duplicate() from exc
    return row


async def get(
    session: AsyncSession, *, alliance_id: uuid.UUID, relation_id: uuid.UUID, for_update: bool = False
) -> AllianceRelation:
    """A live relation recorded by `alliance_id`, or 404."""
    return await load(
        session,
        AllianceRelation,
        relation_id,
        not_found=lambda: RelationNotFound(detail_zh="没有该联盟关系", detail_en="No such relation of this alliance"),
        rule=lambda r: r.alliance_id == alliance_id,
        for_update=for_update,
    )


async def update(
    session: AsyncSession,
    *,
    alliance_id: uuid.UUID,
    relation_id: uuid.UUID,
    changes: RelationUpdate,
    if_match: str | None,
    actor: str,
) -> AllianceRelation:
    row = await get(session, alliance_id=alliance_id, relation_id=relation_id, for_update=True)
    check_if_match(if_match, row.version)
    data = changes.model_dump(exclude_unset=True)
    if data.get("lead_org_id") is not None and row.kind != "community_led_by_member":
        raise field_error(
            ["body", "lead_org_id"],
            "lead_only_for_community",
            "只有“成员单位牵头组建”的关系可以填写牵头单位",
            "Only a community_led_by_member relation names a leading member",
        )
    if "lead_org_id" in data and data["lead_org_id"] != row.lead_org_id:
        await _check_lead(session, data["lead_org_id"])
    try:
        check_period(data.get("since", row.since), data.get("until", row.until))
    except ValueError as exc:
        raise field_error(
            ["body", "until"], "period", "结束日期不能早于开始日期", "until cannot be before since"
        ) from exc
    before = AUDIT.snapshot(row)
    for key, value in data.items():
        setattr(row, key, value)
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row


async def delete(
    session: AsyncSession, *, alliance_id: uuid.UUID, relation_id: uuid.UUID, if_match: str | None, actor: str
) -> None:
    row = await get(session, alliance_id=alliance_id, relation_id=relation_id, for_update=True)
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    await soft_delete(session, row)
    await AUDIT.deleted(session, row, actor=actor, before=before)


async def list_page(
    session: AsyncSession,
    *,
    alliance_id: uuid.UUID,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    """Relations from and to the alliance (both directions), oldest first."""
    await get_alliance(session, alliance_id)
    r = AllianceRelation
    stmt = sa.select(r).where(sa.or_(r.alliance_id == alliance_id, r.related_alliance_id == alliance_id))
    if not include_deleted:
        stmt = stmt.where(r.deleted_at.is_(None))
    return await sync_page(session, stmt, r, since=since, cursor=cursor, limit=limit)


async def names_of(session: AsyncSession, rows: list[AllianceRelation]) -> dict[uuid.UUID, str]:
    ids = {r.alliance_id for r in rows} | {r.related_alliance_id for r in rows}
    if not ids:
        return {}
    found = await session.execute(sa.select(Alliance.id, Alliance.name).where(Alliance.id.in_(ids)))
    return {i: n for i, n in found.all()}
