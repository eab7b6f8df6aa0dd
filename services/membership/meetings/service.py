"""Meeting rules: create, read, list, update, soft delete (audited, chanjiao/resources.py), the quorum derived
from the roll, resolutions adopted by their votes, the year's figures, and the check a membership event makes
of the meeting that decided it. Knows nothing of HTTP.

Quorum (docs/domain.md, "Governance"): the base is the meeting's stated `seats`, else the seats of its committee
held on the meeting day, else (a meeting of the alliance itself, or a committee without seats that day) the
organizations on its roll. Organizations present or by proxy count; `more_than_half` needs more than half the
base, `two_thirds` at least two thirds (三分之二以上 includes two thirds), `none` is always met. A resolution with
votes is adopted when more than half of the votes cast are for it, at a quorate meeting; one without votes says
whether it was adopted, and a meeting without its quorum adopts nothing."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

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
from services.membership.meetings.models import KIND_LABELS, Meeting
from services.membership.meetings.schemas import (
    KindCount,
    MeetingCreate,
    MeetingFigures,
    MeetingUpdate,
    ResolutionIn,
)
from services.membership.organizations import service as organizations

AUDIT = Audit(kernel, "meeting")
PERIOD_RULE = "held_on in the calendar year (1 January – 31 December) / 会议日期在该自然年内"


class MeetingNotFound(NotFound):
    slug = "meeting-not-found"
    title_zh, title_en = "会议不存在", "Meeting not found"


def not_found() -> MeetingNotFound:
    return MeetingNotFound(detail_zh="没有该会议记录，或已被删除", detail_en="No such meeting, or it was deleted")


def quorum_met(rule: str, present: int, base: int) -> bool:
    if rule == "none":
        return True
    if rule == "two_thirds":
        return present * 3 >= base * 2
    return present * 2 > base


async def _check_body(session: AsyncSession, alliance_id: uuid.UUID, committee_id: uuid.UUID | None) -> None:
    if not await alliances.is_live(session, alliance_id):
        raise field_error(["body", "alliance_id"], "not_found", "没有该联盟", "No such alliance")
    if committee_id is None:
        return
    try:
        committee = await committees.get_committee(session, committee_id)
    except NotFound:
        committee = None
    if committee is None or committee.alliance_id != alliance_id:
        raise field_error(
            ["body", "committee_id"],
            "committee_of_alliance",
            "该机构不属于本联盟",
            "The committee is not one of this alliance's",
        )


async def _check_attendees(session: AsyncSession, attendees: list[dict[str, Any]]) -> None:
    ids = [uuid.UUID(str(a["org_id"])) for a in attendees if a.get("org_id")]
    if len(set(ids)) != len(ids):
        raise field_error(
            ["body", "attendees"], "duplicate", "同一单位在签到名单中出现两次", "An organization is on the roll twice"
        )
    live = await organizations.live_ids(session, ids)
    for i, a in enumerate(attendees):
        if a.get("org_id") and uuid.UUID(str(a["org_id"])) not in live:
            raise field_error(["body", "attendees", i, "org_id"], "not_found", "没有该单位", "No such organization")


def _resolutions(items: list[ResolutionIn], quorate: bool) -> list[dict[str, Any]]:
    out = []
    for i, r in enumerate(items):
        votes = [r.votes_for, r.votes_against, r.votes_abstain]
        loc = ["body", "resolutions", i, "adopted"]
        if any(v is not None for v in votes):
            cast = sum(v or 0 for v in votes)
            adopted = quorate and (r.votes_for or 0) * 2 > cast
            if r.adopted is not None and r.adopted != adopted:
                raise field_error(
                    loc,
                    "votes",
                    "表决结果与票数不符：赞成票须超过投票数的一半，且会议达到法定人数",
                    "adopted contradicts the votes: more than half of the votes cast must be for it, at a quorate "
                    "meeting",
                )
        elif r.adopted is None:
            raise field_error(loc, "missing", "未记录票数时须写明是否通过", "Without votes, say whether it was adopted")
        elif r.adopted and not quorate:
            raise field_error(
                loc, "quorum", "会议未达到法定人数，不能通过决议", "A meeting without its quorum adopts nothing"
            )
        else:
            adopted = r.adopted
        out.append(
            {
                "no": i + 1,
                "text": r.text,
                "votes_for": r.votes_for,
                "votes_against": r.votes_against,
                "votes_abstain": r.votes_abstain,
                "adopted": adopted,
            }
        )
    return out


async def _derive(session: AsyncSession, row: Meeting, resolutions: list[ResolutionIn]) -> None:
    """The quorum base, the organizations present, whether the quorum was met and each resolution's outcome."""
    orgs = [a for a in row.attendees if a.get("org_id")]
    row.present_count = sum(1 for a in orgs if a["status"] in ("present", "proxy"))
    if row.seats is not None:
        row.quorum_base, row.quorum_base_source = row.seats, "stated"
    else:
        held = 0
        if row.committee_id is not None:
            held = len(await committee_seats.list_seats(session, committee_id=row.committee_id, as_of=row.held_on))
        if held:
            row.quorum_base, row.quorum_base_source = held, "seats"
        else:
            row.quorum_base, row.quorum_base_source = len(orgs), "roll"
    row.quorum_met = row.quorum_rule == "none" or (
        row.quorum_base > 0 and quorum_met(row.quorum_rule, row.present_count, row.quorum_base)
    )
    row.resolutions = _resolutions(resolutions, row.quorum_met)


