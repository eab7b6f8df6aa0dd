"""`/v1/learners/batch`, `/imports` and `/import-template.xlsx` — many learners at once.

Included before the single-learner router, so `import-template.xlsx` is not taken for a learner id."""

import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.batch import Atomic, BatchBody, ParsedBatch
from chanjiao.errors import problem_responses
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.spreadsheets import UPLOAD_BODY, UPLOAD_PROBLEMS, XLSX, attachment, limit_upload, read_table, unreadable
from services.training.learners import batch
from services.training.learners.router import (
    READ,
    WRITE,
    DirectoryDep,
    PdDep,
    registering_org,
)
from services.training.learners.schemas import (
    BATCH_EXAMPLE,
    ImportColumn,
    LearnerBatchResult,
    LearnerCreate,
    LearnerImportReport,
)

router = APIRouter(prefix="/v1/learners", tags=["learners"])


BODY = BatchBody(LearnerCreate, example=BATCH_EXAMPLE, what="the body of `POST /v1/learners`")

_ID = "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d"
WHO = (
    "\n\n**谁可以 Who:** org_admin or org_staff (user or API key) registering for their own organization (items "
    "may omit `org_id` or name their own; naming another organization is 403 for the whole request), and platform "
    "admins (who name `org_id`)."
)
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
_REPORT_EXAMPLE = {
    "dry_run": True,
    "rows": 3,
    "created": 1,
    "existing": 1,
    "rejected": [
        {
            "row": 4,
            "field": "id_number",
            "column": "证件号码",
            "rule": "check_digit",
            "message": "身份证号码校验码（第18位）不正确",
        }
    ],
    "ignored_columns": ["F"],
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


@router.post(
    "/imports",
    response_model=LearnerImportReport,
    dependencies=[WRITE, Depends(limit_upload)],
    summary="导入学员名册 Import a roster of learners",
    description="上传学员名册（`.xlsx` 或 `.csv`），按表头对应字段逐行校验并登记；证件号码加密保存，"
    "不出现在任何回显中。\n\n"
    "Multipart upload (field `file`) of an `.xlsx` (first sheet) or `.csv` (UTF-8 or GBK), at most "
    "5 MiB and 10,000 rows (else 413). The heading row maps columns to fields — see "
    "`GET /v1/learners/import-template.xlsx`: 姓名 → name, 证件类型 → id_type (Chinese label or code; default "
    "居民身份证), 证件号码 → id_number, 手机号 → phone, 学员类型 → learner_type (学生/企业职工/教师/社会人员 or code); "
    "other columns are ignored. Each row is registered as `POST /v1/learners` would (`created`, or `existing` when "
    "your "
    "organization registered it already — never because of another organization's record) or rejected on its own; "
    "the report lists every rejected row with field and rule, **never a cell's "
    "value**. `current_org_id` applies to every row. `dry_run=true` checks everything and saves nothing." + WHO,
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422),
        **UPLOAD_PROBLEMS,
    },
    openapi_extra=UPLOAD_BODY,
)
async def import_learners(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    pd: PdDep,
    directory: DirectoryDep,
    idem: IdempotencyDep,
    dry_run: Annotated[
        bool, Query(description="试运行：检查每一行并报告，但不保存 Check every row and report, but save nothing")
    ] = False,
    org_id: Annotated[
        uuid.UUID | None, Query(description="登记单位: your own (default); a platform admin must name one")
    ] = None,
    current_org_id: Annotated[uuid.UUID | None, Query(description="当前所在单位 of every row (optional)")] = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    registering = registering_org(principal, org_id, loc=["query", "org_id"])
    await directory.require_active({"org_id": registering, "current_org_id": current_org_id})
    form = await request.form(max_files=1, max_fields=5)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise unreadable("缺少上传文件（字段名 file）", "No file uploaded (field `file`)", rule="missing")
        data = await upload.read()
        table = await run_in_threadpool(read_table, data, upload.filename, batch.COLUMNS)
    finally:
        await form.close()
    report = await batch.run_import(
        session,
        table=table,
        org_id=registering,
        current_org_id=current_org_id,
        check_orgs=directory.require_active,
        pd=pd,
        actor=principal.actor,
        english=wants_english(request),
        dry_run=dry_run,
    )
    response = JSONResponse(report.model_dump(mode="json"))
    if dry_run:
        await session.rollback()
        return response
    await idem.record(session, response)
    await session.commit()
    return response


@router.get(
    "/import-template.xlsx",
    dependencies=[READ],
    summary="学员名册导入模板 Download the roster template",
    description="下载学员名册导入模板：证件号码等列为文本格式，含证件类型和学员类型下拉框及逐列说明。\n\n"
    "An `.xlsx` with the heading row of the roster import (text-formatted columns so ID numbers keep "
    "their digits, drop-downs for 证件类型 and 学员类型) and a 说明 sheet describing each column. With "
    "`Accept: application/json` the same column table as JSON.",
    response_class=Response,
    responses={
        200: {
            "content": {
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                "application/json": {
                    "schema": {"type": "array", "items": ImportColumn.model_json_schema()},
                    "example": [
                        {"heading": "姓名", "field": "name", "required": True, "description": "必填；2–50 个字符"}
                    ],
                },
            }
        }
    },
)
async def import_template(request: Request) -> Response:
    accept = request.headers.get("accept", "")
    if "application/json" in accept and XLSX not in accept:
        return JSONResponse([c.model_dump() for c in batch.describe_columns()])
    content = await run_in_threadpool(batch.template)
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": attachment("learners-template.xlsx", "学员导入模板.xlsx")},
    )
