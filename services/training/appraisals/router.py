"""`/v1/appraisals` — record a skill appraisal batch with its results (the passing candidates' certificates issued with
it), list and read batches: thin endpoints that check the caller and the appraising organization, call one service
function and answer."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.dates import IsoDate
from chanjiao.errors import problem_responses
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, one
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.appraisals import service
from services.training.appraisals.models import Appraisal
from services.training.appraisals.schemas import (
    PASS_RATE_RULE,
    AppraisalCreate,
    AppraisalDetail,
    AppraisalKind,
    AppraisalPage,
    render,
    render_detail,
)
from services.training.orgs import org_directory
from services.training.parties import READ, WRITE, ensure_party, equal, list_responses

router = APIRouter(prefix="/v1/appraisals", tags=["appraisals"])

AppraisalId = Annotated[uuid.UUID, Path(description="技能鉴定ID — Appraisal id")]

EXAMPLE: dict[str, Any] = {
    "id": "019abf60-2b3c-7d4e-8f5a-6b7c8d9e0f1a",
    "org_id": "019abf2e-0000-7000-8000-000000000002",
    "certificate_kind": "skill_level",
    "certificate_kind_label": "职业技能等级证书",
    "occupation_name": "工业机器人系统运维员",
    "occupation_code": "6-31-01-10",
    "level": "四级/中级工",
    "appraised_on": "2026-11-20",
    "programme_id": None,
    "sat": 2,
    "passed": 1,
    "failed": 1,
    "absent": 1,
    "pass_rate": 0.5,
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}
DETAIL_EXAMPLE: dict[str, Any] = {
    **EXAMPLE,
    "candidates": [
        {
            "learner_id": "019abf40-0000-7000-8000-000000000001",
            "learner_name": "李四",
            "result": "pass",
            "result_label": "合格",
            "score": 86.5,
            "certificate_id": "019abf50-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
        },
        {
            "learner_id": "019abf40-0000-7000-8000-000000000002",
            "learner_name": "王五",
            "result": "fail",
            "result_label": "不合格",
            "score": 52.0,
            "certificate_id": None,
        },
        {
            "learner_id": "019abf40-0000-7000-8000-000000000003",
            "learner_name": "赵六",
            "result": "absent",
            "result_label": "缺考",
            "score": None,
            "certificate_id": None,
        },
    ],
}
RULES = (
    "\n\nRules — the batch is all or nothing: a refusal names the field (`candidates[i].<field>` for a candidate, "
    'e.g. `["body", "candidates", 3, "certificate_number"]`) and nothing of the batch is saved. `level` one of '
    "the kind's levels (422 `level`; docs/domain.md, the kinds table); `appraised_on` between 1950 and today (422); "
    "1 to 1000 candidates, each learner once (422 `duplicate`); `certificate_number` required for a pass (422 "
    "`required`) and refused otherwise (422 `pass_only`), each number once in the batch (422 `duplicate`) and not "
    "taken by a certificate the organization issued before (409 `certificate-number-taken`); no `score` for an "
    "absent candidate (422 `absent`); each learner a record the appraising organization registered (another "
    "organization's, or none: 404 `learner-not-found`, the same answer; erased: 409 `learner-erased`); "
    "`programme_id` one the organization provides or partners in (422 `programme_not_of_issuer`). Each passing "
    "candidate gets a certificate of `certificate_kind` issued by the organization on `appraised_on` naming the "
    "batch (`appraisal_id`), with its verification record, in the same transaction (events `certificate.issued` "
    "and `appraisal.created`). Send `Idempotency-Key` so a retry never records the batch twice.\n\n" + PASS_RATE_RULE
)
WHO_WRITE = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of `org_id` with "
    "`training:write`, and platform admins; anyone else gets 403."
)
PRIVATE = (
    "\n\n**可见 Visible to:** principals of the appraising organization (`org_id`), service principals with "
    "`training:read` and platform admins; to anyone else the batch is 404 and absent from lists."
)


@router.post(
    "",
    status_code=201,
    response_model=AppraisalDetail,
    dependencies=[WRITE],
    summary="登记技能鉴定批次 Record a skill appraisal batch",
    description="本单位自主开展职业技能等级认定：登记一批考生的鉴定结果，合格考生的证书在同一事务中颁发；"
    "任一考生不符合规则则整批不保存。\n\n"
    "The caller's organization (`org_id`) records a skill appraisal (技能鉴定 / 职业技能等级认定) of its learners "
    "with their results; the passing candidates' certificates are issued with it." + RULES + WHO_WRITE,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": DETAIL_EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 404, 409, 422, 503),
    },
)
async def create_appraisal(
    request: Request,
    body: AppraisalCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_party(principal, body.org_id)
    orgs = await org_directory(request).require_active({"org_id": body.org_id})
    row, candidates = await service.create(
        session,
        principal=principal,
        data=body,
        issuer_name=orgs["org_id"].name,
        settings=request.app.state.settings,
        actor=principal.actor,
    )
    return await created(session, idem, render_detail(row, candidates), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=AppraisalPage,
    dependencies=[READ],
    summary="查询技能鉴定批次 List skill appraisal batches",
    description="本单位的技能鉴定批次（不含考生明细），可按证书类别和鉴定日期筛选，游标分页，支持增量同步。\n\n"
    "The caller's organization's appraisal batches, without their candidates; platform admins and services see "
    "all. Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `org_id`, `certificate_kind`, "
    "`appraised_from`/`appraised_to` (inclusive). Incremental sync: `since_token` (or `updated_since`); batches are "
    "never changed nor deleted, so a pull brings new batches and there are no tombstones." + PRIVATE,
    responses=list_responses(EXAMPLE),
)
async def list_appraisals(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    org_id: Annotated[uuid.UUID | None, Query(description="鉴定单位 — Appraising organization")] = None,
    certificate_kind: Annotated[AppraisalKind | None, Query(description="证书类别 — Certificate kind")] = None,
    appraised_from: Annotated[IsoDate | None, Query(description="鉴定日期起（含） — Appraised on or after")] = None,
    appraised_to: Annotated[IsoDate | None, Query(description="鉴定日期止（含） — Appraised on or before")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（鉴定批次从不删除）", "none (appraisal batches are never deleted)")
    ] = False,
) -> AppraisalPage:
    a: Any = Appraisal
    where = equal((a.org_id, org_id), (a.certificate_kind, certificate_kind.value if certificate_kind else None))
    if appraised_from is not None:
        where.append(a.appraised_on >= appraised_from)
    if appraised_to is not None:
        where.append(a.appraised_on <= appraised_to)
    page = await service.page(
        session, principal, where=where, since=Since.of(since_token, updated_since), cursor=cursor, limit=limit
    )
    return AppraisalPage(items=[render(r) for r in page.rows], next_cursor=page.next_cursor, sync_token=page.sync_token)


@router.get(
    "/{appraisal_id}",
    response_model=AppraisalDetail,
    dependencies=[READ],
    summary="技能鉴定批次详情 Get a skill appraisal batch",
    description="技能鉴定批次详情：每名考生的姓名、结果、成绩和所颁证书。\n\n"
    "The batch with its candidates in the order sent: each learner's current name, result, score and the "
    "certificate issued to a passing candidate (`/v1/certificates/{id}`). Carries an `ETag`; no 304, since the "
    "names are the learner records' current ones." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": DETAIL_EXAMPLE}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_appraisal(appraisal_id: AppraisalId, session: SessionDep, principal: PrincipalDep) -> Response:
    row = await service.get_visible(session, principal, appraisal_id)
    return one(render_detail(row, await service.candidates_of(session, row.id)))
