"""`/v1/internships` and `/v1/internships/batch` — thin endpoints: check the caller, the organizations and the
learner, call one service function, commit once."""

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.batch import Atomic, BatchBody, ParsedBatch
from chanjiao.dates import IsoDate
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, recorded, render_rows
from chanjiao.spreadsheets import EXPORT_NOTE, Export, Listing
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.internships import batch, service
from services.training.internships.models import Internship, InternshipKind
from services.training.internships.months import RULE_DESCRIPTION
from services.training.internships.schemas import (
    BATCH_EXAMPLE,
    InternshipBatchResult,
    InternshipCreate,
    InternshipPage,
    InternshipPublic,
    InternshipUpdate,
    render,
)
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

router = APIRouter(prefix="/v1/internships", tags=["internships"])

BODY = BatchBody(InternshipCreate, example=BATCH_EXAMPLE, what="the body of `POST /v1/internships`")

EXPORT = Export(
    "实习",
    [
        ("学生ID", "learner_id"),
        ("学生姓名", lambda r: r.learner.name),
        ("证件号码（脱敏）", lambda r: r.learner.id_number_masked),
        ("学校ID", "school_org_id"),
        ("实习单位ID", "host_org_id"),
        ("实习类型", "kind_label"),
        ("开始日期", "start_on"),
        ("结束日期", "end_on"),
        ("实习天数", "days"),
        ("三个月及以上", "three_months_or_more"),
        ("岗位", "position"),
        ("指导教师", "mentor_name"),
        ("已投保", "insured"),
        ("保单号", "insurance_policy_no"),
        ("实习报酬（元/月）", "stipend_monthly_cny"),
        ("实习ID", "id"),
    ],
    "internships.xlsx",
    "实习.xlsx",
)

WHO = who("school_org_id", "host_org_id")
PRIVATE = private("school_org_id", "host_org_id")
_ID = "019abf41-2b3c-7d4e-8f5a-6b7c8d9e0f1a"
_EXAMPLE = {
    "id": _ID,
    "learner_id": "019abf40-0000-7000-8000-000000000001",
    "learner": {"name": "李四", "id_number_masked": "3707************34"},
    "school_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "host_org_id": "019abf2e-0000-7000-8000-000000000002",
    "kind": "post",
    "kind_label": "岗位实习",
    "start_on": "2024-03-01",
    "end_on": "2024-08-31",
    "days": 184,
    "three_months_or_more": True,
    "position": "数控车工",
    "mentor_name": "王建华",
    "mentor_person_id": None,
    "insured": True,
    "insurance_policy_no": "PICC2024370700123",
    "stipend_monthly_cny": "2500.00",
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}
_BATCH_EXAMPLE = {
    "committed": True,
    "created": 1,
    "failed": 1,
    "results": [
        {"index": 0, "status": 201, "id": _ID, "three_months_or_more": True},
        {
            "index": 1,
            "status": 422,
            "problem": {
                "type": "urn:chanjiao:problem:validation-error",
                "title": "输入校验未通过",
                "status": 422,
                "detail": "以下字段未通过校验：insurance_policy_no",
                "instance": "/v1/internships/batch#/items/1",
                "request_id": "3f1c…",
                "errors": [
                    {
                        "loc": ["body", "items", 1, "insurance_policy_no"],
                        "msg": "岗位实习须填写实习责任保险保单号",
                        "type": "insurance_required",
                    }
                ],
            },
        },
    ],
}
RULES = (
    "\n\nRules: `end_on ≥ start_on`; a `post` internship (岗位实习) needs `insured: true` and an "
    "`insurance_policy_no` — without them 422 naming the field; `school_org_id` and `host_org_id` must be existing, "
    "active organizations (422 naming the field; 503 when membership cannot confirm them — nothing is saved); "
    "`learner_id` is the school's learner record: one your organization registered (another organization's record "
    "is 404, as if it did not exist) and owned by `school_org_id` (422 `learner_not_of_school` otherwise — the "
    "school records its students' internships; a move to another school keeps the rule). The host sees the "
    "internship with a `learner` summary (name, masked number), never the learner record.\n\n" + RULE_DESCRIPTION
)


