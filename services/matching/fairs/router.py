"""`/v1/fairs` — thin endpoints for the fair itself: check the caller and the membership facts it names, call one
service function, answer (services/matching/fairs/service.py has the rules)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import field_error, problem_responses
from chanjiao.etag import IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, recorded
from chanjiao.sync import SYNC_DOC, Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.matching.agreements.membership import membership_directory
from services.matching.fairs import access, service
from services.matching.fairs.access import MANAGE, READ, VISIBLE, WHO_MANAGE, FairId
from services.matching.fairs.models import Fair, FairStatus
from services.matching.fairs.schemas import EXAMPLE_IN, FairCreate, FairPage, FairPublic, FairTransitionCreate, render

router = APIRouter(prefix="/v1/fairs", tags=["fairs"])

_EXAMPLE: dict[str, Any] = {
    "id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f2b",
    **EXAMPLE_IN,
    "status": "open",
    "status_label": "进行中",
    "allowed_transitions": ["closed"],
    "version": 2,
    "created_at": "2027-02-01T02:00:00+00:00",
    "updated_at": "2027-03-15T01:00:00+00:00",
}


async def _check_references(request: Request, body: FairCreate) -> None:
    """The organizer is an existing, active organization and the alliance, when given, exists (membership)."""
    directory = membership_directory(request)
    org = await directory.org(body.organizer_org_id)
    alliance_ok = body.alliance_id is None or await directory.alliance_exists(body.alliance_id)
    if org is None or not org.is_active:
        raise field_error(
            ["body", "organizer_org_id"], "exists", "主办单位不存在或已停用", "No such active organization"
        )
    if not alliance_ok:
        raise field_error(["body", "alliance_id"], "exists", "联盟不存在", "No such alliance")


@router.post(
    "",
    status_code=201,
    response_model=FairPublic,
    dependencies=[MANAGE],
    summary="创建供需对接会 Create a fair",
    description="创建一场供需对接会（双选会），状态为筹备中；企业与院校随后为其需求和供给报名。\n\n"
    "A fair (供需对接会 / 双选会), created `planned`. `organizer_org_id` must be an existing, active organization and "
    "`alliance_id`, when given, an existing alliance (422 naming the field; 503 with `Retry-After` when membership "
    "cannot confirm); `period_end ≥ held_on`. Send `Idempotency-Key` so a retry never creates it twice." + WHO_MANAGE,
    responses={
        201: {"content": {"application/json": {"example": {**_EXAMPLE, "status": "planned"}}}},
        **problem_responses(400, 401, 403, 422, 503),
    },
)
async def create_fair(
    request: Request,
    body: FairCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    access.ensure_manager(principal, body.organizer_org_id, body.alliance_id)
    service.check_create(body)
    await _check_references(request, body)
    row = await service.create(session, body, principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=FairPage,
    dependencies=[READ],
    summary="查询供需对接会 List fairs",
    description="按联盟、主办单位、状态和地区筛选对接会，游标分页。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`); filters `alliance_id`, `organizer_org_id`, `status`, "
    "`region_code` (a prefix: `37` is the province)." + SYNC_DOC + "a fair is never deleted." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(400, 401, 403, 422),
    },
)
async def list_fairs(
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="所属联盟 — the fair's alliance")] = None,
    organizer_org_id: Annotated[uuid.UUID | None, Query(description="主办单位 — the organizer")] = None,
    status: Annotated[FairStatus | None, Query(description="状态 — status")] = None,
    region_code: Annotated[
        str | None, Query(max_length=12, pattern=r"^\d{2,6}$", description="地区代码前缀 — region code prefix")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（对接会不会删除）", "none (fairs are never deleted)")
    ] = False,
) -> FairPage:
    f: Any = Fair
    where: list[Any] = []
    for column, value in ((f.alliance_id, alliance_id), (f.organizer_org_id, organizer_org_id)):
        if value is not None:
            where.append(column == value)
    if status is not None:
        where.append(f.status == status.value)
    if region_code is not None:
        where.append(f.region_code.startswith(region_code, autoescape=True))
    page = await service.page(
        session, where=where, since=Since.of(since_token, updated_since), cursor=cursor, limit=limit
    )
    return FairPage(items=[render(r) for r in page.rows], next_cursor=page.next_cursor, sync_token=page.sync_token)


@router.get(
    "/{fair_id}",
    response_model=FairPublic,
    dependencies=[READ],
    summary="供需对接会详情 Get a fair",
    description="对接会详情：主办单位、所属联盟、举办日期、地区与状态，带 `ETag`。\n\n"
    "The fair, with an `ETag` (`If-None-Match` → 304)." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_fair(fair_id: FairId, session: SessionDep, if_none_match: IfNoneMatch = None) -> Response:
    row = await service.get(session, fair_id)
    return not_modified(if_none_match, row.version) or one(render(row))


@router.post(
    "/{fair_id}/transitions",
    response_model=FairPublic,
    dependencies=[MANAGE],
    summary="对接会状态变更 Open or close a fair",
    description="对接会状态变更：筹备中 → 进行中 → 已结束（筹备中也可直接结束）。\n\n"
    "planned → open | closed; open → closed. An illegal move is 409 naming the allowed ones. A closed fair takes "
    "no more registrations." + WHO_MANAGE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def transition_fair(
    fair_id: FairId,
    body: FairTransitionCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    row = await service.get(session, fair_id, for_update=True)
    access.ensure_manager(principal, row.organizer_org_id, row.alliance_id)
    row = await service.transition(session, row, body.to.value, principal.actor)
    return await recorded(session, idem, one(render(row)))
