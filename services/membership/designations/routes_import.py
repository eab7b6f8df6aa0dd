"""`/v1/designations/imports` and `/v1/designations/import-template.xlsx` — a secretariat's list of designations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chanjiao import spreadsheets
from chanjiao.app import SessionDep
from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF, PrincipalDep, allow
from chanjiao.errors import Forbidden, problem_responses
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import recorded
from chanjiao.spreadsheets import UPLOAD_BODY, UPLOAD_PROBLEMS, template_response, template_responses
from services.membership.designations import imports
from services.membership.designations.imports import DesignationImportReport

router = APIRouter(prefix="/v1/designations", tags=["designations"])
READ = allow(scopes=("membership:read",))
WRITE = allow(roles=(ORG_ADMIN, ORG_STAFF, ALLIANCE_ADMIN), scopes=("membership:write",), tenant="organization")

_REPORT_EXAMPLE = {
    "dry_run": True,
    "rows": 3,
    "created": 2,
    "rejected": [{"row": 4, "field": "level", "column": "级别", "rule": "missing", "message": "必须填写"}],
    "ignored_columns": [],
}


def _describe() -> list[spreadsheets.ImportColumn]:
    return spreadsheets.describe_columns(imports.COLUMNS)


@router.post(
    "/imports",
    response_model=DesignationImportReport,
    dependencies=[WRITE, Depends(spreadsheets.limit_upload)],
    summary="导入认定 Import a list of designations",
    description="上传认定与称号表（`.xlsx` 或 `.csv`），逐行校验后登记；联盟秘书处用 `alliance_id` 为成员单位登记。"
    "可试运行，只检查不保存。\n\n"
    "Multipart upload (field `file`) of an `.xlsx` (first sheet) or `.csv`, at most 5 MiB. Headings (see "
    "`GET /v1/designations/import-template.xlsx`): 项目名称, 级别, 批次, 阶段, 日期, 年份, 认定单位, 对象类型, "
    "所属单位 (id, 统一社会信用代码 or exact name), 对象 (a person by name or id among the holder's people; "
    "a base by id; a course, major, 专业群 or project by name), 对象代码, 备注. Each row is checked like the body of "
    "`POST /v1/designations` and recorded or rejected on its own; with `alliance_id` the rows are recorded by that "
    "alliance (its admins only) for its current members; without it, rows for organizations you act for. The "
    "report names each rejected row's field, column and rule — never a cell's value. `dry_run=true` saves "
    "nothing.\n\n**谁可以 Who:** the holder organization's people, or the alliance's admins with `alliance_id`.",
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422),
        **UPLOAD_PROBLEMS,
    },
    openapi_extra=UPLOAD_BODY,
)
async def import_designations(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    dry_run: Annotated[
        bool, Query(description="试运行：检查每一行并报告，但不保存 Check every row and report, but save nothing")
    ] = False,
    alliance_id: Annotated[
        uuid.UUID | None, Query(description="登记联盟：为成员单位导入的联盟 — the alliance recording the rows")
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    if alliance_id is not None and not principal.administers_alliance(alliance_id):
        raise Forbidden(
            detail_zh="只有该联盟的管理员可以为其导入", detail_en="Only this alliance's admins may import for it"
        )
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
    report = await imports.run(
        session,
        table=table,
        principal=principal,
        alliance_id=alliance_id,
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
    summary="认定导入模板 Download the designation import template",
    description="下载认定与称号导入模板：含表头、级别/阶段/对象类型下拉框和逐列说明。\n\n"
    "An `.xlsx` with the heading row of the designation import (drop-downs for 级别, 阶段 and 对象类型) and a 说明 "
    "sheet. With `Accept: application/json` the same column table as JSON.",
    response_class=Response,
    responses=template_responses(
        [{"heading": "级别", "field": "level", "required": True, "description": "必填；国家级、省级、市级、行业、国际"}]
    ),
)
async def designation_import_template(request: Request) -> Response:
    return await template_response(
        request, _describe, imports.template, "designations-template.xlsx", "认定导入模板.xlsx"
    )
