"""`/v1/organizations/{org_id}/school-years` — a school's facts by calendar year: thin handlers (check the caller,
one service call, answer)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.resources import not_modified, one
from services.membership import tenancy
from services.membership.school_facts import service
from services.membership.school_facts.schemas import SchoolYearList, SchoolYearPatch, SchoolYearPublic, SchoolYearPut
from services.membership.yearly_facts import FIRST_YEAR, LAST_YEAR, READ, WHO_READS, WHO_WRITES, WRITE, ensure_reader

router = APIRouter(prefix="/v1/organizations", tags=["yearly-facts"])

YearPath = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="年份（公历年） Calendar year")]

_ORG = "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b"
_EXAMPLE = {
    "id": "019abf60-0000-7000-8000-000000000001",
    "org_id": _ORG,
    "year": 2023,
    "full_time_students": 12800,
    "classroom_area_m2": 48000,
    "laboratories": 55,
    "training_rooms": 120,
    "training_bases": 189,
    "equipment_value_wan": "21000.00",
    "intakes": [
        {
            "major_code": "470201",
            "channel": "three_two",
            "channel_label": "三二连读",
            "planned": 120,
            "actual": 118,
        }
    ],
    "major_groups": [
        {
            "name": "应用化工技术专业群",
            "designation": "national_double_high",
            "designation_label": "国家“双高”专业群",
            "major_codes": ["470201", "470203"],
        }
    ],
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}
RULES = (
    "\n\nRules: the year is the calendar year; intake lines count by 招生年度 — the intake of that year's autumn "
    "(秋季) enrolment. Channels: regular 普通招生, three_two 三二连读, five_year 五年一贯, vocational_bachelor "
    "高职本科贯通, nco 士官生, apprenticeship 现代学徒制, social 社会招生; one line per major and channel (422 "
    "`duplicate`). `full_time_students` (全日制在校生) is the year's headcount as the school reports it. Only schools "
    "keep school facts (else 409 `school-facts-not-a-school`)."
)


@router.get(
    "/{org_id}/school-years",
    response_model=SchoolYearList,
    dependencies=[READ],
    summary="学校年度数据 List a school's facts by year",
    description="学校历年的年度数据（招生、全日制在校生、专业群、办学条件），按年份从早到晚；不分页。\n\n"
    "Every year's facts of the school, oldest first; unpaged (a school has a few dozen years at most)."
    + RULES
    + WHO_READS,
    responses={
        200: {"content": {"application/json": {"example": {"org_id": _ORG, "items": [_EXAMPLE]}}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def list_school_years(org_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> SchoolYearList:
    await ensure_reader(session, principal, org_id)
    years = await service.list_years(session, org_id=org_id)
    return SchoolYearList(org_id=org_id, items=[y.public() for y in years])


@router.get(
    "/{org_id}/school-years/{year}",
    response_model=SchoolYearPublic,
    dependencies=[READ],
    summary="某年学校数据 Get a school's facts of one year",
    description="学校某一年的年度数据，带 `ETag`；修改时把 `ETag` 作为 `If-Match` 发回。\n\n"
    "Carries an `ETag` (`If-None-Match` → 304; `If-Match` on PUT/PATCH/DELETE)." + RULES + WHO_READS,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_school_year(
    org_id: uuid.UUID, year: YearPath, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    await ensure_reader(session, principal, org_id)
    found = await service.get_year(session, org_id=org_id, year=year)
    return not_modified(if_none_match, found.row.version) or one(found.public())


@router.put(
    "/{org_id}/school-years/{year}",
    response_model=SchoolYearPublic,
    dependencies=[WRITE],
    summary="登记某年学校数据 Put a school's facts of one year",
    description="新建（201）或整体替换（200）学校某一年的数据：未发送的数字为未登记，招生与专业群列表整体替换。\n\n"
    "Creates (201) or replaces (200) the year's facts as a whole: a figure left out is not recorded, the intake "
    "lines and major groups become the lists sent. `If-Match` is optional; a stale tag is 412." + RULES + WHO_WRITES,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        201: {"content": {"application/json": {"example": _EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def put_school_year(
    org_id: uuid.UUID,
    year: YearPath,
    body: SchoolYearPut,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    await tenancy.ensure_org_writer(session, principal, org_id)
    found, created = await service.put_year(
        session, org_id=org_id, year=year, data=body, if_match=if_match, actor=principal.actor
    )
    public = found.public()
    await session.commit()
    return one(public, 201 if created else 200)


@router.patch(
    "/{org_id}/school-years/{year}",
    response_model=SchoolYearPublic,
    dependencies=[WRITE],
    summary="修改某年学校数据 Update a school's facts of one year",
    description="部分更新：只改发送的字段；数字发送 null 即清除，列表发送即整体替换。\n\n"
    "Partial update: only the fields sent change; a figure sent as `null` is cleared; `intakes` or `major_groups` "
    "sent replace that list (`null` is 422 — send `[]`). Send `If-Match` (stale → 412)." + RULES + WHO_WRITES,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def patch_school_year(
    org_id: uuid.UUID,
    year: YearPath,
    body: SchoolYearPatch,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    await tenancy.ensure_org_writer(session, principal, org_id)
    found = await service.patch_year(
        session, org_id=org_id, year=year, data=body, if_match=if_match, actor=principal.actor
    )
    public = found.public()
    await session.commit()
    return one(public)


@router.delete(
    "/{org_id}/school-years/{year}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除某年学校数据 Delete a school's facts of one year",
    description="删除学校某一年的全部年度数据（含招生与专业群）。\n\n"
    "Deletes the year's facts with their intake lines and groups. `If-Match` is optional (stale → 412)." + WHO_WRITES,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_school_year(
    org_id: uuid.UUID, year: YearPath, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    await tenancy.ensure_org_writer(session, principal, org_id)
    await service.delete_year(session, org_id=org_id, year=year, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
