"""`/v1/organizations/batch`, `/imports` and `/import-template.xlsx` — many organizations at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chanjiao import spreadsheets
from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.batch import Atomic, BatchBody, ParsedBatch
from chanjiao.errors import problem_responses
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import recorded
from chanjiao.spreadsheets import template_response, template_responses
from services.membership import tenancy
from services.membership.organizations import batch, imports
from services.membership.organizations.access import CREATE, READ, WHO_CREATES
from services.membership.organizations.schemas import OrganizationCreate
from services.membership.organizations.schemas_batch import (
    BATCH_EXAMPLE,
    OrganizationBatchResult,
    OrganizationImportReport,
)

router = APIRouter()


BODY = BatchBody(OrganizationCreate, example=BATCH_EXAMPLE, what="the body of `POST /v1/organizations`")


_ID = "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b"
_BATCH_EXAMPLE = {
    "committed": True,
    "created": 1,
    "failed": 1,
    "results": [
        {"index": 0, "status": 201, "id": _ID},
        {
            "index": 1,
            "status": 409,
            "existing_id": "019abf2e-0000-7000-8000-000000000002",
            "problem": {
                "type": "urn:chanjiao:problem:duplicate-organization",
                "title": "单位已存在",
                "status": 409,
                "detail": "统一社会信用代码已被另一单位使用",
                "instance": "/v1/organizations/batch#/items/1",
                "request_id": "3f1c…",
                "existing_id": "019abf2e-0000-7000-8000-000000000002",
                "field": "credit_code",
            },
        },
    ],
}
_REPORT_EXAMPLE = {
    "dry_run": True,
    "rows": 3,
    "created": 1,
    "updated": 1,
    "skipped": 0,
    "rejected": [
        {
            "row": 4,
            "field": "credit_code",
            "column": "统一社会信用代码",
            "rule": "check_character",
            "message": "统一社会信用代码校验码（第18位）不正确",
        }
    ],
    "ignored_columns": ["H"],
}


@router.post(
    "/batch",
    response_model=OrganizationBatchResult,
    dependencies=[CREATE],
    openapi_extra=BODY.openapi,
    summary="批量登记单位 Create organizations in a batch",
    description="一次最多登记 1000 个单位，每项单独校验并各自返回结果；`atomic=true` 时全部成功才保存。\n\n"
    "Up to 1000 items, each shaped like the body of `POST /v1/organizations` and validated on its own. "
    "Answers 200 with one result per item: `201` + `id`, or the item's problem (`422` invalid, `409` duplicate — "
    "with `existing_id` when the credit code is taken; batches never update). Valid items are saved, invalid ones "
    "touch nothing. With `atomic=true` the batch is all-or-nothing: any failed item → 422 with every item's result "
    "(valid ones as `424`, not committed). `Idempotency-Key` keys the batch as a whole.\n\n" + WHO_CREATES,
    responses={
        200: {"content": {"application/json": {"example": _BATCH_EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422),
    },
)
async def create_batch(
    request: Request,
    body: Annotated[ParsedBatch[OrganizationCreate], Depends(BODY)],
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
        actor=principal.actor,
        english=wants_english(request),
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        registered_by=tenancy.registering_alliance(principal),
    )
    if atomic and outcome.failed:
        raise batch.reject_atomic(outcome)
    result = OrganizationBatchResult(
        committed=True, created=outcome.created, failed=outcome.failed, results=outcome.results
    )
    return await recorded(session, idem, JSONResponse(result.model_dump(mode="json", exclude_none=True)))


@router.post(
    "/imports",
    response_model=OrganizationImportReport,
    dependencies=[CREATE, Depends(spreadsheets.limit_upload)],
    summary="导入单位表 Import organizations from a spreadsheet",
    description="上传 `.xlsx` 或 `.csv` 单位表，按表头对应字段，逐行校验；可先试运行（dry run）查看每行的全部错误。"
    "\n\n"
    "Multipart upload (field `file`) of an `.xlsx` (first sheet) or `.csv` (UTF-8 or GBK), at most "
    "5 MiB and 10,000 rows (else 413). The heading row maps columns to fields — see "
    "`GET /v1/organizations/import-template.xlsx`: 单位名称 → name, 单位类型 → org_type (Chinese label or code), "
    "行政区划代码 → region_code, 统一社会信用代码 → credit_code, 行业代码 → industry_codes (comma-separated), "
    "上级单位信用代码 → parent_id, 举办单位信用代码 → sponsor_org_id; other columns are ignored. A row whose "
    "credit code (or, without one, name + region) is registered updates that organization — a blank cell never "
    "overwrites a value; other rows create one. Each row is saved or rejected on its own; the report lists every "
    "rejected row with field and rule, never a cell's value. `dry_run=true` checks everything and saves nothing.\n\n"
    + WHO_CREATES
    + " A row matching an organization the caller may not edit (one its own org admin has claimed, or one none "
    "of the caller's alliances registered) is not updated and counts as `skipped`.",
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422),
        **spreadsheets.UPLOAD_PROBLEMS,
    },
    openapi_extra=spreadsheets.UPLOAD_BODY,
)
async def import_organizations(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    dry_run: Annotated[
        bool, Query(description="试运行：检查每一行并报告，但不保存 Check every row and report, but save nothing")
    ] = False,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    form = await request.form(max_files=1, max_fields=5)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise spreadsheets.unreadable(
                "缺少上传文件（字段名 file）", "No file uploaded (field `file`)", rule="missing"
            )
        data = await upload.read()
        table = await run_in_threadpool(imports.read_table, data, upload.filename)
    finally:
        await form.close()

    async def may_update(org_id) -> bool:
        return await tenancy.may_write_org(session, principal, org_id)

    report = await imports.run_import(
        session,
        table=table,
        actor=principal.actor,
        english=wants_english(request),
        dry_run=dry_run,
        may_update=may_update,
        registered_by=tenancy.registering_alliance(principal),
    )
    response = JSONResponse(report.model_dump(mode="json"))
    if dry_run:
        await session.rollback()
        return response
    return await recorded(session, idem, response)


@router.get(
    "/import-template.xlsx",
    dependencies=[READ],
    summary="导入模板 Download the import template",
    description="下载单位导入模板：含表头、单位类型下拉框和逐列说明；请求 JSON 时返回同样的列说明。\n\n"
    "An `.xlsx` with the heading row of the import table (text-formatted columns, a 单位类型 drop-down) "
    "and a 说明 sheet describing each column. With `Accept: application/json` the same column table as JSON.",
    response_class=Response,
    responses=template_responses(
        [{"heading": "单位名称", "field": "name", "required": True, "description": "必填（新单位）；2–100 个字符"}]
    ),
)
async def import_template(request: Request) -> Response:
    return await template_response(
        request, imports.describe_columns, imports.build_template, "organizations-template.xlsx", "单位导入模板.xlsx"
    )
