"""Every open offer as columns (numpy), so one demand is scored against all of them in a few vector operations —
the same integer arithmetic as `scoring.engine.rank`, which it must equal (tests/matching/test_ranking_columns.py).

What depends on the offer alone is precomputed when the columns are built: indices into the distinct major codes,
occupation codes, regions, periods and (organization, alliance) pairs, the offered level's rank, the count. A
ranking computes the value of each distinct code, region, period and pair once for its demand (the engine's
`Prepared`), gathers them per offer, sums the weighted values, keeps the best `limit` (points descending, then id)
and lets the engine explain those."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from services.matching.scoring.components import FULL, Prepared, major_level_rank
from services.matching.scoring.engine import Candidate, explain
from services.matching.scoring.profiles import EDUCATION_LEVELS, UNKNOWN, DemandProfile, Facts, OfferProfile
from services.matching.scoring.weights import Weights

_LEVEL_RANKS = {key: level[0] for key, level in EDUCATION_LEVELS.items()}


def _probe(**values: object) -> OfferProfile:
    """An offer with only the fields one component reads (its region, or its organization and alliance)."""
    return OfferProfile(**{"id": "", "org_id": "", "kind": "", **values})  # type: ignore[arg-type]


def _index(values: list, seen: dict) -> int:
    return seen.setdefault(values, len(seen))


def _padded(rows: list[list[int]], pad: int) -> np.ndarray:
    width = max((len(r) for r in rows), default=0) or 1
    out = np.full((len(rows), width), pad, dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


@dataclass
class Columns:
    """Open offers in id order, as arrays."""

    offers: list[OfferProfile]
    kinds: list[str]
    kind: np.ndarray
    orgs: list[str]
    org: np.ndarray
    majors: list[str]
    major: np.ndarray  # offers × widest, padded with len(majors)
    occupations: list[str]
    occupation: np.ndarray  # padded with len(occupations)
    level_rank: np.ndarray
    regions: list[str | None]
    region: np.ndarray
    periods: list[tuple]
    period: np.ndarray
    pairs: list[tuple[int, str | None]]  # (org index, alliance id)
    pair: np.ndarray
    count: np.ndarray  # -1: unknown

    @classmethod
    def build(cls, offers: Sequence[OfferProfile]) -> Columns:
        offers = sorted(offers, key=lambda o: o.id)
        kinds: dict = {}
        orgs: dict = {}
        majors: dict = {}
        occupations: dict = {}
        regions: dict = {}
        periods: dict = {}
        pairs: dict = {}
        kind, org, major, occupation, rank, region, period, pair, count = ([] for _ in range(9))
        for o in offers:
            kind.append(_index(o.kind, kinds))
            oi = _index(o.org_id, orgs)
            org.append(oi)
            major.append([_index(c, majors) for c in o.major_codes])
            occupation.append([_index(c, occupations) for c in o.occupation_codes])
            if o.education_level is not None:
                rank.append(_LEVEL_RANKS.get(o.education_level, 0))
            else:
                rank.append(max(map(major_level_rank, o.major_codes), default=0))
            region.append(_index(o.region_code, regions))
            period.append(_index((o.period_start, o.period_end), periods))
            pair.append(_index((oi, o.alliance_id), pairs))
            count.append(-1 if o.count is None else o.count)
        arr = np.asarray
        return cls(
            offers=list(offers),
            kinds=list(kinds),
            kind=arr(kind, dtype=np.int64),
            orgs=list(orgs),
            org=arr(org, dtype=np.int64),
            majors=list(majors),
            major=_padded(major, len(majors)),
            occupations=list(occupations),
            occupation=_padded(occupation, len(occupations)),
            level_rank=arr(rank, dtype=np.int64),
            regions=list(regions),
            region=arr(region, dtype=np.int64),
            periods=list(periods),
            period=arr(period, dtype=np.int64),
            pairs=list(pairs),
            pair=arr(pair, dtype=np.int64),
            count=arr(count, dtype=np.int64),
        )

    def rank(
        self,
        demand: DemandProfile,
        kinds: frozenset[str],
        facts_by_org: Mapping[str, Facts],
        weights: Weights,
        lang: str = "zh",
        limit: int = 20,
    ) -> tuple[list[Candidate], int]:
        """The best `limit` offers of `kinds` not of the demand's organization, explained, and how many were scored."""
        prep = Prepared(demand)
        w_field, w_cap, w_edu, w_geo, w_period, w_rel, w_track, w_short = weights.as_tuple()
        ok_kind = np.asarray([k in kinds for k in self.kinds] or [False], dtype=bool)
        own = self.orgs.index(demand.org_id) if demand.org_id in self.orgs else -1
        mask = ok_kind[self.kind] & (self.org != own) if len(self.offers) else np.zeros(0, dtype=bool)
        rows = np.nonzero(mask)[0]
        if rows.size == 0:
            return [], 0
        has = prep.has_field
        major_fit = np.asarray([prep.major_part(c)[0] if has else 0 for c in self.majors] + [0], dtype=np.int64)
        occ_fit = np.asarray([prep.occupation_part(c)[0] if has else 0 for c in self.occupations] + [0], np.int64)
        fit = np.maximum(major_fit[self.major[rows]].max(axis=1), occ_fit[self.occupation[rows]].max(axis=1))
        level_points = np.asarray([w_edu * prep.level_value(r) for r in range(max(_LEVEL_RANKS.values()) + 1)])
        milli = w_field * fit + level_points[self.level_rank[rows]]
        geo = np.asarray([w_geo * prep.geography(_probe(region_code=r))[0] for r in self.regions], dtype=np.int64)
        milli += geo[self.region[rows]]
        per = np.asarray([w_period * prep.overlap(s, e)[2] for s, e in self.periods], dtype=np.int64)
        milli += per[self.period[rows]]
        need = demand.headcount if demand.headcount is not None and demand.headcount > 0 else None
        if need is not None:
            can = self.count[rows]
            cap = np.where(can >= need, FULL, np.maximum(can, 0) * FULL // need)
            milli += np.where(can >= 0, w_cap * cap, 0)
        facts = [facts_by_org.get(org, UNKNOWN) for org in self.orgs]
        ctx_with, ctx_without = [], []
        for oi, alliance in self.pairs:
            f = facts[oi]
            probe = _probe(org_id=self.orgs[oi], alliance_id=alliance)
            ctx_with.append(w_rel * prep.relationship(probe, f, 1)[0] + w_track * prep.track_record(f, 1)[0])
            ctx_without.append(w_rel * prep.relationship(probe, f, 0)[0] + w_track * prep.track_record(f, 0)[0])
        pair = self.pair[rows]
        milli += np.where(fit > 0, np.asarray(ctx_with, np.int64)[pair], np.asarray(ctx_without, np.int64)[pair])
        short = np.asarray([bool(f.shortage) for f in facts], dtype=bool)
        milli += np.where(short[self.org[rows]], w_short * fit, 0)
        points = (milli + FULL // 2) // FULL
        order = np.lexsort((rows, -points))[:limit]  # points descending, then id (rows are in id order)
        out = []
        for i in order:
            offer = self.offers[rows[i]]
            explained = explain(prep, offer, facts_by_org.get(offer.org_id, UNKNOWN), weights, lang)
            out.append(Candidate(offer.id, offer.org_id, int(points[i]), explained))
        return out, int(rows.size)
