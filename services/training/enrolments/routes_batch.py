"""`/v1/enrolments/batch` — many enrolments at once, set-based."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic_core import to_json

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.batch import Atomic, BatchBody, ParsedBatch
from chanjiao.errors import problem_responses
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from services.training.enrolments import batch
from services.training.enrolments.access import WHO, WRITE
from services.training.enrolments.schemas import BATCH_EXAMPLE, EnrolmentBatchResult, EnrolmentCreate
from services.training.orgs import org_directory

router = APIRouter(prefix="/v1/enrolments", tags=["enrolments"])

BODY = BatchBody(
    EnrolmentCreate,
    example=BATCH_EXAMPLE,
    what="the body of `POST /v1/enrolments`",
)

_BATCH_EXAMPLE = {
    "committed": True,
    "created": 1,
    "failed": 1,
    "batch_id": "019abf41-0000-7000-8000-0000000000b1",
    "results": [
        {"index": 0, "status": 201, "id": "019abf41-0000-7000-8000-0000000000e1"},
        {
            "index": 1,
            "status": 409,
            "problem": {
                "type": "urn:chanjiao:problem:programme-full",
                "title": "培训项目名额已满",
                "status": 409,
                "detail": "该项目名额已满；有学员退出后可再报名",
                "instance": "/v1/enrolments/batch#/items/1",
                "request_id": "3f1c…",
            },
        },
    ],
}


@router.post(
    "/batch",
    response_model=EnrolmentBatchResult,
    dependencies=[WRITE],
    openapi_extra=BODY.openapi,
    summary="批量报名 Enrol learners in a batch",
    description="一次最多报名 1000 条，每项单独校验并各自返回结果；名额不足时后面的项返回 409。\n\n"
    "Up to 1000 items, each shaped like the body of `POST /v1/enrolments` and validated on its own. "
    "Answers 200 with one result per item: `201` + `id`, or the item's problem (`422` invalid, `404` no such "
    "learner, `409` already enrolled — with `existing_id` — or twice in the batch, `409 programme-full` when the "
    "programme's remaining seats went to earlier items). Valid items are saved, invalid ones touch nothing. With "
    "`atomic=true` the batch is all-or-nothing: any failed item → 422 with every item's result (valid ones as "
    "`424`, not committed). `Idempotency-Key` keys the batch as a whole. Every programme named must be the caller's "
    "organization's (else 403 for the whole batch) and its provider active (422/503 before anything is written).\n\n"
    "Built for volume: rows are COPYed into a staging table and checked and written set-based (a handful of "
    "statements per batch, not per item); one `enrolment.created` event per enrolment and one audit row per batch "
    "(entity `enrolment_batch`). The `Server-Timing` header gives the server's time per phase." + WHO,
    responses={
        200: {
            "headers": {"Server-Timing": {"schema": {"type": "string"}, "description": "Phases, in ms"}},
            "content": {"application/json": {"example": _BATCH_EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422),
        503: {"description": "成员服务暂不可用 Membership cannot confirm the provider (Retry-After)"},
    },
)
async def create_batch(
    request: Request,
    body: Annotated[ParsedBatch[EnrolmentCreate], Depends(BODY)],
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    atomic: Atomic = False,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    outcome = await batch.enrol_many(
        session,
        parsed=body,
        principal=principal,
        directory=org_directory(request),
        atomic=atomic,
        english=wants_english(request),
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
    )
    if atomic and outcome.failed:
        raise batch.reject_atomic(outcome)
    result = {"committed": True, "created": outcome.created, "failed": outcome.failed}
    if outcome.created:
        result["batch_id"] = outcome.batch_id
    result["results"] = outcome.results
    response = Response(to_json(result), media_type="application/json")
    outcome.timings.lap("render")
    await idem.record(session, response)
    t = time.perf_counter()
    await session.commit()
    outcome.timings.marks["commit"] = (time.perf_counter() - t) * 1000
    response.headers["Server-Timing"] = outcome.timings.header()
    return response
