"""Ranking answers: each candidate with its points and their explanation, the weights used, the sources that could
not answer."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from services.matching.ranking.service import Match, Ranking
from services.matching.scoring.weights import Weights


class RankingComponent(BaseModel):
    name: str = Field(description="排序项 — component (services/matching/scoring/weights.py COMPONENTS)")
    value: float = Field(description="取值 0–1 — the component's value")
    weight: int = Field(description="权重（分） — its weight in points")
    contribution: int = Field(description="得分 — points it contributes; the contributions sum to `points`")
    reason: str = Field(description="一句话说明（中文；Accept-Language: en 为英文） — one-line reason")
    status: str = Field(description="ok / insufficient 信息不足 / unavailable 服务不可用")


class _MatchBase(BaseModel):
    org_id: uuid.UUID = Field(description="对方单位 — the counterpart organization")
    score: float = Field(description="得分 0–1 = points / 1000")
    points: int = Field(description="总分（整数，0–1000） — integer points")
    components: list[RankingComponent]


class OfferMatch(_MatchBase):
    offer_id: uuid.UUID


class DemandMatch(_MatchBase):
    demand_id: uuid.UUID


class _RankingBase(BaseModel):
    weights: Weights = Field(description="本次排序使用的权重 — the weights used")
    weights_alliance_id: uuid.UUID | None = Field(
        description="权重所属联盟（null：默认权重或联盟未设置） — the alliance whose weights apply (the posting's)"
    )
    candidates: int = Field(description="通过硬性条件并参与评分的数量 — postings that passed the hard filters")
    degraded: list[str] = Field(
        description="暂不可用的信息来源（membership、training；空表示完整） — sources that could not answer"
    )


class OfferMatches(_RankingBase):
    demand_id: uuid.UUID
    items: list[OfferMatch]


class DemandMatches(_RankingBase):
    offer_id: uuid.UUID
    items: list[DemandMatch]


def _components(m: Match) -> list[RankingComponent]:
    return [
        RankingComponent(
            name=c.name, value=c.value, weight=c.weight, contribution=c.contribution, reason=c.reason, status=c.status
        )
        for c in m.scored.components
    ]


def _base(r: Ranking) -> dict[str, object]:
    return {
        "weights": r.weights,
        "weights_alliance_id": r.weights_alliance_id,
        "candidates": r.candidates,
        "degraded": r.degraded,
    }


def render_offers(demand_id: str, r: Ranking) -> OfferMatches:
    items = [
        OfferMatch(
            offer_id=m.counterpart_id,
            org_id=m.org_id,
            score=m.scored.score,
            points=m.scored.points,
            components=_components(m),
        )
        for m in r.items
    ]
    return OfferMatches(demand_id=demand_id, items=items, **_base(r))


def render_demands(offer_id: str, r: Ranking) -> DemandMatches:
    items = [
        DemandMatch(
            demand_id=m.counterpart_id,
            org_id=m.org_id,
            score=m.scored.score,
            points=m.scored.points,
            components=_components(m),
        )
        for m in r.items
    ]
    return DemandMatches(offer_id=offer_id, items=items, **_base(r))
