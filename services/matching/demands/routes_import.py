"""`/v1/demands/imports` and `/v1/demands/import-template.xlsx` — a list of demands kept in Excel."""

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
from services.matching.demands.imports import IMPORT
from services.matching.imports import PostingImportReport, import_org
from services.matching.market import READ, WHO, WRITE

router = APIRouter(prefix="/v1/demands", tags=["demands"])

_REPORT_EXAMPLE = {
    "dry_run": True,
    "rows": 3,
    "created": 2,
    "rejected": [{"row": 4, "field": "headcount", "column": "需求人数", "rule": "missing", "message": "必须填写"}],
    "ignored_columns": ["N"],
}


@router.post(
    "/imports",
    response_model=PostingImportReport,
    dependencies=[WRITE, Depends(spreadsheets.limit_upload)],
    summary="导入需求 Import a list of demands",
    description="上传需求表（`.xlsx` 或 `.csv`），逐行校验后登记为本单位的需求草稿；可试运行，只检查不保存。\n\n"
    "Multipart upload (field `file`) of an `.xlsx` (first sheet) or `.csv` (UTF-8 or GBK), at most 5 MiB and "
    "10,000 rows. Headings (see `GET /v1/demands/import-template.xlsx`): 需求类型 → kind (Chinese name or code), "
    "标题 → title, 说明 → description, 职业代码 → occupation_codes, 专业代码 → major_codes (several codes in one "
    "cell, separated by 、 , ; or spaces), 学历层次 → education_level, 需求人数 → headcount, 行政区划代码 → "
    "region_code, 开始日期, 结束日期, 截止日期, 联盟ID. Each row is checked like the body of `POST /v1/demands` and "
    "saved as a draft of `org_id` (default: your own organization) or rejected on its own; the report lists every "
    "rejected row with field, column and rule — never a cell's value. `dry_run=true` checks everything and saves "
    "nothing." + WHO,
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422),
        **UPLOAD_PROBLEMS,
    },
    openapi_extra=UPLOAD_BODY,
)
async def import_demands(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    dry_run: Annotated[
        bool, Query(description="试运行：检查每一行并报告，但不保存 Check every row and report, but save nothing")
    ] = False,
    org_id: Annotated[
        uuid.UUID | None,
        Query(description="发布单位：默认本单位，平台管理员须指定 — posting organization: your own (default)"),
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
    report = await IMPORT.run(
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
    summary="需求导入模板 Download the demand import template",
    description="下载需求导入模板：含表头、需求类型和学历层次的下拉框以及逐列说明。\n\n"
    "An `.xlsx` with the heading row of the demand import (text-formatted columns, drop-downs for 需求类型 and "
    "学历层次) and a 说明 sheet. With `Accept: application/json` the same column table as JSON.",
    response_class=Response,
    responses=template_responses(
        [{"heading": "需求人数", "field": "headcount", "required": True, "description": "必填；1 至 100000"}]
    ),
)
async def demand_import_template(request: Request) -> Response:
    return await template_response(
        request, IMPORT.describe_columns, IMPORT.template, "demands-template.xlsx", "需求导入模板.xlsx"
    )
