"""`/v1/meetings` — meetings of an alliance's bodies: roll, quorum, agenda and resolutions, and the year's figures."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import ALLIANCE_ADMIN, PrincipalDep, allow, ensure_alliance_admin
from chanjiao.dates import IsoDate
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, render_rows
from chanjiao.sync import SYNC_DOC, Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.membership import tenancy
from services.membership.alliances import service as alliances
from services.membership.meetings import service
from services.membership.meetings.models import MeetingKind
from services.membership.meetings.schemas import (
    MeetingCreate,
    MeetingFigures,
    MeetingPage,
    MeetingPublic,
    MeetingUpdate,
    render,
)
from services.membership.tombstone import ListTombstone

MeetingId = Annotated[uuid.UUID, Path(description="会议 ID The meeting's id")]
FIGURES_EXAMPLE = {
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "year": 2025,
    "period_rule": service.PERIOD_RULE,
    "meetings": 2,
    "by_kind": [
        {"kind": "standing_council", "kind_label": "常务理事会", "count": 1},
        {"kind": "council", "kind_label": "理事会", "count": 1},
    ],
    "quorate": 2,
    "resolutions_adopted": 5,
}

router = APIRouter(prefix="/v1/meetings", tags=["meetings"])

READ = allow(scopes=("membership:read",))
# Who may write (services/membership/tenancy.py): the admins of the meeting's alliance, and platform admins.
WRITE = allow(roles=(ALLIANCE_ADMIN,), scopes=("membership:write",), tenant="alliance")
WHO = (
    "\n\n**谁可以 Who:** the admins of the meeting's alliance and platform admins; a member organization that "
    "reads the meeting gets 403, anyone else 404."
)
READERS = (
    "\n\n**谁可以读 Readers:** the alliance's admins and the principals of its member organizations (active or "
    "suspended), services with `membership:read`, platform admins; anyone else gets 404 and an empty list."
)

EXAMPLE = {
    "id": "019abf2e-0000-7000-8000-0000000000f1",
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "committee_id": None,
    "kind": "standing_council",
    "kind_label": "常务理事会",
    "title": "2024 年常务理事会",
    "held_on": "2024-03-15",
    "place": "潍坊职业学院",
    "quorum_rule": "two_thirds",
    "quorum_rule_label": "三分之二以上出席",
    "seats": 3,
    "quorum_base": 3,
    "quorum_base_source": "stated",
    "present_count": 2,
    "quorum_met": True,
    "attendees": [
        {
            "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
            "name": "王建国",
            "status": "present",
            "status_label": "出席",
        }
    ],
    "agenda": ["审议年度工作报告"],
    "resolutions": [
        {
            "no": 1,
            "text": "通过 2023 年度工作报告",
            "votes_for": 2,
            "votes_against": 0,
            "votes_abstain": 0,
            "adopted": True,
        }
    ],
    "note": None,
    "version": 1,
    "created_at": "2026-11-25T08:00:00Z",
    "updated_at": "2026-11-25T08:00:00Z",
}


@router.post(
    "",
    status_code=201,
    response_model=MeetingPublic,
    dependencies=[WRITE],
    summary="登记会议 Record a meeting",
    description="登记联盟或其机构召开的会议：签到名单（出席、委托出席、缺席）、法定人数规则、议程与决议（按顺序编号，"
    "记录赞成、反对、弃权票）；是否达到法定人数、决议是否通过由系统按规则计算。\n\n"
    "A meeting of the alliance itself (`committee_id` null) or of one of its committees. The quorum is derived: "
    "its base is `seats` when stated, else the committee's seats held that day, else the organizations on the "
    "roll; organizations present or by proxy count; `more_than_half` needs more than half, `two_thirds` at least "
    "two thirds, `none` nothing. A resolution with votes is adopted when more than half of the votes cast are for "
    "it at a quorate meeting (a contradicting `adopted` is 422); one without votes states `adopted`, and a meeting "
    "without its quorum adopts nothing (422)." + WHO,
    responses={201: {"content": {"application/json": {"example": EXAMPLE}}}, **problem_responses(401, 403, 422)},
)
async def create_meeting(
    body: MeetingCreate,
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
    response_model=MeetingPage,
    dependencies=[READ],
    summary="会议列表 List meetings",
    description="会议列表：按联盟、机构、会议类型和日期筛选，游标分页，支持增量同步。\n\n"
    "Filters: `alliance_id`, `committee_id`, `kind`, `held_from`/`held_to` (inclusive). Keyset-paginated "
    "(`limit`, `cursor` → `next_cursor`)." + SYNC_DOC + READERS,
    responses={
        200: {"content": {"application/json": {"example": {"items": [EXAMPLE], "next_cursor": None}}}},
        **problem_responses(422),
    },
)
async def list_meetings(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="联盟 — alliance")] = None,
    committee_id: Annotated[uuid.UUID | None, Query(description="机构 — committee that met")] = None,
    kind: Annotated[MeetingKind | None, Query(description="会议类型 — meeting kind")] = None,
    held_from: Annotated[IsoDate | None, Query(description="会议日期起 — held on or after")] = None,
    held_to: Annotated[IsoDate | None, Query(description="会议日期止 — held on or before")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除的会议", "deleted meetings")] = False,
) -> JSONResponse:
    page = await service.list_meetings(
        session,
        readable=await tenancy.governance_readers(session, principal),
        alliance_id=alliance_id,
        committee_id=committee_id,
        kind=kind.value if kind else None,
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
    response_model=MeetingFigures,
    dependencies=[READ],
    summary="会议统计 Meeting figures of a year",
    description="联盟某年召开的会议数（按会议类型）、达到法定人数的会议数和通过的决议数；会议按会议日期计入自然年。\n\n"
    "The alliance's meetings held in the calendar year (`held_on` 1 January – 31 December), by kind, with how "
    "many reached their quorum and how many resolutions they adopted — e.g. 每年召开 1 次常务理事会 is "
    "`by_kind[standing_council].count`." + READERS,
    responses={200: {"content": {"application/json": {"example": FIGURES_EXAMPLE}}}, **problem_responses(404, 422)},
)
async def meeting_figures(
    session: SessionDep,
    principal: PrincipalDep,
    alliance_id: Annotated[uuid.UUID, Query(description="联盟 — alliance")],
    year: Annotated[int, Query(ge=1949, le=2199, description="自然年 — calendar year")],
) -> MeetingFigures:
    readable = await tenancy.governance_readers(session, principal)
    if (readable is not None and alliance_id not in readable) or not await alliances.is_live(session, alliance_id):
        raise alliances.not_found()
    return await service.figures(session, alliance_id=alliance_id, year=year)


@router.get(
    "/{meeting_id}",
    response_model=MeetingPublic,
    dependencies=[READ],
    summary="会议详情 Get a meeting",
    description="会议详情，带 `ETag`；只有本联盟的管理员和成员单位可以读取，其他调用方得到 404。"
    "\n\nCarries an `ETag` (`If-None-Match` → 304; `If-Match` on PATCH)." + READERS,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(404),
    },
)
async def get_meeting(
    meeting_id: MeetingId, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get(session, meeting_id, readable=await tenancy.governance_readers(session, principal))
    return not_modified(if_none_match, row.version) or one(render(row))


@router.patch(
    "/{meeting_id}",
    response_model=MeetingPublic,
    dependencies=[WRITE],
    summary="修改会议 Update a meeting",
    description="部分更新会议；签到名单、议程、决议整体替换，法定人数与表决结果重新计算；"
    "可带 `If-Match`（过期则 412）。"
    "\n\nPartial update: `attendees`, `agenda` and `resolutions` are replaced whole, the quorum and outcomes "
    "derived again (kept resolutions with votes are decided again). Send `If-Match` (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_meeting(
    meeting_id: MeetingId, body: MeetingUpdate, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    readable = await tenancy.governance_readers(session, principal)
    row = await service.get(session, meeting_id, readable=readable, for_update=True)
    ensure_alliance_admin(principal, row.alliance_id)
    await service.update(session, meeting=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    "/{meeting_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除会议 Delete a meeting",
    description="软删除误录的会议；成员资格变更中引用它的记录保留其编号。\n\n"
    "Soft delete of a meeting entered by mistake; membership events that name it keep its id." + WHO,
    responses=problem_responses(401, 403, 404, 412),
)
async def delete_meeting(
    meeting_id: MeetingId, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    readable = await tenancy.governance_readers(session, principal)
    row = await service.get(session, meeting_id, readable=readable, for_update=True)
    ensure_alliance_admin(principal, row.alliance_id)
    await service.delete(session, meeting=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
