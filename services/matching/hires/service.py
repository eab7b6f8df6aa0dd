"""Hire rules: record one (the recorder is the school or the employer; the parties exist in membership, the school
is a school; the demand or agreement named fits the parties), confirm or dispute it (the other party), the graduate
counts a school supplies, and the yearly figures in one SQL statement — each write with an audit row and an outbox
event in the caller's transaction (chanjiao/resources.py). Knows nothing of HTTP (docs/matching-hires.md)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.dates import today
from chanjiao.errors import AppError, Conflict, FieldError, NotFound, ValidationFailed
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load_kept, now, record_named
from chanjiao.sync import Since, SyncPage, sync_page
from services.matching.agreements import service as agreements
from services.matching.agreements.membership import SCHOOL_ORG_TYPES, MembershipDirectory
from services.matching.db import SCHEMA, kernel
from services.matching.demands import service as demands
from services.matching.hires import access
from services.matching.hires.models import LIFECYCLE, GraduateCount, Hire
from services.matching.hires.schemas import (
    HireCreate,
    HireEmployerFigures,
    HireFigures,
    HireGraduateCountIn,
    HireSchoolFigures,
)

AUDIT = Audit(kernel, "hire")
COUNTS_AUDIT = Audit(kernel, "hire_graduate_count")


class HireNotFound(NotFound):
    slug = "hire-not-found"
    title_zh, title_en = "招录记录不存在", "Hire not found"


class HireExists(Conflict):
    slug = "hire-exists"
    title_zh, title_en = "招录记录已存在", "Hire already recorded"


def not_found() -> HireNotFound:
    return HireNotFound(detail_zh="没有该招录记录，或无权查看", detail_en="No such hire, or it is not visible to you")


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get_visible(
    session: AsyncSession, principal: Principal, hire_id: uuid.UUID, *, for_update: bool = False
) -> Hire:
    row = await load_kept(session, Hire, hire_id, not_found=not_found, for_update=for_update)
    if not access.can_read(principal, row):
        raise not_found()
    return row


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    where: Iterable[sa.ColumnElement[bool]],
    since: Since,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    """A page of the hires the caller may read, with the sync token of the walk (chanjiao/sync.py). Who may read one
    never changes (its parties are fixed when it is made), so nothing leaves a caller's view."""
    stmt = sa.select(Hire)
    visible = access.visible(principal)
    if visible is not None:
        stmt = stmt.where(visible)
    for clause in where:
        stmt = stmt.where(clause)
    return await sync_page(session, stmt, Hire, since=since, cursor=cursor, limit=limit)


# ---- record --------------------------------------------------------------------------------------------------------
def _err(field: str, rule: str, zh: str, en: str) -> FieldError:
    return FieldError(["body", field], zh, en, rule)


def ensure_recorder(principal: Principal, data: HireCreate) -> None:
    """403 unless the caller acts for the recording organization `org_id`."""
    access.ensure_acts_for(principal, data.org_id, ("登记单位", "the recording organization"))


async def check(session: AsyncSession, directory: MembershipDirectory | None, data: HireCreate) -> None:
    """The rules that need the database or membership: 422 naming each field that fails."""
    errors: list[FieldError] = []
    if data.org_id not in (data.school_org_id, data.employer_org_id):
        errors.append(_err("org_id", "not_a_party", "登记单位须是学校或用人单位", "Must be the school or the employer"))
    if data.school_org_id == data.employer_org_id:
        errors.append(_err("employer_org_id", "same_organization", "学校与用人单位不能相同", "Same as the school"))
    if data.hired_on > today():
        errors.append(_err("hired_on", "not_in_future", "入职日期不能晚于今天", "The date cannot be after today"))
    if data.channel.value == "demand" and data.demand_id is None:
        errors.append(_err("demand_id", "required", "渠道为平台需求时须填写需求", "Required for channel demand"))
    if data.channel.value == "agreement" and data.agreement_id is None:
        errors.append(_err("agreement_id", "required", "渠道为合作协议时须填写协议", "Required for channel agreement"))
    if data.demand_id is not None:
        try:
            demand = await demands.get(session, data.demand_id)
        except AppError:
            errors.append(_err("demand_id", "not_found", "需求不存在", "No such demand"))
        else:
            if demand.org_id != data.employer_org_id:
                errors.append(
                    _err("demand_id", "not_the_employer", "需求不是该用人单位发布的", "Not a demand of the employer")
                )
    if data.agreement_id is not None:
        try:
            await agreements.get(session, data.agreement_id)
        except AppError:
            errors.append(_err("agreement_id", "not_found", "合作协议不存在", "No such agreement"))
        else:
            parties = set(await agreements.party_ids(session, data.agreement_id))
            if not {data.school_org_id, data.employer_org_id} <= parties:
                errors.append(
                    _err(
                        "agreement_id",
                        "not_a_party",
                        "学校和用人单位须都是该协议的参与方",
                        "The school and the employer must both be parties to the agreement",
                    )
                )
    if directory is not None:
        school, employer = await asyncio.gather(directory.org(data.school_org_id), directory.org(data.employer_org_id))
        if school is None:
            errors.append(_err("school_org_id", "organization_not_found", "单位不存在", "No such organization"))
        elif school.org_type not in SCHOOL_ORG_TYPES:
            errors.append(_err("school_org_id", "not_a_school", "该单位不是学校", "The organization is not a school"))
        if employer is None:
            errors.append(_err("employer_org_id", "organization_not_found", "单位不存在", "No such organization"))
    if errors:
        names = ", ".join(str(e.loc[-1]) for e in errors)
        raise ValidationFailed(
            detail_zh="招录记录未通过校验：" + names, detail_en="The hire failed validation: " + names, errors=errors
        )


