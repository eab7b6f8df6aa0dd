"""A school's yearly facts: one record per school and calendar year with its intake lines and 专业群. Writes lock
the record (or the organization, for a year's first write), replace the lists whole, and leave one audit row and
outbox event (`school_year.created/updated/deleted`) in the caller's transaction. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import Conflict, NotFound, PreconditionFailed
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, now
from services.membership.db import kernel
from services.membership.organizations import service as organizations
from services.membership.organizations.models import SCHOOL_TYPES
from services.membership.school_facts.models import SchoolIntake, SchoolMajorGroup, SchoolYearFacts
from services.membership.school_facts.schemas import (
    SCALARS,
    IntakeLine,
    MajorGroupIn,
    SchoolYearPatch,
    SchoolYearPublic,
    SchoolYearPut,
    render,
)

AUDIT = Audit(kernel, "school_year")


class NotASchool(Conflict):
    slug = "school-facts-not-a-school"
    title_zh, title_en = "该单位不是学校", "Organization is not a school"


class SchoolYearNotFound(NotFound):
    slug = "school-year-not-found"
    title_zh, title_en = "没有该年度的学校数据", "No school facts for that year"


def not_found(year: int) -> SchoolYearNotFound:
    return SchoolYearNotFound(
        detail_zh=f"该单位没有 {year} 年的学校年度数据", detail_en=f"This organization has no school facts for {year}"
    )


@dataclass
class SchoolYear:
    row: SchoolYearFacts
    intakes: list[SchoolIntake]
    groups: list[SchoolMajorGroup]

    def public(self) -> SchoolYearPublic:
        return render(self.row, self.intakes, self.groups)

    def snapshot(self) -> dict[str, Any]:
        return {
            **{k: getattr(self.row, k) for k in SCALARS},
            "intakes": [
                {"major_code": i.major_code, "channel": i.channel, "planned": i.planned, "actual": i.actual}
                for i in self.intakes
            ],
            "major_groups": [
                {"name": g.name, "designation": g.designation, "major_codes": list(g.major_codes)} for g in self.groups
            ],
        }


async def ensure_school(session: AsyncSession, org_id: uuid.UUID, *, for_update: bool = False) -> None:
    """404 for no live organization; 409 when it is not a school (only schools keep school facts)."""
    org = await organizations.get_organization(session, org_id, for_update=for_update)
    if org.org_type not in SCHOOL_TYPES:
        raise NotASchool(
            detail_zh="只有学校（本科、高职、中职、技工院校）登记学校年度数据",
            detail_en="Only schools (undergraduate, higher/secondary vocational, technician colleges) keep "
            "school facts",
            extra={"org_type": org.org_type},
        )


async def _lists(session: AsyncSession, ids: list[uuid.UUID]) -> tuple[dict, dict]:
    intakes: dict[uuid.UUID, list[SchoolIntake]] = {i: [] for i in ids}
    groups: dict[uuid.UUID, list[SchoolMajorGroup]] = {i: [] for i in ids}
    if ids:
        stmt = (
            sa.select(SchoolIntake)
            .where(SchoolIntake.facts_id.in_(ids))
            .order_by(SchoolIntake.major_code, SchoolIntake.channel)
        )
        for i in (await session.execute(stmt)).scalars():
            intakes[i.facts_id].append(i)
        stmt2 = sa.select(SchoolMajorGroup).where(SchoolMajorGroup.facts_id.in_(ids)).order_by(SchoolMajorGroup.name)
        for g in (await session.execute(stmt2)).scalars():
            groups[g.facts_id].append(g)
    return intakes, groups


async def _find(session: AsyncSession, org_id: uuid.UUID, year: int, *, for_update: bool) -> SchoolYear | None:
    stmt = sa.select(SchoolYearFacts).where(SchoolYearFacts.org_id == org_id, SchoolYearFacts.year == year)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        return None
    intakes, groups = await _lists(session, [row.id])
    return SchoolYear(row, intakes[row.id], groups[row.id])


async def get_year(session: AsyncSession, *, org_id: uuid.UUID, year: int) -> SchoolYear:
    await organizations.get_organization(session, org_id)
    found = await _find(session, org_id, year, for_update=False)
    if found is None:
        raise not_found(year)
    return found


async def list_years(session: AsyncSession, *, org_id: uuid.UUID) -> list[SchoolYear]:
    await organizations.get_organization(session, org_id)
    stmt = sa.select(SchoolYearFacts).where(SchoolYearFacts.org_id == org_id).order_by(SchoolYearFacts.year)
    rows = list((await session.execute(stmt)).scalars())
    intakes, groups = await _lists(session, [r.id for r in rows])
    return [SchoolYear(r, intakes[r.id], groups[r.id]) for r in rows]


def _intake_rows(facts_id: uuid.UUID, lines: Iterable[IntakeLine]) -> list[SchoolIntake]:
    rows = [
        SchoolIntake(
            facts_id=facts_id, major_code=i.major_code, channel=i.channel.value, planned=i.planned, actual=i.actual
        )
        for i in lines
    ]
    return sorted(rows, key=lambda r: (r.major_code, r.channel))


def _group_rows(facts_id: uuid.UUID, groups: Iterable[MajorGroupIn]) -> list[SchoolMajorGroup]:
    rows = [
        SchoolMajorGroup(
            facts_id=facts_id, name=g.name, designation=g.designation.value, major_codes=list(g.major_codes)
        )
        for g in groups
    ]
    return sorted(rows, key=lambda r: r.name)


async def _replace_intakes(session: AsyncSession, current: SchoolYear, lines: Iterable[IntakeLine]) -> None:
    await session.execute(sa.delete(SchoolIntake).where(SchoolIntake.facts_id == current.row.id))
    for r in current.intakes:
        session.expunge(r)
    current.intakes = _intake_rows(current.row.id, lines)
    session.add_all(current.intakes)


async def _replace_groups(session: AsyncSession, current: SchoolYear, groups: Iterable[MajorGroupIn]) -> None:
    await session.execute(sa.delete(SchoolMajorGroup).where(SchoolMajorGroup.facts_id == current.row.id))
    for g in current.groups:
        session.expunge(g)
    current.groups = _group_rows(current.row.id, groups)
    session.add_all(current.groups)


async def _new_year(session: AsyncSession, org_id: uuid.UUID, year: int, values: dict[str, Any]) -> SchoolYear:
    stamp = now()
    row = SchoolYearFacts(
        id=new_id(), org_id=org_id, year=year, version=1, created_at=stamp, updated_at=stamp, **values
    )
    session.add(row)
    await session.flush()
    return SchoolYear(row, [], [])


async def _changed(session: AsyncSession, current: SchoolYear, before: dict[str, Any], *, actor: str) -> bool:
    after = current.snapshot()
    if after == before:
        return False
    current.row.version += 1
    current.row.updated_at = now()
    await session.flush()
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    await AUDIT.record(
        session, current.row, action="update", actor=actor, before=before, after=after, payload={"changed": changed}
    )
    return True


async def _created(session: AsyncSession, current: SchoolYear, *, actor: str) -> None:
    await session.flush()
    after = current.snapshot()
    payload = {"org_id": current.row.org_id, "year": current.row.year, **after}
    await AUDIT.record(session, current.row, action="create", actor=actor, before=None, after=after, payload=payload)


async def put_year(
    session: AsyncSession, *, org_id: uuid.UUID, year: int, data: SchoolYearPut, if_match: str | None, actor: str
) -> tuple[SchoolYear, bool]:
    """Create or replace the year's facts as a whole; returns (year, created)."""
    await ensure_school(session, org_id, for_update=True)
    values = {k: getattr(data, k) for k in SCALARS}
    current = await _find(session, org_id, year, for_update=True)
    if current is None:
        if if_match is not None:  # no tag (not even `*`) matches a year that does not exist yet
            raise PreconditionFailed(
                detail_zh="该年度数据尚不存在，If-Match 不匹配", detail_en="No facts for that year yet; If-Match fails"
            )
        current = await _new_year(session, org_id, year, values)
        await _replace_intakes(session, current, data.intakes)
        await _replace_groups(session, current, data.major_groups)
        await _created(session, current, actor=actor)
        return current, True
    check_if_match(if_match, current.row.version)
    before = current.snapshot()
    current.row.sqlmodel_update(values)
    await _replace_intakes(session, current, data.intakes)
    await _replace_groups(session, current, data.major_groups)
    await _changed(session, current, before, actor=actor)
    return current, False


