"""`/v1/alliances` — the public directory, and the roll's answers for any date."""

from __future__ import annotations

import time
import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from chanjiao import spreadsheets
from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep, ensure_alliance_admin
from chanjiao.dates import IsoDate, today
from chanjiao.errors import field_error, problem_responses
from chanjiao.etag import IfMatch
from chanjiao.idempotency import IdempotencyDep
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, one, render_rows
from chanjiao.spreadsheets import XLSX
from chanjiao.sync import SYNC_DOC, Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.membership.alliances import service
from services.membership.alliances.access import ALLIANCE_WRITE, PLATFORM_WRITE, PUBLIC, WHO_ALLIANCE, WHO_PLATFORM
from services.membership.alliances.models import AllianceKind, AllianceLevel
from services.membership.alliances.schemas import (
    AllianceCreate,
    AlliancePage,
    AlliancePublic,
    AllianceUpdate,
    render,
)
from services.membership.memberships import asof
from services.membership.memberships import imports as member_imports
from services.membership.memberships import service as memberships
from services.membership.memberships.models import MemberRole
from services.membership.memberships.schemas import EXAMPLE as MEMBERSHIP_EXAMPLE
from services.membership.memberships.schemas import Changes, MemberPage, RoleChangesCreate, Structure
from services.membership.organizations.models import OrgType
from services.membership.tombstone import ListTombstone

router = APIRouter(prefix="/v1/alliances", tags=["alliances"])


EXAMPLE = {
    "id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "name": "山东化工职业教育集团",
    "kind": "vocational_education_group",
    "kind_label": "职业教育集团",
    "level": "provincial",
    "founded_on": "2009-06-18",
    "region_code": "370700",
    "guiding_body": "山东省教育厅",
    "lead_org_ids": ["019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b"],
    "charter": "第一章 总则 …",
    "membership_rules": "凡承认本集团章程的单位，经理事会审议通过即可成为成员单位 …",
    "industry_focus": ["化工"],
    "recognitions": [
        {"title": "全国示范性职业教育集团（联盟）培育单位", "level": "national", "year": 2021, "issuer": "教育部"}
    ],
    "version": 1,
    "created_at": "2026-11-25T08:00:00Z",
    "updated_at": "2026-11-25T08:00:00Z",
}
STRUCTURE_EXAMPLE = {
    "alliance_id": EXAMPLE["id"],
    "as_of": "2023-12-31",
    "total": 81,
    "by_org_type": [
        {"key": "government", "label": "政府部门", "count": 1},
        {"key": "enterprise", "label": "企业", "count": 47},
        {"key": "undergraduate", "label": "本科院校", "count": 3},
        {"key": "higher_vocational", "label": "高职院校(含职业本科)", "count": 17},
        {"key": "secondary_vocational", "label": "中职学校", "count": 10},
        {"key": "industry_association", "label": "行业协会/学会", "count": 2},
        {"key": "research_institute", "label": "科研院所", "count": 1},
    ],
    "by_role": [
        {"key": "chair", "label": "理事长单位", "count": 1},
        {"key": "vice_chair", "label": "副理事长单位", "count": 8},
        {"key": "director", "label": "理事单位", "count": 30},
        {"key": "member", "label": "成员单位", "count": 42},
    ],
    "provinces": [{"key": "370000", "label": "山东省", "count": 79}, {"key": "320000", "label": "江苏省", "count": 2}],
    "cities": [{"key": "370700", "label": "潍坊市", "count": 40}, {"key": "370300", "label": "淄博市", "count": 21}],
}


def _timed(payload: dict, started: float, **headers: str) -> JSONResponse:
    ms = (time.perf_counter() - started) * 1000
    return JSONResponse(payload, headers={"Server-Timing": f"app;dur={ms:.1f}", **headers})


