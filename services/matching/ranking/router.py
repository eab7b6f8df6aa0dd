"""`GET /v1/demands/{id}/matches` and `GET /v1/offers/{id}/matches` — the posting's best counterparts, explained.
Thin endpoints: check the caller, one service call, answer with a `Server-Timing` header."""

import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import Principal, PrincipalDep
from chanjiao.errors import NotFound, problem_responses
from chanjiao.i18n import wants_english
from chanjiao.pagination import LimitQuery
from services.matching.fairs import service as fairs
from services.matching.market import ORG_ROLES, READ
from services.matching.ranking import service
from services.matching.ranking.facts import facts_source
from services.matching.ranking.loader import load_one
from services.matching.ranking.schemas import DemandMatches, OfferMatches, render_demands, render_offers

router = APIRouter(tags=["matches"])

_COMPONENTS = [
    {
        "name": "field_fit",
        "value": 1.0,
        "weight": 300,
        "contribution": 300,
        "reason": "专业代码相同（数控技术）",
        "status": "ok",
    },
    {
        "name": "capacity_fit",
        "value": 0.75,
        "weight": 100,
        "contribution": 75,
        "reason": "可满足 30/40 人（75%）",
        "status": "ok",
    },
    {
        "name": "education_level",
        "value": 1.0,
        "weight": 100,
        "contribution": 100,
        "reason": "学历层次相符（高职专科）",
        "status": "ok",
    },
    {"name": "geography", "value": 1.0, "weight": 120, "contribution": 120, "reason": "同城", "status": "ok"},
    {
        "name": "period_overlap",
        "value": 1.0,
        "weight": 100,
        "contribution": 100,
        "reason": "时间完全覆盖",
        "status": "ok",
    },
    {
        "name": "relationship",
        "value": 0.6,
        "weight": 100,
        "contribution": 60,
        "reason": "同一联盟；既往协议 0 份",
        "status": "ok",
    },
    {
        "name": "track_record",
        "value": 0.0,
        "weight": 80,
        "contribution": 0,
        "reason": "信息不足（服务不可用）",
        "status": "unavailable",
    },
    {"name": "shortage", "value": 0.0, "weight": 100, "contribution": 0, "reason": "非急需紧缺职业", "status": "ok"},
]
_RANKING = {
    "weights": {
        "field_fit": 300,
        "capacity_fit": 100,
        "education_level": 100,
        "geography": 120,
        "period_overlap": 100,
        "relationship": 100,
        "track_record": 80,
        "shortage": 100,
    },
    "weights_alliance_id": None,
    "candidates": 1834,
    "degraded": ["training"],
}
_ITEM = {"org_id": "019abf2e-0000-7000-8000-000000000003", "score": 0.755, "points": 755, "components": _COMPONENTS}
OFFERS_EXAMPLE = {
    "demand_id": "019abf60-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    **_RANKING,
    "items": [{"offer_id": "019abf61-1a2b-7c3d-8e4f-5a6b7c8d9e0f", **_ITEM}],
}
DEMANDS_EXAMPLE = {
    "offer_id": "019abf61-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    **_RANKING,
    "items": [
        {"demand_id": "019abf60-1a2b-7c3d-8e4f-5a6b7c8d9e0f", **_ITEM, "org_id": "019abf2e-0000-7000-8000-000000000002"}
    ],
}

RULES = """

**硬性条件 Hard filters** (before scoring): the counterpart is open, of a compatible kind
(services/matching/scoring/compat.py), of another organization, and not already proposed (a pending or accepted
proposal between the two leaves it out; a declined, withdrawn or expired one does not). Every such posting is
scored — none is dropped by a pre-filter — and the best `limit` (1–500, default 20) are returned, best first
(points descending, then id). With `fair_id` only the counterparts registered at that fair are ranked (a fair that
does not exist is 404).

**解释 Explanation:** each item's `components` (field fit, capacity, education level, geography, period, relationship,
track record, shortage) carry `value`, `weight`, `contribution` and a one-line `reason` (Chinese; English with
`Accept-Language: en`); the contributions sum to `points` exactly and `score` = points / 1000. Missing data scores 0
and says 信息不足. The weights are those of the posting's alliance (`/v1/matching-weights/{alliance_id}`), else the
defaults.

**降级 Degraded:** when membership (same alliance) or training (track record) cannot answer, the ranking still
answers: those components read 信息不足（服务不可用） and `degraded` names the source. Their answers are cached per
organization for `facts_cache_ttl_seconds` (docs/matching-ranking-routes.md).

**谁可以 Who:** the posting organization's principals (org_admin, org_staff or its API key, `matching:read`) and
platform admins; for anyone else the posting does not exist (404)."""


