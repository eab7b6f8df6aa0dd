"""`/v1/organizations/{id}/majors`, `/school-stats` and `/status-changes` — sub-resources of one organization."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import one, recorded
from chanjiao.sync import SYNC_DOC, Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.membership import tenancy
from services.membership.organizations import school, service
from services.membership.organizations.access import ORG_WRITE, READ, WHO_EDITS
from services.membership.organizations.schemas import (
    FIRST_YEAR,
    LAST_YEAR,
    MajorList,
    MajorsReplace,
    SchoolStatsList,
    SchoolStatsPublic,
    SchoolStatsPut,
    StatusChangeCreate,
    StatusEventPage,
    StatusEventPublic,
    render_school_stats,
    render_status_event,
)

router = APIRouter()

YearPath = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="年份 Year")]

_ORG = "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b"
_MAJORS_EXAMPLE = {
    "org_id": _ORG,
    "items": [
        {
            "year": 2025,
            "major_code": "460104",
            "major_name": "机械制造及自动化",
            "code_known": True,
            "enrolment": 120,
            "graduates": 98,
        }
    ],
}
_STATS_EXAMPLE = {
    "org_id": _ORG,
    "year": 2025,
    "full_time_enrolment": 4200,
    "students": 12800,
    "graduates": 3900,
    "version": 1,
    "updated_at": "2026-11-25T08:00:00+00:00",
}
_EVENT_EXAMPLE = {
    "id": "019abf30-0000-7000-8000-000000000001",
    "org_id": _ORG,
    "from": "active",
    "to": "inactive",
    "effective_on": "2025-06-30",
    "reason": "企业注销",
    "actor": "user:secretariat",
    "recorded_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


# ---- majors -------------------------------------------------------------------------------------
@router.get(
    "/{org_id}/majors",
    response_model=MajorList,
    dependencies=[READ],
    summary="学校专业 List a school's majors",
    description="学校各年开设的职业教育专业及其招生、毕业人数，按年份和专业代码排序，可只看某一年；"
    "不分页，变更随单位同步。\n\n"
    "The vocational majors (职业教育专业目录 2021) a school ran, per year, with enrolment and graduates, "
    "ordered by year and code. `year` narrows to one year. Codes not in the shipped table carry `code_known: false`. "
    "Unpaged: a change moves the organization on, so refetch when the organization comes with a sync pull.",
    responses={200: {"content": {"application/json": {"example": _MAJORS_EXAMPLE}}}, **problem_responses(404, 422)},
)
async def list_majors(
    org_id: uuid.UUID,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="只看该年份 Only this year")] = None,
) -> MajorList:
    rows = await school.list_majors(session, org_id=org_id, year=year)
    return MajorList(org_id=org_id, items=await school.render_majors(session, rows))


@router.put(
    "/{org_id}/majors",
    response_model=MajorList,
    dependencies=[ORG_WRITE],
    summary="登记某年专业 Replace a school's majors for one year",
    description="用所发送的列表整体替换学校某一年的专业（空列表即删除该年），其他年份不变；只有学校可以登记专业。"
    "\n\n"
    "The majors of `year` become exactly the list sent (an empty list removes that year); other years "
    "are untouched. Major codes are 6 digits with an optional K; each appears once. Only schools "
    "(undergraduate, higher/secondary vocational, technician colleges) keep majors (else 409). Answers the "
    "year's rows. A change also moves the organization's `version` and `updated_at` on, so it syncs on "
    "`GET /v1/organizations` (docs/sync.md). 登记后单位的版本号随之更新，可通过单位列表增量同步。\n\n" + WHO_EDITS,
    responses={
        200: {"content": {"application/json": {"example": _MAJORS_EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def replace_majors(
    org_id: uuid.UUID, body: MajorsReplace, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:
    await tenancy.ensure_org_writer(session, principal, org_id)
    rows = await school.replace_majors(session, org_id=org_id, data=body, actor=principal.actor)
    result = MajorList(org_id=org_id, items=await school.render_majors(session, rows))
    await session.commit()
    return JSONResponse(result.model_dump(mode="json"))


# ---- school statistics ----------------------------------------------------------------------------
@router.get(
    "/{org_id}/school-stats",
    response_model=SchoolStatsList,
    dependencies=[READ],
    summary="办学数据 List a school's yearly statistics",
    description="学校历年的办学数据：年招收全日制学生、在校生和毕业生人数，按年份从早到晚排列；不分页，变更随单位同步。\n\n"
    "Every year's 年招收全日制学生 (`full_time_enrolment`), 在校生 (`students`) and 毕业生 (`graduates`), "
    "oldest first. Unpaged: a change moves the organization on, so refetch when the organization comes with a "
    "sync pull.",
    responses={
        200: {"content": {"application/json": {"example": {"org_id": _ORG, "items": [_STATS_EXAMPLE]}}}},
        **problem_responses(404, 422),
    },
)
async def list_school_stats(org_id: uuid.UUID, session: SessionDep) -> SchoolStatsList:
    rows = await school.list_school_stats(session, org_id=org_id)
    return SchoolStatsList(org_id=org_id, items=[render_school_stats(r) for r in rows])


@router.get(
    "/{org_id}/school-stats/{year}",
    response_model=SchoolStatsPublic,
    dependencies=[READ],
    summary="某年办学数据 Get a school's statistics for one year",
    description="学校某一年的办学数据，带 `ETag` 与 `Last-Modified`；修改时把 `ETag` 作为 `If-Match` 发回。\n\n"
    "Carries an `ETag`; send it as `If-Match` when you PUT.",
    responses={200: {"content": {"application/json": {"example": _STATS_EXAMPLE}}}, **problem_responses(404, 422)},
)
async def get_school_stats(org_id: uuid.UUID, year: YearPath, session: SessionDep) -> JSONResponse:
    row = await school.get_school_stats(session, org_id=org_id, year=year)
    return one(render_school_stats(row))


@router.put(
    "/{org_id}/school-stats/{year}",
    response_model=SchoolStatsPublic,
    dependencies=[ORG_WRITE],
    summary="登记某年办学数据 Put a school's statistics for one year",
    description="新建（201）或替换（200）学校某一年的办学数据，各项不小于 0；只有学校可以登记。"
    "数据变更后单位的版本号随之更新，可通过单位列表增量同步。\n\n"
    "Creates (201) or replaces (200) the year's figures, each ≥ 0. Only schools keep them (else 409). "
    "`If-Match` is optional; a stale tag is 412. A change also moves the organization's `version` and "
    "`updated_at` on, so it syncs on `GET /v1/organizations` (docs/sync.md).\n\n" + WHO_EDITS,
    responses={
        200: {"content": {"application/json": {"example": {**_STATS_EXAMPLE, "version": 2}}}},
        201: {"content": {"application/json": {"example": _STATS_EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def put_school_stats(
    org_id: uuid.UUID,
    year: YearPath,
    body: SchoolStatsPut,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    await tenancy.ensure_org_writer(session, principal, org_id)
    row, created = await school.put_school_stats(
        session, org_id=org_id, year=year, data=body, if_match=if_match, actor=principal.actor
    )
    public = render_school_stats(row)
    await session.commit()
    return one(public, 201 if created else 200)


# ---- status changes ---------------------------------------------------------------------------------
@router.post(
    "/{org_id}/status-changes",
    status_code=201,
    response_model=StatusEventPublic,
    dependencies=[ORG_WRITE],
    summary="变更单位状态 Change an organization's status",
    description="记录一次带日期的状态变更（启用与停用互转），生效日期不得晚于今天，也不得早于上一次变更；"
    "变更记录永久保存。\n\n"
    "Records a dated event `active → inactive` or `inactive → active` (anything else is 409 naming the "
    "allowed target). `effective_on` defaults to today (Asia/Shanghai), may not be in the future (422) nor before "
    "the latest change (409). The organization's `status` becomes `to` and its version (ETag) moves on. Events are "
    "kept forever. Send `Idempotency-Key` so a retry never records twice.\n\n" + WHO_EDITS,
    responses={
        201: {"content": {"application/json": {"example": _EVENT_EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def create_status_change(
    org_id: uuid.UUID,
    body: StatusChangeCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    await tenancy.ensure_org_writer(session, principal, org_id)
    event = await service.change_status(session, org_id=org_id, data=body, actor=principal.actor)
    response = JSONResponse(
        render_status_event(event).model_dump(mode="json", by_alias=True),
        status_code=201,
        headers={"Location": f"/v1/organizations/{org_id}/status-changes"},
    )
    return await recorded(session, idem, response)


@router.get(
    "/{org_id}/status-changes",
    response_model=StatusEventPage,
    dependencies=[READ],
    summary="状态变更记录 List an organization's status changes",
    description="单位的全部状态变更事件，按时间先后（键集分页），支持增量同步。 "
    "Every status event, oldest first (keyset-paginated: `limit`, `cursor` → `next_cursor`)."
    + SYNC_DOC
    + "`include_deleted` is accepted for uniformity: the history is append-only (an event is never changed nor "
    "removed), so there are no tombstones.",
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EVENT_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(404, 422),
    },
)
async def list_status_changes(
    org_id: uuid.UUID,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（变更记录只增不删）", "none (the history is append-only)")
    ] = False,
) -> JSONResponse:
    page = await service.list_status_events(
        session, org_id=org_id, since=Since.of(since_token, updated_since), cursor=cursor, limit=limit
    )
    result = StatusEventPage(
        items=[render_status_event(e) for e in page.rows], next_cursor=page.next_cursor, sync_token=page.sync_token
    )
    return JSONResponse(result.model_dump(mode="json", by_alias=True))
