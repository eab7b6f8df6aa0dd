"""`/v1/teacher-practices` — thin endpoints: check the caller, the organizations and the teacher (a membership
person of the school, looked up through services/training/orgs.py), call one service function, commit once."""

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.dates import IsoDate
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, render_rows
from chanjiao.spreadsheets import EXPORT_NOTE, Export, Listing
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.orgs import org_directory
from services.training.parties import (
    READ,
    WRITE,
    Tombstone,
    check_move,
    ensure_party,
    equal,
    list_responses,
    overlapping,
    private,
    who,
)
from services.training.teacher_practices import service
from services.training.teacher_practices.models import TeacherPractice
from services.training.teacher_practices.schemas import (
    PERSON_MONTHS_RULE,
    TeacherPracticeCreate,
    TeacherPracticePage,
    TeacherPracticePublic,
    TeacherPracticeUpdate,
    render,
)

router = APIRouter(prefix="/v1/teacher-practices", tags=["teacher-practices"])

EXPORT = Export(
    "教师企业实践",
    [
        ("教师", "teacher_name"),
        ("教师人员ID", "person_id"),
        ("学校ID", "school_org_id"),
        ("实践企业ID", "enterprise_org_id"),
        ("开始日期", "start_on"),
        ("结束日期", "end_on"),
        ("天数", "days"),
        ("人月", "person_months"),
        ("岗位", "post"),
        ("实践内容", "content"),
        ("记录ID", "id"),
        ("原学员ID", "learner_id"),
    ],
    "teacher-practices.xlsx",
    "教师企业实践.xlsx",
)

WHO = who("school_org_id", "enterprise_org_id")
CREATE_WHO = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of `school_org_id` — the "
    "teacher's organization — with `training:write`, and platform admins; anyone else (the enterprise included: it "
    "edits and reads the record once the school has made it) gets 403."
)
PRIVATE = private("school_org_id", "enterprise_org_id")
_EXAMPLE = {
    "id": "019abf42-3c4d-7e5f-8a6b-7c8d9e0f1a2b",
    "person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d",
    "teacher_name": "王建华",
    "learner_id": None,
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
    "(422 naming the field); the teacher `person_id` must be a person of the membership service (`/v1/people/{id}`) "
    "whose organization is `school_org_id` — else 422 `person_not_found` on `body.person_id`, the same answer for a "
    "person that does not exist, was deleted or belongs to another organization; 503 with `Retry-After` when "
    "membership cannot confirm them (nothing is saved). The record keeps `teacher_name`, the person's name when it "
    "was recorded, so lists, exports and the figures never ask membership again. Records made while teachers were "
    "training learners keep their `learner_id` and have no `person_id`.\n\n" + PERSON_MONTHS_RULE
)


