"""`/v1/teacher-practices` — thin endpoints: check the caller, the organizations and the teacher, call one service
function, commit once."""

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
from services.training.practice import teacher_service as service
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
    require_visible_learner,
    visible_filter,
    who,
)
from services.training.practice.models import TeacherPractice
from services.training.practice.schemas import (
    PERSON_MONTHS_RULE,
    TeacherPracticeCreate,
    TeacherPracticePage,
    TeacherPracticePublic,
    TeacherPracticeUpdate,
)

router = APIRouter(prefix="/v1/teacher-practices", tags=["teacher-practices"])

WHO = who("school_org_id", "enterprise_org_id")
PRIVATE = private("school_org_id", "enterprise_org_id")
_EXAMPLE = {
    "id": "019abf42-3c4d-7e5f-8a6b-7c8d9e0f1a2b",
    "learner_id": "019abf40-0000-7000-8000-000000000003",
    "school_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "enterprise_org_id": "019abf2e-0000-7000-8000-000000000002",
    "start_on": "2024-07-01",
    "end_on": "2024-08-29",
    "days": 60,
    "person_months": 2.0,
    "post": "数控加工车间技术员",
    "content": "参与数控加工工艺改进与生产管理",
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}
RULES = (
    "\n\nRules: `end_on ≥ start_on`; `school_org_id` and `enterprise_org_id` must be existing, active organizations "
    "(422 naming the field; 503 when membership cannot confirm them — nothing is saved); `learner_id` must be a "
    "learner of learner_type `teacher` (else 422) that your organization already sees (else 404); the record links "
    "the teacher to both organizations.\n\n" + PERSON_MONTHS_RULE
)


@router.post(
    "",
    status_code=201,
    response_model=TeacherPracticePublic,
    dependencies=[WRITE],
    summary="登记教师企业实践 Record a teacher's enterprise practice",
    description="A school's teacher working at an enterprise for a period (教师企业实践). Send `Idempotency-Key` so a "
    "retry never records it twice." + RULES + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 404, 409, 422, 503),
    },
)
async def create_teacher_practice(
    request: Request,
    body: TeacherPracticeCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_party(principal, body.school_org_id, body.enterprise_org_id)
    await org_directory(request).require_active(
        {"school_org_id": body.school_org_id, "enterprise_org_id": body.enterprise_org_id}
    )
    learner = await require_visible_learner(session, principal, body.learner_id)
    service.check_teacher(learner)
    row = await service.create_practice(session, data=body, actor=principal.actor)
    response = one(service.public(row), 201, Location=f"/v1/teacher-practices/{row.id}")
    await idem.record(session, response)
    await session.commit()
    return response


@router.get(
    "",
    response_model=TeacherPracticePage,
    dependencies=[READ],
    summary="查询教师企业实践 List teacher practices",
    description="Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `school_org_id`, "
    "`enterprise_org_id`, `learner_id`, and `period_start`/`period_end` (inclusive: records overlapping the "
    "period). Incremental sync: `updated_since` orders by change time; `include_deleted=true` adds tombstones."
    + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(401, 403, 422),
    },
)
async def list_teacher_practices(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    school_org_id: Annotated[uuid.UUID | None, Query(description="学校")] = None,
    enterprise_org_id: Annotated[uuid.UUID | None, Query(description="实践企业")] = None,
    learner_id: Annotated[uuid.UUID | None, Query(description="教师")] = None,
    period_start: Annotated[date | None, Query(description="期间开始（含）")] = None,
    period_end: Annotated[date | None, Query(description="期间结束（含）")] = None,
    updated_since: Annotated[datetime | None, Query(description="Only records changed after this timestamp")] = None,
    include_deleted: Annotated[bool, Query(description="Include tombstones of deleted records")] = False,
) -> TeacherPracticePage:
    rows, next_cursor = await service.list_practices(
        session,
        school_org_id=school_org_id,
        enterprise_org_id=enterprise_org_id,
        learner_id=learner_id,
        period_start=period_start,
        period_end=period_end,
        updated_since=updated_since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
        visible=visible_filter(principal, TeacherPractice.school_org_id, TeacherPractice.enterprise_org_id),
    )
    return TeacherPracticePage(items=service.render(rows), next_cursor=next_cursor)


@router.get(
    "/{practice_id}",
    response_model=TeacherPracticePublic,
    dependencies=[READ],
    summary="教师企业实践详情 Get a teacher practice",
    description="Carries an `ETag` (`If-None-Match` → 304; `If-Match` on PATCH/DELETE)." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_teacher_practice(
    practice_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get_practice(session, practice_id)
    if not can_read(principal, row.school_org_id, row.enterprise_org_id):
        raise service.not_found()
    if if_none_match_hits(if_none_match, row.version):
        return Response(status_code=304, headers={"ETag": etag_for(row.version)})
    return one(service.public(row))


@router.patch(
    "/{practice_id}",
    response_model=TeacherPracticePublic,
    dependencies=[WRITE],
    summary="修改教师企业实践 Update a teacher practice",
    description="Partial update: only the fields sent change; `null` clears `post` and `content`. A new school or "
    "enterprise must be an existing, active organization and the caller must remain a party to the record. Send "
    "`If-Match` with the ETag you read (stale → 412)." + RULES + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 412, 422, 503),
    },
)
async def update_teacher_practice(
    request: Request,
    practice_id: uuid.UUID,
    body: TeacherPracticeUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    current = await service.get_practice(session, practice_id)
    ensure_party(principal, current.school_org_id, current.enterprise_org_id)
    ensure_party(
        principal, body.school_org_id or current.school_org_id, body.enterprise_org_id or current.enterprise_org_id
    )
    refs = {
        k: v for k, v in (("school_org_id", body.school_org_id), ("enterprise_org_id", body.enterprise_org_id)) if v
    }
    if refs:
        await org_directory(request).require_active(refs)
    row = await service.get_practice(session, practice_id, for_update=True)
    ensure_party(principal, row.school_org_id, row.enterprise_org_id)
    row = await service.update_practice(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(service.public(row))
    await session.commit()
    return response


@router.delete(
    "/{practice_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除教师企业实践 Delete a teacher practice",
    description="Soft delete: gone from reads, lists and the figures; a tombstone in `include_deleted=true` syncs. "
    "Send `If-Match` with the ETag you read (stale → 412)." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_teacher_practice(
    practice_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    row = await service.get_practice(session, practice_id, for_update=True)
    ensure_party(principal, row.school_org_id, row.enterprise_org_id)
    await service.delete_practice(session, row=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
