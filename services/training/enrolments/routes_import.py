"""`/v1/enrolments/imports` and `/import-template.xlsx` — the enrolment roster kept in Excel."""

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
from services.training.enrolments import imports
from services.training.enrolments.access import READ, WHO, WRITE
from services.training.enrolments.imports import EnrolmentImportReport
from services.training.learners.personal import PersonalData
from services.training.orgs import org_directory

router = APIRouter(prefix="/v1/enrolments", tags=["enrolments"])


_REPORT_EXAMPLE = {
    "dry_run": True,
    "rows": 3,
    "created": 2,
    "rejected": [
        {
            "row": 4,
            "field": "id_number",
            "column": "证件号码",
            "rule": "learner_not_found",
            "message": "没有以该证件号码登记的学员",
        }
    ],
    "ignored_columns": ["G"],
}


def _pd(request: Request) -> PersonalData:
    current, previous = request.app.state.settings.personal_data_secrets()
    return PersonalData(current, previous)


@router.post(
    "/imports",
    response_model=EnrolmentImportReport,
    dependencies=[WRITE, Depends(spreadsheets.limit_upload)],
    summary="导入报名名单 Import an enrolment roster",
    description="上传报名名单（`.xlsx` 或 `.csv`），按证件号码或学员 ID 找到本单位的学员，逐行校验后报名。\n\n"
    "Multipart upload (field `file`) of an `.xlsx` (first sheet) or `.csv` (UTF-8 or GBK), at most 5 MiB "
    "and 10,000 rows. Headings (see `GET /v1/enrolments/import-template.xlsx`): 证件类型 → id_type, 证件号码 → "
    "id_number, 学员ID → learner_id, 姓名 → name (checked against the registered learner), 培训项目ID → programme_id "
    "(or the `programme_id` parameter for a one-class roster), 报名日期 → enrolled_on. A learner is named by ID "
    "number (looked up by its keyed hash; the learner must be registered) or by id. The rows are enrolled like "
    "`POST /v1/enrolments/batch` (capacity in row order, one per learner and programme); each row is saved or "
    "rejected on its own and the report lists every rejected row with field, column and rule — never a cell's "
    "value (no ID number is ever echoed). `dry_run=true` checks everything and saves nothing." + WHO,
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422),
        **UPLOAD_PROBLEMS,
    },
    openapi_extra=UPLOAD_BODY,
)
async def import_enrolments(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    dry_run: Annotated[
        bool, Query(description="试运行：检查每一行并报告，但不保存 Check every row and report, but save nothing")
    ] = False,
    programme_id: Annotated[
        uuid.UUID | None, Query(description="未填 培训项目ID 的行所报名的项目 The programme of rows without 培训项目ID")
    ] = None,
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
        table = await run_in_threadpool(spreadsheets.read_table, data, upload.filename, imports.COLUMNS)
    finally:
        await form.close()
    report = await imports.run_import(
        session,
        table=table,
        programme_id=programme_id,
        principal=principal,
        directory=org_directory(request),
        pd=_pd(request),
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
    summary="报名导入模板 Download the enrolment import template",
    description="下载报名名单导入模板：含表头、证件类型下拉框和逐列说明。\n\n"
    "An `.xlsx` with the heading row of the roster import (text-formatted columns, a 证件类型 drop-down) "
    "and a 说明 sheet. With `Accept: application/json` the same column table as JSON.",
    response_class=Response,
    responses=template_responses(
        [
            {
                "heading": "证件号码",
                "field": "id_number",
                "required": False,
                "description": "与 学员ID 二选一：学员须已由本单位登记（POST /v1/learners 或学员导入）",
            }
        ]
    ),
)
async def import_template(request: Request) -> Response:
    return await template_response(
        request, imports.describe_columns, imports.template, "enrolments-template.xlsx", "报名导入模板.xlsx"
    )
