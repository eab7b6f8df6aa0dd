"""Allocation request/response models: AllocationCreate (its scope and parameters) and AllocationPublic (status,
progress and, once done, the stored result) with one `render(row)` (docs/matching-fairs-allocations.md)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from services.matching.allocation.inputs import MAX_POINTS
from services.matching.allocations.models import Allocation, AllocationStatus

MAX_DEMAND_IDS = 500
MAX_OFFER_IDS = 5000


class AllocationScope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fair_id: uuid.UUID | None = Field(default=None, description="对接会 — the registered postings of a fair")
    alliance_id: uuid.UUID | None = Field(default=None, description="联盟 — the postings of an alliance")
    region_code: Annotated[str | None, Field(default=None, pattern=r"^\d{2,6}$")] = Field(
        default=None, description="地区代码前缀 — postings whose region code starts with it (2–6 digits)"
    )
    demand_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=MAX_DEMAND_IDS, description="指定需求 — explicit demands (with `offer_ids`)"
    )
    offer_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=MAX_OFFER_IDS, description="指定供给 — explicit offers (with `demand_ids`)"
    )


class AllocationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"scope": {"fair_id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f2b"}, "top_k": 20}]},
    )

    scope: AllocationScope = Field(
        description="范围 — exactly one of {fair_id} | {alliance_id} | {region_code} | {demand_ids, offer_ids}"
    )
    top_k: int | None = Field(
        default=None, ge=1, le=1000, description="每个需求保留的候选数 — keep each demand's k best candidates"
    )
    min_points: int = Field(
        default=1, ge=1, le=MAX_POINTS, description="最低分 — pairs scoring fewer points (of 1000) are not used"
    )


class AllocationProgress(BaseModel):
    phase: str = Field(description="阶段 — queued · collecting · scoring · solving · done · failed")
    pairs_scored: int = Field(description="已评分的供需对 — pairs scored so far")
    pairs_total: int = Field(description="供需对总数 — demands × offers in scope")


class AllocationPublic(BaseModel):
    id: uuid.UUID
    scope: dict[str, Any]
    top_k: int | None
    min_points: int
    status: AllocationStatus = Field(description="状态 — queued → running → done / failed")
    progress: AllocationProgress
    demands: int = Field(description="范围内需求数 — demands in scope")
    offers: int = Field(description="范围内供给数 — offers in scope")
    objective: int | None = Field(description="最优总分 — the optimum's total points × places")
    greedy_objective: int | None = Field(description="贪心总分 — greedy-by-score's total, for comparison")
    result: dict[str, Any] | None = Field(
        description="结果 — assignments, objective and quality report (services/matching/allocation/result.py); "
        "the stored canonical JSON, parsed"
    )
    error: str | None = Field(description="失败原因 — the error class of a failed run")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def render(row: Allocation) -> AllocationPublic:
    return AllocationPublic(
        id=row.id,
        scope=row.scope,
        top_k=row.top_k,
        min_points=row.min_points,
        status=AllocationStatus(row.status),
        progress=AllocationProgress(phase=row.phase, pairs_scored=row.pairs_scored, pairs_total=row.pairs_total),
        demands=row.demands,
        offers=row.offers,
        objective=row.objective,
        greedy_objective=row.greedy_objective,
        result=None if row.result is None else json.loads(row.result),
        error=row.error,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )
