"""The as-of answers of an alliance's roll — structure, members and changes on any date — computed from the
membership events (the last event of each membership on or before the date), never from counters. Only members
count: `active` and `suspended`; `invited`, `pending`, `declined` and the ended statuses never do. A member's type
and region are those it had on the date (its dated changes, services/membership/organizations/history.py), so a
school upgraded in 2024 counts under its old type as of 2023."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.sync import Since, sync_page
from services.membership.memberships.models import EXITS, MEMBER, ROLE_LABELS, Membership, MembershipEvent
from services.membership.memberships.schemas import ChangeItem, Changes, Count, MemberAsOf, Structure, TypeChangeItem
from services.membership.organizations import countries
from services.membership.organizations import service as organizations
from services.membership.organizations.models import ORG_TYPE_LABELS, Organization
from services.membership.reference import service as reference
from services.membership.tombstone import ListTombstone


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
    members = (
        sa.select(
            state.c.role,
            organizations.org_type_on(as_of).label("org_type"),
            sa.func.substr(organizations.region_code_on(as_of), 1, 4).label("city"),
            Organization.country_code,
        )
        .join(Membership, Membership.id == state.c.membership_id)
        .join(Organization, Organization.id == Membership.org_id)
        .where(state.c.status.in_(MEMBER))
        .subquery("members")
    )
    m = members.c
    rows = (
        await session.execute(
            sa.select(m.role, m.org_type, m.city, m.country_code, sa.func.count().label("n")).group_by(
                m.role, m.org_type, m.city, m.country_code
            )
        )
    ).all()
    by_type: Counter[str] = Counter()
    by_role: Counter[str] = Counter()
    provinces: Counter[str] = Counter()
    cities: Counter[str] = Counter()
    abroad: Counter[str] = Counter()
    for r in rows:
        by_type[r.org_type] += r.n
        by_role[r.role] += r.n
        if r.city is None:  # a foreign member: counted by country
            abroad[r.country_code] += r.n
            continue
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
        countries=[
            Count(key=k, label=countries.name_zh(k) or k, count=v)
            for k, v in sorted(abroad.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
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
    """The roll on `as_of` (members only, by membership id)."""
    page = await members_page(
        session,
        alliance_id=alliance_id,
        as_of=as_of,
        role=role,
        org_type=org_type,
        since=Since(),
        include_deleted=False,
        cursor=cursor,
        limit=limit,
    )
    return [i for i in page.items if isinstance(i, MemberAsOf)], page.next_cursor


@dataclass(frozen=True)
class MembersPage:
    items: list[MemberAsOf | ListTombstone]
    next_cursor: str | None
    sync_token: str


async def members_page(
    session: AsyncSession,
    *,
    alliance_id: uuid.UUID,
    as_of: date,
    role: str | None,
    org_type: str | None,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> MembersPage:
    """A row of the roll is a membership row, so it syncs by the membership's `txid`: a transition (joining,
    leaving, a role change) writes the membership. With `include_deleted`, every membership of the alliance that
    is not on the (filtered) roll on `as_of` — it ended, has not begun, or no longer matches — comes as a
    tombstone, so a member leaving reaches a token pull."""
    state = _state_as_of(alliance_id, as_of)
    kind_then = organizations.org_type_on(as_of)
    on_roll = [state.c.status.in_(MEMBER)]
    if role:
        on_roll.append(state.c.role == role)
    if org_type:
        on_roll.append(kind_then == org_type)
    stmt = (
        sa.select(
            Membership,
            sa.and_(*on_roll).label("on_roll"),
            state.c.status,
            state.c.role,
            Organization.name,
            kind_then.label("org_type"),
            organizations.region_code_on(as_of).label("region_code"),
        )
        .join(Organization, Organization.id == Membership.org_id)
        .outerjoin(state, state.c.membership_id == Membership.id)
        .where(Membership.alliance_id == alliance_id)
    )
    if not include_deleted:
        stmt = stmt.where(*on_roll)
    page = await sync_page(session, stmt, Membership, since=since, cursor=cursor, limit=limit)
    items: list[MemberAsOf | ListTombstone] = []
    for m, member, status, member_role, name, kind, region in page.rows:
        if not member:
            items.append(ListTombstone(id=m.id, deleted_at=m.updated_at))
            continue
        items.append(
            MemberAsOf(
                id=m.id,
                membership_id=m.id,
                org_id=m.org_id,
                org_name=name,
                org_type=kind,
                region_code=region,
                role=member_role,
                role_label=ROLE_LABELS[member_role],
                status=status,
                updated_at=m.updated_at,
            )
        )
    return MembersPage(items=items, next_cursor=page.next_cursor, sync_token=page.sync_token)


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
        type_changed=await _type_changes(session, alliance_id=alliance_id, start=start, end=end),
    )


async def _type_changes(
    session: AsyncSession, *, alliance_id: uuid.UUID, start: date, end: date
) -> list[TypeChangeItem]:
    """Type changes effective in the period of organizations that were members that day (joined on or before it, not
    yet ended: the exit day is not a member day)."""
    periods = (
        await session.execute(
            sa.select(Membership.org_id, Membership.joined_on, Membership.ended_on, Organization.name)
            .join(Organization, Organization.id == Membership.org_id)
            .where(
                Membership.alliance_id == alliance_id, Membership.joined_on.is_not(None), Membership.joined_on <= end
            )
        )
    ).all()
    names = {p.org_id: p.name for p in periods}
    found = await organizations.changes_between(session, org_ids=set(names), start=start, end=end)
    return [
        TypeChangeItem(
            org_id=c.org_id,
            org_name=names[c.org_id],
            effective_on=c.effective_on,
            from_org_type=c.from_org_type,
            from_org_type_label=ORG_TYPE_LABELS[c.from_org_type],
            to_org_type=c.to_org_type,
            to_org_type_label=ORG_TYPE_LABELS[c.to_org_type],
        )
        for c in found
        if c.from_org_type != c.to_org_type
        and any(
            p.org_id == c.org_id
            and p.joined_on <= c.effective_on
            and (p.ended_on is None or c.effective_on < p.ended_on)
            for p in periods
        )
    ]
