"""Score a demand against an offer, and rank offers for a demand (docs/matching-ranking.md).

Points are integers: each component's value v (thousandths, 0..1000) times its weight w gives w·v millipoints; the
total is rounded half up to whole points (0..1000) and apportioned back to the components by largest remainder
(ties in component order), so the contributions sum to the points exactly and `score` = points / 1000."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from services.matching.scoring.compat import hard_filter
from services.matching.scoring.components import FULL, Part, Prepared
from services.matching.scoring.profiles import UNKNOWN, DemandProfile, Facts, OfferProfile
from services.matching.scoring.reasons import OK, UNAVAILABLE, render
from services.matching.scoring.weights import COMPONENTS, DEFAULT, Weights


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    value: float
    weight: int
    contribution: int
    reason: str
    status: str = OK  # ok / insufficient / unavailable


@dataclass(frozen=True, slots=True)
class Scored:
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
    prep = Prepared(demand)
    facts_by_offer = facts_by_offer or {}
    w_field, w_cap, w_edu, w_geo, w_period, w_rel, w_track, w_short = weights.as_tuple()
    field_fit, capacity, education = prep.field_fit, prep.capacity_fit, prep.education_level
    geography, period = prep.geography, prep.period_overlap
    context_memo: dict[tuple[int, str | None, int], int] = {}
    get_facts = facts_by_offer.get
    half = FULL // 2
    scored: list[tuple[int, str, OfferProfile, Facts]] = []
    for offer in offers:
        if hard_filter(demand, offer) is not None:
            continue
        facts = get_facts(offer.id, UNKNOWN)
        fit = field_fit(offer)[0]
        key = (id(facts), offer.alliance_id, fit)
        context = context_memo.get(key)
        if context is None:
            context = context_memo[key] = (
                w_rel * prep.relationship(offer, facts, fit)[0]
                + w_track * prep.track_record(facts, fit)[0]
                + w_short * prep.shortage(facts, fit)[0]
            )
        millipoints = (
            w_field * fit
            + w_cap * capacity(offer)[0]
            + w_edu * education(offer)[0]
            + w_geo * geography(offer)[0]
            + w_period * period(offer)[0]
            + context
        )
        scored.append(((millipoints + half) // FULL, offer.id, offer, facts))
    scored.sort(key=lambda row: (-row[0], row[1]))
    top = scored if limit is None else scored[:limit]
    out = []
    for points, _id, offer, facts in top:
        explained = explain(prep, offer, facts, weights, lang)
        out.append(Candidate(offer.id, offer.org_id, points, explained))
    return out
