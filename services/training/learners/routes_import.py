"""`/v1/learners/imports` and `/import-template.xlsx` — the learner roster kept in Excel."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import recorded
from chanjiao.spreadsheets import (
    UPLOAD_BODY,
    UPLOAD_PROBLEMS,
    limit_upload,
    read_table,
    template_response,
    template_responses,
    unreadable,
)
from services.training.learners import batch
from services.training.learners.access import READ, WHO, WRITE, registering_org
from services.training.learners.deps import DirectoryDep, PdDep
from services.training.learners.schemas import (
    LearnerImportReport,
)

router = APIRouter(prefix="/v1/learners", tags=["learners"])

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
    return await recorded(session, idem, response)


@router.get(
    "/import-template.xlsx",
    dependencies=[READ],
    summary="学员名册导入模板 Download the roster template",
    description="下载学员名册导入模板：证件号码等列为文本格式，含证件类型和学员类型下拉框及逐列说明。\n\n"
    "An `.xlsx` with the heading row of the roster import (text-formatted columns so ID numbers keep "
    "their digits, drop-downs for 证件类型 and 学员类型) and a 说明 sheet describing each column. With "
    "`Accept: application/json` the same column table as JSON.",
    response_class=Response,
    responses=template_responses(
        [{"heading": "姓名", "field": "name", "required": True, "description": "必填；2–50 个字符"}]
    ),
)
async def import_template(request: Request) -> Response:
    return await template_response(
        request, batch.describe_columns, batch.template, "learners-template.xlsx", "学员导入模板.xlsx"
    )
