"""The quality report of an allocation: headcount requested and filled, the share of demands fully filled, the mean
score of the places given, each school's part, and for every demand short of its headcount the reason:

* `filtered:<rule>` — a named rule dropped the demand before scoring;
* `no_compatible_offer` — it has no candidate pair at all;
* `below_min_points` — every candidate scored below the minimum (a score of 0 is no match);
* `pruned` — a candidate cut by `top_k` still has free places;
* `capacity_taken` — every candidate offer's places are given: to other pairs that give a higher total (named, up to
  five), or all to the demand itself.

An allocation (the optimum or greedy) gives every kept candidate pair places until its demand or its offer has none
left, so an unfilled demand's kept candidates are always full: `capacity_taken` or `pruned` is the whole story.
"""

from __future__ import annotations

from services.matching.allocation.inputs import Graph
from services.matching.allocation.result import (
    Assignment,
    PruningEffect,
    QualityReport,
    SchoolShare,
    Shortfall,
    TakenBy,
)

TAKEN_BY_SHOWN = 5

# The hard filters ranking applies before scoring (docs/matching-allocation.md, "Reasons"); any other rule code
# is shown as it is.
FILTER_RULES: dict[str, tuple[str, str]] = {
    "not_open": ("需求未处于开放状态", "the demand is not open"),
    "incompatible_kind": ("没有与需求类型相容的供给类型", "no offer kind is compatible with the demand's kind"),
    "same_organization": ("供需双方为同一单位", "the demand and the offer belong to the same organization"),
    "already_proposed": ("已发出对接提议", "a proposal has already been made"),
}


def _text(reason: str, demand_id: str, graph: Graph, taken: list[TakenBy]) -> dict[str, str]:
    if reason.startswith("filtered:"):
        rule = reason.removeprefix("filtered:")
        zh, en = FILTER_RULES.get(rule, (f"规则「{rule}」", f"rule “{rule}”"))
        return {"zh": f"评分前已被排除：{zh}", "en": f"excluded before scoring: {en}"}
    if reason == "no_compatible_offer":
        return {"zh": "没有可对接的供给", "en": "no compatible offer"}
    if reason == "below_min_points":
        n = graph.below_min.get(demand_id, 0)
        return {
            "zh": f"全部 {n} 个候选得分低于最低分 {graph.min_points}（0 分不算匹配）",
            "en": f"all candidates ({n}) score below the minimum score of {graph.min_points} "
            "(a score of 0 is no match)",
        }
    if reason == "pruned":
        return {
            "zh": f"仅保留得分最高的 {graph.top_k} 个候选；被剪去的候选仍有名额",
            "en": f"only the {graph.top_k} best candidates were kept; a candidate cut off still has places",
        }
    if not taken:
        # Its candidates' places are all its own, or there were none left to give.
        return {"zh": "候选供给已无剩余名额", "en": "its candidates have no places left"}
    return {
        "zh": "候选供给的名额已分给总分更高的组合",
        "en": "the candidates' places went to pairings that give a higher total score",
    }


def quality_report(
    graph: Graph,
    assignments: list[Assignment],
    *,
    method: str,
    greedy_objective: int,
    pruning: PruningEffect | None = None,
) -> QualityReport:
    filled: dict[str, int] = {}
    used: dict[str, int] = {}
    on_offer: dict[str, list[Assignment]] = {}
    for a in assignments:
        filled[a.demand_id] = filled.get(a.demand_id, 0) + a.count
        used[a.offer_id] = used.get(a.offer_id, 0) + a.count
        on_offer.setdefault(a.offer_id, []).append(a)
    objective = sum(a.points * a.count for a in assignments)
    offers = graph.offer_by_id

    candidates: dict[str, list[str]] = {}
    for e in graph.kept:
        candidates.setdefault(e.demand_id, []).append(e.offer_id)

    unfilled: list[Shortfall] = []
    for d in graph.demands:
        got = filled.get(d.id, 0)
        if got >= d.headcount:
            continue
        taken: list[TakenBy] = []
        spare: list[str] = []
        if d.id in graph.filtered:
            reason = "filtered:" + graph.filtered[d.id]
        elif not graph.given.get(d.id):
            reason = "no_compatible_offer"
        elif graph.below_min.get(d.id, 0) == graph.given[d.id]:
            reason = "below_min_points"
        else:
            pruned = graph.pruned.get(d.id, ())
            spare = [e.offer_id for e in pruned if used.get(e.offer_id, 0) < offers[e.offer_id].capacity]
            reason = "pruned" if spare else "capacity_taken"
            spare = spare[:TAKEN_BY_SHOWN]
            if not spare:
                pool = candidates.get(d.id, []) + [e.offer_id for e in pruned]
                holders = [a for o in pool for a in on_offer.get(o, ()) if a.demand_id != d.id]
                holders.sort(key=lambda a: (-a.points, a.demand_id, a.offer_id))
                taken = [TakenBy(a.demand_id, a.offer_id, a.count, a.points) for a in holders[:TAKEN_BY_SHOWN]]
        unfilled.append(Shortfall(d.id, d.headcount, got, reason, _text(reason, d.id, graph, taken), taken, spare))

    schools: dict[str, dict[str, int]] = {}
    school_demands: dict[str, set[str]] = {}
    for o in graph.offers:
        s = schools.setdefault(o.org_id, {"offers": 0, "capacity": 0, "places": 0, "points": 0})
        s["offers"] += 1
        s["capacity"] += o.capacity
        school_demands.setdefault(o.org_id, set())
    for a in assignments:
        org = offers[a.offer_id].org_id
        schools[org]["places"] += a.count
        schools[org]["points"] += a.points * a.count
        school_demands[org].add(a.demand_id)
    per_school = [
        SchoolShare(org, s["offers"], s["capacity"], s["places"], len(school_demands[org]), s["points"])
        for org, s in sorted(schools.items())
    ]

    requested = sum(d.headcount for d in graph.demands)
    given = sum(filled.values())
    full = len(graph.demands) - len(unfilled)
    return QualityReport(
        method=method,
        demands=len(graph.demands),
        headcount_requested=requested,
        headcount_filled=given,
        demands_fully_filled=full,
        share_fully_filled=round(full / len(graph.demands), 4) if graph.demands else 0.0,
        mean_score=round(objective / given / 1000, 4) if given else None,
        objective=objective,
        greedy_objective=greedy_objective,
        min_points=graph.min_points,
        top_k=graph.top_k,
        arcs_kept=len(graph.kept),
        arcs_pruned=graph.arcs_pruned,
        pruning=pruning,
        per_school=per_school,
        unfilled=unfilled,
    )
