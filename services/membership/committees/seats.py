"""Seats and positions of a committee: who may hold them (services/membership/committees/service.py says the
rules), their trail on the committee's aggregate. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import NotFound, field_error
from chanjiao.ids import new_id
from chanjiao.resources import record_on
from services.membership.alliances import service as alliances
from services.membership.alliances.expert_models import OutsideExpert
from services.membership.alliances.models import Alliance
from services.membership.committees.models import ROLE_TO_RANK, Committee, CommitteePosition, CommitteeSeat
from services.membership.committees.schemas import (
    PositionCreate,
    PositionPublic,
    SeatCreate,
    SeatEnd,
    SeatPublic,
    render_position,
    render_seat,
)
from services.membership.committees.service import (
    POSITION,
    SEAT,
    CommitteeDissolved,
    NotAnActiveMember,
    SeatTaken,
    get_committee,
)
from services.membership.memberships.models import Membership
from services.membership.organizations.models import Organization
from services.membership.people.models import Person


def _one_of(data: object, fields: tuple[str, ...], rule: str, zh: str, en: str) -> str:
    """The one field of `fields` that is set, else a 422 naming the first."""
    given = [f for f in fields if getattr(data, f) is not None]
    if len(given) != 1:
        raise field_error(["body", fields[0]], rule, zh, en)
    return given[0]


async def _holder_check(session: AsyncSession, c: Committee, data: SeatCreate) -> None:
    """The holder exists and may hold a seat: a member (active, joined by start_on) unless `outside`; another live
    body of the same alliance; a live alliance."""
    holder = _one_of(
        data,
        ("org_id", "holder_committee_id", "holder_alliance_id"),
        "one_holder",
        "席位须有且只有一个持有者：org_id、holder_committee_id 或 holder_alliance_id",
        "A seat has exactly one holder: org_id, holder_committee_id or holder_alliance_id",
    )
    if data.outside and holder != "org_id":
        raise field_error(
            ["body", "outside"], "outside_org", "只有单位可标记为外部单位", "Only an organization is marked outside"
        )
    if holder == "holder_committee_id":
        body = await session.get(Committee, data.holder_committee_id)
        if body is None or body.deleted_at is not None or body.alliance_id != c.alliance_id or body.id == c.id:
            raise field_error(
                ["body", "holder_committee_id"],
                "unknown_committee",
                "同一联盟中没有该机构（也不能是本机构）",
                "No such other body in the alliance",
            )
        return
    if holder == "holder_alliance_id":
        if not await alliances.is_live(session, data.holder_alliance_id):
            raise field_error(["body", "holder_alliance_id"], "unknown_alliance", "没有该联盟", "No such alliance")
        return
    m = (
        await session.execute(
            sa.select(Membership).where(
                Membership.alliance_id == c.alliance_id, Membership.org_id == data.org_id, Membership.status == "active"
            )
        )
    ).scalar_one_or_none()
    if data.outside:
        org = await session.get(Organization, data.org_id)
        if org is None or org.deleted_at is not None:
            raise field_error(["body", "org_id"], "unknown_organization", "没有该单位", "No such organization")
        if m is not None:
            raise field_error(
                ["body", "outside"],
                "is_member",
                "该单位是联盟的在册成员，不是外部单位",
                "The organization is an active member of the alliance, not an outside unit",
            )
        return
    if m is None or m.joined_on is None or m.joined_on > data.start_on:
        raise NotAnActiveMember(
            detail_zh="只有在册（已批准入会、未暂停）的成员单位才能担任委员会席位，且席位不能早于入会日期；"
            "非成员单位或境外单位请标记 outside",
            detail_en="Only organizations with an active membership may hold a seat, from their joining date on; "
            "mark a non-member or foreign unit `outside`",
        )


async def add_seat(session: AsyncSession, *, committee_id: uuid.UUID, data: SeatCreate, actor: str) -> CommitteeSeat:
    c = await get_committee(session, committee_id, for_update=True)  # serialises seat changes per committee
    if c.status == "dissolved":
        raise CommitteeDissolved(detail_zh="已撤销的机构不能增加席位", detail_en="A dissolved committee takes no seats")
    if data.seat_role is not None and (data.rank is not None or data.category is not None):
        raise field_error(
            ["body", "seat_role"],
            "rank_or_seat_role",
            "seat_role 是旧字段，不能与 rank/category 同时使用",
            "seat_role is the former field: send it or rank/category, not both",
        )
    if data.seat_role is None and data.rank is None:
        raise field_error(["body", "rank"], "missing", "缺少席位级别 rank", "rank is required")
    rank, category = (
        ROLE_TO_RANK[data.seat_role.value]
        if data.seat_role is not None
        else (data.rank.value, data.category.value if data.category else None)  # type: ignore[union-attr]
    )
    await _holder_check(session, c, data)
    holder_col, holder_id = next(
        (col, getattr(data, name))
        for col, name in (
            (CommitteeSeat.org_id, "org_id"),
            (CommitteeSeat.holder_committee_id, "holder_committee_id"),
            (CommitteeSeat.holder_alliance_id, "holder_alliance_id"),
        )
        if getattr(data, name) is not None
    )
    overlap = (
        await session.execute(
            sa.select(CommitteeSeat.id).where(
                CommitteeSeat.committee_id == committee_id,
                holder_col == holder_id,
                sa.or_(CommitteeSeat.end_on.is_(None), CommitteeSeat.end_on >= data.start_on),
                *([CommitteeSeat.start_on <= data.end_on] if data.end_on else []),
            )
        )
    ).scalars().first()
    if overlap is not None:
        raise SeatTaken(
            detail_zh="该持有者在此委员会已有重叠期间的席位",
            detail_en="This holder already holds a seat on this committee in that period",
            extra={"seat_id": str(overlap)},
        )
    now = datetime.now(UTC)
    seat = CommitteeSeat(
        id=new_id(),
        committee_id=committee_id,
        alliance_id=c.alliance_id,
        org_id=data.org_id,
        holder_committee_id=data.holder_committee_id,
        holder_alliance_id=data.holder_alliance_id,
        outside=data.outside,
        rank=rank,
        category=category,
        start_on=data.start_on,
        end_on=data.end_on,
        created_at=now,
        updated_at=now,
    )
    session.add(seat)
    await session.flush()
    after = {
        "org_id": seat.org_id,
        "holder_committee_id": seat.holder_committee_id,
        "holder_alliance_id": seat.holder_alliance_id,
        "outside": seat.outside,
        "rank": seat.rank,
        "category": seat.category,
        "start_on": seat.start_on,
        "end_on": seat.end_on,
    }
    await record_on(
        SEAT,
        session,
        seat.id,
        aggregate=("committee", committee_id),
        action="created",
        event="created",
        actor=actor,
        before=None,
        after=after,
        payload=after,
    )
    return seat


async def end_seat(
    session: AsyncSession, *, committee_id: uuid.UUID, seat_id: uuid.UUID, data: SeatEnd, actor: str
) -> CommitteeSeat:
    await get_committee(session, committee_id, for_update=True)
    seat = (
        await session.execute(
            sa.select(CommitteeSeat).where(CommitteeSeat.id == seat_id, CommitteeSeat.committee_id == committee_id)
        )
    ).scalar_one_or_none()
    if seat is None:
        raise NotFound(detail_zh="没有该席位", detail_en="No such seat")
    if data.end_on < seat.start_on:
        raise field_error(["body", "end_on"], "period_order", "结束日期不能早于开始日期", "end_on is before start_on")
    before = {"end_on": seat.end_on}
    seat.end_on, seat.end_reason, seat.updated_at = data.end_on, data.reason, datetime.now(UTC)
    await session.flush()
    after = {"end_on": seat.end_on, "reason": data.reason}
    await record_on(
        SEAT,
        session,
        seat.id,
        aggregate=("committee", committee_id),
        action="ended",
        event="ended",
        actor=actor,
        before=before,
        after=after,
        payload=after,
    )
    return seat


HOLDER = sa.orm.aliased(Committee)
HOLDER_NAME = sa.func.coalesce(Organization.name, HOLDER.name, Alliance.name, "")


def seats_query(*, as_of: date | None) -> sa.Select:
    """Seats with their holder's name (organization, body or alliance), held on `as_of` when given."""
    stmt = (
        sa.select(CommitteeSeat, HOLDER_NAME)
        .outerjoin(Organization, Organization.id == CommitteeSeat.org_id)
        .outerjoin(HOLDER, HOLDER.id == CommitteeSeat.holder_committee_id)
        .outerjoin(Alliance, Alliance.id == CommitteeSeat.holder_alliance_id)
        .order_by(CommitteeSeat.start_on, CommitteeSeat.id)
    )
    if as_of is not None:
        stmt = stmt.where(
            CommitteeSeat.start_on <= as_of, sa.or_(CommitteeSeat.end_on.is_(None), CommitteeSeat.end_on >= as_of)
        )
    return stmt


