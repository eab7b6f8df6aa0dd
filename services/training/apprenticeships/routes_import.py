"""`/v1/apprenticeships/imports` and `/import-template.xlsx` — a school's apprentices kept in Excel."""

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
from services.training.apprenticeships import imports
from services.training.orgs import org_directory
from services.training.parties import READ, WRITE, ensure_party

router = APIRouter(prefix="/v1/apprenticeships", tags=["apprenticeships"])

_REPORT_EXAMPLE = {
    "dry_run": True,
    "rows": 3,
    "created": 2,
    "rejected": [
        {
            "row": 4,
            "field": "enterprise_mentor_person_id",
            "column": "企业导师人员ID",
            "rule": "person_not_found",
            "message": "所填单位没有该人员",
        }
    ],
    "ignored_columns": [],
}


@router.post(
    "/imports",
    response_model=imports.ApprenticeImportReport,
    dependencies=[WRITE, Depends(spreadsheets.limit_upload)],
    summary="导入现代学徒制学徒 Import apprentices",
    description="上传学校的学徒名单（`.xlsx` 或 `.csv`），逐行按登记学徒的规则校验后保存。\n\n"
    "Multipart upload (field `file`) of an `.xlsx` (first sheet) or `.csv` (UTF-8 or GBK), at most 5 MiB and 10,000 "
    "rows, for the school `school_org_id`. Headings (see `GET /v1/apprenticeships/import-template.xlsx`): 学员ID, "
    "合作企业ID, 培训项目ID (or the `programme_id` parameter for a one-class sheet), 学校导师人员ID, 企业导师人员ID, "
    "开始日期, 招工日期, 合同类型 (三方协议/劳动合同/学徒合同), 合同编号, 签订日期, 签约方 (学校、企业、学徒本人、"
    "监护人). Each row is checked like `POST /v1/apprenticeships` and saved or rejected on its own; the report lists "
    "every rejected row with field, column and rule — never a cell's value. `dry_run=true` checks everything and "
    "saves nothing."
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of `school_org_id` with "
    "`training:write`, and platform admins; anyone else gets 403.",
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422, 503),
        **UPLOAD_PROBLEMS,
    },
    openapi_extra=UPLOAD_BODY,
)
async def import_apprenticeships(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    school_org_id: Annotated[uuid.UUID, Query(description="学校 — The school whose apprentices the sheet lists")],
    dry_run: Annotated[
        bool, Query(description="试运行：检查每一行并报告，但不保存 Check every row and report, but save nothing")
    ] = False,
    programme_id: Annotated[
        uuid.UUID | None, Query(description="未填 培训项目ID 的行所属的班 — The class of rows without 培训项目ID")
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_party(principal, school_org_id)
    directory = org_directory(request)
    await directory.require_active({"school_org_id": school_org_id})
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
        school_org_id=school_org_id,
        programme_id=programme_id,
        principal=principal,
        directory=directory,
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
    summary="学徒导入模板 Download the apprentice import template",
    description="下载现代学徒制学徒导入模板：含表头、合同类型下拉框和逐列说明。\n\n"
    "An `.xlsx` with the heading row of the apprentice import (text-formatted columns, a 合同类型 drop-down) and a "
    "说明 sheet. With `Accept: application/json` the same column table as JSON.",
    response_class=Response,
    responses=template_responses(
        [{"heading": "学员ID", "field": "learner_id", "required": True, "description": "学校已登记的学员"}]
    ),
)
async def import_template(request: Request) -> Response:
    return await template_response(
        request, imports.describe_columns, imports.template, "apprenticeships-template.xlsx", "学徒导入模板.xlsx"
    )
