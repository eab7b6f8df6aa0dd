"""`/v1/programmes/imports` and `/v1/programmes/import-template.xlsx` — a year's programmes kept in Excel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chanjiao import spreadsheets
from chanjiao.app import SessionDep
from chanjiao.auth import ORG_ADMIN, ORG_STAFF, PrincipalDep, allow
from chanjiao.errors import problem_responses
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import recorded
from chanjiao.spreadsheets import UPLOAD_BODY, UPLOAD_PROBLEMS, template_response, template_responses
from services.training.orgs import org_directory
from services.training.programmes import imports
from services.training.programmes.imports import ProgrammeImportReport

router = APIRouter(prefix="/v1/programmes", tags=["programmes"])

READ = allow(scopes=("training:read",))
WRITE = allow(roles=(ORG_ADMIN, ORG_STAFF), scopes=("training:write",), tenant="organization")
WHO = (
    "\n\n**谁可以 Who:** principals (org_admin, org_staff, or the organization's API key) of the provider "
    "organization, and platform admins (who name `org_id`); anyone else gets 403."
)

_REPORT_EXAMPLE = {
    "dry_run": True,
    "rows": 3,
    "created": 2,
    "rejected": [
        {
            "row": 4,
            "field": "commissioned_by",
            "column": "委托单位",
            "rule": "commissioner_required",
            "message": "委托项目须填写委托单位（commissioned_by）",
        }
    ],
    "ignored_columns": ["P"],
}


@router.post(
    "/imports",
    response_model=ProgrammeImportReport,
    dependencies=[WRITE, Depends(spreadsheets.limit_upload)],
    summary="导入培训项目 Import a list of programmes",
    description="上传培训项目表（`.xlsx` 或 `.csv`），逐行校验后登记为本单位举办的培训项目；"
    "可试运行，只检查不保存。\n\n"
    "Multipart upload (field `file`) of an `.xlsx` (first sheet) or `.csv` (UTF-8 or GBK), at most 5 MiB and "
    "10,000 rows. Headings (see `GET /v1/programmes/import-template.xlsx`): 项目名称 → name, 培训类型 → kind "
    "(Chinese name or code), 开始日期 → start_on, 结束日期 → end_on, 计划学时, 名额, 培训方式 → delivery, 职业代码, "
    "专业代码, 委托单位 → commissioned_by, 项目级别 → project_level (国家级/省级/市级/行业/非委托项目), 经费来源 → "
    "funding_source, 培训对象 → target_groups (several in one cell, separated by 、 , ; or spaces), 联盟ID → "
    "alliance_id. Each row is checked like the body of `POST /v1/programmes` and created for `org_id` (default: your "
    "own organization) or rejected on its own; the report lists every rejected row with field, column and rule — "
    "never a cell's value. `dry_run=true` checks everything and saves nothing." + WHO,
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422),
        **UPLOAD_PROBLEMS,
        503: {"description": "成员服务暂不可用 Membership cannot confirm the organization (Retry-After)"},
    },
    openapi_extra=UPLOAD_BODY,
)
async def import_programmes(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    dry_run: Annotated[
        bool, Query(description="试运行：检查每一行并报告，但不保存 Check every row and report, but save nothing")
    ] = False,
    org_id: Annotated[
        uuid.UUID | None,
        Query(description="举办单位：默认本单位，平台管理员须指定 — provider organization: your own (default)"),
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    provider = imports.import_org(principal, org_id)
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
        org_id=provider,
        directory=org_directory(request),
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
    summary="培训项目导入模板 Download the programme import template",
    description="下载培训项目导入模板：含表头、培训类型、项目级别、经费来源和培训方式的下拉框以及逐列说明。\n\n"
    "An `.xlsx` with the heading row of the programme import (text-formatted columns, drop-downs for 培训类型, "
    "项目级别, 经费来源 and 培训方式) and a 说明 sheet. With `Accept: application/json` the same column table as JSON.",
    response_class=Response,
    responses=template_responses(
        [{"heading": "项目级别", "field": "project_level", "required": False, "description": "国家级、省级、市级…"}]
    ),
)
async def programme_import_template(request: Request) -> Response:
    return await template_response(
        request, imports.describe_columns, imports.template, "programmes-template.xlsx", "培训项目导入模板.xlsx"
    )