async def patch_year(
    session: AsyncSession, *, org_id: uuid.UUID, year: int, data: SchoolYearPatch, if_match: str | None, actor: str
) -> SchoolYear:
    await ensure_school(session, org_id)
    current = await _find(session, org_id, year, for_update=True)
    if current is None:
        raise not_found(year)
    check_if_match(if_match, current.row.version)
    before = current.snapshot()
    sent = data.model_fields_set
    current.row.sqlmodel_update({k: getattr(data, k) for k in SCALARS if k in sent})
    if data.intakes is not None:
        await _replace_intakes(session, current, data.intakes)
    if data.major_groups is not None:
        await _replace_groups(session, current, data.major_groups)
    await _changed(session, current, before, actor=actor)
    return current


async def delete_year(session: AsyncSession, *, org_id: uuid.UUID, year: int, if_match: str | None, actor: str) -> None:
    await organizations.get_organization(session, org_id)
    current = await _find(session, org_id, year, for_update=True)
    if current is None:
        raise not_found(year)
    check_if_match(if_match, current.row.version)
    before = current.snapshot()
    await session.execute(sa.delete(SchoolYearFacts).where(SchoolYearFacts.id == current.row.id))
    await AUDIT.record(session, current.row, action="delete", actor=actor, before=before, after=None, payload={})