async def create(session: AsyncSession, *, data: HireCreate, directory: MembershipDirectory | None, actor: str) -> Hire:
    """A recorded hire; the caller's right to record for `org_id` was checked (`ensure_recorder`). The same person
    hired by the same employer from the same school on the same day twice is 409 `hire-exists`."""
    await check(session, directory, data)
    stamp = now()
    values = data.model_dump(exclude={"org_id"})
    values["channel"] = data.channel.value
    row = Hire(
        id=new_id(),
        **values,
        recorded_by_org_id=data.org_id,
        status="recorded",
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as exc:
        if "uq_hires_person_day" in str(exc.orig):
            raise HireExists(
                detail_zh="该人员在同一天由同一学校进入同一用人单位的招录已登记",
                detail_en="This person's hire by this employer from this school on this day is recorded already",
            ) from None
        raise
    await AUDIT.created(session, row, actor=actor)
    return row


def counterparty(row: Hire) -> uuid.UUID:
    return row.employer_org_id if row.recorded_by_org_id == row.school_org_id else row.school_org_id


async def answer(session: AsyncSession, *, principal: Principal, row: Hire, to: str, reason: str | None) -> Hire:
    """Confirm or dispute a locked hire: the other party only (403), once (409)."""
    access.ensure_acts_for(principal, counterparty(row), ("另一方", "the other party"))
    LIFECYCLE.check(row.status, to)
    before = AUDIT.snapshot(row)
    stamp = now()
    row.status, row.reason, row.answered_at, row.answered_by = to, reason, stamp, principal.actor
    row.version += 1
    row.updated_at = stamp
    await session.flush()
    await record_named(
        AUDIT,
        session,
        row,
        action="transition",
        event=to,
        actor=principal.actor,
        before=before,
        after=AUDIT.snapshot(row),
        payload={"from": "recorded", "to": to, "reason": reason},
    )
    return row


# ---- graduate counts and figures -----------------------------------------------------------------------------------
async def put_graduate_count(
    session: AsyncSession, *, org_id: uuid.UUID, year: int, data: HireGraduateCountIn, actor: str
) -> tuple[GraduateCount, bool]:
    """The school's count for the year, replaced whole; True when it is new."""
    if data.in_field is not None and data.in_field > data.graduates:
        raise ValidationFailed(
            detail_zh="对口就业人数不能多于毕业生数",
            detail_en="in_field cannot exceed graduates",
            errors=[_err("in_field", "at_most_graduates", "不能多于毕业生数", "At most graduates")],
        )
    g: Any = GraduateCount
    stmt = sa.select(g).where(g.org_id == org_id, g.year == year).with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        stamp = now()
        row = GraduateCount(
            id=new_id(), org_id=org_id, year=year, **data.model_dump(), version=1, created_at=stamp, updated_at=stamp
        )
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:  # a concurrent first PUT of the same year: replace that one instead
            row = (await session.execute(stmt)).scalar_one()
        else:
            await COUNTS_AUDIT.created(session, row, actor=actor)
            return row, True
    before = COUNTS_AUDIT.snapshot(row)
    row.graduates, row.in_field = data.graduates, data.in_field
    await COUNTS_AUDIT.updated(session, row, actor=actor, before=before)
    return row, False


FIGURES = sa.text(f"""
with h as (
    select * from {SCHEMA}.hires
    where hired_on >= make_date(:year, 1, 1) and hired_on < make_date(:year + 1, 1, 1)
      and (school_org_id = :org or employer_org_id = :org)
)
select
    count(*) filter (where school_org_id = :org and status = 'confirmed') as s_hired,
    count(*) filter (where school_org_id = :org and status = 'confirmed' and channel = 'order_class') as s_order,
    count(*) filter (where school_org_id = :org and status = 'confirmed' and channel = 'apprenticeship') as s_appr,
    count(*) filter (where school_org_id = :org and status <> 'confirmed') as s_unconfirmed,
    count(*) filter (where employer_org_id = :org and status = 'confirmed') as e_hired,
    count(*) filter (where employer_org_id = :org and status = 'confirmed' and channel = 'order_class') as e_order,
    count(*) filter (where employer_org_id = :org and status = 'confirmed' and channel = 'apprenticeship') as e_appr,
    count(*) filter (where employer_org_id = :org and status <> 'confirmed') as e_unconfirmed,
    count(distinct school_org_id) filter (where employer_org_id = :org and status = 'confirmed') as e_schools,
    (select graduates from {SCHEMA}.hire_graduate_counts where org_id = :org and year = :year) as graduates,
    (select in_field from {SCHEMA}.hire_graduate_counts where org_id = :org and year = :year) as in_field
from h
""")


def _ratio(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return round(part / whole, 4)


async def figures(session: AsyncSession, *, org_id: uuid.UUID, year: int) -> HireFigures:
    r = (await session.execute(FIGURES, {"org": org_id, "year": year})).one()
    return HireFigures(
        org_id=org_id,
        year=year,
        as_school=HireSchoolFigures(
            graduates_hired=r.s_hired,
            from_order_classes=r.s_order,
            from_apprenticeships=r.s_appr,
            unconfirmed=r.s_unconfirmed,
            graduates=r.graduates,
            in_field=r.in_field,
            employment_rate=_ratio(r.s_hired, r.graduates),
            in_field_rate=_ratio(r.in_field, r.s_hired),
        ),
        as_employer=HireEmployerFigures(
            hires=r.e_hired,
            from_order_classes=r.e_order,
            from_apprenticeships=r.e_appr,
            unconfirmed=r.e_unconfirmed,
            schools=r.e_schools,
        ),
    )
