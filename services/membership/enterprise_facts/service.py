"""An enterprise's yearly facts: one record per enterprise and calendar year. Writes lock the record (or the
organization, for a year's first write) and leave one audit row and outbox event (`enterprise_year.created/updated/
deleted`) in the caller's transaction. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import Conflict, NotFound, PreconditionFailed, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, now
from services.membership.db import kernel
from services.membership.enterprise_facts.models import EnterpriseYearFacts
from services.membership.enterprise_facts.schemas import (
    FIELDS,
    EnterpriseYearBody,
    EnterpriseYearPatch,
    EnterpriseYearPublic,
    render,
)
from services.membership.organizations import service as organizations

AUDIT = Audit(kernel, "enterprise_year")
ENTERPRISE_TYPES = frozenset({"enterprise", "training_company"})

# 统计上大中小微型企业划分办法（2017）, 工业: a class needs both lower bounds (从业人员, 营业收入 in 万元), else the
# next class down.
SIZE_BOUNDS = (("large", 1000, Decimal(40000)), ("medium", 300, Decimal(2000)), ("small", 20, Decimal(300)))


def derive_size_class(staff: int | None, revenue_wan: Decimal | None) -> str | None:
    """The size class from staff and revenue (both needed; else None)."""
    if staff is None or revenue_wan is None:
        return None
    for size, min_staff, min_revenue in SIZE_BOUNDS:
        if staff >= min_staff and revenue_wan >= min_revenue:
            return size
    return "micro"


def _check_outside(row: EnterpriseYearFacts) -> None:
    """The part outside the platform's agreements is part of the year's spending and investment."""
    outside = row.outside_agreements_wan
    if outside is None or (row.cooperation_spending_wan is None and row.cooperation_investment_wan is None):
        return
    if outside > (row.cooperation_spending_wan or 0) + (row.cooperation_investment_wan or 0):
        raise field_error(
            ["body", "outside_agreements_wan"],
            "exceeds_total",
            "平台协议以外的金额不能超过校企合作经费支出与投入之和",
            "The part outside the platform's agreements cannot exceed spending and investment together",
        )


def public(row: EnterpriseYearFacts) -> EnterpriseYearPublic:
    return render(row, derived=derive_size_class(row.staff, row.revenue_wan))


class NotAnEnterprise(Conflict):
    slug = "enterprise-facts-not-an-enterprise"
    title_zh, title_en = "该单位不是企业", "Organization is not an enterprise"


class EnterpriseYearNotFound(NotFound):
    slug = "enterprise-year-not-found"
    title_zh, title_en = "没有该年度的企业数据", "No enterprise facts for that year"


def not_found(year: int) -> EnterpriseYearNotFound:
    return EnterpriseYearNotFound(
        detail_zh=f"该单位没有 {year} 年的企业年度数据",
        detail_en=f"This organization has no enterprise facts for {year}",
    )


async def ensure_enterprise(session: AsyncSession, org_id: uuid.UUID, *, for_update: bool = False) -> None:
    """404 for no live organization; 409 unless it is an enterprise (企业 or 教育培训型企业)."""
    org = await organizations.get_organization(session, org_id, for_update=for_update)
    if org.org_type not in ENTERPRISE_TYPES:
        raise NotAnEnterprise(
            detail_zh="只有企业（含教育培训型企业）登记企业年度数据",
            detail_en="Only enterprises (training companies included) keep enterprise facts",
            extra={"org_type": org.org_type},
        )


async def _find(session: AsyncSession, org_id: uuid.UUID, year: int, *, for_update: bool) -> EnterpriseYearFacts | None:
    stmt = sa.select(EnterpriseYearFacts).where(EnterpriseYearFacts.org_id == org_id, EnterpriseYearFacts.year == year)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_year(session: AsyncSession, *, org_id: uuid.UUID, year: int) -> EnterpriseYearFacts:
    await organizations.get_organization(session, org_id)
    row = await _find(session, org_id, year, for_update=False)
    if row is None:
        raise not_found(year)
    return row


async def list_years(session: AsyncSession, *, org_id: uuid.UUID) -> list[EnterpriseYearFacts]:
    await organizations.get_organization(session, org_id)
    stmt = sa.select(EnterpriseYearFacts).where(EnterpriseYearFacts.org_id == org_id).order_by(EnterpriseYearFacts.year)
    return list((await session.execute(stmt)).scalars())


def _values(data: EnterpriseYearBody, fields: set[str] | None = None) -> dict[str, Any]:
    out = {}
    for k in FIELDS:
        if fields is None or k in fields:
            v = getattr(data, k)
            out[k] = v.value if hasattr(v, "value") else v
    return out


async def put_year(
    session: AsyncSession, *, org_id: uuid.UUID, year: int, data: EnterpriseYearBody, if_match: str | None, actor: str
) -> tuple[EnterpriseYearFacts, bool]:
    """Create or replace the year's facts as a whole (a field left out is not recorded); returns (row, created)."""
    await ensure_enterprise(session, org_id, for_update=True)
    values = _values(data)
    row = await _find(session, org_id, year, for_update=True)
    if row is None:
        if if_match is not None:
            raise PreconditionFailed(
                detail_zh="该年度数据尚不存在，If-Match 不匹配", detail_en="No facts for that year yet; If-Match fails"
            )
        stamp = now()
        row = EnterpriseYearFacts(
            id=new_id(), org_id=org_id, year=year, version=1, created_at=stamp, updated_at=stamp, **values
        )
        _check_outside(row)
        session.add(row)
        await AUDIT.created(session, row, actor=actor)
        return row, True
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    row.sqlmodel_update(values)
    _check_outside(row)
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row, False


