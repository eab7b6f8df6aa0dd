"""Score a demand against an offer, and rank offers for a demand (docs/matching-ranking.md).

Points are integers: each component's value v (thousandths, 0..1000) times its weight w gives w·v millipoints; the
total is rounded half up to whole points (0..1000) and apportioned back to the components by largest remainder
(ties in component order), so the contributions sum to the points exactly and `score` = points / 1000."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from services.matching.scoring.compat import COMPATIBLE
from services.matching.scoring.components import FULL, Part, Prepared, major_level_rank
from services.matching.scoring.profiles import EDUCATION_LEVELS, UNKNOWN, DemandProfile, Facts, OfferProfile
from services.matching.scoring.reasons import OK, UNAVAILABLE, render
from services.matching.scoring.weights import COMPONENTS, DEFAULT, Weights


@dataclass(frozen=True, slots=True)
class Component:
    """One criterion of a pair: its value (0..1), weight and contribution in points, and a one-line reason."""

    name: str
    value: float
    weight: int
    contribution: int
    reason: str
    status: str = OK  # ok / insufficient / unavailable


@dataclass(frozen=True, slots=True)
class Scored:
    """A pair's points (0..1000, the sum of the contributions) and its components in `weights.COMPONENTS` order."""

    points: int
    components: list[Component] = field(default_factory=list)

    @property
    def score(self) -> float:
        return self.points / FULL

    @property
    def degraded(self) -> bool:
        """True when a component lacks its facts because their source was down."""
        return any(c.status == UNAVAILABLE for c in self.components)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ranked offer: its id, its organization (the counterpart), its points and their explanation."""

    offer_id: str
    org_id: str
    points: int
    scored: Scored

    @property
    def score(self) -> float:
        return self.scored.score


def parts(prep: Prepared, offer: OfferProfile, facts: Facts) -> tuple[Part, ...]:
    """The eight parts in `COMPONENTS` order."""
    fit = prep.field_fit(offer)
    return (
        fit,
        prep.capacity_fit(offer),
        prep.education_level(offer),
        prep.geography(offer),
        prep.period_overlap(offer),
        prep.relationship(offer, facts, fit[0]),
        prep.track_record(facts, fit[0]),
        prep.shortage(facts, fit[0]),
    )


def total_points(weighted: Iterable[int]) -> int:
    """Whole points of a sum of millipoints, rounded half up."""
    return (sum(weighted) + FULL // 2) // FULL


def apportion(weighted: list[int]) -> list[int]:
    """Contributions in whole points summing to `total_points(weighted)`: floors, then one more point to the largest
    remainders (ties in component order)."""
    points = total_points(weighted)
    floors = [w // FULL for w in weighted]
    left = points - sum(floors)
    order = sorted(range(len(weighted)), key=lambda i: (-(weighted[i] % FULL), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def explain(prep: Prepared, offer: OfferProfile, facts: Facts, weights: Weights, lang: str = "zh") -> Scored:
    english = lang == "en"
    ps = parts(prep, offer, facts)
    ws = weights.as_tuple()
    weighted = [w * p[0] for w, p in zip(ws, ps, strict=True)]
    contributions = apportion(weighted)
    components = [
        Component(name, p[0] / FULL, w, c, render(p[2], p[3], english), p[1])
        for name, p, w, c in zip(COMPONENTS, ps, ws, contributions, strict=True)
    ]
    return Scored(sum(contributions), components)


def score(
    demand: DemandProfile,
    offer: OfferProfile,
    facts: Facts | None = None,
    weights: Weights = DEFAULT,
    lang: str = "zh",
) -> Scored:
    """The explained score of one pair (hard filters are not applied: see `compat.hard_filter`)."""
    return explain(Prepared(demand), offer, facts or UNKNOWN, weights, lang)


def _scored(
    demand: DemandProfile,
    offers: list[OfferProfile],
    facts_by_offer: Mapping[str, Facts] | None,
    weights: Weights,
) -> tuple[Prepared, list[tuple[int, str, int]]]:
    """(−points, offer id, index) of every offer passing the hard filters, unexplained."""
    prep = Prepared(demand)
    get_facts = (facts_by_offer or {}).get
    kinds, own_org = COMPATIBLE.get(demand.kind, frozenset()), demand.org_id
    w_field, w_cap, w_edu, w_geo, w_period, w_rel, w_track, w_short = weights.as_tuple()
    need = demand.headcount if demand.headcount is not None and demand.headcount > 0 else None
    has_field = prep.has_field
    major_part, occupation_part, level_value = prep.major_part, prep.occupation_part, prep.level_value
    # Values memoised by what they depend on (a code, a region, a period): an offer is a few dictionary lookups.
    major_memo: dict[str, tuple[int, int]] = {}
    occupation_memo: dict[str, int] = {}
    level_ranks = {key: level[0] for key, level in EDUCATION_LEVELS.items()}
    level_points = [w_edu * level_value(r) for r in range(max(level_ranks.values()) + 1)]
    geography_memo: dict[str | None, int] = {}  # weighted: w · value
    period_memo: dict[date | None, dict[date | None, int]] = {}  # start → end → weighted value
    context_memo: dict[tuple, int] = {}
    half = FULL // 2
    scored: list[tuple[int, str, int]] = []
    for index, offer in enumerate(offers):
        if offer.kind not in kinds or offer.org_id == own_org:  # compat.hard_filter
            continue
        fit = 0
        stated = offer.education_level
        offered_rank = 0 if stated is None else level_ranks.get(stated, 0)
        for code in offer.major_codes:  # the best of the offer's codes (Prepared.field_fit); its level (level_rank)
            known = major_memo.get(code)
            if known is None:
                known = major_memo[code] = (major_part(code)[0] if has_field else 0, major_level_rank(code))
            if known[0] > fit:
                fit = known[0]
            if stated is None and known[1] > offered_rank:
                offered_rank = known[1]
        if has_field:
            for code in offer.occupation_codes:
                value = occupation_memo.get(code)
                if value is None:
                    value = occupation_memo[code] = occupation_part(code)[0]
                if value > fit:
                    fit = value
        millipoints = w_field * fit + level_points[offered_rank]
        region = offer.region_code
        value = geography_memo.get(region)
        if value is None:
            value = geography_memo[region] = w_geo * prep.geography(offer)[0]
        millipoints += value
        start, end = offer.period_start, offer.period_end
        ends = period_memo.get(start)
        if ends is None:
            ends = period_memo[start] = {}
        value = ends.get(end)
        if value is None:
            value = ends[end] = w_period * prep.overlap(start, end)[2]
        millipoints += value
        can = offer.count
        if need is not None and can is not None and can >= 0:
            millipoints += w_cap * (FULL if can >= need else can * FULL // need)
        facts = get_facts(offer.id, UNKNOWN)
        key = (id(facts), offer.alliance_id, fit > 0)
        value = context_memo.get(key)
        if value is None:  # relationship and track record count only with a field in common, whatever its value
            value = context_memo[key] = (
                w_rel * prep.relationship(offer, facts, fit)[0] + w_track * prep.track_record(facts, fit)[0]
            )
        millipoints += value
        if facts.shortage:  # Prepared.shortage: the field fit itself, for a demand in a shortage occupation
            millipoints += w_short * fit
        scored.append((-((millipoints + half) // FULL), offer.id, index))
    return prep, scored


def points(
    demand: DemandProfile,
    offers: Iterable[OfferProfile],
    facts_by_offer: Mapping[str, Facts] | None = None,
    weights: Weights = DEFAULT,
) -> list[tuple[str, int]]:
    """(offer id, points) of every offer passing the hard filters, in the offers' order — `rank` without building
    any reason (an allocation run scores every pair and explains none: services/matching/allocations/compute.py)."""
    _prep, scored = _scored(demand, list(offers), facts_by_offer, weights)
    return [(offer_id, -negative) for negative, offer_id, _index in scored]


def rank(
    demand: DemandProfile,
    offers: Iterable[OfferProfile],
    facts_by_offer: Mapping[str, Facts] | None = None,
    weights: Weights = DEFAULT,
    lang: str = "zh",
    limit: int | None = 20,
) -> list[Candidate]:
    """The offers passing the hard filters, best first (points descending, then offer id), at most `limit` of them,
    each explained. Offers without facts count as knowing none. Only the returned candidates build reasons."""
    offers = list(offers)
    prep, scored = _scored(demand, offers, facts_by_offer, weights)
    get_facts = (facts_by_offer or {}).get
    top = heapq.nsmallest(limit, scored) if limit is not None else sorted(scored)
    out = []
    for negative, _id, index in top:
        offer = offers[index]
        explained = explain(prep, offer, get_facts(offer.id, UNKNOWN), weights, lang)
        out.append(Candidate(offer.id, offer.org_id, -negative, explained))
    return out
