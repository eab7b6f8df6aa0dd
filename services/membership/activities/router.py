"""`/v1/activities` — an alliance's conferences, expert lectures, visits, trainings and competitions, and the year's
figures."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep, ensure_alliance_admin
from chanjiao.dates import IsoDate
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, render_rows
from chanjiao.sync import SYNC_DOC, Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.membership import tenancy
from services.membership.activities import service
from services.membership.activities.access import READ, READERS, WHO, WRITE
from services.membership.activities.models import ActivityKind
from services.membership.activities.schemas import (
    ActivityCreate,
    ActivityFigures,
    ActivityPage,
    ActivityPublic,
    ActivityUpdate,
    render,
)
from services.membership.alliances import service as alliances
from services.membership.tombstone import ListTombstone

ActivityId = Annotated[uuid.UUID, Path(description="活动 ID The activity's id")]
FIGURES_EXAMPLE = {
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "year": 2025,
    "period_rule": service.PERIOD_RULE,
    "activities": 5,
    "headcount": 710,
    "by_kind": [
        {"kind": "lecture", "kind_label": "专家报告会", "count": 4, "headcount": 650},
        {"kind": "visit", "kind_label": "考察交流", "count": 1, "headcount": 60},
    ],
}

router = APIRouter(prefix="/v1/activities", tags=["activities"])

EXAMPLE = {
    "id": "019abf2e-0000-7000-8000-0000000000a7",
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "kind": "lecture",
    "kind_label": "专家报告会",
    "title": "“工匠大讲堂”专家报告会",
    "held_on": "2024-04-18",
    "end_on": None,
    "place": "潍坊职业学院报告厅",
    "host_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "co_organizer_org_ids": [],
    "participant_org_ids": [],
    "headcount": 260,
    "note": None,
    "version": 1,
    "created_at": "2026-11-25T08:00:00Z",
    "updated_at": "2026-11-25T08:00:00Z",
}


@router.post(
    "",
    status_code=201,
    response_model=ActivityPublic,
    dependencies=[WRITE],
    summary="登记活动 Record an activity",
    description="登记联盟举办的研讨会、专家报告会、考察交流、培训、技能竞赛等活动：主办、协办与参加单位，人数、日期与地点。"
    "\n\nThe host, co-organizers and participants are live organizations, each named once (else 422 naming the "
    "field); `end_on` ≥ `held_on`." + WHO,
    responses={201: {"content": {"application/json": {"example": EXAMPLE}}}, **problem_responses(401, 403, 422)},
)
async def create_activity(
    body: ActivityCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_alliance_admin(principal, body.alliance_id)
    row = await service.create(session, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=ActivityPage,
    dependencies=[READ],
    summary="活动列表 List activities",
    description="活动列表：按联盟、活动类型、单位（主办、协办或参加）和日期筛选，游标分页，支持增量同步。\n\n"
    "Filters: `alliance_id`, `kind`, `org_id` (host, co-organizer or participant), `held_from`/`held_to` "
    "(inclusive). Keyset-paginated (`limit`, `cursor` → `next_cursor`)." + SYNC_DOC + READERS,
    responses={
        200: {"content": {"application/json": {"example": {"items": [EXAMPLE], "next_cursor": None}}}},
        **problem_responses(422),
    },
)
async def list_activities(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="联盟 — alliance")] = None,
    kind: Annotated[ActivityKind | None, Query(description="活动类型 — activity kind")] = None,
    org_id: Annotated[
        uuid.UUID | None, Query(description="单位（主办、协办或参加）— host, co-organizer or participant")
    ] = None,
    held_from: Annotated[IsoDate | None, Query(description="活动日期起 — held on or after")] = None,
    held_to: Annotated[IsoDate | None, Query(description="活动日期止 — held on or before")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除的活动", "deleted activities")] = False,
) -> JSONResponse:
    page = await service.list_activities(
        session,
        readable=await tenancy.governance_readers(session, principal),
        alliance_id=alliance_id,
        kind=kind.value if kind else None,
        org_id=org_id,
        held_from=held_from,
        held_to=held_to,
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
    "/figures",
    response_model=ActivityFigures,
    dependencies=[READ],
    summary="活动统计 Activity figures of a year",
    description="联盟某年举办的活动数与参加人次（按活动类型）；活动按首日计入自然年。\n\n"
    "The alliance's activities whose first day (`held_on`) falls in the calendar year, by kind, with their "
    "headcount — e.g. 专家报告会19次 is `by_kind[lecture].count`." + READERS,
    responses={200: {"content": {"application/json": {"example": FIGURES_EXAMPLE}}}, **problem_responses(404, 422)},
)
async def activity_figures(
    session: SessionDep,
    principal: PrincipalDep,
    alliance_id: Annotated[uuid.UUID, Query(description="联盟 — alliance")],
    year: Annotated[int, Query(ge=1949, le=2199, description="自然年 — calendar year")],
) -> ActivityFigures:
    readable = await tenancy.governance_readers(session, principal)
    if (readable is not None and alliance_id not in readable) or not await alliances.is_live(session, alliance_id):
        raise alliances.not_found()
    return await service.figures(session, alliance_id=alliance_id, year=year)


@router.get(
    "/{activity_id}",
    response_model=ActivityPublic,
    dependencies=[READ],
    summary="活动详情 Get an activity",
    description="活动详情，带 `ETag`；只有本联盟的管理员和成员单位可以读取，其他调用方得到 404。"
    "\n\nCarries an `ETag` (`If-None-Match` → 304; `If-Match` on PATCH)." + READERS,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(404),
    },
)
async def get_activity(
    activity_id: ActivityId, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get(session, activity_id, readable=await tenancy.governance_readers(session, principal))
    return not_modified(if_none_match, row.version) or one(render(row))


@router.patch(
    "/{activity_id}",
    response_model=ActivityPublic,
    dependencies=[WRITE],
    summary="修改活动 Update an activity",
    description="部分更新活动，更新后仍须符合登记时的规则；可带 `If-Match`（过期则 412）。\n\n"
    "Partial update; the rules of create apply to the result. Send `If-Match` (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_activity(
    activity_id: ActivityId,
    body: ActivityUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    readable = await tenancy.governance_readers(session, principal)
    row = await service.get(session, activity_id, readable=readable, for_update=True)
    ensure_alliance_admin(principal, row.alliance_id)
    await service.update(session, activity=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    "/{activity_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除活动 Delete an activity",
    description="软删除误录的活动记录，删除后不再计入统计。\n\nSoft delete of an activity entered by mistake." + WHO,
    responses=problem_responses(401, 403, 404, 412),
)
async def delete_activity(
    activity_id: ActivityId, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    readable = await tenancy.governance_readers(session, principal)
    row = await service.get(session, activity_id, readable=readable, for_update=True)
    ensure_alliance_admin(principal, row.alliance_id)
    await service.delete(session, activity=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