@router.post(
    "",
    status_code=201,
    response_model=InternshipPublic,
    dependencies=[WRITE],
    summary="登记实习 Record an internship",
    description="登记学生在接收单位的一次实习（认识实习、跟岗实习或岗位实习）；岗位实习须已投保并填写保单号。\n\n"
    "Records a student's internship (认识实习 / 跟岗实习 / 岗位实习) at a host organization. Send "
    "`Idempotency-Key` so a retry never records it twice." + RULES + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 404, 409, 422, 503),
    },
)
async def create_internship(
    request: Request,
    body: InternshipCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_party(principal, body.school_org_id, body.host_org_id)
    await org_directory(request).require_active({"school_org_id": body.school_org_id, "host_org_id": body.host_org_id})
    await service.check_learner(session, principal, body.learner_id, body.school_org_id)
    row = await service.create(session, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.post(
    "/batch",
    response_model=InternshipBatchResult,
    dependencies=[WRITE],
    openapi_extra=BODY.openapi,
    summary="批量登记实习 Record internships in a batch",
    description="一次最多登记 1000 条实习，每项单独校验并各自返回结果。\n\n"
    "Up to 1000 items, each shaped like the body of `POST /v1/internships` and checked on its own. "
    "Answers 200 with one result per item: `201` + `id` (+ `three_months_or_more`), or the item's problem "
    "(`422` invalid, `404` a learner that is not a record of the caller's organization). An item naming neither of "
    "the caller's organizations "
    "makes the whole batch 403 (the items are listed; nothing is saved). Valid items are saved, invalid ones "
    "touch nothing. With `atomic=true` the batch is all-or-nothing: any failed item → "
    "422 with every item's result (valid ones as `424`, not committed). Every organization is confirmed with "
    "membership before anything is written: 503 if it cannot answer, and nothing is saved. `Idempotency-Key` "
    "keys the batch as a whole." + RULES + WHO,
    responses={
        200: {"content": {"application/json": {"example": _BATCH_EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422, 503),
    },
)
async def create_internship_batch(
    request: Request,
    body: Annotated[ParsedBatch[InternshipCreate], Depends(BODY)],
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    atomic: Atomic = False,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    outcome = await batch.create_many(
        session,
        parsed=body,
        principal=principal,
        directory=org_directory(request),
        english=wants_english(request),
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
    )
    if atomic and outcome.failed:
        await session.rollback()
        raise batch.reject_atomic(outcome)
    result = InternshipBatchResult(
        committed=True, created=outcome.created, failed=outcome.failed, results=outcome.results
    )
    response = JSONResponse(result.model_dump(mode="json", exclude_none=True))
    return await recorded(session, idem, response)


@router.get(
    "",
    response_model=InternshipPage,
    dependencies=[READ],
    summary="查询实习 List internships",
    description="按学校、接收单位、学员、实习类型、是否满三个月和期间筛选实习，游标分页；支持增量同步，"
    "也可导出为 `.xlsx`。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `school_org_id`, `host_org_id`, "
    "`learner_id`, `kind`, `three_months_or_more`, and a period: `period_start`/`period_end` (inclusive) keep "
    "internships overlapping it (`start_on ≤ period_end` and `end_on ≥ period_start`). Incremental sync: "
    "pass the `sync_token` of your last pull as `since_token` (docs/sync.md; `updated_since` still "
    "works); `include_deleted=true` adds tombstones." + EXPORT_NOTE + PRIVATE,
    responses=list_responses(_EXAMPLE),
)
async def list_internships(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    school_org_id: Annotated[uuid.UUID | None, Query(description="学校 School")] = None,
    host_org_id: Annotated[uuid.UUID | None, Query(description="实习单位 Host organization of the internship")] = None,
    learner_id: Annotated[uuid.UUID | None, Query(description="学生 Student (learner)")] = None,
    kind: Annotated[InternshipKind | None, Query(description="实习类型 Internship kind")] = None,
    three_months_or_more: Annotated[
        bool | None, Query(description="实习三个月及以上 Internships of 3 months or more")
    ] = None,
    period_start: Annotated[IsoDate | None, Query(description="期间开始（含） Period start (inclusive)")] = None,
    period_end: Annotated[IsoDate | None, Query(description="期间结束（含） Period end (inclusive)")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除记录", "deleted records")] = False,
) -> Response | InternshipPage:
    listing = Listing.of(request, cursor, limit)
    t: Any = Internship
    where = [
        *equal(
            (t.school_org_id, school_org_id),
            (t.host_org_id, host_org_id),
            (t.learner_id, learner_id),
            (t.kind, kind.value if kind else None),
        ),
        *overlapping(t.start_on, t.end_on, period_start, period_end),
    ]
    if three_months_or_more is not None:
        where.append(t.three_months_or_more.is_(three_months_or_more))
    page = await service.page(
        session,
        principal,
        where=where,
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted and not listing.export,
        cursor=listing.cursor,
        limit=listing.limit,
    )
    answer = partial(InternshipPage, sync_token=page.sync_token)
    return await listing.answer(answer, render_rows(page.rows, render, Tombstone), page.next_cursor, EXPORT)


@router.get(
    "/{internship_id}",
    response_model=InternshipPublic,
    dependencies=[READ],
    summary="实习详情 Get an internship",
    description="实习详情，带 `ETag` 与 `Last-Modified`；只对学校和接收单位可见。\n\n"
    "Carries an `ETag`; send it back as `If-None-Match` for a cheap 304, or as `If-Match` when you "
    "PATCH." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_internship(
    internship_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get_visible(session, principal, internship_id)
    return not_modified(if_none_match, row.version) or one(render(row))


@router.patch(
    "/{internship_id}",
    response_model=InternshipPublic,
    dependencies=[WRITE],
    summary="修改实习 Update an internship",
    description="部分更新实习记录，按保存后的结果重新校验规则；请带上 `If-Match`（过期则 412）。\n\n"
    "Partial update: only the fields sent change; `null` clears `position`, `mentor_name`, "
    "`mentor_person_id`, `insurance_policy_no`, `stipend_monthly_cny`. The rules are checked on the record as it "
    "would be saved (a `post` internship keeps its insurance); `three_months_or_more` is derived again. A new "
    "school or host must be an existing, active organization and the caller must remain a party to the record. "
    "Send `If-Match` with the ETag you read (stale → 412)." + RULES + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 412, 422, 503),
    },
)
async def update_internship(
    request: Request,
    internship_id: uuid.UUID,
    body: InternshipUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    current = await service.get(session, internship_id)
    await check_move(request, principal, current, body, ("school_org_id", "host_org_id"))
    row = await service.get(session, internship_id, for_update=True)
    ensure_party(principal, *service.parties(row))
    row = await service.update(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    "/{internship_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除实习 Delete an internship",
    description="软删除实习记录：从读取、列表和统计中消失，在增量同步中以墓碑出现。\n\n"
    "Soft delete: the record disappears from reads, lists and the figures, and appears as a tombstone "
    "in `include_deleted=true` syncs. Send `If-Match` with the ETag you read (stale → 412)." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_internship(
    internship_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    row = await service.get(session, internship_id, for_update=True)
    ensure_party(principal, *service.parties(row))
    await service.delete(session, row=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
