"""Committee rules: only organizations with an active membership hold seats; seats end with the
membership; one open seat per organization and committee at a time. Knows nothing of HTTP.

Reads and writes go through the resource kit (chanjiao/resources.py): `load`, and `record_named` / `record_on` for
the trail, whose shape is the committees' own: the events of a committee, its seats and its positions are all on the
committee's aggregate (one ordered stream per committee); the audit actions and event types are past tense
(`committee.created`, `committee_seat.ended`); a committee's create audits only alliance_id, name, body_type and
domain, and an update only the fields sent."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, record_named, record_on
from chanjiao.sync import Since, SyncPage, sync_page
from services.membership.alliances import service as alliances
from services.membership.committees.models import Committee, CommitteePosition, CommitteeSeat
from services.membership.committees.schemas import (
    CommitteeCreate,
    CommitteeUpdate,
    PositionCreate,
    PositionPublic,
    SeatCreate,
    SeatEnd,
    SeatPublic,
    render_position,
    render_seat,
)
from services.membership.db import kernel
from services.membership.memberships.models import Membership
from services.membership.organizations.models import Organization
from services.membership.people.models import Person


class CommitteeNotFound(NotFound):
    slug = "committee-not-found"
    title_zh, title_en = "委员会不存在", "Committee not found"


def not_found() -> CommitteeNotFound:
    return CommitteeNotFound(detail_zh="没有该委员会", detail_en="No such committee")


class NotAnActiveMember(Conflict):
    slug = "not-an-active-member"
    title_zh, title_en = "该单位不是联盟的在册成员", "Not an active member of the alliance"


class SeatTaken(Conflict):
    slug = "seat-overlaps"
    title_zh, title_en = "该单位在此委员会已有同期席位", "The organization already holds a seat then"


COMMITTEE = Audit(kernel, "committee")
SEAT = Audit(kernel, "committee_seat")
POSITION = Audit(kernel, "committee_position")


async def create_committee(session: AsyncSession, *, data: CommitteeCreate, actor: str) -> Committee:
    if not await alliances.is_live(session, data.alliance_id):
        raise field_error(["body", "alliance_id"], "unknown_alliance", "没有该联盟", "No such alliance")
    now = datetime.now(UTC)
    c = Committee(
        id=new_id(),
        **data.model_dump(exclude={"body_type"}),
        body_type=data.body_type.value,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(c)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(detail_zh="该联盟已有同名委员会", detail_en="The alliance has a committee of this name") from exc
    after = {"alliance_id": c.alliance_id, "name": c.name, "body_type": c.body_type, "domain": c.domain}
    await record_named(
        COMMITTEE, session, c, action="created", event="created", actor=actor, before=None, after=after, payload=after
    )
    return c


async def get_committee(session: AsyncSession, committee_id: uuid.UUID, *, for_update: bool = False) -> Committee:
    """A live committee (committees are public), or 404."""
    return await load(session, Committee, committee_id, not_found=not_found, for_update=for_update)


async def list_committees(
    session: AsyncSession,
    *,
    alliance_id: uuid.UUID | None,
    body_type: str | None,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    stmt = sa.select(Committee)
    if not include_deleted:
        stmt = stmt.where(Committee.deleted_at.is_(None))
    if alliance_id:
        stmt = stmt.where(Committee.alliance_id == alliance_id)
    if body_type:
        stmt = stmt.where(Committee.body_type == body_type)
    return await sync_page(session, stmt, Committee, since=since, cursor=cursor, limit=limit)


async def update_committee(
    session: AsyncSession, *, committee_id: uuid.UUID, changes: CommitteeUpdate, if_match: str | None, actor: str
) -> Committee:
    c = await get_committee(session, committee_id, for_update=True)
    check_if_match(if_match, c.version)
    data = changes.model_dump(exclude_unset=True)
    if "name" in data and data["name"] is None:
        raise field_error(["body", "name"], "not_null", "该字段不能为 null", "This field cannot be null")
    before = {k: getattr(c, k) for k in data}
    if before == data:
        return c
    for k, v in data.items():
        setattr(c, k, v)
    c.version += 1
    c.updated_at = datetime.now(UTC)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(detail_zh="该联盟已有同名委员会", detail_en="The alliance has a committee of this name") from exc
    await record_named(
        COMMITTEE, session, c, action="updated", event="updated", actor=actor, before=before, after=data, payload=data
    )
    return c


# ---- seats ------------------------------------------------------------------------------------
async def add_seat(session: AsyncSession, *, committee_id: uuid.UUID, data: SeatCreate, actor: str) -> CommitteeSeat:
    c = await get_committee(session, committee_id, for_update=True)  # serialises seat changes per committee
    m = (
        await session.execute(
            sa.select(Membership).where(
                Membership.alliance_id == c.alliance_id, Membership.org_id == data.org_id, Membership.status == "active"
            )
        )
    ).scalar_one_or_none()
    if m is None or m.joined_on is None or m.joined_on > data.start_on:
        raise NotAnActiveMember(
            detail_zh="只有在册（已批准入会、未暂停）的成员单位才能担任委员会席位，且席位不能早于入会日期",
            detail_en="Only organizations with an active membership may hold a seat, from their joining date on",
        )
    overlap = (
        await session.execute(
            sa.select(CommitteeSeat.id).where(
                CommitteeSeat.committee_id == committee_id,
                CommitteeSeat.org_id == data.org_id,
                sa.or_(CommitteeSeat.end_on.is_(None), CommitteeSeat.end_on >= data.start_on),
                *([CommitteeSeat.start_on <= data.end_on] if data.end_on else []),
            )
        )
    ).scalar_one_or_none()
    if overlap is not None:
        raise SeatTaken(
            detail_zh="该单位在此委员会已有重叠期间的席位",
            detail_en="This organization already holds a seat on this committee in that period",
            extra={"seat_id": str(overlap)},
        )
    now = datetime.now(UTC)
    seat = CommitteeSeat(
        id=new_id(),
        committee_id=committee_id,
        alliance_id=c.alliance_id,
        org_id=data.org_id,
        seat_role=data.seat_role.value,
        start_on=data.start_on,
        end_on=data.end_on,
        created_at=now,
        updated_at=now,
    )
    session.add(seat)
    await session.flush()
    after = {"org_id": seat.org_id, "seat_role": seat.seat_role, "start_on": seat.start_on, "end_on": seat.end_on}
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


async def end_seats_of_membership(
    session: AsyncSession, *, alliance_id: uuid.UUID, org_id: uuid.UUID, on: date, reason: str, actor: str
) -> int:
    """When a membership ends, its seats on the alliance's committees end on the same date."""
    rows = (
        await session.execute(
            sa.update(CommitteeSeat)
            .where(
                CommitteeSeat.alliance_id == alliance_id,
                CommitteeSeat.org_id == org_id,
                sa.or_(CommitteeSeat.end_on.is_(None), CommitteeSeat.end_on > on),
                CommitteeSeat.start_on <= on,
            )
            .values(end_on=on, end_reason=reason, updated_at=datetime.now(UTC))
            .returning(CommitteeSeat.id, CommitteeSeat.committee_id)
        )
    ).all()
    for seat_id, committee_id in rows:
        after = {"end_on": on, "reason": reason}
        await record_on(
            SEAT,
            session,
            seat_id,
            aggregate=("committee", committee_id),
            action="ended",
            event="ended",
            actor=actor,
            before=None,
            after=after,
            payload=after,
        )
    return len(rows)


