"""Helpers of the allocation tests: building inputs tersely, random small inputs (hypothesis), and an exhaustive
search for the optimum that shares nothing with the solver (its own pruning, its own enumeration of integer
assignments)."""

from __future__ import annotations

from functools import cache

from hypothesis import strategies as st

from services.matching.allocation import AllocationInput, DemandNode, Edge, OfferNode


def make_input(
    demands: dict[str, int],
    offers: dict[str, tuple[int, str]],
    edges: dict[tuple[str, str], int],
    **options,
) -> AllocationInput:
    """`demands` id → headcount, `offers` id → (capacity, school), `edges` (demand, offer) → points."""
    return AllocationInput(
        demands=[DemandNode(k, v) for k, v in demands.items()],
        offers=[OfferNode(k, c, org) for k, (c, org) in offers.items()],
        edges=[Edge(d, o, p) for (d, o), p in edges.items()],
        **options,
    )


def brute_force_objective(inp: AllocationInput) -> int:
    """The best total of points × places over every integer assignment of the pruned candidate pairs: each demand's
    pairs scoring at least `min_points` with an offer of some capacity, cut to its `top_k` best (points descending,
    ties by offer id); filtered demands get nothing. Enumerates, demand by demand, every split of its headcount over
    its pairs within what the offers have left (memoised on the offers' remaining capacities)."""
    capacity = {o.id: o.capacity for o in inp.offers}
    offer_ids = sorted(capacity)
    per_demand: list[tuple[int, list[tuple[int, int]]]] = []
    for d in sorted(inp.demands, key=lambda d: d.id):
        if d.id in inp.filtered:
            continue
        pairs = [
            (e.points, e.offer_id)
            for e in inp.edges
            if e.demand_id == d.id and e.points >= inp.min_points and capacity[e.offer_id] > 0
        ]
        pairs.sort(key=lambda p: (-p[0], p[1]))
        if inp.top_k is not None:
            pairs = pairs[: inp.top_k]
        per_demand.append((d.headcount, [(offer_ids.index(o), p) for p, o in pairs]))

    def splits(need: int, pairs: list[tuple[int, int]], left: tuple[int, ...]):
        if not pairs:
            yield 0, left
            return
        (j, points), rest = pairs[0], pairs[1:]
        for n in range(min(need, left[j]) + 1):
            after = left[:j] + (left[j] - n,) + left[j + 1 :]
            for total, final in splits(need - n, rest, after):
                yield total + n * points, final

    @cache
    def best(i: int, left: tuple[int, ...]) -> int:
        if i == len(per_demand):
            return 0
        need, pairs = per_demand[i]
        return max(total + best(i + 1, final) for total, final in splits(need, pairs, left))

    return best(0, tuple(capacity[o] for o in offer_ids))


@st.composite
def small_inputs(draw) -> AllocationInput:
    n_demands = draw(st.integers(1, 5))
    n_offers = draw(st.integers(1, 5))
    demands = [DemandNode(f"d{i}", draw(st.integers(1, 3))) for i in range(n_demands)]
    offers = [OfferNode(f"o{j}", draw(st.integers(0, 3)), f"s{draw(st.integers(0, 2))}") for j in range(n_offers)]
    # Few distinct scores, so ties between pairs (and between optima) are common.
    points = st.none() | st.integers(0, 1000) | st.sampled_from([0, 300, 600, 1000])
    edges = [
        Edge(d.id, o.id, p) for d in demands for o in offers if (p := draw(points, label=f"{d.id}-{o.id}")) is not None
    ]
    filtered = {d.id: "already_proposed" for d in demands if draw(st.integers(0, 9)) == 0}
    return AllocationInput(
        demands=demands,
        offers=offers,
        edges=edges,
        top_k=draw(st.none() | st.integers(1, 5)),
        filtered=filtered,
        min_points=draw(st.sampled_from([1, 400, 1000])),
    )
