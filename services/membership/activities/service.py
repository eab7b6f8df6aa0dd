"""Activity rules: create, read, list, update, soft delete (audited, chanjiao/resources.py) and the year's figures.
Knows nothing of HTTP.

Rules: the alliance is live; the host, co-organizers and participants are live organizations (each named once);
`end_on ≥ held_on`. An activity counts in the year its first day (`held_on`) falls in (docs/domain.md,
"Governance")."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.db import soft_delete
from chanjiao.errors import NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage, sync_page
from services.membership.activities.models import KIND_LABELS, Activity
from services.membership.activities.schemas import (
    ActivityCreate,
    ActivityFigures,
    ActivityKindFigure,
    ActivityUpdate,
)
from services.membership.alliances import service as alliances
from services.membership.db import kernel
from services.membership.organizations import service as organizations

AUDIT = Audit(kernel, "activity")
PERIOD_RULE = "held_on (the first day) in the calendar year (1 January – 31 December) / 活动首日在该自然年内"


class ActivityNotFound(NotFound):
    slug = "activity-not-found"
    title_zh, title_en = "活动不存在", "Activity not found"


def not_found() -> ActivityNotFound:
    return ActivityNotFound(detail_zh="没有该活动记录，或已被删除", detail_en="No such activity, or it was deleted")


async def _check(session: AsyncSession, row: Activity) -> None:
    if row.end_on is not None and row.end_on < row.held_on:
        raise field_error(
            ["body", "end_on"], "end_before_start", "结束日期不能早于活动日期", "end_on is before held_on"
        )
    named = {
        "host_org_id": [row.host_org_id] if row.host_org_id else [],
        "co_organizer_org_ids": list(row.co_organizer_org_ids),
        "participant_org_ids": list(row.participant_org_ids),
    }
    every = [o for ids in named.values() for o in ids]
    live = await organizations.live_ids(session, every)
    for fld, ids in named.items():
        if len(set(ids)) != len(ids):
            raise field_error(["body", fld], "duplicate", "同一单位出现两次", "An organization is named twice")
        if any(o not in live for o in ids):
            raise field_error(["body", fld], "not_found", "没有该单位", "No such organization")


async def create(session: AsyncSession, *, data: ActivityCreate, actor: str) -> Activity:
    if not await alliances.is_live(session, data.alliance_id):
        raise field_error(["body", "alliance_id"], "not_found", "没有该联盟", "No such alliance")
    stamp = now()
    row = Activity(
        id=new_id(),
        alliance_id=data.alliance_id,
        kind=data.kind.value,
        title=data.title,
        held_on=data.held_on,
        end_on=data.end_on,
        place=data.place,
        host_org_id=data.host_org_id,
        co_organizer_org_ids=list(data.co_organizer_org_ids or []),
        participant_org_ids=list(data.participant_org_ids or []),
        headcount=data.headcount,
        note=data.note,
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    await _check(session, row)
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    return row


async def get(
    session: AsyncSession, activity_id: uuid.UUID, *, readable: set[uuid.UUID] | None = None, for_update: bool = False
) -> Activity:
    return await load(
        session,
        Activity,
        activity_id,
        not_found=not_found,
        rule=None if readable is None else (lambda a: a.alliance_id in readable),
        for_update=for_update,
    )


async def list_activities(
    session: AsyncSession,
    *,
    readable: set[uuid.UUID] | None,
    alliance_id: uuid.UUID | None,
    kind: str | None,
    org_id: uuid.UUID | None,
    held_from: date | None,
    held_to: date | None,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    stmt = sa.select(Activity)
    if readable is not None:
        stmt = stmt.where(Activity.alliance_id.in_(readable))
    if not include_deleted:
        stmt = stmt.where(Activity.deleted_at.is_(None))
    if alliance_id is not None:
        stmt = stmt.where(Activity.alliance_id == alliance_id)
    if kind is not None:
        stmt = stmt.where(Activity.kind == kind)
    if org_id is not None:
        stmt = stmt.where(
            sa.or_(
                Activity.host_org_id == org_id,
                sa.literal(org_id, sa.Uuid) == sa.any_(Activity.co_organizer_org_ids),
                sa.literal(org_id, sa.Uuid) == sa.any_(Activity.participant_org_ids),
            )
        )
    if held_from is not None:
        stmt = stmt.where(Activity.held_on >= held_from)
    if held_to is not None:
        stmt = stmt.where(Activity.held_on <= held_to)
    return await sync_page(session, stmt, Activity, since=since, cursor=cursor, limit=limit)


async def update(
    session: AsyncSession, *, activity: Activity, changes: ActivityUpdate, if_match: str | None, actor: str
) -> Activity:
    check_if_match(if_match, activity.version)
    data = changes.model_dump(exclude_unset=True)
    before = AUDIT.snapshot(activity)
    for key, value in data.items():
        setattr(activity, key, value.value if key == "kind" else value)
    await _check(session, activity)
    await AUDIT.updated(session, activity, actor=actor, before=before)
    return activity


async def delete(session: AsyncSession, *, activity: Activity, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, activity.version)
    before = AUDIT.snapshot(activity)
    await soft_delete(session, activity)
    await AUDIT.deleted(session, activity, actor=actor, before=before)


async def figures(session: AsyncSession, *, alliance_id: uuid.UUID, year: int) -> ActivityFigures:
    """seed 003「专家报告会19次」: the alliance's activities of the year by kind, with their headcount."""
    stmt = (
        sa.select(Activity.kind, sa.func.count(), sa.func.coalesce(sa.func.sum(Activity.headcount), 0))
        .where(
            Activity.alliance_id == alliance_id,
            Activity.deleted_at.is_(None),
            Activity.held_on >= date(year, 1, 1),
            Activity.held_on <= date(year, 12, 31),
        )
        .group_by(Activity.kind)
    )
    found = {kind: (int(n), int(people)) for kind, n, people in (await session.execute(stmt)).all()}
    by_kind = [
        ActivityKindFigure(kind=k, kind_label=label, count=found.get(k, (0, 0))[0], headcount=found.get(k, (0, 0))[1])
        for k, label in KIND_LABELS.items()
    ]
    return ActivityFigures(
        alliance_id=alliance_id,
        year=year,
        period_rule=PERIOD_RULE,
        activities=sum(f.count for f in by_kind),
        headcount=sum(f.headcount for f in by_kind),
        by_kind=by_kind,
    )
