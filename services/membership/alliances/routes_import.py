"""`/v1/alliances/{id}/member-imports` and `/member-import-template.xlsx` — an alliance's roll from a
spreadsheet on day one. The `.xlsx` export of the roll is answered by `GET /v1/alliances/{id}/members`
(router.py), in the same layout. The rows are read and recorded as memberships by
services/membership/memberships/imports.py."""

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
from chanjiao.spreadsheets import template_response, template_responses
from services.membership import tenancy
from services.membership.alliances import service as alliances
from services.membership.alliances.access import ALLIANCE_WRITE, WHO_ALLIANCE
from services.membership.memberships import imports
from services.membership.organizations import imports as org_imports
from services.membership.organizations.access import READ

router = APIRouter(prefix="/v1/alliances", tags=["alliances"])

_REPORT_EXAMPLE = {
    "dry_run": False,
    "rows": 200,
    "organizations_created": 187,
    "organizations_updated": 2,
    "memberships_created": 195,
    "memberships_invited": 1,
    "invited_rows": [42],
    "skipped": 1,
    "rejected": [
        {
            "row": 18,
            "field": "role",
            "column": "成员角色",
            "rule": "chair-taken",
            "message": "每个联盟同一时间只能有一个理事长单位；请先变更现任理事长单位的角色"
            "（可用 role-changes 一次完成交接）",
        },
        {
            "row": 57,
            "field": "joined_on",
            "column": "入会日期",
            "rule": "date_order",
            "message": "入会日期不能早于申请日期",
        },
        {
            "row": 103,
            "field": "credit_code",
            "column": "统一社会信用代码",
            "rule": "check_character",
            "message": "统一社会信用代码校验码（第18位）不正确",
        },
    ],
    "ignored_columns": ["M"],
}


@router.post(
    "/{alliance_id}/member-imports",
    response_model=imports.MemberImportReport,
    dependencies=[ALLIANCE_WRITE, Depends(spreadsheets.limit_upload)],
    summary="导入成员名册 Import an alliance's member roll from a spreadsheet",
    description="上传成员名册（`.xlsx` 或 `.csv`），每行一个成员单位：按信用代码或名称加地区匹配单位，"
    "并登记其成员资格与历史。\n\n"
    "Multipart upload (field `file`) of an `.xlsx` (first sheet) or `.csv` (UTF-8 or GBK), at most "
    "5 MiB and 10,000 rows (else 413); one row per member unit. The organization columns are those of "
    "`POST /v1/organizations/imports` (单位名称, 单位类型, 行政区划代码, 统一社会信用代码, 行业代码, 上级单位信用代码, "
    "举办单位信用代码): a row's organization is matched by credit code, else by name + region, and created or "
    "updated exactly as there (a blank cell never overwrites). The membership columns: 成员角色 → role (理事长单位 … "
    "成员单位 or the keys chair … member; blank = member), 申请日期 → applied_on, 入会日期 → joined_on, 退出日期 + "
    "退出方式 (退出/除名 or withdrawn/expelled) → an exit. Each row records real membership events: the application "
    "(`pending`) on 申请日期 (default 入会日期), approval (`active`) on 入会日期, and the exit — with their audit rows "
    "and events; without 入会日期 the row is an application only. The lifecycle, date-order, not-in-the-future and "
    "one-chair rules apply per row. A row whose organization already has an open membership here is `skipped` (a "
    "re-import creates nothing), unless it names another role: then it is rejected with rule `open_membership`; a "
    "row of an ended period already recorded (same exit status and date) is skipped too. Each row is saved or "
    "rejected on its own (a rejected row touches nothing); the report lists every rejected row with field, column "
    "and rule, never a cell's value. `dry_run=true` checks everything and saves nothing. Template: "
    "`GET /v1/alliances/{alliance_id}/member-import-template.xlsx`; the `.xlsx` export of "
    "`GET /v1/alliances/{alliance_id}/members` imports back as is. New organizations are registered by this alliance "
    "(`registered_by_alliance_id`). A row naming an existing organization this alliance did not register, or one "
    "its own org admin has claimed, records an **invitation** (`invited`) instead — counted in "
    "`memberships_invited` with its row number in `invited_rows`; the organization accepts or declines it, and the "
    "row's dates are not applied (an ended period for such an organization is rejected with rule "
    "`consent_required`). A row's existing organization is updated only where the caller may edit it (registered by "
    "this alliance's admins and unclaimed; else its cells are not applied).\n\n" + WHO_ALLIANCE,
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 404, 409, 422),
        **spreadsheets.UPLOAD_PROBLEMS,
    },
    openapi_extra=spreadsheets.UPLOAD_BODY,
)
async def import_members(
    alliance_id: uuid.UUID,
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
    ensure_alliance_admin(principal, alliance_id)
    await alliances.get_alliance(session, alliance_id)
    form = await request.form(max_files=1, max_fields=5)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise spreadsheets.unreadable(
                "缺少上传文件（字段名 file）", "No file uploaded (field `file`)", rule="missing"
            )
        data = await upload.read()
        table = await run_in_threadpool(org_imports.read_table, data, upload.filename, imports.COLUMNS)
    finally:
        await form.close()

    async def may_update(org_id) -> bool:
        return await tenancy.may_write_org(session, principal, org_id)

    async def may_enrol(org_id) -> bool:
        return principal.acts_for_org(org_id, ("org_admin",)) or await tenancy.registered_unclaimed(
            session, org_id, alliance_id
        )

    report = await imports.run_import(
        session,
        may_update=may_update,
        may_enrol=may_enrol,
        alliance_id=alliance_id,
        table=table,
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
    "/{alliance_id}/member-import-template.xlsx",
    dependencies=[READ],
    summary="成员名册导入模板 Download the member import template",
    description="下载成员名册导入模板：含单位列、成员角色与入会退出日期等列、下拉框和逐列说明。\n\n"
    "An `.xlsx` with the heading row of the member import (organization columns, then 成员角色, 申请日期, "
    "入会日期, 退出日期, 退出方式; drop-downs for 单位类型, 成员角色 and 退出方式) and a 说明 sheet describing each "
    "column and the rules. With `Accept: application/json` the same column table as JSON.",
    response_class=Response,
    responses={
        **template_responses(
            [
                {
                    "heading": "单位名称",
                    "field": "name",
                    "required": True,
                    "description": "必填（新单位）；2–100 个字符",
                },
                {
                    "heading": "入会日期",
                    "field": "joined_on",
                    "required": False,
                    "description": "YYYY-MM-DD；填写则当日批准入会（在册），留空则只记入会申请（待审批）",
                },
            ]
        ),
        **problem_responses(401, 403, 404, 422),
    },
)
async def member_import_template(alliance_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    await alliances.get_alliance(session, alliance_id)
    return await template_response(
        request,
        imports.describe_columns,
        imports.build_template,
        "member-import-template.xlsx",
        "成员名册导入模板.xlsx",
    )
