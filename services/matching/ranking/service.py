"""A demand's best offers and an offer's best demands: the hard filters in SQL (open, compatible kinds, another
organization — services/matching/ranking/loader.py), the facts (services/matching/ranking/facts.py), the weights of
the posting's alliance, and the engine (services/matching/scoring/engine.py). Knows nothing of HTTP."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.dates import today
from services.matching.alliance_weights import service as alliance_weights
from services.matching.proposals import service as proposals
from services.matching.ranking.facts import FactsSource, SourceDown, in_shortage, past_agreements, shortage_flags
from services.matching.ranking.loader import OfferColumnsCache, ProfileCache
from services.matching.scoring.compat import COMPATIBLE
from services.matching.scoring.engine import Scored, explain, parts, total_points
from services.matching.scoring.profiles import DemandProfile, Facts, OfferProfile, TrackRecord
from services.matching.scoring.weights import Weights


@dataclass
class Match:
    counterpart_id: str
    org_id: str
    scored: Scored


@dataclass
class Ranking:
    weights: Weights
    weights_alliance_id: str | None
    candidates: int  # postings that passed the hard filters and were scored
    degraded: list[str] = field(default_factory=list)
    items: list[Match] = field(default_factory=list)


@dataclass
class FactsBook:
    """Builds one `Facts` per distinct combination, so equal facts are the same object (the engine memoises on it)."""

    partners: frozenset[str] | None  # None: membership down
    past: dict[str, int] | None
    down: set[str] = field(default_factory=set)
    _seen: dict[tuple[Any, ...], Facts] = field(default_factory=dict)

    def facts(self, org_id: str, record: TrackRecord | None, shortage: bool) -> Facts:
        unavailable = set()
        if self.partners is None:
            unavailable.add("membership")
        if record is None:
            unavailable.add("training")
        key = (
            None if self.partners is None else org_id in self.partners,
            None if self.past is None else self.past.get(org_id, 0),
            record,
            shortage,
            frozenset(unavailable),
        )
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = Facts(*key)
        return found


async def _book(session: AsyncSession, source: FactsSource, org_id: str) -> FactsBook:
    """Who shares an alliance with `org_id` (membership) and how many agreements it has with whom. While membership
    is down the relationship component is unavailable as a whole: the past agreements alone are not scored."""
    try:
        partners: frozenset[str] | None = await source.partners(org_id)
    except SourceDown:
        return FactsBook(None, None, {"membership"})
    return FactsBook(partners, await past_agreements(session, org_id))


async def offers_for(
    session: AsyncSession,
    source: FactsSource,
    cache: OfferColumnsCache,
    demand: DemandProfile,
    *,
    limit: int,
    lang: str,
    only: frozenset[str] | None = None,
) -> Ranking:
    weights = await alliance_weights.effective(session, demand.alliance_id)
    columns = await cache.current(session)
    book = await _book(session, source, demand.org_id)
    flags = await shortage_flags(session, [demand.alliance_id] if demand.alliance_id else [])
    shortage = in_shortage(demand, flags, today())
    codes = demand.occupation_codes
    orgs = [org for org in columns.orgs if org != demand.org_id]
    records, training_down = await source.track_records((org, codes) for org in orgs)
    if training_down:
        book.down.add("training")
    by_org = {org: book.facts(org, records.get((org, codes)), shortage) for org in orgs}
    kinds = COMPATIBLE.get(demand.kind, frozenset())
    proposed = await proposals.proposed_counterparts(session, demand_id=demand.id)
    ranked, scored = columns.rank(demand, kinds, by_org, weights, lang, limit, exclude=proposed, only=only)
    return Ranking(
        weights,
        demand.alliance_id,
        scored,
        sorted(book.down),
        [Match(c.offer_id, c.org_id, c.scored) for c in ranked],
    )


async def demands_for(
    session: AsyncSession,
    source: FactsSource,
    cache: ProfileCache,
    offer: OfferProfile,
    *,
    limit: int,
    lang: str,
    only: frozenset[str] | None = None,
) -> Ranking:
    weights = await alliance_weights.effective(session, offer.alliance_id)
    kinds = sorted(k for k, offered in COMPATIBLE.items() if offer.kind in offered)
    proposed = await proposals.proposed_counterparts(session, offer_id=offer.id)
    demands: list[DemandProfile] = [
        d
        for d in await cache.open_candidates(session, kinds, offer.org_id)
        if d.id not in proposed and (only is None or d.id in only)
    ]
    book = await _book(session, source, offer.org_id)
    flags = await shortage_flags(session, [d.alliance_id for d in demands if d.alliance_id])
    day = today()
    records, training_down = await source.track_records((offer.org_id, d.occupation_codes) for d in demands)
    if training_down:
        book.down.add("training")
    ws = weights.as_tuple()
    scored: list[tuple[int, str, int]] = []
    facts_of: list[Facts] = []
    for index, d in enumerate(demands):
        facts = book.facts(d.org_id, records.get((offer.org_id, d.occupation_codes)), in_shortage(d, flags, day))
        facts_of.append(facts)
        ps = parts(cache.prepare(d), offer, facts)
        points = total_points(w * p[0] for w, p in zip(ws, ps, strict=True))
        scored.append((-points, d.id, index))
    items = []
    for _neg, _id, index in heapq.nsmallest(limit, scored):
        d = demands[index]
        items.append(Match(d.id, d.org_id, explain(cache.prepare(d), offer, facts_of[index], weights, lang)))
    return Ranking(weights, offer.alliance_id, len(demands), sorted(book.down), items)
