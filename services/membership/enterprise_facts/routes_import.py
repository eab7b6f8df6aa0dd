"""`/v1/organizations/{org_id}/enterprise-year-imports` and `/v1/organizations/enterprise-years/import-template.xlsx`
— an enterprise's facts, a row a year, kept in Excel (services/membership/facts_imports.py)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import spreadsheets
from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import recorded
from chanjiao.spreadsheets import UPLOAD_BODY, UPLOAD_PROBLEMS, Column, aliases, template_response, template_responses
from services.membership import tenancy
from services.membership.enterprise_facts import service
from services.membership.enterprise_facts.models import OWNERSHIP_LABELS, SIZE_CLASS_LABELS
from services.membership.enterprise_facts.schemas import EnterpriseYearPut
from services.membership.facts_imports import NOTES, YEAR_COLUMN, FactsImportReport, check_rows, finish, read_upload
from services.membership.yearly_facts import READ, WHO_WRITES, WRITE, Year

router = APIRouter(prefix="/v1/organizations", tags=["yearly-facts"])

COLUMNS = (
    YEAR_COLUMN,
    Column("在岗职工", "staff", False, "人；非负整数"),
    Column("一线技术人员", "frontline_technical_staff", False, "一线技术（和管理）人员，人"),
    Column("专职研发人员", "rd_staff", False, "人"),
    Column("营业收入（万元）", "revenue_wan", False, "万元，至多两位小数"),
    Column("企业规模", "size_class", False, "大型、中型、小型、微型；不填则按在岗职工与营业收入推算"),
    Column("所有制", "ownership", False, "、".join(OWNERSHIP_LABELS.values())),
    Column("校企合作经费支出（万元）", "cooperation_spending_wan", False, "该年支出，含平台协议以外"),
    Column("校企合作投入（万元）", "cooperation_investment_wan", False, "设备、基地等投资，含平台协议以外"),
    Column("其中平台协议以外（万元）", "outside_agreements_wan", False, "上两项中平台协议以外的部分"),
    Column("产教融合工作机构", "pe_office", False, "机构名称，至多 100 字"),
    Column("产教融合专职人员", "pe_office_staff", False, "人"),
)
ALIASES = {
    "size_class": aliases(SIZE_CLASS_LABELS, {"大": "large", "中": "medium", "小": "small", "微": "micro"}),
    "ownership": aliases(OWNERSHIP_LABELS, {"国有企业": "state_owned", "民营企业": "private", "混合": "mixed"}),
}


class EnterpriseRow(EnterpriseYearPut):
    year: Year


def template() -> bytes:
    return spreadsheets.build_template(
        "企业年度数据",
        COLUMNS,
        choices={"size_class": list(SIZE_CLASS_LABELS.values()), "ownership": list(OWNERSHIP_LABELS.values())},
        notes=NOTES,
    )


async def run_import(
    session: AsyncSession, request: Request, *, org_id: uuid.UUID, actor: str, dry_run: bool
) -> FactsImportReport:
    table = await read_upload(request, COLUMNS)
    english = wants_english(request)
    rows = check_rows(table, COLUMNS, EnterpriseRow, ALIASES, english=english, dry_run=dry_run)
    by_year: dict[int, EnterpriseYearPut] = {}
    for number, data in rows.valid:
        if data.year in by_year:
            message = "Each year appears in one row only" if english else "同一年度只能有一行"
            rows.reject(number, "year", "duplicate", message)
            continue
        by_year[data.year] = EnterpriseYearPut(**data.model_dump(exclude={"year"}))
    created = updated = 0
    if not rows.report.rejected:
        for year, body in sorted(by_year.items()):
            _, new = await service.put_year(session, org_id=org_id, year=year, data=body, if_match=None, actor=actor)
            created, updated = created + new, updated + (not new)
    return finish(rows, set(by_year), created, updated)


_REPORT_EXAMPLE = {
    "dry_run": False,
    "rows": 2,
    "written": True,
    "years": [2022, 2023],
    "created": 1,
    "updated": 1,
    "rejected": [],
    "ignored_columns": [],
}


@router.post(
    "/{org_id}/enterprise-year-imports",
    response_model=FactsImportReport,
    dependencies=[WRITE, Depends(spreadsheets.limit_upload)],
    summary="导入企业年度数据 Import an enterprise's facts by year",
    description="上传企业年度数据表（`.xlsx` 或 `.csv`），每行一个年度；文件中每个年度的数据整体替换。"
    "整表校验，有一行不合格则不保存。\n\n"
    "Multipart upload (field `file`) of an `.xlsx` (first sheet) or `.csv`, ≤ 5 MiB and 10,000 rows, a row per "
    "year. Headings (see `GET /v1/organizations/enterprise-years/import-template.xlsx`): 年度 → year, 在岗职工 → "
    "staff, 一线技术人员, 专职研发人员, 营业收入（万元）, 企业规模 (大型/中型/小型/微型 or code), "
    "所有制 (Chinese name or code), 校企合作经费支出（万元）, 校企合作投入（万元）, "
    "其中平台协议以外（万元）, 产教融合工作机构, 产教融合专职人员. Each "
    "row replaces that year's facts as `PUT …/enterprise-years/{year}` does. All or nothing: one rejected row and "
    "nothing is saved (`written: false`); the report names field, column and rule, never a cell's value. "
    "`dry_run=true` checks and saves nothing. The organization's type is checked (409 for a non-enterprise)."
    + WHO_WRITES,
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 404, 409, 422),
        **UPLOAD_PROBLEMS,
    },
    openapi_extra=UPLOAD_BODY,
)
async def import_enterprise_years(
    org_id: uuid.UUID,
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
    await tenancy.ensure_org_writer(session, principal, org_id)
    await service.ensure_enterprise(session, org_id)
    report = await run_import(session, request, org_id=org_id, actor=principal.actor, dry_run=dry_run)
    response = JSONResponse(report.model_dump(mode="json"))
    if not report.written:
        await session.rollback()
        return response
    return await recorded(session, idem, response)


@router.get(
    "/enterprise-years/import-template.xlsx",
    dependencies=[READ],
    summary="企业年度数据导入模板 Download the enterprise facts import template",
    description="下载企业年度数据的导入模板：含表头、企业规模与所有制下拉框和逐列说明；秘书处每年发给成员企业。\n\n"
    "An `.xlsx` with the heading row of the enterprise facts import (drop-downs for 企业规模 and 所有制) and a 说明 "
    "sheet — the sheet a secretariat sends its member enterprises each year. With `Accept: application/json` the "
    "column table as JSON.",
    response_class=Response,
    responses=template_responses(
        [{"heading": "在岗职工", "field": "staff", "required": False, "description": "人；非负整数"}]
    ),
)
async def enterprise_facts_template(request: Request) -> Response:
    return await template_response(
        request,
        lambda: spreadsheets.describe_columns(COLUMNS),
        template,
        "enterprise-facts-template.xlsx",
        "企业年度数据模板.xlsx",
    )
