"""`/v1/duties` — duties with deliverables an alliance assigns to organizations (named, or by their seat on a
committee), submitted by the assignee and accepted or returned by the alliance; the year's figures."""

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
from chanjiao.resources import not_modified, one, recorded, render_rows
from chanjiao.sync import SYNC_DOC, Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.membership.alliances import service as alliances
from services.membership.duties import access, service
from services.membership.duties.access import MOVE, READ, READERS, WHO, WRITE
from services.membership.duties.models import DutyStatus
from services.membership.duties.schemas import (
    DutyAssignment,
    DutyCreate,
    DutyFigures,
    DutyPage,
    DutyPublic,
    DutyTransition,
    DutyUpdate,
    render,
)
from services.membership.tombstone import ListTombstone

DutyId = Annotated[uuid.UUID, Path(description="职责 ID The duty's id")]
FIGURES_EXAMPLE = {
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "year": 2025,
    "as_of": "2025-12-31",
    "period_rule": service.PERIOD_RULE,
    "due": 3,
    "accepted": 1,
    "overdue": 2,
}

router = APIRouter(prefix="/v1/duties", tags=["duties"])

EXAMPLE = {
    "id": "019abf2e-0000-7000-8000-0000000000d7",
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "committee_id": "019abf2e-0000-7000-8000-0000000000c1",
    "seat_role": "director_unit",
    "seat_role_label": "主任单位",
    "assignee_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "title": "专业人才需求调研报告",
    "deliverable": "院校所属地区和服务企业行业的专业人才需求调研报告",
    "assigned_on": "2024-01-10",
    "due_on": "2024-06-30",
    "status": "submitted",
    "status_label": "已提交",
    "submitted_on": "2024-06-20",
    "accepted_on": None,
    "submission": "调研报告已上传",
    "review": None,
    "version": 2,
    "created_at": "2026-11-25T08:00:00Z",
    "updated_at": "2026-11-25T08:00:00Z",
}


async def _readable(session, principal, duty_id: DutyId, *, for_update: bool = False):
    duty = await service.get(session, duty_id, for_update=for_update)
    if not access.can_read(principal, duty):
        raise service.not_found()
    return duty


@router.post(
    "",
    status_code=201,
    response_model=DutyAssignment,
    dependencies=[WRITE],
    summary="布置职责 Assign a duty",
    description="联盟或其机构布置一项有交付成果和完成期限的职责：给指定单位，或按席位角色给当天担任该席位的每个单位"
    "（各得一条职责记录）。\n\n"
    "To named organizations (`assignee_org_ids`) or by role (`seat_roles` of `committee_id`: every organization "
    "holding such a seat on `assigned_on`; none → 422 `no_holders`). One duty per organization, answered together."
    + WHO,
    responses={
        201: {"content": {"application/json": {"example": {"items": [{**EXAMPLE, "status": "assigned"}]}}}},
        **problem_responses(401, 403, 422),
    },
)
async def assign_duty(
    body: DutyCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_alliance_admin(principal, body.alliance_id)
    rows = await service.assign(session, data=body, actor=principal.actor)
    answer = DutyAssignment(items=[render(r) for r in rows])
    return await recorded(session, idem, JSONResponse(answer.model_dump(mode="json"), status_code=201))


@router.get(
    "",
    response_model=DutyPage,
    dependencies=[READ],
    summary="职责列表 List duties",
    description="职责列表：按联盟、承担单位、状态和完成期限筛选，游标分页，支持增量同步。\n\n"
    "Filters: `alliance_id`, `assignee_org_id`, `status`, `due_from`/`due_to` (inclusive). Keyset-paginated "
    "(`limit`, `cursor` → `next_cursor`)." + SYNC_DOC + READERS,
    responses={
        200: {"content": {"application/json": {"example": {"items": [EXAMPLE], "next_cursor": None}}}},
        **problem_responses(422),
    },
)
async def list_duties(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="联盟 — alliance")] = None,
    assignee_org_id: Annotated[uuid.UUID | None, Query(description="承担单位 — assignee organization")] = None,
    status: Annotated[DutyStatus | None, Query(description="状态 — status")] = None,
    due_from: Annotated[IsoDate | None, Query(description="完成期限起 — due on or after")] = None,
    due_to: Annotated[IsoDate | None, Query(description="完成期限止 — due on or before")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除的职责", "deleted duties")] = False,
) -> JSONResponse:
    page = await service.list_duties(
        session,
        visible=access.visible(principal),
        alliance_id=alliance_id,
        assignee_org_id=assignee_org_id,
        status=status.value if status else None,
        due_from=due_from,
        due_to=due_to,
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
    response_model=DutyFigures,
    dependencies=[READ],
    summary="职责统计 Duty figures of a year",
    description="联盟某年到期、逾期和验收的职责数；到期按完成期限、验收按验收日期计入自然年，"
    "逾期以今天（往年为 12 月 31 日）判断。\n\nDuties due in the calendar year (`due_on`), accepted in it "
    "(`accepted_on`), and overdue: due in the year, past `due_on` on `as_of` (today, or 31 December of a past "
    "year) and not accepted.\n\n"
    "**谁可以读 Readers:** the alliance's admins, services with `membership:read`, platform admins; anyone else "
    "gets 404.",
    responses={200: {"content": {"application/json": {"example": FIGURES_EXAMPLE}}}, **problem_responses(404, 422)},
)
async def duty_figures(
    session: SessionDep,
    principal: PrincipalDep,
    alliance_id: Annotated[uuid.UUID, Query(description="联盟 — alliance")],
    year: Annotated[int, Query(ge=1949, le=2199, description="自然年 — calendar year")],
) -> DutyFigures:
    allowed = access.sees_all(principal) or alliance_id in access.administered(principal)
    if not allowed or not await alliances.is_live(session, alliance_id):
        raise alliances.not_found()
    return await service.figures(session, alliance_id=alliance_id, year=year)


