"""The designation figures of an alliance for a year (`GET /v1/designations/stats`), each with its period rule.

Scope: the entries held by the alliance's current members (active or suspended memberships), the alliance's own
entries and those it recorded; the people counted are people of its current members. Set-based statements over the
register, its steps, memberships, people and their outside posts (docs/architecture.md, "Reads across nouns")."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.membership.designations.access import members_of
from services.membership.designations.models import HELD, Designation, DesignationStage
from services.membership.people.models import Person
from services.membership.person_posts.models import PersonPost

STAGES_RULE = (
    "a step counts in the calendar year of its date (or of its year when only the year is known); corrected steps "
    "and deleted entries do not count"
)
TITLES_RULE = (
    "people holding the title on 31 December of the year: the entry's latest step up to that year is 立项/入选, "
    "培育/建设, 推荐 or 验收/认定 (not 撤销)"
)
POSTS_RULE = "people holding a post at any time in the calendar year (since ≤ 31 December, until empty or ≥ 1 January)"
SCOPE_RULE = (
    "entries of the alliance's current members (active or suspended), of the alliance itself and recorded by it; "
    "people of its current members"
)


def _scope(alliance_id: uuid.UUID) -> sa.ColumnElement[bool]:
    return sa.and_(
        Designation.deleted_at.is_(None),
        sa.or_(Designation.org_id.in_(members_of([alliance_id])), Designation.alliance_id == alliance_id),
    )


async def figures(session: AsyncSession, *, alliance_id: uuid.UUID, year: int) -> dict[str, Any]:
    d, s = Designation, DesignationStage
    live_step = sa.and_(s.designation_id == d.id, s.corrected.is_(False))
    reached = (
        sa.select(d.programme_name, d.level, s.stage, sa.func.count(sa.distinct(d.id)))
        .join(s, live_step)
        .where(_scope(alliance_id), s.year == year)
        .group_by(d.programme_name, d.level, s.stage)
        .order_by(d.programme_name, d.level, s.stage)
    )
    stage_rows = (await session.execute(reached)).all()
    totals: dict[str, int] = {}
    for _, _, stage, n in stage_rows:
        totals[stage] = totals.get(stage, 0) + n

    latest = (
        sa.select(s.designation_id, s.stage)
        .distinct(s.designation_id)
        .where(s.corrected.is_(False), s.year <= year)
        .order_by(s.designation_id, s.seq.desc())
        .subquery()
    )
    titles = (
        sa.select(d.programme_name, d.level, sa.func.count(sa.distinct(d.subject_id)))
        .join(latest, latest.c.designation_id == d.id)
        .where(_scope(alliance_id), d.subject_kind == "person", latest.c.stage.in_(HELD))
        .group_by(d.programme_name, d.level)
        .order_by(d.programme_name, d.level)
    )
    title_rows = (await session.execute(titles)).all()

    first, last = date(year, 1, 1), date(year, 12, 31)
    held = sa.and_(
        PersonPost.deleted_at.is_(None),
        PersonPost.since <= last,
        sa.or_(PersonPost.until.is_(None), PersonPost.until >= first),
        Person.deleted_at.is_(None),
        Person.org_id.in_(members_of([alliance_id])),
    )
    posts = (
        sa.select(PersonPost.post_kind, sa.func.count(sa.distinct(PersonPost.person_id)))
        .join(Person, Person.id == PersonPost.person_id)
        .where(held)
        .group_by(PersonPost.post_kind)
        .order_by(PersonPost.post_kind)
    )
    post_rows = (await session.execute(posts)).all()
    people = sa.select(sa.func.count(sa.distinct(PersonPost.person_id))).join(Person, Person.id == PersonPost.person_id)
    people_with_posts = (await session.execute(people.where(held))).scalar_one()
    return {
        "stage_rows": stage_rows,
        "stage_totals": totals,
        "title_rows": title_rows,
        "post_rows": post_rows,
        "people_with_posts": people_with_posts,
    }