async def patch_year(
    session: AsyncSession, *, org_id: uuid.UUID, year: int, data: EnterpriseYearPatch, if_match: str | None, actor: str
) -> EnterpriseYearFacts:
    await ensure_enterprise(session, org_id)
    row = await _find(session, org_id, year, for_update=True)
    if row is None:
        raise not_found(year)
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    row.sqlmodel_update(_values(data, data.model_fields_set))
    _check_outside(row)
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row


async def delete_year(session: AsyncSession, *, org_id: uuid.UUID, year: int, if_match: str | None, actor: str) -> None:
    await organizations.get_organization(session, org_id)
    row = await _find(session, org_id, year, for_update=True)
    if row is None:
        raise not_found(year)
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    await session.execute(sa.delete(EnterpriseYearFacts).where(EnterpriseYearFacts.id == row.id))
    await AUDIT.deleted(session, row, actor=actor, before=before)


@dataclass(frozen=True)
class EnterpriseSums:
    enterprises_reporting: int
    staff: int
    frontline_technical_staff: int
    rd_staff: int
    cooperation_spending_wan: Decimal
    cooperation_investment_wan: Decimal
    outside_agreements_wan: Decimal
    with_pe_office: int
    by_size: dict[str, int]
    by_ownership: dict[str, int]


async def sums(session: AsyncSession, *, org_ids: list[uuid.UUID], year: int) -> EnterpriseSums:
    """The enterprises' facts of `year` summed: the figures of an alliance's members (member_facts)."""
    rows = list(
        (
            await session.execute(
                sa.select(EnterpriseYearFacts).where(
                    EnterpriseYearFacts.year == year, EnterpriseYearFacts.org_id.in_(org_ids)
                )
            )
        ).scalars()
    )
    by_size: dict[str, int] = {}
    by_ownership: dict[str, int] = {}
    for r in rows:
        size = r.size_class or derive_size_class(r.staff, r.revenue_wan)
        if size:
            by_size[size] = by_size.get(size, 0) + 1
        if r.ownership:
            by_ownership[r.ownership] = by_ownership.get(r.ownership, 0) + 1

    def total(name: str) -> Any:
        return sum((getattr(r, name) or 0 for r in rows), start=0)

    return EnterpriseSums(
        enterprises_reporting=len(rows),
        staff=total("staff"),
        frontline_technical_staff=total("frontline_technical_staff"),
        rd_staff=total("rd_staff"),
        cooperation_spending_wan=Decimal(total("cooperation_spending_wan")),
        cooperation_investment_wan=Decimal(total("cooperation_investment_wan")),
        outside_agreements_wan=Decimal(total("outside_agreements_wan")),
        with_pe_office=sum(1 for r in rows if r.pe_office),
        by_size=by_size,
        by_ownership=by_ownership,
    )
