"""What the allocation solver is given, checked, and the one candidate graph every method runs on.

A demand asks for `headcount` places, an offer has `capacity` places at one school (`org_id`), and an edge is a
scored candidate pair with integer `points` in 0..1000 (the ranking's score × 1000, so totals stay exact). The
graph keeps, for each demand, its usable edges — points at least `min_points` (a score of 0 means no match:
missing data is never counted as one) and an offer with capacity left — and of those its `top_k` best (points
descending, ties by offer id). Demands named in `filtered` were dropped before scoring by a named rule: their
edges, if any were given, are not used.

Everything is put in a canonical order here (ids sorted), so the solver builds the same graph from the same
input whatever order its lists came in (docs/matching-allocation.md, "Reproducible").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

MAX_POINTS = 1000
# Headcounts and capacities beyond this are not places of one order class or cohort; the bound also keeps
# points × places far inside the solver's 64-bit cost range.
MAX_PLACES = 1_000_000


class AllocationInputError(ValueError):
    """An input the solver refuses, naming the field (`loc`) and the rule, in Chinese and English."""

    def __init__(self, loc: list[str | int], msg_zh: str, msg_en: str) -> None:
        super().__init__(msg_en)
        self.loc = loc
        self.msg_zh = msg_zh
        self.msg_en = msg_en


@dataclass(frozen=True)
class DemandNode:
    id: str
    headcount: int


@dataclass(frozen=True)
class OfferNode:
    id: str
    capacity: int
    org_id: str


@dataclass(frozen=True)
class Edge:
    demand_id: str
    offer_id: str
    points: int


@dataclass(frozen=True)
class AllocationInput:
    demands: list[DemandNode]
    offers: list[OfferNode]
    edges: list[Edge]
    top_k: int | None = None
    filtered: Mapping[str, str] = field(default_factory=dict)
    min_points: int = 1


@dataclass(frozen=True)
class Graph:
    """The canonical candidate graph: nodes sorted by id, kept edges sorted by (demand id, offer id)."""

    demands: tuple[DemandNode, ...]
    offers: tuple[OfferNode, ...]
    kept: tuple[Edge, ...]
    # A demand's usable edges that `top_k` cut, best first.
    pruned: dict[str, tuple[Edge, ...]]
    # Per demand: how many edges it was given at all, and how many of them scored below `min_points`.
    given: dict[str, int]
    below_min: dict[str, int]
    # Edges of demands the `filtered` rules had already dropped (not used).
    ignored_filtered: int
    top_k: int | None
    min_points: int
    filtered: dict[str, str]

    @property
    def offer_by_id(self) -> dict[str, OfferNode]:
        return {o.id: o for o in self.offers}

    @property
    def arcs_pruned(self) -> int:
        return sum(len(v) for v in self.pruned.values())


def _count(value: object, loc: list[str | int], lowest: int, highest: int, what_zh: str, what_en: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise AllocationInputError(
            loc,
            f"{what_zh}须为 {lowest} 至 {highest} 之间的整数",
            f"{what_en} must be an integer from {lowest} to {highest}",
        )
    return value


def _id(value: object, loc: list[str | int]) -> str:
    if not isinstance(value, str) or not value:
        raise AllocationInputError(loc, "标识须为非空字符串", "an id must be a non-empty string")
    return value


def build_graph(inp: AllocationInput) -> Graph:
    """Check `inp` and build its canonical candidate graph (raises AllocationInputError on a bad input)."""
    top_k = inp.top_k
    if top_k is not None:
        _count(top_k, ["top_k"], 1, MAX_PLACES, "每个需求保留的候选数", "top_k")
    # At least 1: a 0-point pair would cost what leaving the places unused costs, and whether it is taken would be
    # arbitrary (docs/matching-allocation.md, "The graph").
    min_points = _count(inp.min_points, ["min_points"], 1, MAX_POINTS, "最低分", "min_points")

    demands: dict[str, DemandNode] = {}
    for i, d in enumerate(inp.demands):
        _id(d.id, ["demands", i, "id"])
        _count(d.headcount, ["demands", i, "headcount"], 1, MAX_PLACES, "需求人数", "headcount")
        if d.id in demands:
            raise AllocationInputError(["demands", i, "id"], "需求重复出现", "a demand appears twice")
        demands[d.id] = d
    offers: dict[str, OfferNode] = {}
    for i, o in enumerate(inp.offers):
        _id(o.id, ["offers", i, "id"])
        _id(o.org_id, ["offers", i, "org_id"])
        _count(o.capacity, ["offers", i, "capacity"], 0, MAX_PLACES, "供给名额", "capacity")
        if o.id in offers:
            raise AllocationInputError(["offers", i, "id"], "供给重复出现", "an offer appears twice")
        offers[o.id] = o
    filtered: dict[str, str] = {}
    for demand_id, rule in inp.filtered.items():
        if demand_id not in demands:
            raise AllocationInputError(
                ["filtered", demand_id], "被排除的需求不在需求列表中", "a filtered demand is not among the demands"
            )
        filtered[demand_id] = _id(rule, ["filtered", demand_id])

    given: dict[str, int] = {}
    below_min: dict[str, int] = {}
    usable: dict[str, list[Edge]] = {}
    seen: set[tuple[str, str]] = set()
    ignored_filtered = 0
    for i, e in enumerate(inp.edges):
        if e.demand_id not in demands:
            raise AllocationInputError(["edges", i, "demand_id"], "候选对的需求不存在", "the edge's demand is unknown")
        if e.offer_id not in offers:
            raise AllocationInputError(["edges", i, "offer_id"], "候选对的供给不存在", "the edge's offer is unknown")
        points = _count(e.points, ["edges", i, "points"], 0, MAX_POINTS, "得分", "points")
        pair = (e.demand_id, e.offer_id)
        if pair in seen:
            raise AllocationInputError(
                ["edges", i], "同一需求与供给的候选对重复", "the same demand-offer pair appears twice"
            )
        seen.add(pair)
        if e.demand_id in filtered:
            ignored_filtered += 1
            continue
        given[e.demand_id] = given.get(e.demand_id, 0) + 1
        if points < min_points:
            below_min[e.demand_id] = below_min.get(e.demand_id, 0) + 1
        elif offers[e.offer_id].capacity > 0:
            usable.setdefault(e.demand_id, []).append(e)

    kept: list[Edge] = []
    pruned: dict[str, tuple[Edge, ...]] = {}
    for demand_id in sorted(usable):
        ranked = sorted(usable[demand_id], key=lambda e: (-e.points, e.offer_id))
        if top_k is not None and len(ranked) > top_k:
            pruned[demand_id] = tuple(ranked[top_k:])
            ranked = ranked[:top_k]
        kept.extend(sorted(ranked, key=lambda e: e.offer_id))
    return Graph(
        demands=tuple(demands[k] for k in sorted(demands)),
        offers=tuple(offers[k] for k in sorted(offers)),
        kept=tuple(kept),
        pruned=pruned,
        given=given,
        below_min=below_min,
        ignored_filtered=ignored_filtered,
        top_k=top_k,
        min_points=min_points,
        filtered=filtered,
    )
