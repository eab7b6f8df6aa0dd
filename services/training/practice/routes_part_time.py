"""`/v1/part-time-teaching` — thin endpoints: check the caller and the organizations, call one service function,
commit once."""

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.etag import etag_for, if_none_match_hits
from chanjiao.idempotency import IdempotencyDep
from chanjiao.pagination import CursorQuery, LimitQuery
from services.training.orgs import org_directory
from services.training.practice import part_time_service as service
from services.training.practice.common import (
    READ,
    WRITE,
    IdempotencyKey,
    IfMatch,
    IfNoneMatch,
    can_read,
    ensure_party,
    one,
    private,
    visible_filter,
    who,
)
from services.training.practice.models import TERM_PATTERN, PartTimeTeaching
from services.training.practice.schemas import (
    TERM_RULE,
    PartTimeTeachingCreate,
    PartTimeTeachingPage,
    PartTimeTeachingPublic,
    PartTimeTeachingUpdate,
)

router = APIRouter(prefix="/v1/part-time-teaching", tags=["part-time-teaching"])

WHO = who("enterprise_org_id", "school_org_id")
PRIVATE = private("enterprise_org_id", "school_org_id")
_EXAMPLE = {
    "id": "019abf43-4d5e-7f6a-8b7c-8d9e0f1a2b3c",
    "staff_name": "李师傅",
    "person_id": None,
    "enterprise_org_id": "019abf2e-0000-7000-8000-000000000002",
    "school_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "term": "2024-2025-1",
    "term_start_on": "2024-09-01",
    "term_end_on": "2025-01-31",
    "course": "数控车削加工",
    "class_hours": 64.0,
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}
RULES = (
    "\n\nRules: `class_hours > 0`; `enterprise_org_id` and `school_org_id` must be existing, active organizations "
    "(422 naming the field; 503 when membership cannot confirm them — nothing is saved). Only the staff member's "
    "name (and optionally `person_id`, a membership person) is kept — no other personal data.\n\n" + TERM_RULE
)


@router.post(
    "",
    status_code=201,
    response_model=PartTimeTeachingPublic,
    dependencies=[WRITE],
    summary="登记兼职授课 Record part-time teaching",
    description="An enterprise's staff member teaching a course at a school in a term (兼职教师). Send "
    "`Idempotency-Key` so a retry never records it twice." + RULES + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422, 503),
    },
)
async def create_part_time_teaching(
    request: Request,
    body: PartTimeTeachingCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_party(principal, body.enterprise_org_id, body.school_org_id)
    service.term_dates(body.term)  # a malformed school year is 422 before membership is asked
    await org_directory(request).require_active(
        {"enterprise_org_id": body.enterprise_org_id, "school_org_id": body.school_org_id}
    )
    row = await service.create_record(session, data=body, actor=principal.actor)
    response = one(service.public(row), 201, Location=f"/v1/part-time-teaching/{row.id}")
    await idem.record(session, response)
    await session.commit()
    return response


@router.get(
    "",
    response_model=PartTimeTeachingPage,
    dependencies=[READ],
    summary="查询兼职授课 List part-time teaching",
    description="Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `enterprise_org_id`, "
    "`school_org_id`, `person_id`, `term`, and `period_start`/`period_end` (inclusive: terms overlapping the "
    "period). Incremental sync: `updated_since` orders by change time; `include_deleted=true` adds tombstones."
    + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(401, 403, 422),
    },
)
async def list_part_time_teaching(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    enterprise_org_id: Annotated[uuid.UUID | None, Query(description="派出企业")] = None,
    school_org_id: Annotated[uuid.UUID | None, Query(description="授课学校")] = None,
    person_id: Annotated[uuid.UUID | None, Query(description="人员 (membership person)")] = None,
    term: Annotated[str | None, Query(pattern=TERM_PATTERN, description="学期, e.g. 2024-2025-1")] = None,
    period_start: Annotated[date | None, Query(description="期间开始（含）")] = None,
    period_end: Annotated[date | None, Query(description="期间结束（含）")] = None,
    updated_since: Annotated[datetime | None, Query(description="Only records changed after this timestamp")] = None,
    include_deleted: Annotated[bool, Query(description="Include tombstones of deleted records")] = False,
) -> PartTimeTeachingPage:
    rows, next_cursor = await service.list_records(
        session,
        enterprise_org_id=enterprise_org_id,
        school_org_id=school_org_id,
        person_id=person_id,
        term=term,
        period_start=period_start,
        period_end=period_end,
        updated_since=updated_since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
        visible=visible_filter(principal, PartTimeTeaching.enterprise_org_id, PartTimeTeaching.school_org_id),
    )
    return PartTimeTeachingPage(items=service.render(rows), next_cursor=next_cursor)


@router.get(
    "/{record_id}",
    response_model=PartTimeTeachingPublic,
    dependencies=[READ],
    summary="兼职授课详情 Get a part-time teaching record",
    description="Carries an `ETag` (`If-None-Match` → 304; `If-Match` on PATCH/DELETE)." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_part_time_teaching(
    record_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get_record(session, record_id)
    if not can_read(principal, row.enterprise_org_id, row.school_org_id):
        raise service.not_found()
    if if_none_match_hits(if_none_match, row.version):
        return Response(status_code=304, headers={"ETag": etag_for(row.version)})
    return one(service.public(row))


@router.patch(
    "/{record_id}",
    response_model=PartTimeTeachingPublic,
    dependencies=[WRITE],
    summary="修改兼职授课 Update a part-time teaching record",
    description="Partial update: only the fields sent change; `null` clears `person_id`. A new `term` sent without "
    "dates resets `term_start_on`/`term_end_on` to its defaults. A new enterprise or school must be an existing, "
    "active organization and the caller must remain a party. Send `If-Match` with the ETag you read "
    "(stale → 412)." + RULES + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 412, 422, 503),
    },
)
async def update_part_time_teaching(
    request: Request,
    record_id: uuid.UUID,
    body: PartTimeTeachingUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    current = await service.get_record(session, record_id)
    ensure_party(principal, current.enterprise_org_id, current.school_org_id)
    ensure_party(
        principal, body.enterprise_org_id or current.enterprise_org_id, body.school_org_id or current.school_org_id
    )
    refs = {
        k: v for k, v in (("enterprise_org_id", body.enterprise_org_id), ("school_org_id", body.school_org_id)) if v
    }
    if refs:
        await org_directory(request).require_active(refs)
    row = await service.get_record(session, record_id, for_update=True)
    ensure_party(principal, row.enterprise_org_id, row.school_org_id)
    row = await service.update_record(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(service.public(row))
    await session.commit()
    return response


@router.delete(
    "/{record_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除兼职授课 Delete a part-time teaching record",
    description="Soft delete: gone from reads, lists and the figures; a tombstone in `include_deleted=true` syncs. "
    "Send `If-Match` with the ETag you read (stale → 412)." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_part_time_teaching(
    record_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    row = await service.get_record(session, record_id, for_update=True)
    ensure_party(principal, row.enterprise_org_id, row.school_org_id)
    await service.delete_record(session, row=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
