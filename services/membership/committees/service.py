"""Committee rules: a seat is held by an organization with an active membership (and ends with it), by an
organization marked `outside` (a non-member or foreign unit, not tied to a membership), by another body of the
alliance or by an alliance; one seat per holder and committee at a time; a seat has a rank and optionally a
category. A committee is 筹建中 → 运行 → 已撤销; a dissolved one takes no new seats and its open seats end with
it. Knows nothing of HTTP.

Reads and writes go through the resource kit (chanjiao/resources.py): `load`, and `record_named` / `record_on` for
the trail, whose shape is the committees' own: the events of a committee, its seats and its positions are all on the
committee's aggregate (one ordered stream per committee); the audit actions and event types are past tense
(`committee.created`, `committee_seat.ended`); a committee's create audits only alliance_id, name, body_type and
domain (and status and parent_id when not the defaults), an update only the fields sent."""

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
from services.membership.committees.models import (
    STATUS_MOVES,
    Committee,
    CommitteePosition,
    CommitteeSeat,
)
from services.membership.committees.schemas import (
    CommitteeCreate,
    CommitteeTransitionCreate,
    CommitteeUpdate,
)
from services.membership.db import kernel


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


class StatusMove(Conflict):
    slug = "committee-status-move"
    title_zh, title_en = "机构状态不能这样变更", "The committee cannot move to that status"


class CommitteeDissolved(Conflict):
    slug = "committee-dissolved"
    title_zh, title_en = "机构已撤销", "The committee is dissolved"


COMMITTEE = Audit(kernel, "committee")
SEAT = Audit(kernel, "committee_seat")
POSITION = Audit(kernel, "committee_position")


async def create_committee(session: AsyncSession, *, data: CommitteeCreate, actor: str) -> Committee:
    if not await alliances.is_live(session, data.alliance_id):
        raise field_error(["body", "alliance_id"], "unknown_alliance", "没有该联盟", "No such alliance")
    if data.status == "preparing" and data.established_on is not None:
        raise field_error(
            ["body", "established_on"],
            "preparing_not_established",
            "筹建中的机构还没有成立日期（成立时通过状态变更设置）",
            "A committee in preparation has no founding date yet (set when it becomes active)",
        )
    if data.status == "dissolved":
        raise field_error(
            ["body", "status"], "not_at_create", "新设机构只能是筹建中或运行", "A new committee is preparing or active"
        )
    if data.parent_id is not None:
        parent = await session.get(Committee, data.parent_id)
        if parent is None or parent.deleted_at is not None or parent.alliance_id != data.alliance_id:
            raise field_error(
                ["body", "parent_id"], "unknown_committee", "同一联盟中没有该机构", "No such body in the alliance"
            )
    now = datetime.now(UTC)
    c = Committee(
        id=new_id(),
        **data.model_dump(exclude={"body_type", "status"}),
        body_type=data.body_type.value,
        status=data.status.value,
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
    if c.status != "active":
        after["status"] = c.status
    if c.parent_id is not None:
        after["parent_id"] = c.parent_id
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


async def change_status(
    session: AsyncSession, *, committee_id: uuid.UUID, data: CommitteeTransitionCreate, actor: str
) -> Committee:
    """筹建中 → 运行 sets `established_on`; → 已撤销 sets `dissolved_on` and ends the open seats and positions on
    that day."""
    c = await get_committee(session, committee_id, for_update=True)
    if data.to.value not in STATUS_MOVES[c.status]:
        raise StatusMove(
            detail_zh=f"机构状态不能从 {c.status} 变为 {data.to.value}",
            detail_en=f"A committee cannot move from {c.status} to {data.to.value}",
        )
    on = data.effective_on
    before = {"status": c.status, "established_on": c.established_on, "dissolved_on": c.dissolved_on}
    if data.to == "active":
        c.established_on = on
    else:
        if c.established_on is not None and on < c.established_on:
            raise field_error(
                ["body", "effective_on"], "period_order", "撤销日期不能早于成立日期", "Dissolved before it was founded"
            )
        c.dissolved_on = on
        reason = data.reason or "机构撤销"
        for model in (CommitteeSeat, CommitteePosition):
            values = {
                "end_on": on,
                **({"end_reason": reason, "updated_at": datetime.now(UTC)} if model is CommitteeSeat else {}),
            }
            await session.execute(
                sa.update(model)
                .where(
                    model.committee_id == committee_id,
                    model.start_on <= on,
                    sa.or_(model.end_on.is_(None), model.end_on > on),
                )
                .values(**values)
            )
    c.status = data.to.value
    c.version += 1
    c.updated_at = datetime.now(UTC)
    await session.flush()
    after = {
        "status": c.status,
        "established_on": c.established_on,
        "dissolved_on": c.dissolved_on,
        "reason": data.reason,
    }
    await record_named(
        COMMITTEE,
        session,
        c,
        action="status_changed",
        event="status_changed",
        actor=actor,
        before=before,
        after=after,
        payload=after,
    )
    return c


# ---- seats (the rest: services/membership/committees/seats.py) ----------------------------------
async def end_seats_of_membership(
    session: AsyncSession, *, alliance_id: uuid.UUID, org_id: uuid.UUID, on: date, reason: str, actor: str
) -> int:
    """When a membership ends, its seats on the alliance's committees end on the same date (not the seats it holds
    as an outside unit)."""
    rows = (
        await session.execute(
            sa.update(CommitteeSeat)
            .where(
                CommitteeSeat.alliance_id == alliance_id,
                CommitteeSeat.org_id == org_id,
                CommitteeSeat.outside.is_(False),
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
