"""Offer rules, and the record's create, read, list, update and status transitions — each write with an audit row
and an outbox event in the caller's transaction (chanjiao/resources.py). Knows nothing of HTTP; the router checks
the caller (offers/access.py) first.

An offer is created as a draft; it is never deleted — it ends by a transition (services/matching/postings.py,
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
from services.matching.fields import PostingTransitionCreate
from services.matching.offers import access
from services.matching.offers.models import LIFECYCLE, Offer, OfferTransition
from services.matching.offers.schemas import OfferCreate, OfferUpdate
from services.matching.rules import check_period

ENTITY = "offer"
# Audited: what the offer says and its status — not the date of its latest status change.
AUDIT = Audit(kernel, ENTITY, exclude=frozenset({"status_changed_on"}))


class OfferNotFound(NotFound):
    slug = "offer-not-found"
    title_zh, title_en = "供给不存在", "Offer not found"


def not_found() -> OfferNotFound:
    return OfferNotFound(detail_zh="没有该供给，或无权查看", detail_en="No such offer, or it is not visible to you")


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    """Enum members as their values, as the columns hold them."""
    out = dict(data)
    for key in ("kind", "education_level"):
        if out.get(key) is not None:
            out[key] = out[key].value if hasattr(out[key], "value") else out[key]
    return out


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get(session: AsyncSession, offer_id: uuid.UUID, *, for_update: bool = False) -> Offer:
    return await load_kept(session, Offer, offer_id, not_found=not_found, for_update=for_update)


async def get_visible(
    session: AsyncSession, principal: Principal, offer_id: uuid.UUID, *, for_update: bool = False
) -> Offer:
    """An offer the caller may read (offers/access.py); anyone else gets 404, as if it did not exist."""
    row = await get(session, offer_id, for_update=for_update)
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
    stmt = sa.select(Offer)
    visible = access.visible(principal)
    if visible is not None:
        stmt = stmt.where(visible)
    for clause in where:
        stmt = stmt.where(clause)
    return await sync_page(session, stmt, Offer, since=since, cursor=cursor, limit=limit)


async def history(session: AsyncSession, offer_id: uuid.UUID) -> list[OfferTransition]:
    return await market.history(session, OfferTransition, "offer_id", offer_id)


# ---- writes --------------------------------------------------------------------------------------------------------
def new(data: OfferCreate) -> Offer:
    """The draft offer `data` stands for, its rules checked (422), not yet added to a session."""
    values = _stored(data.model_dump())
    check_period(values)
    stamp = now()
    row = Offer(
        id=new_id(),
        **values,
        status="draft",
        status_changed_on=today(),
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    return row


async def create(session: AsyncSession, *, data: OfferCreate, actor: str) -> Offer:
    """A draft offer; the caller's right to post for `org_id` was checked by the router."""
    row = new(data)
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def update(session: AsyncSession, *, row: Offer, changes: OfferUpdate, if_match: str | None, actor: str) -> Offer:
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


async def transition(session: AsyncSession, *, row: Offer, data: PostingTransitionCreate, actor: str) -> Offer:
    """`row` is locked by the caller (the owner's right was checked)."""
    return await market.transition(
        session,
        row=row,
        event_model=OfferTransition,
        parent_key="offer_id",
        machine=LIFECYCLE,
        audit=AUDIT,
        data=data,
        actor=actor,
    )
