"""Integer points per ranking component, summing to 1000 (docs/matching-ranking.md, "Weights").

`Weights()` holds the defaults; `Weights.merge(override)` applies an alliance's override. An override names some
components; the ones it does not name are re-scaled in proportion to their defaults so the whole still sums to 1000
(largest remainder, ties in component order). It is rejected (422) when a name is unknown, a value is not an
integer in 0..1000, the named components exceed 1000, or it names every component and they do not sum to 1000."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chanjiao.errors import FieldError, ValidationFailed

TOTAL = 1000

COMPONENTS = (
    "field_fit",
    "capacity_fit",
    "education_level",
    "geography",
    "period_overlap",
    "relationship",
    "track_record",
    "shortage",
)


def _points(default: int, zh: str, en: str) -> Any:
    return Field(default, ge=0, le=TOTAL, description=f"{zh} — {en}")


class Weights(BaseModel):
    """排序各项的权重（整数分，合计 1000） — points per ranking component, summing to 1000."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field_fit: int = _points(300, "专业/职业匹配（默认 300）", "field fit: majors and occupations (default 300)")
    capacity_fit: int = _points(100, "人数满足程度（默认 100）", "capacity fit (default 100)")
    education_level: int = _points(100, "学历层次（默认 100）", "education level (default 100)")
    geography: int = _points(
        120, "地域：同城 > 同省 > 其他（默认 120）", "geography: city > province > else (default 120)"
    )
    period_overlap: int = _points(100, "时间段重合（默认 100）", "period overlap (default 100)")
    relationship: int = _points(
        100, "合作关系：同一联盟、既往协议（默认 100）", "relationship: alliance, past agreements (default 100)"
    )
    track_record: int = _points(
        80, "培养记录：本领域证书与完成的实习（默认 80）", "track record in the field (default 80)"
    )
    shortage: int = _points(100, "急需紧缺职业加分（默认 100）", "shortage occupation boost (default 100)")

    @model_validator(mode="after")
    def _sums_to_total(self) -> Weights:
        total = sum(self.as_tuple())
        if total != TOTAL:
            raise ValueError(f"weights must sum to {TOTAL}, got {total}")
        return self

    def as_tuple(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in COMPONENTS)

    def merge(self, override: dict[str, Any]) -> Weights:
        """These weights with `override` applied (see the module text); raises ValidationFailed (422)."""
        errors: list[FieldError] = []
        given: dict[str, int] = {}
        for name, value in override.items():
            if name not in COMPONENTS:
                errors.append(FieldError(["weights", name], "未知的排序项", "unknown ranking component", "unknown"))
            elif type(value) is not int or not 0 <= value <= TOTAL:
                errors.append(
                    FieldError(
                        ["weights", name], f"须为 0 至 {TOTAL} 的整数", f"must be an integer 0..{TOTAL}", "range"
                    )
                )
            else:
                given[name] = value
        if not errors:
            fixed = sum(given.values())
            rest = [n for n in COMPONENTS if n not in given]
            if fixed > TOTAL or (not rest and fixed != TOTAL):
                errors.append(
                    FieldError(
                        ["weights"],
                        f"各项权重合计须为 {TOTAL}（现为 {fixed}）",
                        f"the weights must sum to {TOTAL} (they sum to {fixed})",
                        "sum",
                    )
                )
        if errors:
            raise ValidationFailed(detail_zh="排序权重无效", detail_en="invalid ranking weights", errors=errors)
        values = dict(given)
        values.update(apportion(TOTAL - sum(given.values()), [(n, getattr(self, n)) for n in rest]))
        return Weights(**values)


def apportion(total: int, shares: list[tuple[str, int]]) -> dict[str, int]:
    """`total` split over `shares` in proportion (largest remainder, ties in the given order); equal split when every
    share is 0."""
    if not shares:
        return {}
    base = sum(s for _, s in shares)
    if base == 0:
        shares = [(n, 1) for n, _ in shares]
        base = len(shares)
    floors = {n: total * s // base for n, s in shares}
    left = total - sum(floors.values())
    order = sorted(range(len(shares)), key=lambda i: (-(total * shares[i][1] % base), i))
    for i in order[:left]:
        floors[shares[i][0]] += 1
    return floors


DEFAULT = Weights()
