"""`/v1/certificates/batch` — many certificates in one request, written set-based (the spreadsheet import:
routes_import.py)."""

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
from services.training.certificates import batch
from services.training.certificates.batch import CertificateBatchItem, CertificateBatchResult
from services.training.certificates.router import WHO_WRITE, settings_of
from services.training.orgs import org_directory
from services.training.parties import WRITE

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])

_SCHOOL = "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b"
BATCH_EXAMPLE = {
    "items": [
        {
            "kind": "skill_level_1x",
            "number": "1X2024370700166",
            "learner_id": "019abf40-0000-7000-8000-000000000001",
            "issuer_org_id": _SCHOOL,
            "occupation_name": "工业机器人操作与运维",
            "level": "中级",
            "issued_on": "2024-06-30",
        },
        {
            "recorded": True,
            "kind": "special_operations",
            "number": "T370702199001150023",
            "learner_id": "019abf40-0000-7000-8000-000000000002",
            "holder_org_id": _SCHOOL,
            "issuer_name": "潍坊市应急管理局",
            "issuer_authority": "emergency_management",
            "occupation_name": "低压电工作业",
            "issued_on": "2023-03-15",
        },
    ]
}
BODY = BatchBody(
    CertificateBatchItem,
    example=BATCH_EXAMPLE,
    what="the body of `POST /v1/certificates` or, with `recorded: true`, of `POST /v1/certificates/records`",
)

# The item model is no route's own body, so no component is generated for it: the document carries its schema
# inline (its enums refer to the components the single routes generate).
_ITEM_SCHEMA = CertificateBatchItem.model_json_schema(ref_template="#/components/schemas/{model}")
_ITEM_SCHEMA.pop("$defs", None)
BODY.openapi["requestBody"]["content"]["application/json"]["schema"]["properties"]["items"]["items"] = _ITEM_SCHEMA

_RESULT_EXAMPLE = {
    "committed": True,
    "created": 1,
    "failed": 1,
    "results": [
        {"index": 0, "status": 201, "id": "019abf50-1a2b-7c3d-8e4f-5a6b7c8d9e0f"},
        {
            "index": 1,
            "status": 409,
            "problem": {
                "type": "urn:chanjiao:problem:certificate-number-taken",
                "title": "证书编号已存在",
                "status": 409,
                "detail": "该发证单位已有同一编号的证书",
                "instance": "/v1/certificates/batch#/items/1",
                "request_id": "3f1c…",
                "errors": [
                    {"loc": ["body", "items", 1, "number"], "msg": "编号已被使用", "type": "unique"},
                ],
            },
        },
    ],
}


@router.post(
    "/batch",
    response_model=CertificateBatchResult,
    dependencies=[WRITE],
    openapi_extra=BODY.openapi,
    summary="批量颁发或登记证书 Issue or record certificates in a batch",
    description="一次最多 1000 张证书（颁发或登记外部证书），每项按单条的规则校验并各自返回结果；"
    "证书编号在发证单位内唯一，本批内重复或已存在的编号返回 409。\n\n"
    "Up to 1000 items. An item is the body of `POST /v1/certificates` (issued by `issuer_org_id`, the caller's "
    'organization) or, with `"recorded": true`, the body of `POST /v1/certificates/records` (recorded by '
    "`holder_org_id` from an outside issuer); `replaces_id` is not accepted here (a replacement goes through the "
    "single routes). Answers 200 with one result per item: `201` + `id`, or the item's problem — `422` invalid "
    "(each field and rule named), `404` no such learner (another organization's learner is not found, exactly "
    "like a missing one, and nothing is written for that item), `409` learner erased, or `409` "
    "`certificate-number-taken` naming `number` (the issuer has the number already, or an earlier item of the "
    "batch has it). Every organization the items issue or record for must be the caller's (else 403 for the "
    "whole batch) and active (422/503 before anything is written). Valid items are saved, invalid ones touch "
    "nothing; with `atomic=true` the batch is all-or-nothing: any failed item → 422 with every item's result "
    "(valid ones as `424`, not committed). `Idempotency-Key` keys the batch as a whole.\n\n"
    "Written set-based — one statement for the rows, their verification records, audit rows and events "
    "(`certificate.issued` / `certificate.recorded`, one per certificate, as for the single routes). Each "
    "certificate's verification code is made at once (see it with `GET /v1/certificates/{certificate_id}`); the "
    "signed public answer is built on its first verification. The `Server-Timing` header gives the server's time "
    "per phase (服务端各阶段耗时)." + WHO_WRITE,
    responses={
        200: {
            "headers": {"Server-Timing": {"schema": {"type": "string"}, "description": "Phases, in ms"}},
            "content": {"application/json": {"example": _RESULT_EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422, 503),
    },
)
async def create_certificate_batch(
    request: Request,
    body: Annotated[ParsedBatch[CertificateBatchItem], Depends(BODY)],
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
        settings=settings_of(request),
        atomic=atomic,
        english=wants_english(request),
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
    )
    if atomic and outcome.failed:
        raise batch.reject_atomic(outcome)
    result = {
        "committed": True,
        "created": outcome.created,
        "failed": outcome.failed,
        "results": outcome.results,
    }
    response = Response(to_json(result), media_type="application/json")
    outcome.timings.lap("render")
    await idem.record(session, response)
    t = time.perf_counter()
    await session.commit()
    outcome.timings.marks["commit"] = (time.perf_counter() - t) * 1000
    response.headers["Server-Timing"] = outcome.timings.header()
    return response