@router.get(
    "/{duty_id}",
    response_model=DutyPublic,
    dependencies=[READ],
    summary="职责详情 Get a duty",
    description="职责详情，带 `ETag`；只有本联盟的管理员和承担单位可以读取，其他调用方得到 404。"
    "\n\nCarries an `ETag` (`If-None-Match` → 304; `If-Match` on writes)." + READERS,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(404),
    },
)
async def get_duty(
    duty_id: DutyId, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    duty = await _readable(session, principal, duty_id)
    return not_modified(if_none_match, duty.version) or one(render(duty))


@router.patch(
    "/{duty_id}",
    response_model=DutyPublic,
    dependencies=[WRITE],
    summary="修改职责 Update a duty",
    description="修改职责名称、交付成果或完成期限；可带 `If-Match`（过期则 412）。\n\n"
    "Partial update of `title`, `deliverable`, `due_on` (≥ assigned_on). Send `If-Match` (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_duty(
    duty_id: DutyId, body: DutyUpdate, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    duty = await _readable(session, principal, duty_id, for_update=True)
    ensure_alliance_admin(principal, duty.alliance_id)
    await service.update(session, duty=duty, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(duty))
    await session.commit()
    return response


@router.post(
    "/{duty_id}/transitions",
    response_model=DutyPublic,
    dependencies=[MOVE],
    summary="提交或验收职责 Submit, accept or return a duty",
    description="承担单位提交成果（submitted）；联盟管理员验收（accepted）或退回修改（returned），退回后可再次提交。\n\n"
    "assigned → submitted → accepted | returned → submitted. The assignee organization submits; the alliance's "
    "admins accept or return (otherwise 403). `on` defaults to today, never in the future nor before the duty was "
    "assigned or submitted. An illegal move is 409 naming the allowed ones." + READERS,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def transition_duty(
    duty_id: DutyId, body: DutyTransition, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    duty = await _readable(session, principal, duty_id, for_update=True)
    access.ensure_mover(principal, duty, body.to.value)
    await service.transition(session, duty=duty, data=body, if_match=if_match, actor=principal.actor)
    response = one(render(duty))
    await session.commit()
    return response


@router.delete(
    "/{duty_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除职责 Delete a duty",
    description="软删除误布置的职责记录，删除后不再计入统计。\n\nSoft delete of a duty assigned by mistake." + WHO,
    responses=problem_responses(401, 403, 404, 412),
)
async def delete_duty(
    duty_id: DutyId, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    duty = await _readable(session, principal, duty_id, for_update=True)
    ensure_alliance_admin(principal, duty.alliance_id)
    await service.delete(session, duty=duty, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