def _not_found(what_zh: str) -> NotFound:
    return NotFound(detail_zh=f"{what_zh}不存在", detail_en="Not found")


def _owned(principal: Principal, posting: object | None, what_zh: str) -> None:
    if posting is None or not principal.acts_for_org(posting.org_id, ORG_ROLES):  # type: ignore[attr-defined]
        raise _not_found(what_zh)


def _answer(body: OfferMatches | DemandMatches, started: float) -> JSONResponse:
    app_ms = (time.perf_counter() - started) * 1000
    return JSONResponse(body.model_dump(mode="json"), headers={"Server-Timing": f"app;dur={app_ms:.1f}"})


@router.get(
    "/v1/demands/{demand_id}/matches",
    response_model=OfferMatches,
    dependencies=[READ],
    summary="需求的匹配供给 Best offers for a demand",
    description="按可解释的评分为需求排序开放的院校供给，每项给出各评分项的取值、权重、得分与原因。\n\n"
    "The open offers that best meet the demand, scored by the ranking engine and explained." + RULES,
    responses={
        200: {
            "headers": {"Server-Timing": {"schema": {"type": "string"}, "description": "app;dur=…"}},
            "content": {"application/json": {"example": OFFERS_EXAMPLE}},
        },
        **problem_responses(401, 403, 404, 422),
    },
)
async def demand_matches(
    request: Request,
    demand_id: Annotated[uuid.UUID, Path(description="需求 ID — the demand's id")],
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 20,
    fair_id: Annotated[
        uuid.UUID | None,
        Query(description="对接会：只排该会登记的对方 — only counterparts registered at this fair (供需对接会/双选会)"),
    ] = None,
) -> JSONResponse:
    started = time.perf_counter()
    demand = await load_one(session, "demands", str(demand_id))
    _owned(principal, demand, "需求")
    only = await fairs.registered(session, fair_id, "offer_id") if fair_id else None
    ranking = await service.offers_for(
        session,
        facts_source(request),
        request.app.state.ranking_caches["offers"],
        demand,
        limit=limit,
        lang="en" if wants_english(request) else "zh",
        only=only,
    )
    return _answer(render_offers(demand.id, ranking), started)


@router.get(
    "/v1/offers/{offer_id}/matches",
    response_model=DemandMatches,
    dependencies=[READ],
    summary="供给的匹配需求 Best demands for an offer",
    description="按可解释的评分为院校供给排序开放的企业需求，每项给出各评分项的取值、权重、得分与原因。\n\n"
    "The open demands the offer best meets, scored by the ranking engine and explained." + RULES,
    responses={
        200: {
            "headers": {"Server-Timing": {"schema": {"type": "string"}, "description": "app;dur=…"}},
            "content": {"application/json": {"example": DEMANDS_EXAMPLE}},
        },
        **problem_responses(401, 403, 404, 422),
    },
)
async def offer_matches(
    request: Request,
    offer_id: Annotated[uuid.UUID, Path(description="供给 ID — the offer's id")],
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 20,
    fair_id: Annotated[
        uuid.UUID | None,
        Query(description="对接会：只排该会登记的对方 — only counterparts registered at this fair (供需对接会/双选会)"),
    ] = None,
) -> JSONResponse:
    started = time.perf_counter()
    offer = await load_one(session, "offers", str(offer_id))
    _owned(principal, offer, "供给")
    only = await fairs.registered(session, fair_id, "demand_id") if fair_id else None
    ranking = await service.demands_for(
        session,
        facts_source(request),
        request.app.state.ranking_caches["demands"],
        offer,
        limit=limit,
        lang="en" if wants_english(request) else "zh",
        only=only,
    )
    return _answer(render_demands(offer.id, ranking), started)
