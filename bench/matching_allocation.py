"""The matching allocation's solver on a fair-sized instance: 2 000 demands × 5 000 offers (target: < 5 s, the
objective reported next to greedy-by-score's), and what pruning each demand to its top k candidates costs
(k = 5 / 10 / 20 / 50 / unpruned on a smaller instance, and k = 50 against unpruned on the full one).

Run from the repository root: `python -m bench.matching_allocation`. No database and no processes: the solver is pure
Python over plain values (services/matching/allocation/), so the instance is generated in memory — a province's
vocational field, seeded:

* `--fields` 专业类 (40), grouped four to a 专业大类; 16 cities of one province and 4 other provinces;
* 5 000 offers (a school's interns or graduates of one field: 200 schools, capacity 1–20, a city) and 2 000 demands
  (an enterprise's order class, apprenticeship or internship in one field: headcount 5–45, a city) — the places asked
  for and offered are about even within a field, so pairs compete;
* a demand's candidates are the offers of its field (about 125 each, 250 000 pairs), scored like ranking scores in
  integer points: field fit 350, same city 200 / same province 100, capacity fit up to 150, and up to 300 for what
  the other components add (education level, period overlap, relationship, track record — uniform here).

Times `solve` end to end (checking the input, pruning, the min-cost flow, greedy on the same graph, the report with
its pruning effect — a second, unpruned solve) `--repeats` times, once without measuring the pruning, and its parts
once, prints the figures and writes `bench/results/matching-allocation-<timestamp>.json`
(docs/matching-allocation.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import REPO, machine
from services.matching.allocation import (
    AllocationInput,
    DemandNode,
    Edge,
    OfferNode,
    PruningEffect,
    pruning_effect,
    solve,
)
from services.matching.allocation.greedy import greedy_assignments, objective_of
from services.matching.allocation.inputs import build_graph
from services.matching.allocation.report import quality_report
from services.matching.allocation.solver import optimal_assignments

TARGET_SECONDS = 5.0
CITIES = [f"37{c:02d}00" for c in range(1, 17)]  # the 16 cities of 山东省
ELSEWHERE = [f"{p}0100" for p in (13, 32, 41, 61)]  # a city each of four other provinces


def generate(demands: int, offers: int, fields: int, schools: int, seed: int) -> AllocationInput:
    rng = random.Random(seed)

    def city() -> str:
        return rng.choice(CITIES) if rng.random() < 0.85 else rng.choice(ELSEWHERE)

    offer_rows = [
        (f"offer-{j:05d}", rng.randrange(fields), city(), rng.randint(1, 20), f"school-{rng.randrange(schools):03d}")
        for j in range(offers)
    ]
    demand_rows = [(f"demand-{i:05d}", rng.randrange(fields), city(), rng.randint(5, 45)) for i in range(demands)]
    by_field: dict[int, list[tuple[str, int, str, int, str]]] = {}
    for row in offer_rows:
        by_field.setdefault(row[1], []).append(row)
    edges: list[Edge] = []
    for demand_id, field, place, headcount in demand_rows:
        for offer_id, _, offer_place, capacity, _ in by_field.get(field, []):
            geography = 200 if offer_place == place else 100 if offer_place[:2] == place[:2] else 0
            capacity_fit = 150 * min(capacity, headcount) // headcount
            edges.append(Edge(demand_id, offer_id, 350 + geography + capacity_fit + rng.randint(0, 300)))
    return AllocationInput(
        demands=[DemandNode(d, h) for d, _, _, h in demand_rows],
        offers=[OfferNode(o, c, org) for o, _, _, c, org in offer_rows],
        edges=edges,
    )


def with_top_k(inp: AllocationInput, k: int | None) -> AllocationInput:
    return AllocationInput(demands=inp.demands, offers=inp.offers, edges=inp.edges, top_k=k)


def timed(fn, *args) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def parts(inp: AllocationInput) -> dict[str, float]:
    graph, t_graph = timed(build_graph, inp)
    best, t_flow = timed(optimal_assignments, graph)
    baseline, t_greedy = timed(greedy_assignments, graph)
    _, t_report = timed(lambda: quality_report(graph, best, method="min_cost_flow", greedy_objective=0))
    return {
        "check_and_prune_s": round(t_graph, 3),
        "min_cost_flow_s": round(t_flow, 3),
        "greedy_s": round(t_greedy, 3),
        "report_s": round(t_report, 3),
        "objective_check": objective_of(best),
        "greedy_objective_check": objective_of(baseline),
    }


def effect_row(effect: PruningEffect) -> dict[str, Any]:
    return {
        "top_k": effect.top_k,
        "arcs_kept": effect.arcs_kept,
        "arcs_total": effect.arcs_total,
        "objective_pruned": effect.objective_pruned,
        "objective_unpruned": effect.objective_unpruned,
        "share_kept": round(effect.share_kept, 6),
        "filled_pruned": effect.filled_pruned,
        "filled_unpruned": effect.filled_unpruned,
    }


def pruning_rows(inp: AllocationInput, ks: list[int]) -> list[dict[str, Any]]:
    rows = []
    for k in ks:
        effect, seconds = timed(pruning_effect, inp, k)
        rows.append({**effect_row(effect), "both_solves_s": round(seconds, 3)})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--demands", type=int, default=2000)
    ap.add_argument("--offers", type=int, default=5000)
    ap.add_argument("--fields", type=int, default=40)
    ap.add_argument("--schools", type=int, default=200)
    ap.add_argument("--top-k", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args(argv)

    inp, t_generate = timed(generate, args.demands, args.offers, args.fields, args.schools, args.seed)
    run = with_top_k(inp, args.top_k)
    walls = []
    for _ in range(args.repeats):
        result, seconds = timed(solve, run)
        walls.append(seconds)
    # The same run without the report's second, unpruned solve (`measure_pruning=False`).
    _, lean = timed(lambda: solve(run, measure_pruning=False))
    report = result.report
    split = parts(run)
    assert split["objective_check"] == result.objective and split["greedy_objective_check"] == report.greedy_objective
    full_k = effect_row(report.pruning)
    # The smaller instance keeps the candidate sets as large (about 125 a demand) with a fifth of the fields.
    small = generate(args.demands // 5, args.offers // 5, max(1, args.fields // 5), args.schools // 5, args.seed)
    small_rows = pruning_rows(small, [5, 10, 20, 50])

    out = {
        "timestamp": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "ortools": _version("ortools"),
        "instance": {
            "demands": args.demands,
            "offers": args.offers,
            "fields": args.fields,
            "schools": args.schools,
            "pairs": len(inp.edges),
            "headcount": sum(d.headcount for d in inp.demands),
            "capacity": sum(o.capacity for o in inp.offers),
            "seed": args.seed,
            "generate_s": round(t_generate, 2),
        },
        "solve": {
            "top_k": args.top_k,
            "wall_s": [round(w, 3) for w in walls],
            "median_s": round(statistics.median(walls), 3),
            "without_measuring_pruning_s": round(lean, 3),
            "parts": split,
            "objective": result.objective,
            "greedy_objective": report.greedy_objective,
            "headcount_filled": report.headcount_filled,
            "demands_fully_filled": report.demands_fully_filled,
            "share_fully_filled": report.share_fully_filled,
            "mean_score": report.mean_score,
            "unfilled_reasons": _count(s.reason for s in report.unfilled),
            "arcs_kept": report.arcs_kept,
            "arcs_pruned": report.arcs_pruned,
        },
        "pruning_full_instance": full_k,
        "pruning_small_instance": {"demands": len(small.demands), "offers": len(small.offers), "rows": small_rows},
    }
    s = out["solve"]
    inst = out["instance"]
    print(
        f"instance: {inst['demands']:,} demands × {inst['offers']:,} offers, {inst['pairs']:,} candidate pairs, "
        f"headcount {inst['headcount']:,} / capacity {inst['capacity']:,} (generated in {inst['generate_s']} s); "
        f"{platform.python_implementation()} {platform.python_version()}, ortools {out['ortools']}, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"solve (top_k {args.top_k}, {s['arcs_kept']:,} arcs kept): median {s['median_s']:.2f} s of {args.repeats} "
        f"({', '.join(f'{w:.2f}' for w in walls)}), {lean:.2f} s without the unpruned solve of the report — "
        f"check+prune {split['check_and_prune_s']:.2f} s, min-cost flow {split['min_cost_flow_s']:.2f} s, greedy "
        f"{split['greedy_s']:.2f} s, report {split['report_s']:.2f} s"
    )
    gain = (result.objective - report.greedy_objective) / report.greedy_objective if report.greedy_objective else 0
    print(
        f"objective {result.objective:,} vs greedy {report.greedy_objective:,} (+{gain:.2%}); filled "
        f"{report.headcount_filled:,} of {inst['headcount']:,}, {report.demands_fully_filled:,} demands full "
        f"({report.share_fully_filled:.1%}), mean score {report.mean_score}; short: {s['unfilled_reasons']}"
    )
    print(
        f"pruning on the full instance: k={args.top_k} keeps {full_k['share_kept']:.4%} of the unpruned objective "
        f"({full_k['objective_pruned']:,} / {full_k['objective_unpruned']:,}; {full_k['arcs_kept']:,} of "
        f"{full_k['arcs_total']:,} arcs; from the solve's report)"
    )
    print(f"pruning on {len(small.demands)} demands × {len(small.offers)} offers:")
    print(f"{'top_k':>6} {'arcs kept':>10} {'of':>8} {'objective':>11} {'unpruned':>11} {'kept %':>9} {'filled':>7}")
    for r in small_rows:
        print(
            f"{r['top_k']:>6} {r['arcs_kept']:>10,} {r['arcs_total']:>8,} {r['objective_pruned']:>11,} "
            f"{r['objective_unpruned']:>11,} {r['share_kept']:>9.4%} {r['filled_pruned']:>7,}"
        )
    median = s["median_s"]
    print(f"target: < {TARGET_SECONDS:.0f} s — median {median:.2f} s: {'met' if median < TARGET_SECONDS else 'MISSED'}")
    results = REPO / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"matching-allocation-{out['timestamp']}.json").write_text(json.dumps(out, indent=2))
    return 0


def _count(reasons) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in reasons:
        counts[r] = counts.get(r, 0) + 1
    return dict(sorted(counts.items()))


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


if __name__ == "__main__":
    raise SystemExit(main())
