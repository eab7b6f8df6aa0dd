"""The as-of answers of an alliance's roll — structure, members and changes on any date — computed from the
membership events (the last event of each membership on or before the date), never from counters. Only members
count: `active` and `suspended`; `invited`, `pending`, `declined` and the ended statuses never do."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.pagination import keyset, page_of
from services.membership.memberships.models import EXITS, MEMBER, ROLE_LABELS, Membership, MembershipEvent
from services.membership.memberships.schemas import ChangeItem, Changes, Count, MemberAsOf, Structure
from services.membership.organizations.models import ORG_TYPE_LABELS, Organization
from services.membership.reference import service as reference


def _state_as_of(alliance_id: uuid.UUID, as_of: date) -> sa.Subquery:
    """Each membership's last event on or before `as_of`: its status and role that day."""
    e = MembershipEvent
    return (
        sa.select(e.membership_id, e.to_status.label("status"), e.to_role.label("role"))
        .where(e.alliance_id == alliance_id, e.effective_on <= as_of)
        .ext(distinct_on(e.membership_id))
        .order_by(e.membership_id, e.effective_on.desc(), e.seq.desc())
        .subquery("state")
    )


async def structure(session: AsyncSession, *, alliance_id: uuid.UUID, as_of: date) -> Structure:
    state = _state_as_of(alliance_id, as_of)
    city = sa.func.substr(Organization.region_code, 1, 4).label("city")
    rows = (
        await session.execute(
            sa.select(state.c.role, Organization.org_type, city, sa.func.count().label("n"))
            .join(Membership, Membership.id == state.c.membership_id)
            .join(Organization, Organization.id == Membership.org_id)
            .where(state.c.status.in_(MEMBER))
            .group_by(state.c.role, Organization.org_type, city)
        )
    ).all()
    by_type: Counter[str] = Counter()
    by_role: Counter[str] = Counter()
    provinces: Counter[str] = Counter()
    cities: Counter[str] = Counter()
    for r in rows:
        by_type[r.org_type] += r.n
        by_role[r.role] += r.n
        provinces[r.city[:2] + "0000"] += r.n
        if not r.city.endswith("00"):
            cities[r.city + "00"] += r.n
    names = await reference.lookup(session, {("regions", c) for c in [*provinces, *cities]})

    def region_counts(counter: Counter[str]) -> list[Count]:
        return [
            Count(key=k, label=names[("regions", k)].name if ("regions", k) in names else k, count=v)
            for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    return Structure(
        alliance_id=alliance_id,
        as_of=as_of,
        total=sum(by_role.values()),
        by_org_type=[Count(key=k, label=ORG_TYPE_LABELS[k], count=by_type[k]) for k in ORG_TYPE_LABELS if by_type[k]],
        by_role=[Count(key=k, label=ROLE_LABELS[k], count=by_role[k]) for k in ROLE_LABELS if by_role[k]],
        provinces=region_counts(provinces),
        cities=region_counts(cities),
    )


async def members_as_of(
    session: AsyncSession,
    *,
    alliance_id: uuid.UUID,
    as_of: date,
    role: str | None,
    org_type: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[MemberAsOf], str | None]:
    state = _state_as_of(alliance_id, as_of)
    stmt = (
        sa.select(
            state.c.membership_id,
            state.c.status,
            state.c.role,
            Organization.id.label("org_id"),
            Organization.name,
            Organization.org_type,
            Organization.region_code,
        )
        .join(Membership, Membership.id == state.c.membership_id)
        .join(Organization, Organization.id == Membership.org_id)
        .where(state.c.status.in_(MEMBER))
    )
    if role:
        stmt = stmt.where(state.c.role == role)
    if org_type:
        stmt = stmt.where(Organization.org_type == org_type)
    rows = (await session.execute(keyset(stmt, [state.c.membership_id], cursor, limit))).all()
    rows, next_cursor = page_of(rows, limit, lambda r: (r.membership_id,))
    return [
        MemberAsOf(
            membership_id=r.membership_id,
            org_id=r.org_id,
            org_name=r.name,
            org_type=r.org_type,
            region_code=r.region_code,
            role=r.role,
            role_label=ROLE_LABELS[r.role],
            status=r.status,
        )
        for r in rows
    ], next_cursor


async def changes(session: AsyncSession, *, alliance_id: uuid.UUID, start: date, end: date) -> Changes:
    """Joined = first entry into active (an application approved or an invitation accepted); exited =
    withdrawn/expelled from active or suspended; role changed = a new role while a member. Bounds inclusive."""
    e = MembershipEvent
    base = (
        sa.select(
            e.membership_id,
            e.effective_on,
            e.from_role,
            e.to_role,
            e.to_status,
            e.from_status,
            Membership.org_id,
            Organization.name,
        )
        .join(Membership, Membership.id == e.membership_id)
        .join(Organization, Organization.id == Membership.org_id)
        .where(e.alliance_id == alliance_id, e.effective_on >= start, e.effective_on <= end)
        .order_by(e.effective_on, e.membership_id, e.seq)
    )
    joined, exited, role_changed = [], [], []
    for r in (await session.execute(base)).all():
        item = ChangeItem(
            membership_id=r.membership_id,
            org_id=r.org_id,
            org_name=r.name,
            effective_on=r.effective_on,
            from_role=r.from_role,
            role=r.to_role,
            to=r.to_status,
        )
        if r.from_status in ("pending", "invited") and r.to_status == "active":  # the first entry into active
            joined.append(item)
        if r.to_status in EXITS and r.from_status in MEMBER:
            exited.append(item)
        if r.from_status in MEMBER and r.from_role is not None and r.from_role != r.to_role:
            role_changed.append(item)
    return Changes(
        alliance_id=alliance_id,
        period_start=start,
        period_end=end,
        joined=joined,
        exited=exited,
        role_changed=role_changed,
    )
