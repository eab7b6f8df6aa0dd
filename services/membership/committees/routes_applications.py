"""`/v1/committees/{committee_id}/applications` — applications 申报 for a seat (services/membership/committees/
applications.py): an organization applies, the committee's alliance's admins accept (the seat is given) or decline."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, PrincipalDep, allow, ensure_alliance_admin
from chanjiao.errors import Forbidden, NotFound, problem_responses
from services.membership.committees import applications, service
from services.membership.committees.schemas import ApplicationCreate, ApplicationDecision, ApplicationPublic
from services.membership.tenancy import is_reader_service

router = APIRouter(prefix="/v1/committees", tags=["committees"])
APPLY = allow(roles=(ORG_ADMIN, ALLIANCE_ADMIN), scopes=("membership:write",), tenant="organization")
DECIDE = allow(roles=(ALLIANCE_ADMIN,), scopes=("membership:write",), tenant="alliance")
READ = allow(scopes=("membership:read",))
ApplicationId = Annotated[uuid.UUID, Path(description="申报 ID The application's id")]

EXAMPLE = {
    "id": "019abf2e-0000-7000-8000-0000000000a1",
    "committee_id": "019abf2e-0000-7000-8000-0000000000c1",
    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "org_name": "广东省粤东技师学院",
    "rank": "member_unit",
    "rank_label": "成员单位",
    "category": "school",
    "category_label": "技工院校",
    "note": "自愿申报参与新餐饮专指委",
    "applied_on": "2026-11-25",
    "status": "pending",
    "status_label": "已申报",
    "decided_on": None,
    "reason": None,
    "seat_id": None,
}


@router.post(
    "/{committee_id}/applications",
    status_code=201,
    response_model=ApplicationPublic,
    dependencies=[APPLY],
    summary="申报席位 Apply for a seat",
    description="单位自愿申报加入机构（专指委等），写明申报的席位级别与类别；由联盟管理员接受或不接受。\n\n"
    "An organization applies for a seat (rank, optional category), dated today; one pending application per "
    "organization and committee (409); a dissolved committee takes none (409). Non-members may apply (an outside "
    "unit's seat when accepted)."
    "\n\n**谁可以 Who:** the applying organization's org_admin, admins of the committee's alliance (on its behalf) "
    "and platform admins; anyone else gets 403.",
    responses={
        201: {"content": {"application/json": {"example": EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def apply(
    committee_id: uuid.UUID, body: ApplicationCreate, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:
    committee = await service.get_committee(session, committee_id)
    if not (principal.administers_alliance(committee.alliance_id) or principal.acts_for_org(body.org_id, (ORG_ADMIN,))):
        raise Forbidden(
            detail_zh="只有申报单位的管理员或该联盟的管理员可以申报",
            detail_en="Only the applying organization's admin or the alliance's admins may apply",
        )
    public = await applications.apply(session, committee_id=committee_id, data=body, actor=principal.actor)
    await session.commit()
    return JSONResponse(
        public.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/v1/committees/{committee_id}/applications"},
    )


@router.get(
    "/{committee_id}/applications",
    response_model=list[ApplicationPublic],
    dependencies=[READ],
    summary="申报列表 Applications to a committee",
    description="机构收到的申报（按申报日期）：联盟管理员与只读服务看到全部，申报单位的人员只看到本单位的申报；"
    "其他人得到 404。\n\nThe committee's applications by date (unpaged): its alliance's admins and reader services "
    "see all; a principal of an organization sees only its own; anyone else gets 404.",
    responses={200: {"content": {"application/json": {"example": [EXAMPLE]}}}, **problem_responses(404)},
)
async def list_applications(committee_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> JSONResponse:
    committee = await service.get_committee(session, committee_id)
    if principal.administers_alliance(committee.alliance_id) or is_reader_service(principal):
        org_id = None
    elif principal.org_id is not None:
        org_id = uuid.UUID(principal.org_id)
    else:
        raise NotFound(detail_zh="没有可查看的申报", detail_en="No applications you may read")
    rows = await applications.list_applications(session, committee_id=committee_id, org_id=org_id)
    return JSONResponse([r.model_dump(mode="json") for r in rows])


@router.post(
    "/{committee_id}/applications/{application_id}/decision",
    response_model=ApplicationPublic,
    dependencies=[DECIDE],
    summary="处理申报 Accept or decline an application",
    description="接受申报即按席位规则给予席位（非成员单位为外部单位席位），或不接受；每份申报只处理一次。\n\n"
    "`{to: accepted | declined, start_on, reason}`: accepting gives the seat by the seat rules (a member's seat "
    "from `start_on`, default today; a non-member's is `outside`; an overlapping seat is 409); a decided "
    "application is 409."
    "\n\n**谁可以 Who:** admins of the committee's alliance and platform admins; another alliance's admin gets 403.",
    responses={
        200: {"content": {"application/json": {"example": {**EXAMPLE, "status": "accepted"}}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def decide(
    committee_id: uuid.UUID,
    application_id: ApplicationId,
    body: ApplicationDecision,
    session: SessionDep,
    principal: PrincipalDep,
) -> JSONResponse:
    committee = await service.get_committee(session, committee_id)
    ensure_alliance_admin(principal, committee.alliance_id)
    public = await applications.decide(
        session, committee_id=committee_id, application_id=application_id, data=body, actor=principal.actor
    )
    await session.commit()
    return JSONResponse(public.model_dump(mode="json"))