async def list_seats(session: AsyncSession, *, committee_id: uuid.UUID, as_of: date | None) -> list[SeatPublic]:
    await get_committee(session, committee_id)
    stmt = seats_query(as_of=as_of).where(CommitteeSeat.committee_id == committee_id)
    return [render_seat(s, name) for s, name in (await session.execute(stmt)).all()]


# ---- positions --------------------------------------------------------------------------------
async def add_position(
    session: AsyncSession, *, committee_id: uuid.UUID, data: PositionCreate, actor: str
) -> PositionPublic:
    c = await get_committee(session, committee_id, for_update=True)
    _one_of(
        data,
        ("person_id", "expert_id"),
        "one_holder",
        "职务须有且只有一个担任者：person_id 或 expert_id",
        "A position has exactly one holder: person_id or expert_id",
    )
    if data.person_id is not None:
        person = (
            await session.execute(sa.select(Person).where(Person.id == data.person_id, Person.deleted_at.is_(None)))
        ).scalar_one_or_none()
        if person is None:
            raise field_error(["body", "person_id"], "unknown_person", "没有该人员", "No such person")
        name = person.name
    else:
        expert = await session.get(OutsideExpert, data.expert_id)
        if expert is None or expert.deleted_at is not None or expert.alliance_id != c.alliance_id:
            raise field_error(
                ["body", "expert_id"], "unknown_expert", "联盟专家库中没有该外聘专家", "No such outside expert"
            )
        name = expert.name
    p = CommitteePosition(
        id=new_id(),
        committee_id=committee_id,
        person_id=data.person_id,
        expert_id=data.expert_id,
        title=data.title.strip(),
        start_on=data.start_on,
        end_on=data.end_on,
        created_at=datetime.now(UTC),
    )
    session.add(p)
    await session.flush()
    after = {
        "person_id": p.person_id,
        "expert_id": p.expert_id,
        "title": p.title,
        "start_on": p.start_on,
        "end_on": p.end_on,
    }
    await record_on(
        POSITION,
        session,
        p.id,
        aggregate=("committee", committee_id),
        action="created",
        event="created",
        actor=actor,
        before=None,
        after=after,
        payload=after,
    )
    return render_position(p, name)


async def list_positions(session: AsyncSession, *, committee_id: uuid.UUID, as_of: date | None) -> list[PositionPublic]:
    await get_committee(session, committee_id)
    stmt = (
        sa.select(CommitteePosition, sa.func.coalesce(Person.name, OutsideExpert.name, ""))
        .outerjoin(Person, Person.id == CommitteePosition.person_id)
        .outerjoin(OutsideExpert, OutsideExpert.id == CommitteePosition.expert_id)
        .where(CommitteePosition.committee_id == committee_id)
        .order_by(CommitteePosition.start_on, CommitteePosition.id)
    )
    if as_of is not None:
        stmt = stmt.where(
            CommitteePosition.start_on <= as_of,
            sa.or_(CommitteePosition.end_on.is_(None), CommitteePosition.end_on >= as_of),
        )
    return [render_position(p, name) for p, name in (await session.execute(stmt)).all()]