def _kept(stored: dict[str, Any]) -> ResolutionIn:
    voted = any(stored[k] is not None for k in ("votes_for", "votes_against", "votes_abstain"))
    values = {k: v for k, v in stored.items() if k != "no"}
    return ResolutionIn(**{**values, "adopted": None if voted else stored["adopted"]})


def _attendees(data: MeetingCreate | MeetingUpdate) -> list[dict[str, Any]]:
    return [a.model_dump(mode="json") for a in data.attendees or []]


async def create(session: AsyncSession, *, data: MeetingCreate, actor: str) -> Meeting:
    await _check_body(session, data.alliance_id, data.committee_id)
    attendees = _attendees(data)
    await _check_attendees(session, attendees)
    stamp = now()
    row = Meeting(
        id=new_id(),
        alliance_id=data.alliance_id,
        committee_id=data.committee_id,
        kind=data.kind.value,
        title=data.title,
        held_on=data.held_on,
        place=data.place,
        quorum_rule=(data.quorum_rule.value if data.quorum_rule else "more_than_half"),
        seats=data.seats,
        attendees=attendees,
        agenda=[a.strip() for a in data.agenda or []],
        note=data.note,
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    await _derive(session, row, data.resolutions or [])
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def get(
    session: AsyncSession, meeting_id: uuid.UUID, *, readable: set[uuid.UUID] | None = None, for_update: bool = False
) -> Meeting:
    """The live meeting, or 404 — also when `readable` (the alliances the caller reads; None: all) lacks its
    alliance."""
    return await load(
        session,
        Meeting,
        meeting_id,
        not_found=not_found,
        rule=None if readable is None else (lambda m: m.alliance_id in readable),
        for_update=for_update,
    )


async def list_meetings(
    session: AsyncSession,
    *,
    readable: set[uuid.UUID] | None,
    alliance_id: uuid.UUID | None,
    committee_id: uuid.UUID | None,
    kind: str | None,
    held_from: date | None,
    held_to: date | None,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    stmt = sa.select(Meeting)
    if readable is not None:
        stmt = stmt.where(Meeting.alliance_id.in_(readable))
    if not include_deleted:
        stmt = stmt.where(Meeting.deleted_at.is_(None))
    if alliance_id is not None:
        stmt = stmt.where(Meeting.alliance_id == alliance_id)
    if committee_id is not None:
        stmt = stmt.where(Meeting.committee_id == committee_id)
    if kind is not None:
        stmt = stmt.where(Meeting.kind == kind)
    if held_from is not None:
        stmt = stmt.where(Meeting.held_on >= held_from)
    if held_to is not None:
        stmt = stmt.where(Meeting.held_on <= held_to)
    return await sync_page(session, stmt, Meeting, since=since, cursor=cursor, limit=limit)


async def update(
    session: AsyncSession, *, meeting: Meeting, changes: MeetingUpdate, if_match: str | None, actor: str
) -> Meeting:
    """`meeting` is locked by the caller. Lists are replaced whole; the quorum and outcomes are derived again."""
    check_if_match(if_match, meeting.version)
    data = changes.model_dump(exclude_unset=True)
    before = AUDIT.snapshot(meeting)
    for key in ("title", "held_on", "place", "seats", "note"):
        if key in data:
            setattr(meeting, key, data[key])
    if "kind" in data:
        meeting.kind = changes.kind.value  # type: ignore[union-attr]
    if "quorum_rule" in data:
        meeting.quorum_rule = changes.quorum_rule.value  # type: ignore[union-attr]
    if "attendees" in data:
        meeting.attendees = _attendees(changes)
        await _check_attendees(session, meeting.attendees)
    if "agenda" in data:
        meeting.agenda = [a.strip() for a in changes.agenda or []]
    if "resolutions" in data:
        resolutions = changes.resolutions or []
    else:  # kept: those with votes are decided again, those without keep what they said
        resolutions = [_kept(r) for r in before["resolutions"]]
    await _derive(session, meeting, resolutions)
    await AUDIT.updated(session, meeting, actor=actor, before=before)
    return meeting


async def delete(session: AsyncSession, *, meeting: Meeting, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, meeting.version)
    before = AUDIT.snapshot(meeting)
    await soft_delete(session, meeting)
    await AUDIT.deleted(session, meeting, actor=actor, before=before)


async def figures(session: AsyncSession, *, alliance_id: uuid.UUID, year: int) -> MeetingFigures:
    """seed 001「每年召开 1 次常务理事会」: the alliance's meetings held in the calendar year, by kind."""
    stmt = sa.select(Meeting.kind, Meeting.quorum_met, Meeting.resolutions).where(
        Meeting.alliance_id == alliance_id,
        Meeting.deleted_at.is_(None),
        Meeting.held_on >= date(year, 1, 1),
        Meeting.held_on <= date(year, 12, 31),
    )
    rows = (await session.execute(stmt)).all()
    counts: dict[str, int] = {}
    for kind, _, _ in rows:
        counts[kind] = counts.get(kind, 0) + 1
    return MeetingFigures(
        alliance_id=alliance_id,
        year=year,
        period_rule=PERIOD_RULE,
        meetings=len(rows),
        by_kind=[KindCount(kind=k, kind_label=KIND_LABELS[k], count=counts.get(k, 0)) for k in KIND_LABELS],
        quorate=sum(1 for _, met, _ in rows if met),
        resolutions_adopted=sum(1 for _, _, res in rows for r in res if r["adopted"]),
    )


async def check_decision(
    session: AsyncSession,
    *,
    alliance_id: uuid.UUID,
    meeting_id: uuid.UUID,
    resolution_no: int | None,
    on: date,
    loc: list[str | int],
) -> None:
    """A membership change names the meeting (and resolution) that decided it: a live meeting of the same alliance,
    held on or before the change's date, whose resolution of that number was adopted (422 naming the field)."""
    row = (
        await session.execute(sa.select(Meeting).where(Meeting.id == meeting_id, Meeting.deleted_at.is_(None)))
    ).scalar_one_or_none()
    if row is None or row.alliance_id != alliance_id:
        raise field_error(
            [*loc, "meeting_id"], "meeting_of_alliance", "没有该联盟的这次会议", "No such meeting of this alliance"
        )
    if row.held_on > on:
        raise field_error(
            [*loc, "meeting_id"],
            "meeting_after",
            f"会议日期 {row.held_on} 晚于生效日期",
            f"The meeting ({row.held_on}) was held after the effective date",
        )
    if resolution_no is None:
        return
    found = next((r for r in row.resolutions if r["no"] == resolution_no), None)
    if found is None or not found["adopted"]:
        raise field_error(
            [*loc, "resolution_no"],
            "resolution_adopted",
            "该会议没有这一编号的已通过决议",
            "The meeting has no adopted resolution of this number",
        )
