"""An organization's type and region through time: the dated `OrganizationChange` rows (a 技工学校 upgraded to
技师学院, a county merged into a district), and the value on any day that as-of queries read.

The value on a day is the `to` of the last change effective on or before it; before the first change it is that
change's `from`; an organization without changes had its current type and region all along. Changes are appended
in date order (not before the latest one, never in the future), so the current values are always the `to` of the
latest change. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.dates import today
from chanjiao.errors import field_error
from chanjiao.ids import new_id
from chanjiao.resources import now
from chanjiao.sync import Since, SyncPage, sync_page
from chanjiao.transitions import StateMachine
from services.membership.organizations.models import Organization, OrganizationChange


def _on(column: str, as_of: date) -> sa.ColumnElement[Any]:
    """`organizations.<column>` as it was on `as_of`, correlated to the `Organization` row of the enclosing query."""
    c = OrganizationChange
    after = getattr(c, f"to_{column}")
    before = getattr(c, f"from_{column}")
    last = (
        sa.select(after)
        .where(c.org_id == Organization.id, c.effective_on <= as_of)
        .order_by(c.effective_on.desc(), c.id.desc())
        .limit(1)
        .correlate(Organization)
        .scalar_subquery()
    )
    first = (
        sa.select(before)
        .where(c.org_id == Organization.id)
        .order_by(c.effective_on, c.id)
        .limit(1)
        .correlate(Organization)
        .scalar_subquery()
    )
    # Only organizations in China have a region, and their region is never null, so a null here means "no row".
    return sa.func.coalesce(last, first, getattr(Organization, column))


def org_type_on(as_of: date) -> sa.ColumnElement[Any]:
    """The organization's type on `as_of` (use in a query selecting from `Organization`)."""
    return _on("org_type", as_of)


def region_code_on(as_of: date) -> sa.ColumnElement[Any]:
    """The organization's region code on `as_of` (null for a foreign organization)."""
    return _on("region_code", as_of)


async def changes_between(
    session: AsyncSession, *, org_ids: set[uuid.UUID], start: date, end: date
) -> list[OrganizationChange]:
    """The changes of `org_ids` effective from `start` to `end` (inclusive), in date order."""
    if not org_ids:
        return []
    c = OrganizationChange
    stmt = (
        sa.select(c)
        .where(c.org_id.in_(org_ids), c.effective_on >= start, c.effective_on <= end)
        .order_by(c.effective_on, c.id)
    )
    return list((await session.execute(stmt)).scalars())


async def record(
    session: AsyncSession,
    org: Organization,
    *,
    org_type: str,
    region_code: str | None,
    effective_on: date,
    reason: str | None,
    actor: str,
) -> OrganizationChange:
    """Append the change from the organization's current type and region to these (the caller holds the row lock
    and updates the organization itself). 422 in the future; 409 before the latest change."""
    if effective_on > today():
        raise field_error(
            ["body", "effective_on"], "future", "生效日期不能晚于今天", "effective_on cannot be in the future"
        )
    latest = (
        await session.execute(
            sa.select(sa.func.max(OrganizationChange.effective_on)).where(OrganizationChange.org_id == org.id)
        )
    ).scalar_one()
    StateMachine.check_effective_on(latest, effective_on)
    stamp = now()
    change = OrganizationChange(
        id=new_id(),
        org_id=org.id,
        from_org_type=org.org_type,
        to_org_type=org_type,
        from_region_code=org.region_code,
        to_region_code=region_code,
        effective_on=effective_on,
        reason=reason,
        actor=actor,
        recorded_at=stamp,
        updated_at=stamp,
    )
    session.add(change)
    return change


async def list_changes(
    session: AsyncSession, *, org_id: uuid.UUID, since: Since, cursor: str | None, limit: int
) -> SyncPage:
    """Oldest recorded first (ids are time-ordered); changes are never changed nor removed."""
    stmt = sa.select(OrganizationChange).where(OrganizationChange.org_id == org_id)
    return await sync_page(session, stmt, OrganizationChange, since=since, cursor=cursor, limit=limit)
