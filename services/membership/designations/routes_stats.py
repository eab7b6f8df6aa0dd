"""`GET /v1/designations/stats` — an alliance's designation figures for a year, each naming its period rule."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from chanjiao.app import SessionDep
from chanjiao.auth import allow
from chanjiao.errors import problem_responses
from services.membership.alliances import service as alliances
from services.membership.designations import stats
from services.membership.designations.models import LEVEL_LABELS, STAGE_LABELS, DesignationLevel, Stage
from services.membership.designations.schemas import FIRST_YEAR, LAST_YEAR
from services.membership.person_posts.models import POST_KIND_LABELS, PostKind

router = APIRouter(prefix="/v1/designations", tags=["designations"])
READ = allow(scopes=("membership:read",))


class DesignationStageCount(BaseModel):
    programme_name: str
    level: DesignationLevel
    level_label: str
    stage: Stage
    stage_label: str
    count: int = Field(description="entries that reached this stage in the year")


class DesignationStageTotal(BaseModel):
    stage: Stage
    stage_label: str
    count: int


class DesignationTitleCount(BaseModel):
    programme_name: str
    level: DesignationLevel
    level_label: str
    people: int = Field(description="people holding the title on 31 December")


class OutsidePostCount(BaseModel):
    post_kind: PostKind
    post_kind_label: str
    people: int


class DesignationFigure(BaseModel):
    period_rule: str = Field(description="how the figure is counted in time")


class DesignationStagesFigure(DesignationFigure):
    by_programme: list[DesignationStageCount]
    totals: list[DesignationStageTotal]


class DesignationTitlesFigure(DesignationFigure):
    by_programme: list[DesignationTitleCount]


class OutsidePostsFigure(DesignationFigure):
    by_kind: list[OutsidePostCount]
    people: int = Field(description="people holding any outside post in the year")


class DesignationStats(BaseModel):
    alliance_id: uuid.UUID
    year: int
    scope_rule: str
    stages_reached: DesignationStagesFigure
    titles_held: DesignationTitlesFigure
    outside_posts: OutsidePostsFigure


STATS_EXAMPLE = {
    "alliance_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "year": 2023,
    "scope_rule": "entries of the alliance and of its current members",
    "stages_reached": {
        "period_rule": "a step dated in the calendar year",
        "by_programme": [
            {
                "programme_name": "教育部供需对接就业育人项目",
                "level": "national",
                "level_label": "国家级",
                "stage": "selected",
                "stage_label": "立项/入选",
                "count": 232,
            }
        ],
        "totals": [{"stage": "selected", "stage_label": "立项/入选", "count": 232}],
    },
    "titles_held": {
        "period_rule": "held on 31 December",
        "by_programme": [
            {"programme_name": "山东省技术技能大师", "level": "provincial", "level_label": "省级", "people": 12}
        ],
    },
    "outside_posts": {
        "period_rule": "held on any day of the year",
        "by_kind": [{"post_kind": "member", "post_kind_label": "委员", "people": 40}],
        "people": 46,
    },
}


@router.get(
    "/stats",
    response_model=DesignationStats,
    dependencies=[READ],
    summary="认定统计 Designation figures of an alliance",
    description="联盟某年的认定统计：各项目各阶段在当年达到的数量（如立项、验收）、成员单位人员年末持有的称号、"
    "人员在外部机构的任职人数；每个数字给出其期间规则。只返回计数，任何可读成员数据的调用方均可查询。\n\n"
    "An alliance's figures for a calendar year: entries reaching each stage in the year by programme and level "
    "(e.g. 立项 232 项, 验收), titles held by people of member organizations at the year's end, people holding "
    "outside posts by post kind — each figure with its `period_rule`. Counts only, open to every reader.",
    responses={200: {"content": {"application/json": {"example": STATS_EXAMPLE}}}, **problem_responses(404, 422)},
)
async def designation_stats(
    session: SessionDep,
    alliance_id: Annotated[uuid.UUID, Query(description="联盟 — the alliance")],
    year: Annotated[int, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="年份（公历年） — calendar year")],
) -> DesignationStats:
    if not await alliances.is_live(session, alliance_id):
        raise alliances.not_found()
    f = await stats.figures(session, alliance_id=alliance_id, year=year)
    return DesignationStats(
        alliance_id=alliance_id,
        year=year,
        scope_rule=stats.SCOPE_RULE,
        stages_reached=DesignationStagesFigure(
            period_rule=stats.STAGES_RULE,
            by_programme=[
                DesignationStageCount(
                    programme_name=p,
                    level=lv,
                    level_label=LEVEL_LABELS[lv],
                    stage=st,
                    stage_label=STAGE_LABELS[st],
                    count=n,
                )
                for p, lv, st, n in f["stage_rows"]
            ],
            totals=[
                DesignationStageTotal(stage=st, stage_label=STAGE_LABELS[st], count=f["stage_totals"][st])
                for st in STAGE_LABELS
                if st in f["stage_totals"]
            ],
        ),
        titles_held=DesignationTitlesFigure(
            period_rule=stats.TITLES_RULE,
            by_programme=[
                DesignationTitleCount(programme_name=p, level=lv, level_label=LEVEL_LABELS[lv], people=n)
                for p, lv, n in f["title_rows"]
            ],
        ),
        outside_posts=OutsidePostsFigure(
            period_rule=stats.POSTS_RULE,
            by_kind=[
                OutsidePostCount(post_kind=k, post_kind_label=POST_KIND_LABELS[k], people=n) for k, n in f["post_rows"]
            ],
            people=f["people_with_posts"],
        ),
    )
