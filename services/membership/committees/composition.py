"""A committee's planned composition (how many seats of which rank and category are planned) and its composition
figures on a day: seats held by rank and by category — counted apart, so a 教育培训型企业 that is a 副主任单位 counts
in both — planned against filled, outside and body seats, positions. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import field_error
from chanjiao.ids import new_id
from chanjiao.resources import record_named
from services.membership.committees.models import (
    CATEGORY_LABELS,
    RANK_LABELS,
    CommitteePlanItem,
    CommitteePosition,
    CommitteeSeat,
)
from services.membership.committees.schemas import CommitteePlanPut, CompositionCount, CompositionPublic, plan_line
from services.membership.committees.service import COMMITTEE, get_committee

PERIOD_RULE = (
    "席位与职务按 as_of 当日在任计（start_on ≤ as_of ≤ end_on，未结束者计入）；"
    "级别与类别分别计数，一个席位在两项中各计一次。"
    " Seats and positions held on as_of (start_on ≤ as_of ≤ end_on, open ends count); rank and category are "
    "counted separately, so a seat counts once in each."
)


async def put_plan(session: AsyncSession, *, committee_id: uuid.UUID, data: CommitteePlanPut, actor: str) -> None:
    """Replace the committee's plan; a line names a rank, a category or both, planned_max ≥ planned_min."""
    c = await get_committee(session, committee_id, for_update=True)
    for i, item in enumerate(data.items):
        if item.rank is None and item.category is None:
            raise field_error(
                ["body", "items", i, "rank"], "rank_or_category", "须给出级别或类别", "Give a rank, a category or both"
            )
        if item.planned_max is not None and item.planned_max < item.planned_min:
            raise field_error(
                ["body", "items", i, "planned_max"], "range", "上限不能小于下限", "planned_max is below planned_min"
            )
    await session.execute(sa.delete(CommitteePlanItem).where(CommitteePlanItem.committee_id == committee_id))
    session.add_all(
        CommitteePlanItem(
            id=new_id(),
            committee_id=committee_id,
            position=i,
            rank=item.rank.value if item.rank else None,
            category=item.category.value if item.category else None,
            planned_min=item.planned_min,
            planned_max=item.planned_max,
            note=item.note,
        )
        for i, item in enumerate(data.items)
    )
    await session.flush()
    after = {"plan": [item.model_dump(mode="json") for item in data.items]}
    await record_named(
        COMMITTEE, session, c, action="plan_set", event="plan_set", actor=actor, before=None, after=after, payload=after
    )


def _held(model: type, day: date) -> sa.ColumnElement[bool]:
    return sa.and_(model.start_on <= day, sa.or_(model.end_on.is_(None), model.end_on >= day))  # type: ignore[attr-defined]


async def composition(session: AsyncSession, *, committee_id: uuid.UUID, as_of: date) -> CompositionPublic:
    await get_committee(session, committee_id)
    seats = (
        await session.execute(
            sa.select(
                CommitteeSeat.rank, CommitteeSeat.category, CommitteeSeat.outside, CommitteeSeat.holder_committee_id
            ).where(CommitteeSeat.committee_id == committee_id, _held(CommitteeSeat, as_of))
        )
    ).all()
    by_rank = {r: 0 for r in RANK_LABELS}
    by_category: dict[str | None, int] = {c: 0 for c in CATEGORY_LABELS}
    by_category[None] = 0
    for s in seats:
        by_rank[s.rank] += 1
        by_category[s.category] += 1
    plan = (
        await session.scalars(
            sa.select(CommitteePlanItem)
            .where(CommitteePlanItem.committee_id == committee_id)
            .order_by(CommitteePlanItem.position)
        )
    ).all()
    lines = [
        plan_line(
            p,
            sum(
                1
                for s in seats
                if (p.rank is None or s.rank == p.rank) and (p.category is None or s.category == p.category)
            ),
        )
        for p in plan
    ]
    positions = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.count(CommitteePosition.expert_id)).where(
                CommitteePosition.committee_id == committee_id, _held(CommitteePosition, as_of)
            )
        )
    ).one()
    return CompositionPublic(
        committee_id=committee_id,
        as_of=as_of,
        period_rule=PERIOD_RULE,
        seats=len(seats),
        outside_seats=sum(1 for s in seats if s.outside),
        body_seats=sum(1 for s in seats if s.holder_committee_id is not None),
        by_rank=[CompositionCount(key=k, label=RANK_LABELS[k], filled=n) for k, n in by_rank.items()],
        by_category=[
            CompositionCount(key=k, label=CATEGORY_LABELS[k] if k else "未分类", filled=n)
            for k, n in by_category.items()
        ],
        plan=lines,
        positions=positions[0],
        outside_expert_positions=positions[1],
    )
