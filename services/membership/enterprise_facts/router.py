"""`/v1/organizations/{org_id}/enterprise-years` — an enterprise's facts by calendar year: thin handlers (check the
caller, one service call, answer)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.resources import not_modified, one
from services.membership import tenancy
from services.membership.enterprise_facts import service
from services.membership.enterprise_facts.schemas import (
    EnterpriseYearList,
    EnterpriseYearPatch,
    EnterpriseYearPublic,
    EnterpriseYearPut,
)
from services.membership.yearly_facts import FIRST_YEAR, LAST_YEAR, READ, WHO_READS, WHO_WRITES, WRITE, ensure_reader

router = APIRouter(prefix="/v1/organizations", tags=["yearly-facts"])

YearPath = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="年份（公历年） Calendar year")]

_ORG = "019abf2e-0000-7000-8000-000000000002"
_EXAMPLE = {
    "id": "019abf61-0000-7000-8000-000000000001",
    "org_id": _ORG,
    "year": 2019,
    "staff": 42000,
    "frontline_technical_staff": 6657,
    "rd_staff": 312,
    "revenue_wan": "18920000.00",
    "size_class": "large",
    "size_class_label": "大型",
    "size_class_derived": True,
    "ownership": "state_owned",
    "ownership_label": "国有",
    "cooperation_spending_wan": "3000.00",
    "cooperation_investment_wan": None,
    "outside_agreements_wan": "2600.00",
    "pe_office": "产教融合办公室",
    "pe_office_staff": 6,
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}
RULES = (
    "\n\nRules: the year is the calendar year; counts are the headcounts the enterprise reports for the year, money "
    "is in 万元 (decimal strings, at most 2 places). `cooperation_spending_wan` and `cooperation_investment_wan` are "
    "the year's whole amounts, money outside the platform's agreements included (`outside_agreements_wan` says how "
    "much of them). `size_class` left out is derived from `staff` and `revenue_wan` (both needed) by the 2017 "
    "statistical rule for industry: 大型 ≥ 1000 staff and ≥ 40000 万元, 中型 ≥ 300 and ≥ 2000, 小型 ≥ 20 and ≥ 300, "
    "else 微型 (`size_class_derived: true`). Only enterprises (企业, 教育培训型企业) keep enterprise facts (else 409 "
    "`enterprise-facts-not-an-enterprise`)."
)


@router.get(
    "/{org_id}/enterprise-years",
    response_model=EnterpriseYearList,
    dependencies=[READ],
    summary="企业年度数据 List an enterprise's facts by year",
    description="企业历年的年度数据（职工、研发人员、规模、所有制、校企合作经费、产教融合机构），按年份从早到晚；不分页。\n\n"
    "Every year's facts of the enterprise, oldest first; unpaged." + RULES + WHO_READS,
    responses={
        200: {"content": {"application/json": {"example": {"org_id": _ORG, "items": [_EXAMPLE]}}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def list_enterprise_years(org_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> EnterpriseYearList:
    await ensure_reader(session, principal, org_id)
    rows = await service.list_years(session, org_id=org_id)
    return EnterpriseYearList(org_id=org_id, items=[service.public(r) for r in rows])


@router.get(
    "/{org_id}/enterprise-years/{year}",
    response_model=EnterpriseYearPublic,
    dependencies=[READ],
    summary="某年企业数据 Get an enterprise's facts of one year",
    description="企业某一年的年度数据，带 `ETag`；修改时把 `ETag` 作为 `If-Match` 发回。\n\n"
    "Carries an `ETag` (`If-None-Match` → 304; `If-Match` on PUT/PATCH/DELETE)." + RULES + WHO_READS,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_enterprise_year(
    org_id: uuid.UUID, year: YearPath, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    await ensure_reader(session, principal, org_id)
    row = await service.get_year(session, org_id=org_id, year=year)
    return not_modified(if_none_match, row.version) or one(service.public(row))


@router.put(
    "/{org_id}/enterprise-years/{year}",
    response_model=EnterpriseYearPublic,
    dependencies=[WRITE],
    summary="登记某年企业数据 Put an enterprise's facts of one year",
    description="新建（201）或整体替换（200）企业某一年的数据；未发送的字段为未登记。\n\n"
    "Creates (201) or replaces (200) the year's facts as a whole: a field left out is not recorded. `If-Match` is "
    "optional; a stale tag is 412." + RULES + WHO_WRITES,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        201: {"content": {"application/json": {"example": _EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def put_enterprise_year(
    org_id: uuid.UUID,
    year: YearPath,
    body: EnterpriseYearPut,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    await tenancy.ensure_org_writer(session, principal, org_id)
    row, created = await service.put_year(
        session, org_id=org_id, year=year, data=body, if_match=if_match, actor=principal.actor
    )
    public = service.public(row)
    await session.commit()
    return one(public, 201 if created else 200)


@router.patch(
    "/{org_id}/enterprise-years/{year}",
    response_model=EnterpriseYearPublic,
    dependencies=[WRITE],
    summary="修改某年企业数据 Update an enterprise's facts of one year",
    description="部分更新：只改发送的字段，发送 null 即清除。\n\n"
    "Partial update: only the fields sent change; a field sent as `null` is cleared. Send `If-Match` (stale → 412)."
    + RULES
    + WHO_WRITES,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def patch_enterprise_year(
    org_id: uuid.UUID,
    year: YearPath,
    body: EnterpriseYearPatch,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    await tenancy.ensure_org_writer(session, principal, org_id)
    row = await service.patch_year(
        session, org_id=org_id, year=year, data=body, if_match=if_match, actor=principal.actor
    )
    public = service.public(row)
    await session.commit()
    return one(public)


@router.delete(
    "/{org_id}/enterprise-years/{year}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除某年企业数据 Delete an enterprise's facts of one year",
    description="删除企业某一年的年度数据。\n\nDeletes the year's facts. `If-Match` is optional (stale → 412)."
    + WHO_WRITES,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_enterprise_year(
    org_id: uuid.UUID, year: YearPath, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    await tenancy.ensure_org_writer(session, principal, org_id)
    await service.delete_year(session, org_id=org_id, year=year, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
