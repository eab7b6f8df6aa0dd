"""`/v1/committees` — an alliance's bodies, with seats (member, outside or foreign organizations, other bodies,
alliances; a rank and a category) and positions (people of members, outside experts). Status, plan and composition:
services/membership/committees/routes_composition.py."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.app import SessionDep
from chanjiao.auth import ALLIANCE_ADMIN, Principal, PrincipalDep, allow, ensure_alliance_admin
from chanjiao.dates import IsoDate
from chanjiao.errors import field_error, problem_responses
from chanjiao.etag import IfMatch
from chanjiao.idempotency import IdempotencyDep
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, one, render_rows
from chanjiao.sync import SYNC_DOC, Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.membership import tenancy
from services.membership.committees import seats, service
from services.membership.committees.models import BodyType
from services.membership.committees.schemas import (
    CommitteeCreate,
    CommitteePage,
    CommitteePublic,
    CommitteeUpdate,
    ListTombstone,
    PositionCreate,
    PositionPublic,
    SeatCreate,
    SeatEnd,
    SeatPublic,
    render,
)

router = APIRouter(prefix="/v1/committees", tags=["committees"])
PUBLIC = allow(public=True)
# Who may write (services/membership/tenancy.py): the admins of the committee's alliance, and platform admins.
WRITE = allow(roles=(ALLIANCE_ADMIN,), scopes=("membership:write",), tenant="alliance")
WHO = "\n\n**谁可以 Who:** admins of the committee's alliance and platform admins; another alliance's admin gets 403."

EXAMPLE = {
    "id": "019abf2e-0000-7000-8000-0000000000c1",
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "name": "新能源汽车专业指导委员会",
    "body_type": "specialized_committee",
    "body_type_label": "专业指导委员会",
    "domain": "新能源汽车",
    "description": None,
    "established_on": "2023-03-18",
    "status": "active",
    "status_label": "运行",
    "dissolved_on": None,
    "parent_id": None,
    "version": 1,
    "created_at": "2026-11-25T08:00:00Z",
    "updated_at": "2026-11-25T08:00:00Z",
}
SEAT_EXAMPLE = {
    "id": "019abf2e-0000-7000-8000-0000000000d1",
    "committee_id": EXAMPLE["id"],
    "holder_kind": "organization",
    "holder_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "holder_name": "山东鲁商华实教育科技有限公司",
    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "org_name": "山东鲁商华实教育科技有限公司",
    "outside": False,
    "rank": "deputy_director_unit",
    "rank_label": "副主任单位",
    "category": "training_company",
    "category_label": "教育培训型企业",
    "seat_role": None,
    "seat_role_label": None,
    "start_on": "2023-03-18",
    "end_on": None,
    "end_reason": None,
}
POSITION_EXAMPLE = {
    "id": "019abf2e-0000-7000-8000-0000000000e1",
    "committee_id": EXAMPLE["id"],
    "person_id": "019abf2e-0000-7000-8000-0000000000aa",
    "expert_id": None,
    "person_name": "王建国",
    "title": "秘书长",
    "start_on": "2023-03-18",
    "end_on": None,
}
AsOf = Annotated[IsoDate | None, Query(description="只列出该日在任者 Only those holding it on this day")]


async def _ensure_admin(session: AsyncSession, principal: Principal, committee_id: uuid.UUID) -> None:
    """404 for an unknown committee, 403 unless the principal administers its alliance."""
    committee = await service.get_committee(session, committee_id)
    ensure_alliance_admin(principal, committee.alliance_id)


@router.post(
    "",
    status_code=201,
    response_model=CommitteePublic,
    dependencies=[WRITE],
    summary="设立机构 Create a committee or body",
    description="在联盟内设立理事会、常务理事会、秘书处、工作委员会、专指委、专家智库或专家组等机构；名称在联盟内唯一；"
    "可先以筹建中（preparing）设立，成立时再变更状态。\n\n"
    "理事会, 常务理事会, 秘书处, 工作委员会 (专业建设/就业创业/产学研, 五金 …), 专指委 (one per industry "
    "`domain`), 专家智库 or 专家组 of an alliance; a body may sit inside another (`parent_id`: a 专家组 inside a "
    "专指委). Names are unique within the alliance. `status` is `active` (default) or `preparing` (筹建中, no "
    "`established_on` yet — set by `POST /v1/committees/{id}/transitions`)." + WHO,
    responses={201: {"content": {"application/json": {"example": EXAMPLE}}}, **problem_responses(401, 403, 409, 422)},
)
async def create_committee(
    body: CommitteeCreate, session: SessionDep, principal: PrincipalDep, idem: IdempotencyDep
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_alliance_admin(principal, body.alliance_id)
    row = await service.create_committee(session, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=CommitteePage,
    dependencies=[PUBLIC],
    summary="机构列表 List committees",
    description="联盟的机构与委员会列表（公开）；筛选 `alliance_id`、`body_type`，支持增量同步。 "
    "An alliance's bodies and committees (public). Filters: `alliance_id`, `body_type`. Keyset-paginated "
    "(`limit`, `cursor` → `next_cursor`)."
    + SYNC_DOC
    + "`include_deleted` is accepted for uniformity: no route removes a committee (it is kept with its seats "
    "and positions), so a tombstone comes only for one an operator removed. Seats and positions "
    "(`/{committee_id}/seats`, `/positions`) are unpaged sub-lists: fetch them again when you need them.",
    responses={
        200: {"content": {"application/json": {"example": {"items": [EXAMPLE], "next_cursor": None}}}},
        **problem_responses(422),
    },
)
async def list_committees(
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="联盟 Alliance")] = None,
    body_type: Annotated[BodyType | None, Query(description="机构类型 Body type")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已移除的机构", "removed committees")] = False,
) -> JSONResponse:
    page = await service.list_committees(
        session,
        alliance_id=alliance_id,
        body_type=body_type.value if body_type else None,
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
    )
    return JSONResponse(
        {
            "items": [i.model_dump(mode="json") for i in render_rows(page.rows, render, ListTombstone)],
            "next_cursor": page.next_cursor,
            "sync_token": page.sync_token,
        }
    )


@router.get(
    "/{committee_id}",
    response_model=CommitteePublic,
    dependencies=[PUBLIC],
    summary="机构详情 Get a committee",
    description="机构详情，带 `ETag` 与 `Last-Modified`；修改时把 `ETag` 作为 `If-Match` 发回。\n\n"
    "Carries an ETag for If-Match on PATCH.",
    responses={200: {"content": {"application/json": {"example": EXAMPLE}}}, **problem_responses(404)},
)
async def get_committee(committee_id: uuid.UUID, session: SessionDep) -> JSONResponse:
    return one(render(await service.get_committee(session, committee_id)))


@router.patch(
    "/{committee_id}",
    response_model=CommitteePublic,
    dependencies=[WRITE],
    summary="修改机构 Update a committee",
    description="部分更新机构信息，可带 `If-Match`（过期则 412）。\n\n"
    "Partial update with optional If-Match (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def update_committee(
    committee_id: uuid.UUID,
    body: CommitteeUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    await _ensure_admin(session, principal, committee_id)
    row = await service.update_committee(
        session, committee_id=committee_id, changes=body, if_match=if_match, actor=principal.actor
    )
    response = one(render(row))
    await session.commit()
    return response


@router.post(
    "/{committee_id}/seats",
    status_code=201,
    response_model=SeatPublic,
    dependencies=[WRITE],
    summary="增加席位 Give a seat",
    description="增加一个机构席位：持有者为联盟在册成员单位、外部单位（非成员或境外单位，`outside: true`）、"
    "联盟的另一机构或一个联盟；席位有级别（rank）与可选的类别（category）；同一持有者在同一机构同时只能有一个席位；"
    "成员单位的席位随成员资格结束。\n\n"
    "Holder: exactly one of `org_id`, `holder_committee_id` (another body of the alliance, e.g. its 常务理事会) or "
    "`holder_alliance_id`. An organization needs an active membership of the committee's alliance (joined on or "
    "before `start_on`, else 409) unless the seat is `outside` (a non-member or foreign unit: it must not be an "
    "active member, 422; its seat does not end with any membership). Rank: 主任单位 director_unit, 副主任单位 "
    "deputy_director_unit, 秘书处单位 secretariat_unit, 成员单位 member_unit, 参与单位 participant_unit. Category "
    "(optional): 技工院校 school, 教育培训型企业 training_company, 产业技术及就业支持企业 industry_support, "
    "项目技术支持单位 project_tech_support, 应用推广试点单位 pilot_unit, 技工教育教材开发部门 textbook_department, "
    "联盟校企合作部门 cooperation_department, 产教融合型企业 integration_enterprise, 生产经营型就业企业 employer, "
    "技能大师工作室 master_studio. The former `seat_role` is still accepted instead of rank/category "
    "(docs/api.md). One seat per holder and committee at a time (409); a dissolved committee takes none (409)." + WHO,
    responses={
        201: {"content": {"application/json": {"example": SEAT_EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def add_seat(
    committee_id: uuid.UUID, body: SeatCreate, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:
    await _ensure_admin(session, principal, committee_id)
    seat = await seats.add_seat(session, committee_id=committee_id, data=body, actor=principal.actor)
    public = next(s for s in await seats.list_seats(session, committee_id=committee_id, as_of=None) if s.id == seat.id)
    await session.commit()
    return JSONResponse(
        public.model_dump(mode="json"), status_code=201, headers={"Location": f"/v1/committees/{committee_id}/seats"}
    )


@router.get(
    "/{committee_id}/seats",
    response_model=list[SeatPublic],
    dependencies=[PUBLIC],
    summary="席位 Seats of a committee",
    description="机构的全部席位，或在 `as_of` 当日仍在任的席位。\n\nAll seats, or those held on `as_of`.",
    responses={200: {"content": {"application/json": {"example": [SEAT_EXAMPLE]}}}, **problem_responses(404)},
)
async def list_seats(committee_id: uuid.UUID, session: SessionDep, as_of: AsOf = None) -> JSONResponse:
    held = await seats.list_seats(session, committee_id=committee_id, as_of=as_of)
    return JSONResponse([s.model_dump(mode="json") for s in held])


@router.post(
    "/{committee_id}/seats/{seat_id}/end",
    response_model=SeatPublic,
    dependencies=[WRITE],
    summary="结束席位 End a seat",
    description="设置席位的最后一天（含当日）。\n\nSets the last day of the seat (inclusive)." + WHO,
    responses={
        200: {
            "content": {"application/json": {"example": {**SEAT_EXAMPLE, "end_on": "2025-12-31", "end_reason": "换届"}}}
        },
        **problem_responses(401, 403, 404, 422),
    },
)
async def end_seat(
    committee_id: uuid.UUID, seat_id: uuid.UUID, body: SeatEnd, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:
    await _ensure_admin(session, principal, committee_id)
    await seats.end_seat(session, committee_id=committee_id, seat_id=seat_id, data=body, actor=principal.actor)
    public = next(s for s in await seats.list_seats(session, committee_id=committee_id, as_of=None) if s.id == seat_id)
    await session.commit()
    return JSONResponse(public.model_dump(mode="json"))


@router.post(
    "/{committee_id}/positions",
    status_code=201,
    response_model=PositionPublic,
    dependencies=[WRITE],
    summary="任命职务 Appoint a person to a position",
    description="任命一个人担任机构职务（主任、副主任、秘书长、委员、组长等）；此人须属于联盟的在册成员单位，"
    "或是联盟专家库的外聘专家（`expert_id`）。\n\n"
    "主任, 副主任, 秘书长, 委员, 组长 … held by a person (see /v1/people) or by an outside expert of the alliance's "
    "pool (`expert_id`, see /v1/alliances/{alliance_id}/outside-experts) for a period; exactly one of them. The "
    "person must belong to a current member (active or suspended) of the committee's alliance, else 422 (the same "
    "answer as for no such person). The position — with the person's name — is then the alliance's own record and "
    "public; it does not let the alliance read the person's private record." + WHO,
    responses={
        201: {"content": {"application/json": {"example": POSITION_EXAMPLE}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def add_position(
    committee_id: uuid.UUID, body: PositionCreate, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:
    await _ensure_admin(session, principal, committee_id)
    committee = await service.get_committee(session, committee_id)
    if (
        body.person_id is not None
        and not principal.is_platform_admin
        and not await tenancy.person_of_member(session, body.person_id, committee.alliance_id)
    ):
        # Someone outside the alliance's current members is, to its admins, no one (as a missing person: 422).
        raise field_error(["body", "person_id"], "unknown_person", "没有该人员", "No such person")
    public = await seats.add_position(session, committee_id=committee_id, data=body, actor=principal.actor)
    await session.commit()
    return JSONResponse(public.model_dump(mode="json"), status_code=201)


@router.get(
    "/{committee_id}/positions",
    response_model=list[PositionPublic],
    dependencies=[PUBLIC],
    summary="职务 Positions of a committee",
    description="机构的全部职务，或在 `as_of` 当日仍在任的职务。\n\nAll positions, or those held on `as_of`.",
    responses={200: {"content": {"application/json": {"example": [POSITION_EXAMPLE]}}}, **problem_responses(404)},
)
async def list_positions(committee_id: uuid.UUID, session: SessionDep, as_of: AsOf = None) -> JSONResponse:
    positions = await seats.list_positions(session, committee_id=committee_id, as_of=as_of)
    return JSONResponse([p.model_dump(mode="json") for p in positions])
