"""Alliance rules: create, read, list, update, soft delete; audit row + outbox event per write."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.audit import record_change
from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.sync import Since, SyncPage, sync_page
from services.membership.alliances.models import KIND_LABELS, Alliance
from services.membership.alliances.schemas import AllianceCreate, AlliancePublic, AllianceUpdate, ListTombstone
from services.membership.db import kernel
from services.membership.organizations.models import Organization

AUDITED = (
    "name",
    "kind",
    "level",
    "founded_on",
    "region_code",
    "guiding_body",
    "lead_org_ids",
    "charter",
    "membership_rules",
    "industry_focus",
    "recognitions",
)


class AllianceNotFound(NotFound):
    slug = "alliance-not-found"
    title_zh, title_en = "联盟不存在", "Alliance not found"


class DuplicateAlliance(Conflict):
    slug = "duplicate-alliance"
    title_zh, title_en = "联盟已存在", "Alliance already exists"


def _snapshot(a: Alliance) -> dict[str, Any]:
    return {k: getattr(a, k) for k in AUDITED}


async def _record(
    session: AsyncSession,
    a: Alliance,
    *,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    payload: dict[str, Any],
) -> None:
    """The audit row and the outbox event of one write, in the caller's transaction."""
    await record_change(
        session,
        kernel,
        entity="alliance",
        entity_id=a.id,
        action=action,
        actor=actor,
        before=before,
        after=after,
        payload=payload,
    )


async def _check_lead_orgs(session: AsyncSession, ids: list[uuid.UUID]) -> None:
    if not ids:
        return
    found = set(
        (
            await session.execute(
                sa.select(Organization.id).where(Organization.id.in_(ids), Organization.deleted_at.is_(None))
            )
        ).scalars()
    )
    for i, oid in enumerate(ids):
        if oid not in found:
            raise field_error(["body", "lead_org_ids", i], "unknown_organization", "没有该单位", "No such organization")


async def _flush_unique(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        raise DuplicateAlliance(detail_zh="已有同名联盟", detail_en="An alliance with this name exists") from exc


async def create_alliance(session: AsyncSession, *, data: AllianceCreate, actor: str) -> Alliance:
    await _check_lead_orgs(session, data.lead_org_ids)
    existing = (
        await session.execute(sa.select(Alliance.id).where(Alliance.name == data.name, Alliance.deleted_at.is_(None)))
    ).scalar_one_or_none()
    if existing is not None:
        raise DuplicateAlliance(
            detail_zh="已有同名联盟",
            detail_en="An alliance with this name exists",
            extra={"existing_id": str(existing)},
        )
    now = datetime.now(UTC)
    fields = {**data.model_dump(exclude={"recognitions"}), "kind": data.kind.value, "level": data.level.value}
    a = Alliance(
        id=new_id(),
        **fields,
        recognitions=[r.model_dump() for r in data.recognitions],
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(a)
    await _flush_unique(session)
    after = _snapshot(a)
    await _record(session, a, action="create", actor=actor, before=None, after=after, payload=after)
    return a


async def get_alliance(session: AsyncSession, alliance_id: uuid.UUID, *, for_update: bool = False) -> Alliance:
    stmt = sa.select(Alliance).where(Alliance.id == alliance_id, Alliance.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    a = (await session.execute(stmt)).scalar_one_or_none()
    if a is None:
        raise AllianceNotFound(detail_zh="没有该联盟，或已被删除", detail_en="No such alliance, or it was deleted")
    return a


async def list_alliances(
    session: AsyncSession,
    *,
    kind: str | None,
    level: str | None,
    q: str | None,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    stmt = sa.select(Alliance)
    if not include_deleted:
        stmt = stmt.where(Alliance.deleted_at.is_(None))
    if kind:
        stmt = stmt.where(Alliance.kind == kind)
    if level:
        stmt = stmt.where(Alliance.level == level)
    if q:
        stmt = stmt.where(Alliance.name.contains(q.strip(), autoescape=True))
    return await sync_page(session, stmt, Alliance, since=since, cursor=cursor, limit=limit)


async def update_alliance(
    session: AsyncSession, *, alliance_id: uuid.UUID, changes: AllianceUpdate, if_match: str | None, actor: str
) -> Alliance:
    a = await get_alliance(session, alliance_id, for_update=True)
    check_if_match(if_match, a.version)
    data = changes.model_dump(exclude_unset=True)
    for key in ("name", "kind", "level"):
        if key in data and data[key] is None:
            raise field_error(["body", key], "not_null", "该字段不能为 null", "This field cannot be null")
    if data.get("lead_org_ids"):
        await _check_lead_orgs(session, data["lead_org_ids"])
    for key in ("lead_org_ids", "industry_focus", "recognitions"):
        if key in data and data[key] is None:
            data[key] = []
    before = _snapshot(a)
    if "recognitions" in data:
        data["recognitions"] = [r.model_dump() for r in changes.recognitions or []]
    for key, value in data.items():
        setattr(a, key, value.value if hasattr(value, "value") else value)
    if _snapshot(a) == before:
        return a
    a.version += 1
    a.updated_at = datetime.now(UTC)
    await _flush_unique(session)
    after = _snapshot(a)
    changed = {k: after[k] for k in after if after[k] != before[k]}
    await _record(session, a, action="update", actor=actor, before=before, after=after, payload={"changed": changed})
    return a


async def delete_alliance(session: AsyncSession, *, alliance_id: uuid.UUID, if_match: str | None, actor: str) -> None:
    a = await get_alliance(session, alliance_id, for_update=True)
    check_if_match(if_match, a.version)
    before = _snapshot(a)
    await soft_delete(session, a)
    await _record(session, a, action="delete", actor=actor, before=before, after=None, payload={})


def render_page(rows: list[Alliance]) -> list[AlliancePublic | ListTombstone]:
    """List items: a deleted alliance (only with `include_deleted=true`) as its tombstone."""
    return [ListTombstone(id=a.id, deleted_at=a.deleted_at) if a.deleted_at else render(a) for a in rows]


def render(a: Alliance) -> AlliancePublic:
    return AlliancePublic(
        id=a.id,
        name=a.name,
        kind=a.kind,
        kind_label=KIND_LABELS[a.kind],
        level=a.level,
        founded_on=a.founded_on,
        region_code=a.region_code,
        guiding_body=a.guiding_body,
        lead_org_ids=a.lead_org_ids,
        charter=a.charter,
        membership_rules=a.membership_rules,
        industry_focus=a.industry_focus,
        recognitions=a.recognitions,
        version=a.version,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


# ---- published to the other nouns of the service (identity) ---------------------------------------------------
async def lock_if_live(session: AsyncSession, alliance_id: uuid.UUID) -> bool:
    """True when the alliance exists and is not deleted; its row then stays share-locked until the caller's commit,
    so it cannot be deleted while the caller writes something that names it (a grant, a key, an invitation)."""
    stmt = (
        sa.select(Alliance.id)
        .where(Alliance.id == alliance_id, Alliance.deleted_at.is_(None))
        .with_for_update(read=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def is_live(session: AsyncSession, alliance_id: uuid.UUID) -> bool:
    """True when the alliance exists and is not deleted (no lock)."""
    stmt = sa.select(sa.exists().where(Alliance.id == alliance_id, Alliance.deleted_at.is_(None)))
    return bool((await session.execute(stmt)).scalar())
