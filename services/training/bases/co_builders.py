"""Co-builders of a training base 共建单位 (docs/domain.md, "Training base"): the rules and writes — each with an audit
row and an outbox event in the caller's transaction (chanjiao/resources.py). Knows nothing of HTTP.

A base has one owner; other organizations co-build it with money, a share of it and in-kind contributions. The owner
writes the list; the owner and the co-builders read it (anyone else: 404, as for a base they have no part in). The
shares of a base's live co-builders total at most 100 % (the base row is locked while this is checked, so two writes
cannot both pass). A base with at least one co-builder counts as co-built 共建 in the figures (`/v1/training-stats`,
`training_bases.co_built`, and `co_built_shared` when it is also shared 开放共享)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage
from services.training.bases.co_builder_schemas import CoBuilderCreate, CoBuilderUpdate
from services.training.bases.models import TrainingBase, TrainingBaseCoBuilder
from services.training.db import kernel
from services.training.parties import can_read, list_rows

ENTITY = "training_base_co_builder"
AUDIT = Audit(kernel, ENTITY)
HUNDRED = Decimal(100)


class CoBuilderNotFound(NotFound):
    slug = "co-builder-not-found"
    title_zh, title_en = "共建单位不存在", "Co-builder not found"


class CoBuilderExists(Conflict):
    slug = "co-builder-exists"
    title_zh, title_en = "该单位已是共建单位", "Already a co-builder"


def not_found() -> CoBuilderNotFound:
    return CoBuilderNotFound(
        detail_zh="该实训基地没有此共建单位，或无权查看",
        detail_en="No such co-builder of this training base, or you may not see it",
    )


async def _co_builder_orgs(session: AsyncSession, base_id: uuid.UUID) -> set[uuid.UUID]:
    t: Any = TrainingBaseCoBuilder
    stmt = sa.select(t.org_id).where(t.base_id == base_id, t.deleted_at.is_(None))
    return set((await session.execute(stmt)).scalars())


async def check_readable(session: AsyncSession, principal: Principal, base: TrainingBase) -> None:
    """The owner, the base's co-builders (and platform admins, services with `training:read`) read the list; to
    anyone else it does not exist (404)."""
    if can_read(principal, base.owner_org_id):
        return
    if not can_read(principal, *await _co_builder_orgs(session, base.id)):
        raise not_found()


async def page(
    session: AsyncSession, base_id: uuid.UUID, *, since: Since, include_deleted: bool, cursor: str | None, limit: int
) -> SyncPage:
    """The base's co-builders by id, or for an incremental sync by transaction id (chanjiao/sync.py); the caller
    was checked against the base (`check_readable`)."""
    t: Any = TrainingBaseCoBuilder
    return await list_rows(
        session,
        TrainingBaseCoBuilder,
        where=[t.base_id == base_id],
        visible=None,
        since=since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
    )


async def get(
    session: AsyncSession, base_id: uuid.UUID, co_builder_id: uuid.UUID, *, for_update: bool = False
) -> TrainingBaseCoBuilder:
    return await load(
        session,
        TrainingBaseCoBuilder,
        co_builder_id,
        not_found=not_found,
        rule=lambda r: r.base_id == base_id,
        for_update=for_update,
    )


async def _check_shares(
    session: AsyncSession, base_id: uuid.UUID, share: Decimal | None, *, other_than: uuid.UUID | None = None
) -> None:
    if share is None:
        return
    t: Any = TrainingBaseCoBuilder
    stmt = sa.select(sa.func.coalesce(sa.func.sum(t.share_percent), 0)).where(
        t.base_id == base_id, t.deleted_at.is_(None)
    )
    if other_than is not None:
        stmt = stmt.where(t.id != other_than)
    taken = Decimal((await session.execute(stmt)).scalar_one())
    if taken + share > HUNDRED:
        raise field_error(
            ["body", "share_percent"],
            "share_total",
            f"共建单位份额合计不能超过 100%（其他共建单位已占 {taken}%）",
            f"The co-builders' shares total at most 100 % (the others hold {taken} %)",
        )


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    return {k: getattr(v, "value", v) for k, v in data.items()}


async def create(
    session: AsyncSession, *, base: TrainingBase, data: CoBuilderCreate, actor: str
) -> TrainingBaseCoBuilder:
    """`base` is locked by the caller; the organization was checked to be active by the router."""
    values = _stored(data.model_dump())
    if values["org_id"] == base.owner_org_id:
        raise field_error(
            ["body", "org_id"], "owner", "所属单位不能是自己基地的共建单位", "The owner cannot co-build its own base"
        )
    if values["org_id"] in await _co_builder_orgs(session, base.id):
        raise CoBuilderExists(
            detail_zh="该单位已是此实训基地的共建单位，请修改原记录",
            detail_en="That organization already co-builds this base; update its entry",
        )
    await _check_shares(session, base.id, values["share_percent"])
    stamp = now()
    row = TrainingBaseCoBuilder(id=new_id(), base_id=base.id, **values, version=1, created_at=stamp, updated_at=stamp)
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def update(
    session: AsyncSession, *, row: TrainingBaseCoBuilder, changes: CoBuilderUpdate, if_match: str | None, actor: str
) -> TrainingBaseCoBuilder:
    """`row` and its base are locked by the caller."""
    check_if_match(if_match, row.version)
    data = _stored(changes.model_dump(exclude_unset=True))
    if "share_percent" in data:
        await _check_shares(session, row.base_id, data["share_percent"], other_than=row.id)
    before = AUDIT.snapshot(row)
    for key, value in data.items():
        setattr(row, key, value)
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row


async def delete(session: AsyncSession, *, row: TrainingBaseCoBuilder, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    await soft_delete(session, row)
    await AUDIT.deleted(session, row, actor=actor, before=before)
