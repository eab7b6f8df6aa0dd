"""`/v1/part-time-teaching` — thin endpoints: check the caller and the organizations (and a named membership
person), call one service function, commit once."""

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
from services.training.part_time_teaching import service
from services.training.part_time_teaching.models import TERM_PATTERN, PartTimeTeaching
from services.training.part_time_teaching.schemas import (
    TERM_RULE,
    PartTimeTeachingCreate,
    PartTimeTeachingPage,
    PartTimeTeachingPublic,
    PartTimeTeachingUpdate,
    render,
)
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

router = APIRouter(prefix="/v1/part-time-teaching", tags=["part-time-teaching"])

EXPORT = Export(
    "兼职授课",
    [
        ("姓名", "staff_name"),
        ("人员ID", "person_id"),
        ("派出企业ID", "enterprise_org_id"),
        ("授课学校ID", "school_org_id"),
        ("学期", "term"),
        ("学期开始", "term_start_on"),
        ("学期结束", "term_end_on"),
        ("课程", "course"),
        ("授课学时", "class_hours"),
        ("记录ID", "id"),
    ],
    "part-time-teaching.xlsx",
    "兼职授课.xlsx",
)

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
    "(422 naming the field). Only the staff member's name is kept — no other personal data — and, optionally, "
    "`person_id`: the staff member as a person of the membership service (`/v1/people/{id}`), which must belong to "
    "`enterprise_org_id` (else 422 `person_not_found`, the same answer for a person that does not exist, was "
    "deleted or belongs to another organization). Only the enterprise links its own person: a record naming a "
    "`person_id` is made or changed by principals of `enterprise_org_id` (or platform admins; others 403) — a "
    "school records the teaching with the name alone. 503 with `Retry-After` when membership cannot confirm the "
    "organizations or the person (nothing is saved).\n\n" + TERM_RULE
)


@router.post(
    "",
    status_code=201,
    response_model=PartTimeTeachingPublic,
    dependencies=[WRITE],
    summary="登记兼职授课 Record part-time teaching",
    description="登记企业人员在某学期到学校兼职授课（兼职教师）；除姓名外不保存其他个人信息。\n\n"
    "An enterprise's staff member teaching a course at a school in a term (兼职教师). Send "
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
    directory = org_directory(request)
    await directory.require_active({"enterprise_org_id": body.enterprise_org_id, "school_org_id": body.school_org_id})
    if body.person_id is not None:  # a given person is a person of the enterprise, linked by the enterprise
        ensure_party(principal, body.enterprise_org_id)
        await directory.require_person_of("person_id", body.person_id, body.enterprise_org_id)
    row = await service.create(session, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=PartTimeTeachingPage,
    dependencies=[READ],
    summary="查询兼职授课 List part-time teaching",
    description="按企业、学校、人员、学期和期间筛选兼职授课，游标分页；支持用 `since_token` 增量同步，"
    "也可导出为 `.xlsx`。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `enterprise_org_id`, "
    "`school_org_id`, `person_id`, `term`, and `period_start`/`period_end` (inclusive: terms overlapping the "
    "period). Incremental sync: `since_token` (the `sync_token` of your last pull, docs/sync.md) or "
    "`updated_since`; `include_deleted=true` adds tombstones." + EXPORT_NOTE + PRIVATE,
    responses=list_responses(_EXAMPLE),
)
async def list_part_time_teaching(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    enterprise_org_id: Annotated[
        uuid.UUID | None, Query(description="派出企业 Enterprise that sends the teacher")
    ] = None,
    school_org_id: Annotated[uuid.UUID | None, Query(description="授课学校 School taught at")] = None,
    person_id: Annotated[uuid.UUID | None, Query(description="人员 (membership person)")] = None,
    term: Annotated[str | None, Query(pattern=TERM_PATTERN, description="学期 Term, e.g. 2024-2025-1")] = None,
    period_start: Annotated[IsoDate | None, Query(description="期间开始（含） Period start (inclusive)")] = None,
    period_end: Annotated[IsoDate | None, Query(description="期间结束（含） Period end (inclusive)")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除记录", "deleted records")] = False,
) -> Response | PartTimeTeachingPage:
    listing = Listing.of(request, cursor, limit)
    t: Any = PartTimeTeaching
    page = await service.page(
        session,
        principal,
        where=[
            *equal(
                (t.enterprise_org_id, enterprise_org_id),
                (t.school_org_id, school_org_id),
                (t.person_id, person_id),
                (t.term, term),
            ),
            *overlapping(t.term_start_on, t.term_end_on, period_start, period_end),
        ],
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted and not listing.export,
        cursor=listing.cursor,
        limit=listing.limit,
    )
    answer = partial(PartTimeTeachingPage, sync_token=page.sync_token)
    return await listing.answer(answer, render_rows(page.rows, render, Tombstone), page.next_cursor, EXPORT)


@router.get(
    "/{record_id}",
    response_model=PartTimeTeachingPublic,
    dependencies=[READ],
    summary="兼职授课详情 Get a part-time teaching record",
    description="兼职授课详情，带 `ETag` 与 `Last-Modified`；只对企业和学校可见。\n\n"
    "Carries an `ETag` (`If-None-Match` → 304; `If-Match` on PATCH/DELETE)." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_part_time_teaching(
    record_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get_visible(session, principal, record_id)
    return not_modified(if_none_match, row.version) or one(render(row))


@router.patch(
    "/{record_id}",
    response_model=PartTimeTeachingPublic,
    dependencies=[WRITE],
    summary="修改兼职授课 Update a part-time teaching record",
    description="部分更新兼职授课记录；更换企业或人员时按登记时的规则重新校验。请带上 `If-Match`（过期则 412）。\n\n"
    "Partial update: only the fields sent change; `null` clears `person_id`. A new `term` sent without "
    "dates resets `term_start_on`/`term_end_on` to its defaults. A new enterprise or school must be an existing, "
    "active organization and the caller must remain a party; a new `person_id`, or a new enterprise of a record "
    "with a person, is checked as on creation (the person must belong to the enterprise — else 422 on the field "
    "sent — and the caller must act for the enterprise). Send `If-Match` with the ETag you read "
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
    current = await service.get(session, record_id)
    await check_move(request, principal, current, body, ("enterprise_org_id", "school_org_id"))
    # The record's person as it would be after the change is still a person of its enterprise.
    person = body.person_id if "person_id" in body.model_fields_set else current.person_id
    enterprise = body.enterprise_org_id or current.enterprise_org_id
    new_person = person is not None and person != current.person_id
    if person is not None and (new_person or enterprise != current.enterprise_org_id):
        ensure_party(principal, enterprise)
        field = "person_id" if new_person else "enterprise_org_id"
        await org_directory(request).require_person_of(field, person, enterprise)
    row = await service.get(session, record_id, for_update=True)
    ensure_party(principal, *service.parties(row))
    row = await service.update(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    "/{record_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除兼职授课 Delete a part-time teaching record",
    description="软删除兼职授课记录：从读取、列表和统计中消失，在增量同步中以墓碑出现。\n\n"
    "Soft delete: gone from reads, lists and the figures; a tombstone in `include_deleted=true` syncs. "
    "Send `If-Match` with the ETag you read (stale → 412)." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_part_time_teaching(
    record_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    row = await service.get(session, record_id, for_update=True)
    ensure_party(principal, *service.parties(row))
    await service.delete(session, row=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
