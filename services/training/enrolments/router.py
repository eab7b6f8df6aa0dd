"""`/v1/enrolments` — thin endpoints: resolve dependencies, call one service function, commit once."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep, ensure_org
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one
from chanjiao.spreadsheets import EXPORT_NOTE, Export, Listing, list_ok
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.enrolments import service
from services.training.enrolments.access import READ, WHO, WRITE
from services.training.enrolments.models import EnrolmentStatus
from services.training.enrolments.schemas import (
    EnrolmentCreate,
    EnrolmentPage,
    EnrolmentPublic,
    EnrolmentTransitionCreate,
    EnrolmentUpdate,
    render,
    render_page,
)
from services.training.orgs import org_directory
from services.training.programmes import service as programmes
from services.training.programmes.schemas import PeriodEnd, PeriodStart, check_period_query

router = APIRouter(prefix="/v1/enrolments", tags=["enrolments"])

EXPORT = Export(
    "报名",
    [
        ("学员ID", "learner_id"),
        ("学员姓名", lambda r: r.learner.name),
        ("证件号码（脱敏）", lambda r: r.learner.id_number_masked),
        ("培训项目ID", "programme_id"),
        ("举办单位ID", "provider_org_id"),
        ("状态", "status_label"),
        ("报名日期", "enrolled_on"),
        ("状态变更日期", "status_changed_on"),
        ("状态原因", "status_reason"),
        ("出勤天数", "days_attended"),
        ("出勤学时", "hours_attended"),
        ("成绩", "score"),
        ("报名ID", "id"),
    ],
    "enrolments.xlsx",
    "报名.xlsx",
)

PRIVATE = (
    "\n\nEnrolments are private: readable by principals of the programme's provider and partner organizations, of "
    "the organization owning the learner record, by services and platform admins; to anyone else an enrolment is "
    "404 and absent from lists. Each carries a `learner` summary (name, masked number) — the learner record itself "
    "stays visible to its owner only."
)

EXAMPLE = {
    "id": "019abf41-0000-7000-8000-0000000000e1",
    "learner_id": "019abf40-0000-7000-8000-0000000000a1",
    "learner": {"name": "张三", "id_number_masked": "1101************17"},
    "programme_id": "019abf31-2e3f-7b5c-9d6e-7f8a9b0c1d2e",
    "provider_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "status": "enrolled",
    "status_label": "参训",
    "enrolled_on": "2025-08-25",
    "status_changed_on": "2025-08-25",
    "status_reason": None,
    "days_attended": None,
    "hours_attended": None,
    "score": None,
    "allowed_transitions": ["completed", "dropped", "failed"],
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}
COMPLETED = {
    **EXAMPLE,
    "status": "completed",
    "status_label": "结业",
    "status_changed_on": "2026-06-30",
    "status_reason": "考核合格",
    "days_attended": 120.0,
    "hours_attended": 480.0,
    "score": 88.5,
    "allowed_transitions": [],
    "version": 3,
}


@router.post(
    "",
    status_code=201,
    response_model=EnrolmentPublic,
    dependencies=[WRITE],
    summary="报名 Enrol a learner",
    description="为本单位的培训项目报名一名本单位登记的学员；同一学员在同一项目只能有一条未退出的报名，"
    "名额满时返回 409。\n\n"
    "Enrols a learner in a programme of the caller's organization (status `enrolled`). The learner is "
    "a record your organization registered (`POST /v1/learners`); another organization's record is 404, as if it "
    "did not exist — register the person yourself (your own record; the figures count the person once). The answer "
    "carries a `learner` summary (name, masked number). One enrolment per learner and programme that is not dropped "
    "(409 `duplicate-enrolment` with `existing_id`). **Capacity is a hard limit**: the seat is taken with one "
    "conditional UPDATE in the same transaction, so two clerks enrolling the last seat at once get one 201 and one "
    "409 `programme-full`; a dropped enrolment frees its seat. The provider must still be active in the membership "
    "service (422; 503 when membership cannot be asked past the cache TTL — nothing is written)." + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 404, 409, 422),
        503: {"description": "成员服务暂不可用 Membership cannot confirm the provider (Retry-After)"},
    },
)
async def create_enrolment(
    request: Request,
    body: EnrolmentCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    p = await programmes.find_live(session, body.programme_id)
    if p is None:
        raise service.programme_not_found(["body", "programme_id"])
    ensure_org(principal, p.provider_org_id)
    await org_directory(request).require_active({"provider_org_id": p.provider_org_id})
    e, learner = await service.create_enrolment(session, p=p, data=body, principal=principal)
    public = render((e, p.provider_org_id, learner.name, learner.id_number_masked))
    return await created(session, idem, public, location=f"/v1/enrolments/{e.id}")


@router.get(
    "",
    response_model=EnrolmentPage,
    dependencies=[READ],
    summary="查询报名 List enrolments",
    description="按项目、学员、状态、培训单位和期间筛选报名，游标分页；支持用 `since_token` 增量同步，"
    "也可导出为 `.xlsx`。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `programme_id`, `learner_id`, "
    "`status`, `provider_org_id`, `period_start`/`period_end` (inclusive, on the programme's `end_on` — an "
    "enrolment counts in a period by its programme's end). Incremental sync: pass the `sync_token` of your last pull "
    "as `since_token` (docs/sync.md); `updated_since` still works; `include_deleted=true` adds tombstones "
    "(`{id, deleted: true, deleted_at}`) of deleted enrolments — with `since_token`, also one with "
    '`"reason": "not_visible"` for an enrolment that left your view (your organization removed from its '
    "programme's partners) / 增量同步时，已不可见的报名以 reason=not_visible 的墓碑返回." + EXPORT_NOTE + PRIVATE,
    responses={**list_ok({"items": [EXAMPLE], "next_cursor": None}), **problem_responses(401, 403, 422)},
)
async def list_enrolments(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    programme_id: Annotated[uuid.UUID | None, Query(description="培训项目 Programme")] = None,
    learner_id: Annotated[uuid.UUID | None, Query(description="学员 Learner")] = None,
    status: Annotated[EnrolmentStatus | None, Query(description="状态 Status")] = None,
    provider_org_id: Annotated[uuid.UUID | None, Query(description="举办单位 Provider organization")] = None,
    period_start: PeriodStart = None,
    period_end: PeriodEnd = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除报名", "deleted enrolments")] = False,
) -> Response | EnrolmentPage:
    listing = Listing.of(request, cursor, limit)
    page = await service.list_enrolments(
        session,
        programme_id=programme_id,
        learner_id=learner_id,
        status=status.value if status else None,
        provider_org_id=provider_org_id,
        period=check_period_query(period_start, period_end),
        since=Since.of(since_token, updated_since),
        cursor=listing.cursor,
        limit=listing.limit,
        visible=service.visible_filter(principal),
        include_deleted=include_deleted and not listing.export,
        exits=service.exit_query(principal),
    )
    answer = partial(EnrolmentPage, sync_token=page.sync_token)
    return await listing.answer(answer, render_page(page.rows), page.next_cursor, EXPORT)


@router.get(
    "/{enrolment_id}",
    response_model=EnrolmentPublic,
    dependencies=[READ],
    summary="报名详情 Get an enrolment",
    description="报名详情，带 `ETag` 与 `Last-Modified`，附学员摘要（姓名和脱敏号码）。\n\n"
    "Carries an `ETag` (`If-None-Match` → 304; `If-Match` on PATCH)." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_enrolment(
    enrolment_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    e = await service.get_enrolment(session, enrolment_id)
    p = await service.programme_of(session, e)
    if not await service.can_read(session, principal, e, p):
        raise service.not_found()
    return not_modified(if_none_match, e.version) or one(await service.render_one(session, e, p))


@router.patch(
    "/{enrolment_id}",
    response_model=EnrolmentPublic,
    dependencies=[WRITE],
    summary="登记出勤与成绩 Record attendance and score",
    description="登记出勤天数、学时和成绩；人日数为出勤天数之和。请带上 `If-Match`（过期则 412）。\n\n"
    "`days_attended` (出勤天数, at most the programme's length in days), `hours_attended` (学时) and "
    "`score` (0–100); `null` clears one (a completed enrolment keeps its days and hours). Person-days 人日 are "
    "Σ `days_attended`. Send `If-Match` with the ETag you read (stale → 412)." + WHO,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {**EXAMPLE, "days_attended": 20.0, "hours_attended": 160.0, "score": 88.5, "version": 2}
                }
            }
        },
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_enrolment(
    enrolment_id: uuid.UUID,
    body: EnrolmentUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    e = await service.get_enrolment(session, enrolment_id, for_update=True)
    p = await service.programme_of(session, e)
    ensure_org(principal, p.provider_org_id)
    e = await service.update_attendance(session, e=e, p=p, changes=body, if_match=if_match, actor=principal.actor)
    public = await service.render_one(session, e, p)
    await session.commit()
    return one(public)


@router.post(
    "/{enrolment_id}/transitions",
    response_model=EnrolmentPublic,
    dependencies=[WRITE],
    summary="变更报名状态 Transition an enrolment",
    description="变更报名状态（结业、退出或未通过）；结业前须登记出勤天数和学时，退出会释放名额。\n\n"
    "enrolled → completed | dropped | failed; the others are final (409 `illegal-transition` naming the "
    "allowed ones). `effective_on` is not in the future and not before the enrolment's latest change (409). "
    "**Completion needs `days_attended` and `hours_attended` recorded** (422 naming them; PATCH them first). "
    "**Dropping frees the seat** (the programme's `enrolled_count` goes down in the same transaction); the learner "
    "may enrol again later as a new enrolment." + WHO,
    responses={
        200: {"content": {"application/json": {"example": COMPLETED}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def transition_enrolment(
    enrolment_id: uuid.UUID, body: EnrolmentTransitionCreate, session: SessionDep, principal: PrincipalDep
) -> Response:
    e = await service.get_enrolment(session, enrolment_id, for_update=True)
    p = await service.programme_of(session, e)
    ensure_org(principal, p.provider_org_id)
    e = await service.transition(session, e=e, data=body, actor=principal.actor)
    public = await service.render_one(session, e, p)
    await session.commit()
    return one(public)
