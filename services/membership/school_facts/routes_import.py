"""`/v1/organizations/{org_id}/school-year-imports` and `/v1/organizations/school-years/import-template.xlsx` —
a school's intake by major and channel, kept in Excel (services/membership/facts_imports.py)."""

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
from services.membership.facts_imports import NOTES, YEAR_COLUMN, FactsImportReport, check_rows, finish, read_upload
from services.membership.school_facts import service
from services.membership.school_facts.models import INTAKE_CHANNEL_LABELS
from services.membership.school_facts.schemas import IntakeLine
from services.membership.yearly_facts import READ, WHO_WRITES, WRITE, Year

router = APIRouter(prefix="/v1/organizations", tags=["yearly-facts"])

COLUMNS = (
    YEAR_COLUMN,
    Column("专业代码", "major_code", True, "必填；职业教育专业目录代码（6 位数字，可带 K）"),
    Column("招生渠道", "channel", True, "必填；" + "、".join(INTAKE_CHANNEL_LABELS.values()) + "（或代码）"),
    Column("计划招生人数", "planned", False, "非负整数"),
    Column("实际招生人数", "actual", False, "非负整数；按招生年度（该年秋季入学）"),
)
ALIASES = {"channel": aliases(INTAKE_CHANNEL_LABELS, {"普通": "regular", "五年一贯制": "five_year"})}


class IntakeRow(IntakeLine):
    year: Year


def template() -> bytes:
    return spreadsheets.build_template(
        "分专业分渠道招生", COLUMNS, choices={"channel": list(INTAKE_CHANNEL_LABELS.values())}, notes=NOTES
    )


async def run_import(
    session: AsyncSession, request: Request, *, org_id: uuid.UUID, actor: str, dry_run: bool
) -> FactsImportReport:
    table = await read_upload(request, COLUMNS)
    rows = check_rows(table, COLUMNS, IntakeRow, ALIASES, english=wants_english(request), dry_run=dry_run)
    by_year: dict[int, list[IntakeLine]] = {}
    seen: set[tuple[int, str, str]] = set()
    for number, data in rows.valid:
        key = (data.year, data.major_code, data.channel.value)
        if key in seen:
            rows.reject(
                number,
                "channel",
                "duplicate",
                "Each year, major and channel appears in one row only"
                if wants_english(request)
                else "同一年度同一专业同一渠道只能有一行",
            )
            continue
        seen.add(key)
        by_year.setdefault(data.year, []).append(IntakeLine(**data.model_dump(exclude={"year"})))
    created = updated = 0
    if not rows.report.rejected:
        for year, lines in sorted(by_year.items()):
            _, new = await service.replace_intakes(session, org_id=org_id, year=year, lines=lines, actor=actor)
            created, updated = created + new, updated + (not new)
    return finish(rows, set(by_year), created, updated)


_REPORT_EXAMPLE = {
    "dry_run": False,
    "rows": 3,
    "written": False,
    "years": [2023],
    "created": 0,
    "updated": 0,
    "rejected": [{"row": 4, "field": "channel", "column": "招生渠道", "rule": "enum", "message": "取值无效"}],
    "ignored_columns": [],
}


@router.post(
    "/{org_id}/school-year-imports",
    response_model=FactsImportReport,
    dependencies=[WRITE, Depends(spreadsheets.limit_upload)],
    summary="导入分专业分渠道招生 Import a school's intake by major and channel",
    description="上传招生表（`.xlsx` 或 `.csv`），每行一个年度、专业与招生渠道的计划与实际招生；文件中出现的每个年度，"
    "该年的招生行整体替换（该年的其他数据不变）。整表校验，有一行不合格则不保存。\n\n"
    "Multipart upload (field `file`) of an `.xlsx` (first sheet) or `.csv`, ≤ 5 MiB and 10,000 rows. Headings (see "
    "`GET /v1/organizations/school-years/import-template.xlsx`): 年度 → year, 专业代码 → major_code, 招生渠道 → "
    "channel (Chinese name or code), 计划招生人数 → planned, 实际招生人数 → actual. For every year in the file, the "
    "year's intake lines become the file's rows (the year's record is created when missing; its other figures and "
    "major groups stay). All or nothing: one rejected row and nothing is saved (`written: false`); the report names "
    "each rejected row with field, column and rule, never a cell's value. `dry_run=true` checks and saves nothing. "
    "The school's type is checked (409 for a non-school)." + WHO_WRITES,
    responses={
        200: {"content": {"application/json": {"example": _REPORT_EXAMPLE}}},
        **problem_responses(400, 401, 403, 404, 409, 422),
        **UPLOAD_PROBLEMS,
    },
    openapi_extra=UPLOAD_BODY,
)
async def import_school_intakes(
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
    await service.ensure_school(session, org_id)
    report = await run_import(session, request, org_id=org_id, actor=principal.actor, dry_run=dry_run)
    response = JSONResponse(report.model_dump(mode="json"))
    if not report.written:
        await session.rollback()
        return response
    return await recorded(session, idem, response)


@router.get(
    "/school-years/import-template.xlsx",
    dependencies=[READ],
    summary="招生导入模板 Download the school intake import template",
    description="下载分专业分渠道招生的导入模板：含表头、招生渠道下拉框与逐列说明；秘书处每年发给成员学校。\n\n"
    "An `.xlsx` with the heading row of the intake import (drop-down for 招生渠道) and a 说明 sheet — the sheet a "
    "secretariat sends its member schools each year. With `Accept: application/json` the column table as JSON.",
    response_class=Response,
    responses=template_responses(
        [{"heading": "招生渠道", "field": "channel", "required": True, "description": "必填；普通招生、三二连读…"}]
    ),
)
async def school_intake_template(request: Request) -> Response:
    return await template_response(
        request,
        lambda: spreadsheets.describe_columns(COLUMNS),
        template,
        "school-intake-template.xlsx",
        "学校分专业分渠道招生模板.xlsx",
    )
