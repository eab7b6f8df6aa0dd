"""`/v1/certificates/imports` and `/import-template.xlsx` — a register of certificates kept in Excel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from chanjiao import spreadsheets
from chanjiao.app import SessionDep
from chanjiao.auth import Principal, PrincipalDep
from chanjiao.errors import field_error, problem_responses
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import recorded
from chanjiao.spreadsheets import UPLOAD_BODY, UPLOAD_PROBLEMS, template_response, template_responses
from services.training.certificates import imports
from services.training.certificates.imports import CertificateImportReport
from services.training.certificates.router import WHO_WRITE, settings_of
from services.training.learners.personal import PersonalData
from services.training.learners.service import principal_org
from services.training.orgs import org_directory
from services.training.parties import READ, WRITE, ensure_party

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])

_REPORT_EXAMPLE = {
    "dry_run": True,
    "rows": 3,
    "created": 2,
    "rejected": [
        {
            "row": 4,
            "field": "number",
            "column": "证书编号",
            "rule": "unique",
            "message": "编号已被使用",
        }
    ],
    "ignored_columns": ["R"],
}


def _pd(request: Request) -> PersonalData:
    current, previous = request.app.state.settings.personal_data_secrets()
    return PersonalData(current, previous)


def _holder_org(principal: Principal, org_id: uuid.UUID | None) -> uuid.UUID:
    """The organization the rows are for: the caller's own by default; a platform admin names one."""
    if org_id is None:
        org_id = None if principal.is_platform_admin else principal_org(principal)
        if org_id is None:
            raise field_error(
                ["query", "org_id"], "required", "须指定持证单位 org_id", "Name the holder organization (org_id)"
            )
    ensure_party(principal, org_id)
    return org_id


@router.post(
    "/imports",
    response_model=CertificateImportReport,
    dependencies=[WRITE, Depends(spreadsheets.limit_upload)],
    summary="导入证书 Import a register of certificates",
    description="上传证书登记表（`.xlsx` 或 `.csv`），按证件号码或学员 ID 找到本单位的学员（职工的证书按人员 ID），"
    "逐行校验后颁发或登记证书；"
    "证书编号在发证单位内去重。\n\n"
    "Multipart upload (field `file`) of an `.xlsx` (first sheet) or `.csv` (UTF-8 or GBK), at most 5 MiB and "
    "10,000 rows. Headings (see `GET /v1/certificates/import-template.xlsx`): 证书类别 → kind (Chinese name or "
    "code), 证书编号 → number, 证件类型 → id_type, 证件号码 → id_number, 学员ID → learner_id, 姓名 → name (checked "
    "against the registered learner), 职业名称, 职业编码, 等级, 发证日期, 有效期至, 下次复审日期, 培训项目ID, "
    "发证机关 → issuer_name (filled: a certificate recorded from that outside issuer; empty: issued by the holder "
    "organization itself), 发证机关类别 → issuer_authority, 发证单位ID → issuer_org_id, 证明材料 → evidence. A "
    "learner is named by ID number (looked up by its keyed hash among the holder organization's records) or by id; "
    "a staff member's certificate names the membership person by 人员ID → person_id. "
    "The rows are written like `POST /v1/certificates/batch` (numbers unique per issuer: a number the issuer has "
    "already, or an earlier row's, is rejected); each row is saved or rejected on its own and the report lists "
    "every rejected row with field, column and rule — never a cell's value. `dry_run=true` checks everything and "
    "saves nothing." + WHO_WRITE,
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422, 503),
        **UPLOAD_PROBLEMS,
    },
    openapi_extra=UPLOAD_BODY,
)
async def import_certificates(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    dry_run: Annotated[
        bool, Query(description="试运行：检查每一行并报告，但不保存 Check every row and report, but save nothing")
    ] = False,
    org_id: Annotated[
        uuid.UUID | None,
        Query(description="持证单位：默认本单位，平台管理员须指定 Holder organization: your own (default)"),
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    holder = _holder_org(principal, org_id)
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
        org_id=holder,
        principal=principal,
        directory=org_directory(request),
        pd=_pd(request),
        settings=settings_of(request),
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
    summary="证书导入模板 Download the certificate import template",
    description="下载证书导入模板：含表头、证书类别等下拉框和逐列说明。\n\n"
    "An `.xlsx` with the heading row of the certificate import (text-formatted columns, drop-downs for 证书类别, "
    "证件类型 and 发证机关类别) and a 说明 sheet. With `Accept: application/json` the same column table as JSON.",
    response_class=Response,
    responses=template_responses(
        [{"heading": "证书编号", "field": "number", "required": True, "description": "必填；同一发证单位内唯一"}]
    ),
)
async def certificate_import_template(request: Request) -> Response:
    return await template_response(
        request, imports.describe_columns, imports.template, "certificates-template.xlsx", "证书导入模板.xlsx"
    )