@router.post(
    "",
    status_code=201,
    response_model=AlliancePublic,
    dependencies=[PLATFORM_WRITE],
    summary="登记联盟 Create an alliance",
    description="登记一个职业教育集团、技工教育联盟、行业产教融合共同体、市域产教联合体或其他联盟；名称唯一。\n\n"
    "职业教育集团, 技工教育联盟, 行业产教融合共同体, 市域产教联合体 or other: "
    "kind, level, founding date, guiding body, lead organizations, charter, industry focus and recognitions "
    "(kept as entries of the designation register, `/v1/designations`; docs/api.md). "
    "Names are unique.\n\n" + WHO_PLATFORM,
    responses={201: {"content": {"application/json": {"example": EXAMPLE}}}, **problem_responses(401, 403, 409, 422)},
)
async def create_alliance(
    body: AllianceCreate, session: SessionDep, principal: PrincipalDep, idem: IdempotencyDep
) -> Response:
    if idem.replay is not None:
        return idem.replay
    row = await service.create_alliance(session, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=AlliancePage,
    dependencies=[PUBLIC],
    summary="联盟目录 List alliances (public)",
    description="公开的联盟目录，无需凭证；筛选 `kind`、`level`、`q`（名称关键字），支持增量同步。 "
    "The public directory, readable without credentials. Filters: `kind`, `level`, `q` (part of the name). "
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`)."
    + SYNC_DOC
    + "`include_deleted=true` adds a tombstone `{id, deleted: true, deleted_at}` for each deleted alliance.",
    responses={
        200: {"content": {"application/json": {"example": {"items": [EXAMPLE], "next_cursor": None}}}},
        **problem_responses(422),
    },
)
async def list_alliances(
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    kind: Annotated[AllianceKind | None, Query(description="联盟类型 Alliance kind")] = None,
    level: Annotated[AllianceLevel | None, Query(description="级别 Level")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=50, description="名称关键字 Part of the name")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除的联盟", "deleted alliances")] = False,
) -> JSONResponse:
    page = await service.list_alliances(
        session,
        kind=kind.value if kind else None,
        level=level.value if level else None,
        q=q,
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
    "/{alliance_id}",
    response_model=AlliancePublic,
    dependencies=[PUBLIC],
    summary="联盟详情 Get an alliance (public)",
    description="联盟详情，公开可读，带 `ETag` 与 `Last-Modified`；修改或删除时把 `ETag` 作为 `If-Match` 发回。\n\n"
    "Carries an ETag for If-Match on PATCH/DELETE.",
    responses={200: {"content": {"application/json": {"example": EXAMPLE}}}, **problem_responses(404)},
)
async def get_alliance(alliance_id: uuid.UUID, session: SessionDep) -> JSONResponse:
    return one(render(await service.get_alliance(session, alliance_id)))


@router.patch(
    "/{alliance_id}",
    response_model=AlliancePublic,
    dependencies=[ALLIANCE_WRITE],
    summary="修改联盟 Update an alliance",
    description="部分更新联盟信息，可带 `If-Match`（过期则 412）。\n\n"
    "Partial update with optional If-Match (stale → 412).\n\n" + WHO_ALLIANCE,
    responses={
        200: {"content": {"application/json": {"example": {**EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def update_alliance(
    alliance_id: uuid.UUID, body: AllianceUpdate, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> JSONResponse:
    ensure_alliance_admin(principal, alliance_id)
    row = await service.update_alliance(
        session, alliance_id=alliance_id, changes=body, if_match=if_match, actor=principal.actor
    )
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    "/{alliance_id}",
    status_code=204,
    dependencies=[PLATFORM_WRITE],
    summary="删除联盟 Delete an alliance",
    description="软删除联盟；成员资格及其历史记录全部保留。\n\n"
    "Soft delete; memberships and their history are kept.\n\n" + WHO_PLATFORM,
    responses=problem_responses(401, 403, 404, 412),
)
async def delete_alliance(
    alliance_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    await service.delete_alliance(session, alliance_id=alliance_id, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)


AsOf = Annotated[
    IsoDate | None,
    Query(description="查询日期（默认今天，北京时间） The day to answer for (default today, Asia/Shanghai)"),
]


@router.get(
    "/{alliance_id}/structure",
    response_model=Structure,
    dependencies=[PUBLIC],
    summary="成员结构 Structure as of a date",
    description="某一日期的成员结构：按单位类型和成员角色统计在册成员，并列出覆盖的省市，由成员事件计算得出。\n\n"
    "Members (active or suspended) on `as_of`, counted by organization type and by role, with the "
    "provinces and cities they cover — the report line 现有成员单位 81 家，其中政府部门 1 家、企业 47 家 … for any "
    "day, computed from the membership events. `Server-Timing` gives the server time.",
    responses={200: {"content": {"application/json": {"example": STRUCTURE_EXAMPLE}}}, **problem_responses(404, 422)},
)
async def get_structure(alliance_id: uuid.UUID, session: SessionDep, as_of: AsOf = None) -> JSONResponse:
    started = time.perf_counter()
    await service.get_alliance(session, alliance_id)
    result = await asof.structure(session, alliance_id=alliance_id, as_of=as_of or today())
    return _timed(result.model_dump(mode="json"), started)


@router.get(
    "/{alliance_id}/changes",
    response_model=Changes,
    dependencies=[PUBLIC],
    summary="成员变动 Joined, exited and role changes in a period",
    description="某一期间内的成员变动：新增成员、退出成员和角色变更，用于年度报告中的变动说明。\n\n"
    "新增 (first entry into active), 退出 (withdrawn or expelled while a member) and role changes with "
    "`period_start` ≤ effective_on ≤ `period_end` — the report line 新增成员 3 家，退出 1 家 for any period — and "
    "`type_changed`: members whose type changed in the period on a day they were members (技工学校 → 技师学院: "
    "the line 4所技师学院成功改建).",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "alliance_id": EXAMPLE["id"],
                        "period_start": "2023-01-01",
                        "period_end": "2023-12-31",
                        "joined": [
                            {
                                "id": MEMBERSHIP_EXAMPLE["id"],
                                "membership_id": MEMBERSHIP_EXAMPLE["id"],
                                "org_id": MEMBERSHIP_EXAMPLE["org_id"],
                                "org_name": "山东化工职业学院",
                                "effective_on": "2023-04-15",
                                "from_role": "member",
                                "role": "member",
                                "to": "active",
                            }
                        ],
                        "exited": [],
                        "role_changed": [],
                        "type_changed": [],
                    }
                }
            }
        },
        **problem_responses(404, 422),
    },
)
async def get_changes(
    alliance_id: uuid.UUID,
    session: SessionDep,
    period_start: Annotated[IsoDate, Query(description="期间开始（含） Period start (inclusive)")],
    period_end: Annotated[IsoDate, Query(description="期间结束（含） Period end (inclusive)")],
) -> JSONResponse:
    started = time.perf_counter()
    if period_end < period_start:
        raise field_error(
            ["query", "period_end"], "period_order", "结束日期不能早于开始日期", "The end is before the start"
        )
    await service.get_alliance(session, alliance_id)
    result = await asof.changes(session, alliance_id=alliance_id, start=period_start, end=period_end)
    return _timed(result.model_dump(mode="json"), started)


@router.get(
    "/{alliance_id}/members",
    response_model=MemberPage,
    dependencies=[PUBLIC],
    summary="成员名录 Members as of a date (public)",
    description="Who was a member (active or suspended), and in which role, on `as_of`; filters `role`, `org_type`. "
    "With `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` every member on `as_of` (same "
    "filters, no paging, at most 50,000 — else 422) comes back as an `.xlsx` roll — 单位名称, 单位类型, 行政区划代码, "
    "统一社会信用代码, 成员角色, 状态, 入会日期, then 成员资格ID and 单位ID (the ids of the JSON lists) — in the "
    "layout `POST /v1/alliances/{alliance_id}/member-imports` accepts back (it ignores the id columns)."
    "\n\n某日的成员名录（公开），支持增量同步。A row is a membership (`id` = `membership_id`): a transition — "
    "joining, leaving, suspension, a role change — writes it, so it comes in the next token pull."
    + SYNC_DOC
    + "`include_deleted=true` (use it when you sync) adds a tombstone `{id, deleted: true, deleted_at}` for each "
    "membership of the alliance that is not on the filtered roll on `as_of` — a member that left or was "
    "expelled, or no longer matches `role` — so your copy drops it.",
    responses={
        200: {
            "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
                "application/json": {
                    "example": {
                        "as_of": "2023-12-31",
                        "next_cursor": None,
                        "items": [
                            {
                                "id": MEMBERSHIP_EXAMPLE["id"],
                                "membership_id": MEMBERSHIP_EXAMPLE["id"],
                                "org_id": MEMBERSHIP_EXAMPLE["org_id"],
                                "org_name": "山东化工职业学院",
                                "org_type": "higher_vocational",
                                "region_code": "370702",
                                "role": "vice_chair",
                                "role_label": "副理事长单位",
                                "status": "active",
                                "updated_at": "2026-11-25T08:00:00Z",
                            }
                        ],
                    }
                },
            }
        },
        **problem_responses(404, 422),
    },
)
async def list_members(
    alliance_id: uuid.UUID,
    session: SessionDep,
    as_of: AsOf = None,
    role: Annotated[MemberRole | None, Query(description="成员角色 Member role")] = None,
    org_type: Annotated[OrgType | None, Query(description="单位类型 Organization type")] = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("不在名录上的成员资格（已退出等）", "memberships not on the roll (left, …)")
    ] = False,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    started = time.perf_counter()
    await service.get_alliance(session, alliance_id)
    day = as_of or today()
    if accept and XLSX in accept:
        return await _members_workbook(
            session,
            alliance_id=alliance_id,
            as_of=day,
            role=role.value if role else None,
            org_type=org_type.value if org_type else None,
        )
    since = Since.of(since_token, updated_since)
    page = await asof.members_page(
        session,
        alliance_id=alliance_id,
        as_of=day,
        role=role.value if role else None,
        org_type=org_type.value if org_type else None,
        since=since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
    )
    return _timed(
        {
            "as_of": day.isoformat(),
            "items": [i.model_dump(mode="json") for i in page.items],
            "next_cursor": page.next_cursor,
            "sync_token": page.sync_token,
        },
        started,
    )


async def _members_workbook(
    session: AsyncSession, *, alliance_id: uuid.UUID, as_of: date, role: str | None, org_type: str | None
) -> Response:
    """The `.xlsx` answer of `GET /v1/alliances/{id}/members` (the alliance is already checked): the roll in the
    layout the member import reads back (services/membership/memberships/imports.py)."""
    rows = await member_imports.roll(session, alliance_id=alliance_id, as_of=as_of, role=role, org_type=org_type)
    content = await run_in_threadpool(member_imports.build_export, rows)
    day = as_of.isoformat()
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": spreadsheets.attachment(f"members-{day}.xlsx", f"成员名录-{day}.xlsx")},
    )


@router.post(
    "/{alliance_id}/role-changes",
    response_model=list[dict],
    dependencies=[ALLIANCE_WRITE],
    summary="批量变更角色 Change several roles at once",
    description="在同一生效日期一次完成多项角色变更，全部成功或全部不做，例如理事长交接时始终只有一位理事长。\n\n"
    "Applies every change as one act on `effective_on` (all or nothing), e.g. a chair hand-over: the "
    "outgoing chair steps down before the new one steps up, so the one-chair rule holds throughout. Each change is "
    "an event of its membership.\n\n" + WHO_ALLIANCE,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": [{**MEMBERSHIP_EXAMPLE, "role": "chair", "role_label": "理事长单位", "events": None}]
                }
            }
        },
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def change_roles(
    alliance_id: uuid.UUID, body: RoleChangesCreate, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:
    ensure_alliance_admin(principal, alliance_id)
    await service.get_alliance(session, alliance_id)
    rows = await memberships.change_roles(session, alliance_id=alliance_id, data=body, actor=principal.actor)
    public = await memberships.render(session, rows)
    await session.commit()
    return JSONResponse([p.model_dump(mode="json", by_alias=True) for p in public])
