"""What the engine scores: a demand's and an offer's profile, and the facts other services supply about a pair.

Every optional field may be None (or empty): the engine then scores that component 0 and says "信息不足"
(docs/matching-ranking.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

DEMAND_KINDS = ("order_class", "apprenticeship", "internship", "employment", "training", "rnd", "co_built_base")
OFFER_KINDS = ("graduates", "interns", "training_capacity", "rnd_expertise", "base_capacity")

# The one education-level table: rank (higher = more advanced), the Chinese and English label, and the first two
# digits of the 专业大类 codes of that level in the 职业教育专业目录 (本科 21–39, 专科 41–59, 中职 61–79, the 19 大类 in
# the same order at every level; docs/reference-data.md).
EDUCATION_LEVELS: dict[str, tuple[int, str, str, int]] = {
    "voc_secondary": (1, "中职", "secondary vocational", 61),
    "voc_associate": (2, "高职专科", "higher vocational associate", 41),
    "voc_bachelor": (3, "职业本科", "vocational bachelor", 21),
}
CATEGORY_COUNT = 19  # 专业大类 per level


@lru_cache(maxsize=8192)
def level_of_major(code: str) -> str | None:
    """The education level a major code belongs to, from its 大类 digits (None if they fit no level)."""
    if len(code) < 2 or not code[:2].isdigit():
        return None
    first = int(code[:2])
    for key, (_rank, _zh, _en, base) in EDUCATION_LEVELS.items():
        if base <= first < base + CATEGORY_COUNT:
            return key
    return None


@dataclass(frozen=True, slots=True)
class DemandProfile:
    """An enterprise's demand, as far as ranking needs it."""

    id: str
    org_id: str
    kind: str
    major_codes: tuple[str, ...] = ()
    occupation_codes: tuple[str, ...] = ()
    education_level: str | None = None
    headcount: int | None = None
    region_code: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    preferred_certificates: tuple[str, ...] = ()
    alliance_id: str | None = None


@dataclass(frozen=True, slots=True)
class OfferProfile:
    """A school's offer, as far as ranking needs it. Without `education_level` the level of its major codes counts."""

    id: str
    org_id: str
    kind: str
    major_codes: tuple[str, ...] = ()
    occupation_codes: tuple[str, ...] = ()
    education_level: str | None = None
    count: int | None = None
    region_code: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    cohort_year: int | None = None
    alliance_id: str | None = None


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """The offering school's record in the demand's field (asked of training): certificates its learners hold and
    internships they completed."""

    certificates: int = 0
    completed_internships: int = 0


@dataclass(frozen=True, slots=True)
class Facts:
    """What other sources know about one (demand, offer) pair. None means unknown; `unavailable` names the sources
    that could not be asked ("membership", "training"), so an unknown fact from them reads "服务不可用"."""

    same_alliance: bool | None = None
    past_agreements: int | None = None
    track_record: TrackRecord | None = None
    shortage: bool | None = None
    unavailable: frozenset[str] = field(default_factory=frozenset)


UNKNOWN = Facts()
