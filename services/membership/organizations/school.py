"""A school's yearly data: the majors it runs (`organization_majors`) and its headcounts
(`organization_school_stats`). Writes lock the organization row, and a write that changes anything also moves the
organization's version and `updated_at` on (so the change syncs on `GET /v1/organizations`, docs/sync.md); each
leaves an audit row and an outbox event in the caller's transaction. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import Conflict, NotFound, PreconditionFailed
from chanjiao.etag import check_if_match
from services.membership.organizations.models import (
    SCHOOL_TYPES,
    Organization,
    OrganizationMajor,
    OrganizationSchoolStats,
)
from services.membership.organizations.schemas import MajorPublic, MajorsReplace, SchoolStatsPut
from services.membership.organizations.service import AUDIT, get_organization
from services.membership.reference import service as reference


class NotASchool(Conflict):
    slug = "organization-not-a-school"
    title_zh, title_en = "该单位不是学校", "Organization is not a school"


class SchoolStatsNotFound(NotFound):
    slug = "school-stats-not-found"
    title_zh, title_en = "没有该年度的办学数据", "No school statistics for that year"


async def _school_for_update(session: AsyncSession, org_id: uuid.UUID) -> Organization:
    org = await get_organization(session, org_id, for_update=True)
    if org.org_type not in SCHOOL_TYPES:
        raise NotASchool(
            detail_zh="只有学校（本科、高职、中职、技工院校）登记专业与办学数据",
            detail_en="Only schools (undergraduate, higher/secondary vocational, technician colleges) keep majors "
            "and school statistics",
            extra={"org_type": org.org_type},
        )
    return org


def _touch(org: Organization, now: datetime) -> None:
    """The sub-lists ride on the organization's sync: a change to them is a write of the organization row."""
    org.version += 1
    org.updated_at = now


def _major_rows(rows: list[OrganizationMajor]) -> list[dict[str, Any]]:
    return [{"major_code": r.major_code, "enrolment": r.enrolment, "graduates": r.graduates} for r in rows]


async def list_majors(session: AsyncSession, *, org_id: uuid.UUID, year: int | None) -> list[OrganizationMajor]:
    await get_organization(session, org_id)
    stmt = sa.select(OrganizationMajor).where(OrganizationMajor.org_id == org_id)
    if year is not None:
        stmt = stmt.where(OrganizationMajor.year == year)
    stmt = stmt.order_by(OrganizationMajor.year, OrganizationMajor.major_code)
    return list((await session.execute(stmt)).scalars().all())


async def replace_majors(
    session: AsyncSession, *, org_id: uuid.UUID, data: MajorsReplace, actor: str
) -> list[OrganizationMajor]:
    """The year's rows become exactly `data.majors`; other years are untouched."""
    org = await _school_for_update(session, org_id)
    of_year = sa.and_(OrganizationMajor.org_id == org.id, OrganizationMajor.year == data.year)
    old = list(
        (await session.execute(sa.select(OrganizationMajor).where(of_year).order_by(OrganizationMajor.major_code)))
        .scalars()
        .all()
    )
    new = sorted(data.majors, key=lambda m: m.major_code)
    before = _major_rows(old)
    after = [m.model_dump() for m in new]
    if before == after:
        return old
    await session.execute(sa.delete(OrganizationMajor).where(of_year))
    for r in old:
        session.expunge(r)
    rows = [
        OrganizationMajor(
            org_id=org.id, year=data.year, major_code=m.major_code, enrolment=m.enrolment, graduates=m.graduates
        )
        for m in new
    ]
    session.add_all(rows)
    _touch(org, datetime.now(UTC))
    await session.flush()
    key = f"majors.{data.year}"
    await AUDIT.record(
        session,
        org,
        action="majors_update",
        actor=actor,
        before={key: before},
        after={key: after},
        payload={"year": data.year, "majors": after},
    )
    return rows


async def render_majors(session: AsyncSession, rows: list[OrganizationMajor]) -> list[MajorPublic]:
    found = await reference.lookup(session, {("majors", r.major_code) for r in rows})
    return [
        MajorPublic(
            year=r.year,
            major_code=r.major_code,
            major_name=found[("majors", r.major_code)].name if ("majors", r.major_code) in found else None,
            code_known=("majors", r.major_code) in found,
            enrolment=r.enrolment,
            graduates=r.graduates,
        )
        for r in rows
    ]


async def list_school_stats(session: AsyncSession, *, org_id: uuid.UUID) -> list[OrganizationSchoolStats]:
    await get_organization(session, org_id)
    stmt = (
        sa.select(OrganizationSchoolStats)
        .where(OrganizationSchoolStats.org_id == org_id)
        .order_by(OrganizationSchoolStats.year)
    )
    return list((await session.execute(stmt)).scalars().all())


async def get_school_stats(session: AsyncSession, *, org_id: uuid.UUID, year: int) -> OrganizationSchoolStats:
    await get_organization(session, org_id)
    row = await session.get(OrganizationSchoolStats, (org_id, year))
    if row is None:
        raise SchoolStatsNotFound(
            detail_zh=f"该单位没有 {year} 年的办学数据", detail_en=f"This organization has no statistics for {year}"
        )
    return row


async def put_school_stats(
    session: AsyncSession, *, org_id: uuid.UUID, year: int, data: SchoolStatsPut, if_match: str | None, actor: str
) -> tuple[OrganizationSchoolStats, bool]:
    """Create or replace one year's figures; returns (row, created)."""
    org = await _school_for_update(session, org_id)
    row = await session.get(OrganizationSchoolStats, (org.id, year))
    values = data.model_dump()
    now = datetime.now(UTC)
    key = f"school_stats.{year}"
    if row is None:
        if if_match is not None:  # no tag (not even `*`) matches a year that does not exist yet
            raise PreconditionFailed(
                detail_zh="该年度数据尚不存在，If-Match 不匹配",
                detail_en="No figures for that year yet; If-Match fails",
            )
        row = OrganizationSchoolStats(org_id=org.id, year=year, version=1, updated_at=now, **values)
        session.add(row)
        before = None
    else:
        check_if_match(if_match, row.version)
        before = {k: getattr(row, k) for k in values}
        if before == values:
            return row, False
        row.sqlmodel_update(values)
        row.version += 1
        row.updated_at = now
    _touch(org, now)
    await session.flush()
    await AUDIT.record(
        session,
        org,
        action="school_stats_update",
        actor=actor,
        before={key: before} if before else None,
        after={key: values},
        payload={"year": year, **values},
    )
    return row, before is None
