"""`/v1/hires/imports` and `/v1/hires/import-template.xlsx` — the hires of a graduation season kept in Excel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chanjiao import spreadsheets
from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import recorded
from chanjiao.spreadsheets import UPLOAD_BODY, UPLOAD_PROBLEMS, template_response, template_responses
from services.matching.agreements.membership import membership_directory
from services.matching.hires.access import READ, WHO, WRITE
from services.matching.hires.imports import IMPORT, with_directory
from services.matching.imports import PostingImportReport, import_org

router = APIRouter(prefix="/v1/hires", tags=["hires"])

_REPORT_EXAMPLE = {
    "dry_run": True,
    "rows": 3,
    "created": 2,
    "rejected": [{"row": 4, "field": "hired_on", "column": "入职日期", "rule": "missing", "message": "必须填写"}],
    "ignored_columns": ["N"],
}


@router.post(
    "/imports",
    response_model=PostingImportReport,
    dependencies=[WRITE, Depends(spreadsheets.limit_upload)],
    summary="导入招录 Import a list of hires",
    description="毕业季上传招录名单（`.xlsx` 或 `.csv`），逐行校验后登记为本单位的待确认招录记录；"
    "可试运行，只检查不保存。\n\n"
    "Multipart upload (field `file`) of an `.xlsx` (first sheet) or `.csv` (UTF-8 or GBK), at most 5 MiB and "
    "10,000 rows. Headings (see `GET /v1/hires/import-template.xlsx`): 姓名 → person_name, 学员ID → learner_id, "
    "学校ID → school_org_id, 用人单位ID → employer_org_id, 入职日期 → hired_on, 岗位 → post, 渠道 → channel "
    "(Chinese name or code), 需求ID → demand_id, 协议ID → agreement_id. Each row is checked like the body of "
    "`POST /v1/hires` and recorded for `org_id` (default: your own organization; it must be the row's school or "
    "employer) or rejected on its own; the report lists every rejected row with field, column and rule — never a "
    "cell's value. `dry_run=true` checks everything and saves nothing." + WHO,
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422),
        **UPLOAD_PROBLEMS,
    },
    openapi_extra=UPLOAD_BODY,
)
async def import_hires(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    dry_run: Annotated[
        bool, Query(description="试运行：检查每一行并报告，但不保存 Check every row and report, but save nothing")
    ] = False,
    org_id: Annotated[
        uuid.UUID | None,
        Query(description="登记单位：默认本单位，平台管理员须指定 — recording organization: your own (default)"),
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    owner = import_org(principal, org_id)
    form = await request.form(max_files=1, max_fields=5)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise spreadsheets.unreadable(
                "缺少上传文件（字段名 file）", "No file uploaded (field `file`)", rule="missing"
            )
        data = await upload.read()
        table = await run_in_threadpool(spreadsheets.read_table, data, upload.filename, IMPORT.columns)
    finally:
        await form.close()
    report = await with_directory(membership_directory(request)).run(
        session, table=table, org_id=owner, actor=principal.actor, english=wants_english(request), dry_run=dry_run
    )
    response = JSONResponse(report.model_dump(mode="json"))
    if dry_run:
        await session.rollback()
        return response
    return await recorded(session, idem, response)


@router.get(
    "/import-template.xlsx",
    dependencies=[READ],
    summary="招录导入模板 Download the hire import template",
    description="下载招录导入模板：含表头、渠道下拉框以及逐列说明。\n\n"
    "An `.xlsx` with the heading row of the hire import (text-formatted columns, a drop-down for 渠道) and a 说明 "
    "sheet. With `Accept: application/json` the same column table as JSON.",
    response_class=Response,
    responses=template_responses(
        [{"heading": "入职日期", "field": "hired_on", "required": True, "description": "必填；YYYY-MM-DD，不晚于今天"}]
    ),
)
async def hire_import_template(request: Request) -> Response:
    return await template_response(
        request, IMPORT.describe_columns, IMPORT.template, "hires-template.xlsx", "招录导入模板.xlsx"
    )
