"""Every open offer as columns (numpy), so one demand is scored against all of them in a few vector operations —
the same integer arithmetic as `scoring.engine.rank`, which it must equal (tests/matching/test_ranking_columns.py).

What depends on the offer alone is precomputed when the columns are built: indices into the distinct major codes,
occupation codes, regions and (organization, alliance) pairs, the offered level's rank, the period as day numbers and
the count. A ranking computes the value of each distinct code, region and pair once for its demand (the engine's
`Prepared`), gathers them per offer, sums the weighted values, keeps the best `limit` (points descending, then id)
and lets the engine explain those. Offers changed in place (same open offers, new versions) are patched into their
rows (`patch`); when offers come or go the columns are built anew."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from services.matching.scoring.components import FULL, Prepared, major_level_rank
from services.matching.scoring.engine import Candidate, explain
from services.matching.scoring.profiles import EDUCATION_LEVELS, UNKNOWN, DemandProfile, Facts, OfferProfile
from services.matching.scoring.weights import Weights

NO_DAY = -1
PAD = -1  # an empty code slot: index -1 is the 0 appended to each per-code value array
_LEVEL_RANKS = {key: level[0] for key, level in EDUCATION_LEVELS.items()}


def _probe(**values: object) -> OfferProfile:
    """An offer with only the fields one component reads (its region, or its organization and alliance)."""
    return OfferProfile(**{"id": "", "org_id": "", "kind": "", **values})  # type: ignore[arg-type]


def _index(values: list, seen: dict) -> int:
    return seen.setdefault(values, len(seen))


def _padded(rows: list[list[int]]) -> np.ndarray:
    width = max((len(r) for r in rows), default=0) or 1
    out = np.full((len(rows), width), PAD, dtype=np.int64)
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
    major: np.ndarray  # offers × widest, padded with PAD
    occupations: list[str]
    occupation: np.ndarray  # padded with PAD
    level_rank: np.ndarray
    regions: list[str | None]
    region: np.ndarray
    start: np.ndarray  # ordinal day, NO_DAY when unknown
    end: np.ndarray
    pairs: list[tuple[int, str | None]]  # (org index, alliance id)
    pair: np.ndarray
    count: np.ndarray  # -1: unknown

    ids: list[str]
    _seen: dict[str, dict]

    @classmethod
    def build(cls, offers: Sequence[OfferProfile]) -> Columns:
        offers = sorted(offers, key=lambda o: o.id)
        seen: dict[str, dict] = {n: {} for n in ("kind", "org", "major", "occupation", "region", "pair")}
        rows = [cls._row(seen, o) for o in offers]
        arr = np.asarray

        def column(i: int) -> np.ndarray:
            return arr([r[i] for r in rows], dtype=np.int64)

        return cls(
            offers=list(offers),
            kinds=list(seen["kind"]),
            kind=column(0),
            orgs=list(seen["org"]),
            org=column(1),
            majors=list(seen["major"]),
            major=_padded([r[2] for r in rows]),
            occupations=list(seen["occupation"]),
            occupation=_padded([r[3] for r in rows]),
            level_rank=column(4),
            regions=list(seen["region"]),
            region=column(5),
            start=column(6),
            end=column(7),
            pairs=list(seen["pair"]),
            pair=column(8),
            count=column(9),
            ids=[o.id for o in offers],
            _seen=seen,
        )

    @staticmethod
    def _row(seen: dict[str, dict], o: OfferProfile) -> tuple:
        org = _index(o.org_id, seen["org"])
        if o.education_level is not None:
            rank = _LEVEL_RANKS.get(o.education_level, 0)
        else:
            rank = max(map(major_level_rank, o.major_codes), default=0)
        return (
            _index(o.kind, seen["kind"]),
            org,
            [_index(c, seen["major"]) for c in o.major_codes],
            [_index(c, seen["occupation"]) for c in o.occupation_codes],
            rank,
            _index(o.region_code, seen["region"]),
            NO_DAY if o.period_start is None else o.period_start.toordinal(),
            NO_DAY if o.period_end is None else o.period_end.toordinal(),
            _index((org, o.alliance_id), seen["pair"]),
            -1 if o.count is None else o.count,
        )

    def patch(self, ids: list[str], changed: Sequence[OfferProfile]) -> bool:
        """Update the rows of `changed` in place when the open offers are still `ids` (same offers, some at a new
        version); False (nothing changed) when offers came or went or a row no longer fits — then build anew."""
        if ids != self.ids:
            return False
        where = {o.id: self.ids.index(o.id) for o in changed} if len(changed) < 64 else None
        if where is None:
            position = {i: n for n, i in enumerate(self.ids)}
            where = {o.id: position[o.id] for o in changed}
        seen = self._seen
        rows = [(where[o.id], o, self._row(seen, o)) for o in changed]
        if any(len(r[2]) > self.major.shape[1] or len(r[3]) > self.occupation.shape[1] for _, _, r in rows):
            return False
        self.kinds, self.orgs, self.regions = list(seen["kind"]), list(seen["org"]), list(seen["region"])
        self.majors, self.occupations, self.pairs = list(seen["major"]), list(seen["occupation"]), list(seen["pair"])
        for n, o, r in rows:
            self.offers[n] = o
            self.kind[n], self.org[n], self.level_rank[n], self.region[n] = r[0], r[1], r[4], r[5]
            self.start[n], self.end[n], self.pair[n], self.count[n] = r[6], r[7], r[8], r[9]
            self.major[n] = r[2] + [PAD] * (self.major.shape[1] - len(r[2]))
            self.occupation[n] = r[3] + [PAD] * (self.occupation.shape[1] - len(r[3]))
        return True

    def _overlap(self, demand: DemandProfile, rows: np.ndarray) -> np.ndarray:
        """`Prepared.overlap`'s value for each offer of `rows`, in thousandths."""
        d_start, d_end = demand.period_start, demand.period_end
        zero = np.zeros(rows.size, dtype=np.int64)
        if d_start is None or (d_end is not None and d_end < d_start):
            return zero
        start, end = self.start[rows], self.end[rows]
        open_end = end == NO_DAY
        valid = (start != NO_DAY) & (open_end | (end >= start))
        first = d_start.toordinal()
        if d_end is None:
            return np.where(valid & (open_end | (end >= first)), FULL, 0)
        last = np.where(open_end, d_end.toordinal(), np.minimum(d_end.toordinal(), end))
        days = last - np.maximum(first, start) + 1
        span = (d_end - d_start).days + 1
        return np.where(valid & (days > 0), np.maximum(days, 0) * FULL // span, 0)

    def rank(
        self,
        demand: DemandProfile,
        kinds: frozenset[str],
        facts_by_org: Mapping[str, Facts],
        weights: Weights,
        lang: str = "zh",
        limit: int = 20,
        exclude: frozenset[str] = frozenset(),
        only: frozenset[str] | None = None,
    ) -> tuple[list[Candidate], int]:
        """The best `limit` offers of `kinds` not of the demand's organization, not in `exclude` (already proposed)
        and, when `only` is given, among those (a fair's registered offers), explained, and how many were scored."""
        prep, rows, points = self._points(demand, kinds, facts_by_org, weights, exclude, only)
        if rows.size == 0:
            return [], 0
        order = np.lexsort((rows, -points))[:limit]  # points descending, then id (rows are in id order)
        out = []
        for i in order:
            offer = self.offers[rows[i]]
            explained = explain(prep, offer, facts_by_org.get(offer.org_id, UNKNOWN), weights, lang)
            out.append(Candidate(offer.id, offer.org_id, int(points[i]), explained))
        return out, int(rows.size)

    def points(
        self, demand: DemandProfile, kinds: frozenset[str], facts_by_org: Mapping[str, Facts], weights: Weights
    ) -> list[tuple[str, int]]:
        """(offer id, points) of every offer passing the hard filters, unexplained — an allocation run's pairs
        (services/matching/allocations/compute.py); the same points as `rank` and as the engine's `points`."""
        _prep, rows, points = self._points(demand, kinds, facts_by_org, weights, frozenset(), None)
        return [(self.offers[r].id, int(p)) for r, p in zip(rows.tolist(), points.tolist(), strict=True)]

    def _points(
        self,
        demand: DemandProfile,
        kinds: frozenset[str],
        facts_by_org: Mapping[str, Facts],
        weights: Weights,
        exclude: frozenset[str],
        only: frozenset[str] | None,
    ) -> tuple[Prepared, np.ndarray, np.ndarray]:
        """The rows passing the filters and their points."""
        prep = Prepared(demand)
        w_field, w_cap, w_edu, w_geo, w_period, w_rel, w_track, w_short = weights.as_tuple()
        ok_kind = np.asarray([k in kinds for k in self.kinds] or [False], dtype=bool)
        own = self.orgs.index(demand.org_id) if demand.org_id in self.orgs else -1
        mask = ok_kind[self.kind] & (self.org != own) if len(self.offers) else np.zeros(0, dtype=bool)
        if exclude and len(self.offers):
            mask &= np.asarray([str(o.id) not in exclude for o in self.offers], dtype=bool)
        if only is not None and len(self.offers):
            mask &= np.asarray([str(o.id) in only for o in self.offers], dtype=bool)
        rows = np.nonzero(mask)[0]
        if rows.size == 0:
            return prep, rows, np.zeros(0, dtype=np.int64)
        has = prep.has_field
        major_fit = np.asarray([prep.major_part(c)[0] if has else 0 for c in self.majors] + [0], dtype=np.int64)
        occ_fit = np.asarray([prep.occupation_part(c)[0] if has else 0 for c in self.occupations] + [0], np.int64)
        fit = np.maximum(major_fit[self.major[rows]].max(axis=1), occ_fit[self.occupation[rows]].max(axis=1))
        level_points = np.asarray([w_edu * prep.level_value(r) for r in range(max(_LEVEL_RANKS.values()) + 1)])
        milli = w_field * fit + level_points[self.level_rank[rows]]
        geo = np.asarray([w_geo * prep.geography(_probe(region_code=r))[0] for r in self.regions], dtype=np.int64)
        milli += geo[self.region[rows]]
        milli += w_period * self._overlap(demand, rows)
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
        return prep, rows, (milli + FULL // 2) // FULL
