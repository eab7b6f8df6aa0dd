"""`/v1/alliances/{alliance_id}/member-facts` — the yearly facts of an alliance's members, summed for its figures."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from services.membership import tenancy
from services.membership.alliances import service as alliances
from services.membership.member_facts import service
from services.membership.member_facts.schemas import MemberFacts
from services.membership.yearly_facts import FIRST_YEAR, LAST_YEAR, READ

router = APIRouter(prefix="/v1/alliances", tags=["yearly-facts"])

_EXAMPLE = {
    "alliance_id": "019abf20-0000-7000-8000-000000000001",
    "year": 2023,
    "as_of": "2023-12-31",
    "members": 164,
    "schools_reporting": 38,
    "enterprises_reporting": 90,
    "figures": [
        {
            "key": "three_two_intake",
            "label": "中高职“三二连读”招生人数",
            "value": 5745,
            "unit": "人",
            "period_rule": service.INTAKE_RULE,
            "reporting": 38,
        },
        {
            "key": "cooperation_spending",
            "label": "校企合作经费支出",
            "value": "3000.00",
            "unit": "万元",
            "period_rule": service.MONEY_RULE,
            "reporting": 90,
        },
    ],
    "intake_by_channel": [
        {"channel": "nco", "label": "士官生", "planned": 2124, "actual": 2050, "majors": 31, "schools": 4}
    ],
    "groups_by_designation": [
        {"designation": "national_double_high", "label": "国家“双高”专业群", "groups": 5, "schools": 5}
    ],
    "enterprises_by_size": [{"key": "large", "label": "大型", "count": 12}],
    "enterprises_by_ownership": [{"key": "state_owned", "label": "国有", "count": 20}],
}


@router.get(
    "/{alliance_id}/member-facts",
    response_model=MemberFacts,
    dependencies=[READ],
    summary="成员年度数据汇总 Sum the yearly facts of an alliance's members",
    description="联盟成员某一年的学校与企业年度数据汇总：三二连读与士官生招生、专业群、全日制在校生、企业职工与研发人员、"
    "校企合作经费等；每项注明统计口径。成员为该年 12 月 31 日（当年为今天）的成员名单。\n\n"
    "The year's school and enterprise facts of the alliance's members, summed: each figure names its period rule "
    "(`period_rule`) and how many members' facts it sums (`reporting`). Members are the roll on 31 December of "
    "`year` (today while the year runs; `as_of`), active and suspended, as `GET /v1/alliances/{id}/members?as_of=` "
    "answers. Intake counts by 招生年度 (the year's autumn enrolment); headcounts and money are the year's reported "
    "values; money is in 万元.\n\n**谁可以 Who:** this alliance's admins (users and its API key), service principals "
    "with `membership:read`, platform admins; anyone else gets 404.",
    responses={200: {"content": {"application/json": {"example": _EXAMPLE}}}, **problem_responses(401, 403, 404, 422)},
)
async def get_member_facts(
    alliance_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    year: Annotated[int, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="年份（公历年） — calendar year")],
) -> MemberFacts:
    if not (principal.administers_alliance(alliance_id) or tenancy.is_reader_service(principal)):
        raise alliances.not_found()
    await alliances.get_alliance(session, alliance_id)
    return await service.figures(session, alliance_id=alliance_id, year=year)
