"""Demand rules, and the record's create, read, list, update and status transitions — each write with an audit row
and an outbox event in the caller's transaction (chanjiao/resources.py). Knows nothing of HTTP; the router checks
the caller (demands/access.py) first.

A demand is created as a draft; it is never deleted — it ends by a transition (services/matching/postings.py,
`lifecycle`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.dates import today
from chanjiao.errors import NotFound
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load_kept, now
from chanjiao.sync import Since, SyncPage, sync_page
from services.matching import market
from services.matching.db import kernel
from services.matching.demands import access
from services.matching.demands.models import LIFECYCLE, Demand, DemandTransition
from services.matching.demands.schemas import DemandCreate, DemandUpdate
from services.matching.fields import PostingTransitionCreate
from services.matching.rules import check_period

ENTITY = "demand"
# Audited: what the demand says and its status — not the date of its latest status change.
AUDIT = Audit(kernel, ENTITY, exclude=frozenset({"status_changed_on"}))


class DemandNotFound(NotFound):
    slug = "demand-not-found"
    title_zh, title_en = "需求不存在", "Demand not found"


def not_found() -> DemandNotFound:
    return DemandNotFound(detail_zh="没有该需求，或无权查看", detail_en="No such demand, or it is not visible to you")


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    """Enum members as their values and certificates as JSON objects, as the columns hold them."""
    out = dict(data)
    for key in ("kind", "education_level"):
        if out.get(key) is not None:
            out[key] = out[key].value if hasattr(out[key], "value") else out[key]
    if "preferred_certificates" in out:
        out["preferred_certificates"] = [
            {k: v for k, v in (c if isinstance(c, dict) else c.model_dump(mode="json")).items() if v is not None}
            for c in out["preferred_certificates"]
        ]
    return out


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get(session: AsyncSession, demand_id: uuid.UUID, *, for_update: bool = False) -> Demand:
    return await load_kept(session, Demand, demand_id, not_found=not_found, for_update=for_update)


async def get_visible(
    session: AsyncSession, principal: Principal, demand_id: uuid.UUID, *, for_update: bool = False
) -> Demand:
    """A demand the caller may read (demands/access.py); anyone else gets 404, as if it did not exist."""
    row = await get(session, demand_id, for_update=for_update)
    if not access.can_read(principal, row):
        raise not_found()
    return row


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    where: Iterable[sa.ColumnElement[bool]],
    since: Since,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    stmt = sa.select(Demand)
    visible = access.visible(principal)
    if visible is not None:
        stmt = stmt.where(visible)
    for clause in where:
        stmt = stmt.where(clause)
    return await sync_page(session, stmt, Demand, since=since, cursor=cursor, limit=limit)


async def history(session: AsyncSession, demand_id: uuid.UUID) -> list[DemandTransition]:
    return await market.history(session, DemandTransition, "demand_id", demand_id)


# ---- writes --------------------------------------------------------------------------------------------------------
def new(data: DemandCreate) -> Demand:
    """The draft demand `data` stands for, its rules checked (422), not yet added to a session."""
    values = _stored(data.model_dump())
    check_period(values)
    stamp = now()
    row = Demand(
        id=new_id(),
        **values,
        status="draft",
        status_changed_on=today(),
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    return row


async def create(session: AsyncSession, *, data: DemandCreate, actor: str) -> Demand:
    """A draft demand; the caller's right to post for `org_id` was checked by the router."""
    row = new(data)
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def update(
    session: AsyncSession, *, row: Demand, changes: DemandUpdate, if_match: str | None, actor: str
) -> Demand:
    """`row` is locked by the caller; the rules are checked on the record as it would be saved. A closed or
    cancelled one no longer changes (409)."""
    check_if_match(if_match, row.version)
    market.ensure_editable(LIFECYCLE, row)
    data = _stored(changes.model_dump(exclude_unset=True))
    before = AUDIT.snapshot(row)
    check_period({"period_start": row.period_start, "period_end": row.period_end, **data})
    for key, value in data.items():
        setattr(row, key, value)
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row


async def transition(session: AsyncSession, *, row: Demand, data: PostingTransitionCreate, actor: str) -> Demand:
    """`row` is locked by the caller (the owner's right was checked)."""
    return await market.transition(
        session,
        row=row,
        event_model=DemandTransition,
        parent_key="demand_id",
        machine=LIFECYCLE,
        audit=AUDIT,
        data=data,
        actor=actor,
    )