async def replace_intakes(
    session: AsyncSession, *, org_id: uuid.UUID, year: int, lines: list[IntakeLine], actor: str
) -> tuple[SchoolYear, bool]:
    """An import's write: the year's intake lines become `lines` (the year's record is created when missing; its
    other figures and groups stay). Returns (year, created)."""
    await ensure_school(session, org_id, for_update=True)
    current = await _find(session, org_id, year, for_update=True)
    if current is None:
        current = await _new_year(session, org_id, year, {})
        await _replace_intakes(session, current, lines)
        await _created(session, current, actor=actor)
        return current, True
    before = current.snapshot()
    await _replace_intakes(session, current, lines)
    await _changed(session, current, before, actor=actor)
    return current, False


@dataclass(frozen=True)
class ChannelSums:
    planned: int
    actual: int
    majors: int  # majors with a planned or an actual intake in the channel
    schools: int


@dataclass(frozen=True)
class SchoolSums:
    schools_reporting: int
    full_time_students: int
    channels: dict[str, ChannelSums]
    groups: dict[str, tuple[int, int]]  # designation → (groups, schools)


async def sums(session: AsyncSession, *, org_ids: list[uuid.UUID], year: int) -> SchoolSums:
    """The schools' facts of `year` summed: the figures of an alliance's members (member_facts)."""
    f = SchoolYearFacts
    of_year = sa.and_(f.year == year, f.org_id.in_(org_ids))
    reporting, students = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(f.full_time_students), 0)).where(of_year)
        )
    ).one()
    i = SchoolIntake
    has_intake = sa.func.coalesce(i.planned, 0) + sa.func.coalesce(i.actual, 0) > 0
    channel_rows = await session.execute(
        sa.select(
            i.channel,
            sa.func.coalesce(sa.func.sum(i.planned), 0),
            sa.func.coalesce(sa.func.sum(i.actual), 0),
            sa.func.count().filter(has_intake),
            sa.func.count(sa.distinct(f.org_id)).filter(has_intake),
        )
        .join(f, f.id == i.facts_id)
        .where(of_year)
        .group_by(i.channel)
    )
    g = SchoolMajorGroup
    group_rows = await session.execute(
        sa.select(g.designation, sa.func.count(), sa.func.count(sa.distinct(f.org_id)))
        .join(f, f.id == g.facts_id)
        .where(of_year)
        .group_by(g.designation)
    )
    return SchoolSums(
        schools_reporting=reporting,
        full_time_students=int(students),
        channels={c: ChannelSums(int(p), int(a), m, s) for c, p, a, m, s in channel_rows},
        groups={d: (n, s) for d, n, s in group_rows},
    )
