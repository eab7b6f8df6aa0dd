"""The optimal allocation: min-cost flow with OR-Tools' C++ solver (`SimpleMinCostFlow`).

    source ─(capacity)→ offer ─(min(headcount, capacity), cost −points)→ demand ─(headcount)→ sink
    source ─────────────(total capacity, cost 0: the bypass)─────────────────────────────────→ sink

The source supplies every offer's capacity and the sink takes it all; what no demand can use goes through the zero-cost
bypass, so capacity may stay unused and the solver minimises cost alone — the negated total score — instead of
maximising flow first. Nodes and arcs are added in the canonical order of `inputs.build_graph` (ids sorted) and the
assignments are sorted, so the same input gives the same result whatever the order of its lists
(docs/matching-allocation.md).
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from services.matching.allocation.greedy import greedy_assignments, objective_of
from services.matching.allocation.inputs import AllocationInput, Graph, build_graph
from services.matching.allocation.report import quality_report
from services.matching.allocation.result import AllocationResult, Assignment, PruningEffect

SOURCE, SINK = 0, 1


class AllocationSolverError(RuntimeError):
    """OR-Tools did not report an optimum (it cannot happen on a graph `build_graph` accepted: the bypass keeps it
    feasible and its bounds keep costs in range)."""


def optimal_assignments(graph: Graph) -> list[Assignment]:
    if not graph.kept:
        return []
    offer_node = {o.id: 2 + i for i, o in enumerate(graph.offers)}
    first_demand = 2 + len(graph.offers)
    demand_node = {d.id: first_demand + i for i, d in enumerate(graph.demands)}
    capacity = {o.id: o.capacity for o in graph.offers}
    headcount = {d.id: d.headcount for d in graph.demands}
    total = sum(capacity.values())

    tails = [SOURCE]
    heads = [SINK]
    caps = [total]
    costs = [0]
    for o in graph.offers:
        tails.append(SOURCE)
        heads.append(offer_node[o.id])
        caps.append(o.capacity)
        costs.append(0)
    for d in graph.demands:
        tails.append(demand_node[d.id])
        heads.append(SINK)
        caps.append(d.headcount)
        costs.append(0)
    first_pair = len(tails)
    for e in graph.kept:
        tails.append(offer_node[e.offer_id])
        heads.append(demand_node[e.demand_id])
        caps.append(min(headcount[e.demand_id], capacity[e.offer_id]))
        costs.append(-e.points)

    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    supplies = np.zeros(first_demand + len(graph.demands), dtype=np.int64)
    supplies[SOURCE] = total
    supplies[SINK] = -total
    smcf.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise AllocationSolverError(f"min-cost flow ended with status {status}")
    flows = smcf.flows(arcs[first_pair:])
    out = [
        Assignment(e.demand_id, e.offer_id, int(f), e.points) for e, f in zip(graph.kept, flows, strict=True) if f > 0
    ]
    out.sort(key=lambda a: (a.demand_id, a.offer_id))
    return out


def solve(inp: AllocationInput, *, measure_pruning: bool = True) -> AllocationResult:
    """The allocation that maximises the total score (points × places) under both capacities, with its report.

    With `top_k` set, the report also says what the pruning cost: the optimum on every usable pair is solved too
    (when pruning cut any), unless `measure_pruning` is false."""
    graph = build_graph(inp)
    assignments = optimal_assignments(graph)
    objective = objective_of(assignments)
    greedy_objective = objective_of(greedy_assignments(graph))
    pruning = None
    if graph.top_k is not None and measure_pruning:
        full = build_graph(_with_top_k(inp, None)) if graph.pruned else graph
        without = optimal_assignments(full) if graph.pruned else assignments
        pruning = _effect(graph.top_k, graph, assignments, full, without)
    report = quality_report(
        graph, assignments, method="min_cost_flow", greedy_objective=greedy_objective, pruning=pruning
    )
    return AllocationResult(assignments=assignments, objective=objective, report=report)


def pruning_effect(inp: AllocationInput, k: int) -> PruningEffect:
    """The optimum with each demand's arcs pruned to its `k` best candidates next to the optimum without pruning."""
    pruned = build_graph(_with_top_k(inp, k))
    full = build_graph(_with_top_k(inp, None))
    return _effect(k, pruned, optimal_assignments(pruned), full, optimal_assignments(full))


def _effect(k: int, pruned: Graph, with_k: list[Assignment], full: Graph, without: list[Assignment]) -> PruningEffect:
    return PruningEffect(
        top_k=k,
        arcs_kept=len(pruned.kept),
        arcs_total=len(full.kept),
        objective_pruned=objective_of(with_k),
        objective_unpruned=objective_of(without),
        filled_pruned=sum(a.count for a in with_k),
        filled_unpruned=sum(a.count for a in without),
    )


def _with_top_k(inp: AllocationInput, k: int | None) -> AllocationInput:
    return AllocationInput(
        demands=inp.demands,
        offers=inp.offers,
        edges=inp.edges,
        top_k=k,
        filtered=inp.filtered,
        min_points=inp.min_points,
    )
