"""The baseline the solver is measured against: greedy by score on the same candidate graph — take the
highest-scoring pair first (ties by demand id, then offer id) and give it as many places as both sides have left."""

from __future__ import annotations

from services.matching.allocation.inputs import AllocationInput, Graph, build_graph
from services.matching.allocation.report import quality_report
from services.matching.allocation.result import AllocationResult, Assignment


def greedy_assignments(graph: Graph) -> list[Assignment]:
    need = {d.id: d.headcount for d in graph.demands}
    left = {o.id: o.capacity for o in graph.offers}
    out: list[Assignment] = []
    for e in sorted(graph.kept, key=lambda e: (-e.points, e.demand_id, e.offer_id)):
        count = min(need[e.demand_id], left[e.offer_id])
        if count > 0:
            need[e.demand_id] -= count
            left[e.offer_id] -= count
            out.append(Assignment(e.demand_id, e.offer_id, count, e.points))
    out.sort(key=lambda a: (a.demand_id, a.offer_id))
    return out


def objective_of(assignments: list[Assignment]) -> int:
    return sum(a.points * a.count for a in assignments)


def greedy(inp: AllocationInput) -> AllocationResult:
    """Greedy by score, with the same quality report as the solver's (its `greedy_objective` is its own)."""
    graph = build_graph(inp)
    assignments = greedy_assignments(graph)
    objective = objective_of(assignments)
    report = quality_report(graph, assignments, method="greedy", greedy_objective=objective)
    return AllocationResult(assignments=assignments, objective=objective, report=report)
