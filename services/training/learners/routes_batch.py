"""`/v1/learners/batch` — many learners in one request (the roster import: routes_import.py)."""

import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.batch import Atomic, BatchBody, ParsedBatch
from chanjiao.errors import problem_responses
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from services.training.learners import batch
from services.training.learners.access import WHO, WRITE, registering_org
from services.training.learners.deps import DirectoryDep, PdDep
from services.training.learners.schemas import (
    BATCH_EXAMPLE,
    LearnerBatchResult,
    LearnerCreate,
)

router = APIRouter(prefix="/v1/learners", tags=["learners"])


BODY = BatchBody(LearnerCreate, example=BATCH_EXAMPLE, what="the body of `POST /v1/learners`")

_ID = "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d"
_BATCH_EXAMPLE = {
    "committed": True,
    "created": 1,
    "existing": 1,
    "failed": 1,
    "results": [
        {"index": 0, "status": 201, "outcome": "created", "id": _ID},
        {"index": 1, "status": 200, "outcome": "existing", "id": "019abf30-0000-7000-8000-000000000002"},
        {
            "index": 2,
            "status": 422,
            "outcome": "invalid",
            "problem": {
                "type": "urn:chanjiao:problem:validation-error",
                "title": "输入校验未通过",
                "status": 422,
                "detail": "以下字段未通过校验：id_number",
                "instance": "/v1/learners/batch#/items/2",
                "request_id": "3f1c…",
                "errors": [
                    {
                        "loc": ["body", "items", 2, "id_number"],
                        "msg": "身份证号码校验码（第18位）不正确",
                        "type": "check_digit",
                    }
                ],
            },
        },
    ],
}


def _named_orgs(items: list[LearnerCreate | None]) -> set[uuid.UUID]:
    """The organizations named by the valid items (an invalid item is reported on its own and touches nothing)."""
    return {item.org_id for item in items if item is not None and item.org_id is not None}


@router.post(
    "/batch",
    response_model=LearnerBatchResult,
    dependencies=[WRITE],
    openapi_extra=BODY.openapi,
    summary="批量登记学员 Register learners in a batch",
    description="一次最多登记 1000 名学员，每项按单条登记的规则处理，并各自返回结果（新建、已存在或冲突）。\n\n"
    "Up to 1000 items, each shaped like the body of `POST /v1/learners` and registered exactly as it "
    "is. Answers 200 with one result per item: `201` created · `200` existing (your organization registered it "
    "already: your record) · `409` conflict (a different name for a number your organization registered — the "
    "registered name is never shown; other organizations' records never make an item existing or a conflict) · "
    "`422` invalid (each field and rule named; a rejected value is never echoed). Valid items "
    "are saved, invalid ones touch nothing. With `atomic=true` the batch is all-or-nothing: any failed item → 422 "
    "with every item's result (valid ones as `424`, not committed). `Idempotency-Key` keys the batch as a whole. "
    "Registered set-based (a handful of statements per batch, not per item): "
    "one `learner.created` event and one audit row per created record, as for `POST /v1/learners`. The "
    "`Server-Timing` header gives the server's time per phase (服务端各阶段耗时)." + WHO,
    responses={
        200: {
            "headers": {"Server-Timing": {"schema": {"type": "string"}, "description": "Phases, in ms"}},
            "content": {"application/json": {"example": _BATCH_EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422),
    },
)
async def create_batch(
    request: Request,
    body: Annotated[ParsedBatch[LearnerCreate], Depends(BODY)],
    session: SessionDep,
    principal: PrincipalDep,
    pd: PdDep,
    directory: DirectoryDep,
    idem: IdempotencyDep,
    atomic: Atomic = False,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    # Tenant first, for the whole batch: an organization principal may name only its own organization.
    if not principal.is_platform_admin:
        own = registering_org(principal, None, loc=["body", "org_id"])
        for named in _named_orgs(body.items):
            registering_org(principal, named, loc=["body", "org_id"])
        await directory.require_active({"org_id": own})

    def resolve(requested: uuid.UUID | None) -> uuid.UUID:
        return registering_org(principal, requested, loc=["body", "org_id"])

    outcome = await batch.create_many(
        session,
        parsed=body,
        resolve_org=resolve,
        check_orgs=directory.require_active,
        pd=pd,
        actor=principal.actor,
        atomic=atomic,
        english=wants_english(request),
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
    )
    if atomic and outcome.failed:
        raise batch.reject_atomic(outcome)
    result = LearnerBatchResult(
        committed=True,
        created=outcome.count("created"),
        existing=outcome.count("existing"),
        failed=outcome.failed,
        results=outcome.results,
    )
    response = JSONResponse(result.model_dump(mode="json", exclude_none=True))
    outcome.timings.lap("render")
    await idem.record(session, response)
    t = time.perf_counter()
    await session.commit()
    outcome.timings.marks["commit"] = (time.perf_counter() - t) * 1000
    response.headers["Server-Timing"] = outcome.timings.header()
    return response