@router.post(
    "",
    status_code=201,
    response_model=TeacherPracticePublic,
    dependencies=[WRITE],
    summary="登记教师企业实践 Record a teacher's enterprise practice",
    description="登记学校教师在企业的一段实践（教师企业实践）；教师须是成员服务中该学校的人员。\n\n"
    "A school's teacher — a membership person of the school — working at an enterprise for a period "
    "(教师企业实践). Send `Idempotency-Key` so a retry never records it twice." + RULES + CREATE_WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422, 503),
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
    directory = org_directory(request)
    await directory.require_active({"school_org_id": body.school_org_id, "enterprise_org_id": body.enterprise_org_id})
    # Only the school links its own person (the teacher) into a record; the person must be the school's.
    ensure_party(principal, body.school_org_id)
    person = await directory.require_person_of("person_id", body.person_id, body.school_org_id)
    row = await service.create(session, data=body, teacher_name=person.name, actor=principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=TeacherPracticePage,
    dependencies=[READ],
    summary="查询教师企业实践 List teacher practices",
    description="按学校、企业、教师和期间筛选教师企业实践，游标分页；支持增量同步，也可导出为 `.xlsx`。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `school_org_id`, "
    "`enterprise_org_id`, `person_id` (the teacher), `learner_id` (legacy records only), and "
    "`period_start`/`period_end` (inclusive: records overlapping the period). Incremental sync: `updated_since` "
    "orders by change time; `include_deleted=true` adds tombstones." + EXPORT_NOTE + PRIVATE,
    responses=list_responses(_EXAMPLE),
)
async def list_teacher_practices(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    school_org_id: Annotated[uuid.UUID | None, Query(description="学校 School")] = None,
    enterprise_org_id: Annotated[uuid.UUID | None, Query(description="实践企业 Enterprise of the practice")] = None,
    person_id: Annotated[uuid.UUID | None, Query(description="教师 (membership person)")] = None,
    learner_id: Annotated[uuid.UUID | None, Query(description="教师 of a legacy record (a training learner)")] = None,
    period_start: Annotated[IsoDate | None, Query(description="期间开始（含） Period start (inclusive)")] = None,
    period_end: Annotated[IsoDate | None, Query(description="期间结束（含） Period end (inclusive)")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除记录", "deleted records")] = False,
) -> Response | TeacherPracticePage:
    listing = Listing.of(request, cursor, limit)
    t: Any = TeacherPractice
    page = await service.page(
        session,
        principal,
        where=[
            *equal(
                (t.school_org_id, school_org_id),
                (t.enterprise_org_id, enterprise_org_id),
                (t.person_id, person_id),
                (t.learner_id, learner_id),
            ),
            *overlapping(t.start_on, t.end_on, period_start, period_end),
        ],
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted and not listing.export,
        cursor=listing.cursor,
        limit=listing.limit,
    )
    answer = partial(TeacherPracticePage, sync_token=page.sync_token)
    return await listing.answer(answer, render_rows(page.rows, render, Tombstone), page.next_cursor, EXPORT)


@router.get(
    "/{practice_id}",
    response_model=TeacherPracticePublic,
    dependencies=[READ],
    summary="教师企业实践详情 Get a teacher practice",
    description="教师企业实践详情，带 `ETag` 与 `Last-Modified`；只对学校和企业可见。\n\n"
    "Carries an `ETag` (`If-None-Match` → 304; `If-Match` on PATCH/DELETE)." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_teacher_practice(
    practice_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get_visible(session, principal, practice_id)
    return not_modified(if_none_match, row.version) or one(render(row))


@router.patch(
    "/{practice_id}",
    response_model=TeacherPracticePublic,
    dependencies=[WRITE],
    summary="修改教师企业实践 Update a teacher practice",
    description="部分更新教师企业实践（教师不可更改）；请带上 `If-Match`（过期则 412）。\n\n"
    "Partial update: only the fields sent change; `null` clears `post` and `content`. The teacher and "
    "`teacher_name` never change. A new school or enterprise must be an existing, active organization and the "
    "caller must remain a party to the record; a new school must also be the teacher's organization (else 422 "
    "`person_not_found` on `body.school_org_id`) and the caller must act for it. Send `If-Match` with the ETag "
    "you read (stale → 412)." + RULES + WHO,
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
    current = await service.get(session, practice_id)
    await check_move(request, principal, current, body, ("school_org_id", "enterprise_org_id"))
    # A record moved to another school: the caller acts for that school and the teacher is its person.
    school = body.school_org_id
    if school is not None and school != current.school_org_id:
        ensure_party(principal, school)
        if current.person_id is not None:
            await org_directory(request).require_person_of("school_org_id", current.person_id, school)
    row = await service.get(session, practice_id, for_update=True)
    ensure_party(principal, *service.parties(row))
    row = await service.update(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    "/{practice_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除教师企业实践 Delete a teacher practice",
    description="软删除教师企业实践：从读取、列表和统计中消失，在增量同步中以墓碑出现。\n\n"
    "Soft delete: gone from reads, lists and the figures; a tombstone in `include_deleted=true` syncs. "
    "Send `If-Match` with the ETag you read (stale → 412)." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_teacher_practice(
    practice_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    row = await service.get(session, practice_id, for_update=True)
    ensure_party(principal, *service.parties(row))
    await service.delete(session, row=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
