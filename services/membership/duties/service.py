"""Duty rules: assign (one duty per organization — named, or holding a seat role of a committee on the day it is
assigned), read, list, update, soft delete, submit → accept / return, and the year's figures (audited,
chanjiao/resources.py). Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.dates import today
from chanjiao.db import soft_delete
from chanjiao.errors import NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage, sync_page
from services.membership.alliances import service as alliances
from services.membership.committees import seats as committee_seats
from services.membership.committees import service as committees
from services.membership.db import kernel
from services.membership.duties.models import LIFECYCLE, Duty
from services.membership.duties.schemas import DutyCreate, DutyFigures, DutyTransition, DutyUpdate
from services.membership.organizations import service as organizations

AUDIT = Audit(kernel, "duty")
PERIOD_RULE = (
    "due: due_on in the calendar year; accepted: accepted_on in the year; overdue: due in the year, due_on before "
    "as_of and not accepted / 到期、验收按日期计入自然年"
)


class DutyNotFound(NotFound):
    slug = "duty-not-found"
    title_zh, title_en = "职责不存在", "Duty not found"


def not_found() -> DutyNotFound:
    return DutyNotFound(detail_zh="没有该职责记录，或已被删除", detail_en="No such duty, or it was deleted")


async def _assignees(session: AsyncSession, data: DutyCreate) -> list[tuple[uuid.UUID, str | None]]:
    if data.committee_id is not None:
        try:
            committee = await committees.get_committee(session, data.committee_id)
        except NotFound:
            committee = None
        if committee is None or committee.alliance_id != data.alliance_id:
            raise field_error(
                ["body", "committee_id"],
                "committee_of_alliance",
                "该机构不属于本联盟",
                "Not a committee of this alliance",
            )
    if data.assignee_org_ids is not None:
        ids = data.assignee_org_ids
        if len(set(ids)) != len(ids):
            raise field_error(
                ["body", "assignee_org_ids"], "duplicate", "同一单位出现两次", "An organization is named twice"
            )
        live = await organizations.live_ids(session, ids)
        if any(i not in live for i in ids):
            raise field_error(["body", "assignee_org_ids"], "not_found", "没有该单位", "No such organization")
        return [(i, None) for i in ids]
    roles = {r.value for r in data.seat_roles or []}
    seats = await committee_seats.list_seats(session, committee_id=data.committee_id, as_of=data.assigned_on)  # type: ignore[arg-type]
    # Seats held by an organization whose seat maps onto one of the roles (a body's seat has no organization).
    holders = [(s.org_id, s.seat_role.value) for s in seats if s.org_id and s.seat_role and s.seat_role.value in roles]
    if not holders:
        raise field_error(
            ["body", "seat_roles"],
            "no_holders",
            "布置日期当天没有单位担任这些席位",
            "No organization holds these seats on assigned_on",
        )
    return holders


async def assign(session: AsyncSession, *, data: DutyCreate, actor: str) -> list[Duty]:
    if not await alliances.is_live(session, data.alliance_id):
        raise field_error(["body", "alliance_id"], "not_found", "没有该联盟", "No such alliance")
    stamp = now()
    rows = [
        Duty(
            id=new_id(),
            alliance_id=data.alliance_id,
            committee_id=data.committee_id,
            seat_role=role,
            assignee_org_id=org,
            title=data.title,
            deliverable=data.deliverable,
            assigned_on=data.assigned_on,
            due_on=data.due_on,
            status="assigned",
            version=1,
            created_at=stamp,
            updated_at=stamp,
        )
        for org, role in await _assignees(session, data)
    ]
    session.add_all(rows)
    await AUDIT.created_many(session, rows, actor=actor)
    return rows


async def get(session: AsyncSession, duty_id: uuid.UUID, *, for_update: bool = False) -> Duty:
    return await load(session, Duty, duty_id, not_found=not_found, for_update=for_update)


async def list_duties(
    session: AsyncSession,
    *,
    visible: sa.ColumnElement[bool] | None,
    alliance_id: uuid.UUID | None,
    assignee_org_id: uuid.UUID | None,
    status: str | None,
    due_from: date | None,
    due_to: date | None,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    stmt = sa.select(Duty)
    if visible is not None:
        stmt = stmt.where(visible)
    if not include_deleted:
        stmt = stmt.where(Duty.deleted_at.is_(None))
    if alliance_id is not None:
        stmt = stmt.where(Duty.alliance_id == alliance_id)
    if assignee_org_id is not None:
        stmt = stmt.where(Duty.assignee_org_id == assignee_org_id)
    if status is not None:
        stmt = stmt.where(Duty.status == status)
    if due_from is not None:
        stmt = stmt.where(Duty.due_on >= due_from)
    if due_to is not None:
        stmt = stmt.where(Duty.due_on <= due_to)
    return await sync_page(session, stmt, Duty, since=since, cursor=cursor, limit=limit)


async def update(session: AsyncSession, *, duty: Duty, changes: DutyUpdate, if_match: str | None, actor: str) -> Duty:
    check_if_match(if_match, duty.version)
    before = AUDIT.snapshot(duty)
    for key, value in changes.model_dump(exclude_unset=True).items():
        setattr(duty, key, value)
    if duty.due_on < duty.assigned_on:
        raise field_error(
            ["body", "due_on"], "period_order", "完成期限不能早于布置日期", "due_on is before assigned_on"
        )
    await AUDIT.updated(session, duty, actor=actor, before=before)
    return duty


async def transition(
    session: AsyncSession, *, duty: Duty, data: DutyTransition, if_match: str | None, actor: str
) -> Duty:
    check_if_match(if_match, duty.version)
    to = data.to.value
    LIFECYCLE.check(duty.status, to)
    on = data.on or today()
    if on > today():
        raise field_error(["body", "on"], "future", "日期不能晚于今天", "The date cannot be in the future")
    if on < duty.assigned_on:
        raise field_error(["body", "on"], "before_assigned", "日期不能早于布置日期", "The date is before assigned_on")
    if duty.submitted_on is not None and on < duty.submitted_on:
        raise field_error(["body", "on"], "before_submitted", "日期不能早于提交日期", "The date is before submitted_on")
    before = AUDIT.snapshot(duty)
    duty.status = to
    if to == "submitted":
        duty.submitted_on, duty.submission = on, data.note
    else:
        duty.review = data.note
        if to == "accepted":
            duty.accepted_on = on
    await AUDIT.updated(session, duty, actor=actor, before=before)
    return duty


async def delete(session: AsyncSession, *, duty: Duty, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, duty.version)
    before = AUDIT.snapshot(duty)
    await soft_delete(session, duty)
    await AUDIT.deleted(session, duty, actor=actor, before=before)


async def figures(session: AsyncSession, *, alliance_id: uuid.UUID, year: int) -> DutyFigures:
    """seed 002「共建单位职责」: the duties due, overdue and accepted in the year."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    as_of = min(today(), end)
    live = sa.and_(Duty.alliance_id == alliance_id, Duty.deleted_at.is_(None))
    due_in_year = Duty.due_on.between(start, end)
    stmt = sa.select(
        sa.func.count().filter(due_in_year),
        sa.func.count().filter(Duty.accepted_on.between(start, end)),
        sa.func.count().filter(due_in_year, Duty.due_on < as_of, Duty.status != "accepted"),
    ).where(live)
    due, accepted, overdue = (await session.execute(stmt)).one()
    return DutyFigures(
        alliance_id=alliance_id,
        year=year,
        as_of=as_of,
        period_rule=PERIOD_RULE,
        due=due,
        accepted=accepted,
        overdue=overdue,
    )