async def list_seats(session: AsyncSession, *, committee_id: uuid.UUID, as_of: date | None) -> list[SeatPublic]:
    await get_committee(session, committee_id)
    stmt = (
        sa.select(CommitteeSeat, Organization.name)
        .join(Organization, Organization.id == CommitteeSeat.org_id)
        .where(CommitteeSeat.committee_id == committee_id)
        .order_by(CommitteeSeat.start_on, CommitteeSeat.id)
    )
    if as_of is not None:
        stmt = stmt.where(
            CommitteeSeat.start_on <= as_of, sa.or_(CommitteeSeat.end_on.is_(None), CommitteeSeat.end_on >= as_of)
        )
    return [render_seat(s, name) for s, name in (await session.execute(stmt)).all()]


# ---- positions --------------------------------------------------------------------------------
async def add_position(
    session: AsyncSession, *, committee_id: uuid.UUID, data: PositionCreate, actor: str
) -> PositionPublic:
    await get_committee(session, committee_id, for_update=True)
    person = (
        await session.execute(sa.select(Person).where(Person.id == data.person_id, Person.deleted_at.is_(None)))
    ).scalar_one_or_none()
    if person is None:
        raise field_error(["body", "person_id"], "unknown_person", "没有该人员", "No such person")
    p = CommitteePosition(
        id=new_id(),
        committee_id=committee_id,
        person_id=data.person_id,
        title=data.title.strip(),
        start_on=data.start_on,
        end_on=data.end_on,
        created_at=datetime.now(UTC),
    )
    session.add(p)
    await session.flush()
    after = {"person_id": p.person_id, "title": p.title, "start_on": p.start_on, "end_on": p.end_on}
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
    return render_position(p, person.name)


async def list_positions(session: AsyncSession, *, committee_id: uuid.UUID, as_of: date | None) -> list[PositionPublic]:
    await get_committee(session, committee_id)
    stmt = (
        sa.select(CommitteePosition, Person.name)
        .join(Person, Person.id == CommitteePosition.person_id)
        .where(CommitteePosition.committee_id == committee_id)
        .order_by(CommitteePosition.start_on, CommitteePosition.id)
    )
    if as_of is not None:
        stmt = stmt.where(
            CommitteePosition.start_on <= as_of,
            sa.or_(CommitteePosition.end_on.is_(None), CommitteePosition.end_on >= as_of),
        )
    return [render_position(p, name) for p, name in (await session.execute(stmt)).all()]
