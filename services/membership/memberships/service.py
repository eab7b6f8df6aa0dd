"""Membership rules: the lifecycle as events (applications, invitations, approvals, exits). The as-of answers
computed from those events are in `asof.py`."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.dates import today
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load_kept, now, record_named
from chanjiao.sync import Since, SyncPage, sync_page
from chanjiao.transitions import IllegalTransition, StateMachine
from services.membership.alliances import service as alliances
from services.membership.committees.service import end_seats_of_membership
from services.membership.db import kernel
from services.membership.meetings import service as meetings
from services.membership.memberships import schemas
from services.membership.memberships.models import (
    EXITS,
    LIFECYCLE,
    MEMBER,
    OPEN,
    Membership,
    MembershipEvent,
)
from services.membership.memberships.schemas import (
    MembershipCreate,
    MembershipPublic,
    MembershipTransitionCreate,
    RoleChangesCreate,
)
from services.membership.organizations.models import Organization

# Audited: the role, the status and the period's dates — not the date applied for nor the latest event's date.
AUDIT = Audit(kernel, "membership", exclude=frozenset({"applied_on", "latest_effective_on"}))


class MembershipNotFound(NotFound):
    slug = "membership-not-found"
    title_zh, title_en = "成员资格不存在", "Membership not found"


def not_found() -> MembershipNotFound:
    return MembershipNotFound(detail_zh="没有该成员资格", detail_en="No such membership")


class OpenMembershipExists(Conflict):
    slug = "open-membership-exists"
    title_zh, title_en = "该单位已有未结束的成员资格", "An open membership exists"


class ChairTaken(Conflict):
    slug = "chair-taken"
    title_zh, title_en = "联盟已有理事长单位", "The alliance already has a chair"


class OrganizationInactive(Conflict):
    slug = "organization-inactive"
    title_zh, title_en = "单位已停用", "Organization is inactive"


def _not_future(day: date, loc: list[str | int]) -> None:
    if day > today():
        raise field_error(
            loc, "not_in_future", "日期不能晚于今天（北京时间）", "The date cannot be after today (Asia/Shanghai)"
        )


async def _event(
    session: AsyncSession,
    m: Membership,
    *,
    seq: int,
    from_status: str | None,
    from_role: str | None,
    effective_on: date,
    reason: str | None,
    actor: str,
) -> MembershipEvent:
    ev = MembershipEvent(
        id=new_id(),
        membership_id=m.id,
        alliance_id=m.alliance_id,
        seq=seq,
        from_status=from_status,
        to_status=m.status,
        from_role=from_role,
        to_role=m.role,
        effective_on=effective_on,
        reason=reason,
        actor=actor,
        recorded_at=now(),
    )
    session.add(ev)
    return ev


async def _check_chair(session: AsyncSession, m: Membership) -> None:
    if m.role != "chair" or m.status not in MEMBER:
        return
    other = (
        await session.execute(
            sa.select(Membership.id).where(
                Membership.alliance_id == m.alliance_id,
                Membership.role == "chair",
                Membership.status.in_(MEMBER),
                Membership.id != m.id,
            )
        )
    ).scalar_one_or_none()
    if other is not None:
        raise ChairTaken(
            detail_zh="每个联盟同一时间只能有一个理事长单位；请先变更现任理事长单位的角色"
            "（可用 role-changes 一次完成交接）",
            detail_en="One chair per alliance at a time; change the current chair's role first "
            "(role-changes does a hand-over in one request)",
            extra={"chair_membership_id": str(other)},
        )


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        name = str(getattr(exc.orig, "constraint_name", "") or exc.orig)
        if "chair" in name:
            raise ChairTaken(detail_zh="联盟已有理事长单位", detail_en="The alliance already has a chair") from exc
        raise OpenMembershipExists(
            detail_zh="该单位在此联盟已有未结束的成员资格",
            detail_en="This organization already has an open membership here",
        ) from exc


async def create_membership(
    session: AsyncSession, *, data: MembershipCreate, actor: str, status: str = "pending"
) -> Membership:
    """A new period on `applied_on`: an application (`pending`) or an invitation (`invited`) the organization
    accepts or declines (the caller decides which: services/membership/tenancy.py `ensure_may_apply`)."""
    org = (
        await session.execute(
            sa.select(Organization).where(Organization.id == data.org_id, Organization.deleted_at.is_(None))
        )
    ).scalar_one_or_none()
    if org is None:
        raise field_error(["body", "org_id"], "unknown_organization", "没有该单位", "No such organization")
    if org.status != "active":
        raise OrganizationInactive(
            detail_zh="已停用的单位不能申请入会", detail_en="An inactive organization cannot join"
        )
    if not await alliances.is_live(session, data.alliance_id):
        raise field_error(["body", "alliance_id"], "unknown_alliance", "没有该联盟", "No such alliance")
    applied_on = data.applied_on or today()
    _not_future(applied_on, ["body", "applied_on"])
    existing = (
        await session.execute(
            sa.select(Membership.id).where(
                Membership.org_id == data.org_id,
                Membership.alliance_id == data.alliance_id,
                Membership.status.in_(OPEN),
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise OpenMembershipExists(
            detail_zh="该单位在此联盟已有未结束的成员资格；再次入会须在其结束之后",
            detail_en="This organization already has an open membership here; a re-join is a new period after it ends",
            extra={"existing_id": str(existing)},
        )
    stamp = now()
    m = Membership(
        id=new_id(),
        alliance_id=data.alliance_id,
        org_id=data.org_id,
        role=data.role.value,
        status=status,
        applied_on=applied_on,
        latest_effective_on=applied_on,
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(m)
    await _flush(session)
    await _event(
        session, m, seq=1, from_status=None, from_role=None, effective_on=applied_on, reason=data.reason, actor=actor
    )
    await session.flush()
    await AUDIT.record(
        session,
        m,
        action="create",
        actor=actor,
        before=None,
        after=AUDIT.snapshot(m),
        payload={
            "org_id": m.org_id,
            "alliance_id": m.alliance_id,
            "role": m.role,
            "status": m.status,
            "applied_on": applied_on,
        },
    )
    return m


async def get_membership(session: AsyncSession, membership_id: uuid.UUID, *, for_update: bool = False) -> Membership:
    """A membership (never deleted: a period ends by a transition), or 404."""
    return await load_kept(session, Membership, membership_id, not_found=not_found, for_update=for_update)


async def _apply(
    session: AsyncSession,
    m: Membership,
    *,
    to: str,
    role: str | None,
    effective_on: date,
    reason: str | None,
    actor: str,
    loc: list[str | int],
) -> MembershipEvent:
    """One event on a locked membership: checks the lifecycle, the date order and the chair rule."""
    from_status, from_role = m.status, m.role
    new_role = role or m.role
    if to == m.status:
        if LIFECYCLE.is_terminal(m.status) or new_role == m.role:
            allowed = LIFECYCLE.allowed_from(m.status)
            raise IllegalTransition(
                detail_zh=f"成员资格已是 {m.status}，且角色未变；允许的目标状态：{'、'.join(allowed) or '无（终态）'}",
                detail_en=f"The membership is already {m.status} with this role; allowed: "
                f"{', '.join(allowed) or 'none (terminal state)'}",
                extra={"current": m.status, "allowed": allowed},
            )
    else:
        LIFECYCLE.check(m.status, to)
    _not_future(effective_on, loc)
    StateMachine.check_effective_on(m.latest_effective_on, effective_on)
    before = AUDIT.snapshot(m)
    m.status, m.role = to, new_role
    if to == "active" and m.joined_on is None:
        m.joined_on = effective_on
    if LIFECYCLE.is_terminal(to):
        m.ended_on = effective_on
    m.latest_effective_on = effective_on
    m.version += 1
    m.updated_at = now()
    await _check_chair(session, m)
    if to in EXITS and from_status in MEMBER:
        await end_seats_of_membership(
            session, alliance_id=m.alliance_id, org_id=m.org_id, on=effective_on, reason=f"membership {to}", actor=actor
        )
    seq = (
        await session.execute(sa.select(sa.func.max(MembershipEvent.seq)).where(MembershipEvent.membership_id == m.id))
    ).scalar_one() + 1
    ev = await _event(
        session,
        m,
        seq=seq,
        from_status=from_status,
        from_role=from_role,
        effective_on=effective_on,
        reason=reason,
        actor=actor,
    )
    await _flush(session)
    await record_named(
        AUDIT,
        session,
        m,
        action="transition",
        event="transitioned",
        actor=actor,
        before=before,
        after=AUDIT.snapshot(m),
        payload={
            "org_id": m.org_id,
            "alliance_id": m.alliance_id,
            "from": from_status,
            "to": to,
            "from_role": from_role,
            "role": new_role,
            "effective_on": effective_on,
            "reason": reason,
        },
    )
    return ev


async def transition(
    session: AsyncSession, *, membership_id: uuid.UUID, data: MembershipTransitionCreate, actor: str
) -> Membership:
    m = await get_membership(session, membership_id, for_update=True)
    if data.meeting_id is not None:
        await meetings.check_decision(
            session,
            alliance_id=m.alliance_id,
            meeting_id=data.meeting_id,
            resolution_no=data.resolution_no,
            on=data.effective_on,
            loc=["body"],
        )
    ev = await _apply(
        session,
        m,
        to=data.to.value,
        role=data.role.value if data.role else None,
        effective_on=data.effective_on,
        reason=data.reason,
        actor=actor,
        loc=["body", "effective_on"],
    )
    ev.meeting_id, ev.resolution_no = data.meeting_id, data.resolution_no
    return m


async def change_roles(
    session: AsyncSession, *, alliance_id: uuid.UUID, data: RoleChangesCreate, actor: str
) -> list[Membership]:
    """Several role changes as one act (a chair hand-over): all or nothing."""
    ids = [c.membership_id for c in data.changes]
    if len(set(ids)) != len(ids):
        raise field_error(
            ["body", "changes"], "duplicate_membership", "同一成员资格出现多次", "A membership appears twice"
        )
    rows = {
        m.id: m
        for m in (
            await session.execute(
                sa.select(Membership).where(Membership.id.in_(ids)).order_by(Membership.id).with_for_update()
            )
        ).scalars()
    }
    for i, c in enumerate(data.changes):
        m = rows.get(c.membership_id)
        if m is None or m.alliance_id != alliance_id:
            raise field_error(
                ["body", "changes", i, "membership_id"],
                "unknown_membership",
                "该联盟没有此成员资格",
                "No such membership in this alliance",
            )
        if m.status not in MEMBER:
            raise field_error(
                ["body", "changes", i, "membership_id"],
                "not_a_member",
                "只有在册（含暂停）的成员可以变更角色",
                "Only current members can change role",
            )
    # Step down first, then step up, so the one-chair rule holds after every step.
    ordered = sorted(enumerate(data.changes), key=lambda ic: ic[1].role == "chair")
    for _, c in ordered:
        m = rows[c.membership_id]
        if m.role == c.role.value:
            continue
        await _apply(
            session,
            m,
            to=m.status,
            role=c.role.value,
            effective_on=data.effective_on,
            reason=data.reason,
            actor=actor,
            loc=["body", "effective_on"],
        )
    return [rows[c.membership_id] for c in data.changes]


def _active_between(stmt: sa.Select, start: date, end: date) -> sa.Select:
    return stmt.where(
        Membership.joined_on.is_not(None),
        Membership.joined_on <= end,
        sa.or_(Membership.ended_on.is_(None), Membership.ended_on > start),
    )


async def list_memberships(
    session: AsyncSession,
    *,
    alliance_id: uuid.UUID | None,
    org_id: uuid.UUID | None,
    status: str | None,
    role: str | None,
    active_between: tuple[date, date] | None,
    since: Since,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    stmt = sa.select(Membership)
    if alliance_id:
        stmt = stmt.where(Membership.alliance_id == alliance_id)
    if org_id:
        stmt = stmt.where(Membership.org_id == org_id)
    if status:
        stmt = stmt.where(Membership.status == status)
    if role:
        stmt = stmt.where(Membership.role == role)
    if active_between:
        stmt = _active_between(stmt, *active_between)
    return await sync_page(session, stmt, Membership, since=since, cursor=cursor, limit=limit)


async def render(session: AsyncSession, rows: list[Membership], *, with_events: bool = False) -> list[MembershipPublic]:
    """The public forms of `rows`, their organizations' names (and with `with_events` their histories) read in one
    query each."""
    names = (
        dict(
            (
                await session.execute(
                    sa.select(Organization.id, Organization.name).where(Organization.id.in_({m.org_id for m in rows}))
                )
            ).all()
        )
        if rows
        else {}
    )
    events: dict[uuid.UUID, list[MembershipEvent]] = {}
    if with_events and rows:
        for ev in (
            await session.execute(
                sa.select(MembershipEvent)
                .where(MembershipEvent.membership_id.in_([m.id for m in rows]))
                .order_by(MembershipEvent.membership_id, MembershipEvent.seq)
            )
        ).scalars():
            events.setdefault(ev.membership_id, []).append(ev)
    return [
        schemas.render(m, org_name=names.get(m.org_id, ""), events=events.get(m.id, []) if with_events else None)
        for m in rows
    ]
