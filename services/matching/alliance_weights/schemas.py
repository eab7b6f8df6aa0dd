"""An alliance's ranking weights: the override body (each component optional, its default in its description) and
the answer (the override as stored and the effective weights)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.matching.scoring.weights import COMPONENTS, TOTAL, Weights


def _field(name: str) -> Any:
    info = Weights.model_fields[name]
    return Field(default=None, description=f"{info.description}; 省略则按默认值比例分配 — omitted: re-scaled")


class WeightsOverride(BaseModel):
    """联盟对排序权重的覆盖（整数分）：给出的项取给定值，未给出的项按默认值的比例分配余下的分数，合计 1000 —
    an alliance's override of the ranking weights (integer points): the named components take the given values,
    the others share the rest in proportion to their defaults, so the whole sums to 1000. Unknown names, values
    outside 0..1000, named values above 1000 in total, or all eight named not summing to 1000 are 422."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{"geography": 300, "field_fit": 250}]})

    field_fit: int | None = _field("field_fit")
    capacity_fit: int | None = _field("capacity_fit")
    education_level: int | None = _field("education_level")
    geography: int | None = _field("geography")
    period_overlap: int | None = _field("period_overlap")
    relationship: int | None = _field("relationship")
    track_record: int | None = _field("track_record")
    shortage: int | None = _field("shortage")

    def named(self) -> dict[str, Any]:
        """The components given (unknown names included, so `Weights.merge` rejects them by name)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class AllianceWeightsPublic(BaseModel):
    alliance_id: uuid.UUID
    override: dict[str, int] = Field(description="联盟给出的项 — the components the alliance set (empty: defaults)")
    weights: Weights = Field(description="排序实际使用的权重 — the weights the ranking uses (sum 1000)")
    defaults: Weights = Field(description="默认权重 — the defaults")
    version: int = Field(description="版本 — version")
    updated_at: datetime


def render(alliance_id: uuid.UUID, row: Any) -> AllianceWeightsPublic:
    default = Weights()
    return AllianceWeightsPublic(
        alliance_id=alliance_id,
        override=dict(row.override),
        weights=default.merge(row.override),
        defaults=default,
        version=row.version,
        updated_at=row.updated_at,
    )


_DEFAULTS = dict(zip(COMPONENTS, Weights().as_tuple(), strict=True))
EXAMPLE = {
    "alliance_id": "019abf2e-0000-7000-8000-000000000010",
    "override": {"geography": 300},
    "weights": Weights().merge({"geography": 300}).model_dump(),
    "defaults": _DEFAULTS,
    "version": 1,
    "updated_at": "2026-12-03T09:00:00+08:00",
}
assert sum(_DEFAULTS.values()) == TOTAL
