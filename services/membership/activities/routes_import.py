"""`/v1/activities/imports` and `/v1/activities/import-template.xlsx` — the secretariat's activity log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chanjiao import spreadsheets
from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep, ensure_alliance_admin
from chanjiao.errors import problem_responses
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import recorded
from chanjiao.spreadsheets import UPLOAD_BODY, UPLOAD_PROBLEMS, template_response, template_responses
from services.membership.activities import imports
from services.membership.activities.access import READ, WHO, WRITE
from services.membership.activities.imports import ActivityImportReport

router = APIRouter(prefix="/v1/activities", tags=["activities"])

_REPORT_EXAMPLE = {
    "dry_run": True,
    "rows": 3,
    "created": 2,
    "rejected": [{"row": 4, "field": "held_on", "column": "活动日期", "rule": "missing", "message": "必须填写"}],
    "ignored_columns": [],
}


@router.post(
    "/imports",
    response_model=ActivityImportReport,
    dependencies=[WRITE, Depends(spreadsheets.limit_upload)],
    summary="导入活动 Import the activity log",
    description="上传秘书处的活动台账（`.xlsx` 或 `.csv`），逐行校验后登记为联盟的活动；可试运行，只检查不保存。\n\n"
    "Multipart upload (field `file`), at most 5 MiB and 10,000 rows. Headings (see `GET "
    "/v1/activities/import-template.xlsx`): 活动类型 → kind (Chinese name or code), 活动名称 → title, 活动日期 → "
    "held_on, 结束日期 → end_on, 地点 → place, 主办单位 → host_org_id, 协办单位 → co_organizer_org_ids, 参加单位 → "
    "participant_org_ids (organizations by their registered name, several separated by 、), 参加人数 → headcount, "
    "备注 → note. Each row is checked like the body of `POST /v1/activities` and saved or rejected on its own; the "
    "report lists every rejected row with field, column and rule — never a cell's value. `dry_run=true` checks "
    "everything and saves nothing." + WHO,
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 422),
        **UPLOAD_PROBLEMS,
    },
    openapi_extra=UPLOAD_BODY,
)
async def import_activities(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    alliance_id: Annotated[uuid.UUID, Query(description="联盟 — the alliance whose activity log this is")],
    dry_run: Annotated[
        bool, Query(description="试运行：检查每一行并报告，但不保存 Check every row and report, but save nothing")
    ] = False,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_alliance_admin(principal, alliance_id)
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
        alliance_id=alliance_id,
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
    summary="活动导入模板 Download the activity import template",
    description="下载活动导入模板：含表头、活动类型下拉框以及逐列说明。\n\n"
    "An `.xlsx` with the heading row of the activity import (a drop-down for 活动类型) and a 说明 sheet. With "
    "`Accept: application/json` the same column table as JSON.",
    response_class=Response,
    responses=template_responses(
        [{"heading": "活动日期", "field": "held_on", "required": True, "description": "必填；YYYY-MM-DD"}]
    ),
)
async def activity_import_template(request: Request) -> Response:
    return await template_response(
        request, imports.columns, imports.template, "activities-template.xlsx", "活动导入模板.xlsx"
    )
