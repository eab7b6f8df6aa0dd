"""The allocation is the optimum, not a greedy loop: a crafted case where greedy-by-score loses, random small cases
against an exhaustive search on the same pruned graph, and pruning's effect against the unpruned optimum."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.matching.allocation import AllocationInput, greedy, pruning_effect, solve
from tests.matching.allocation_support import brute_force_objective, make_input, small_inputs


def test_the_optimum_beats_greedy_by_score_where_the_best_pair_blocks_two_good_ones():
    # seed 001「开设了“万华化学”等订单班 20 个、现代学徒制班 12 个」: two enterprise demands compete for one school's
    # chemistry graduates. The order class scores best at school A, but also well at school B; the apprenticeship
    # class can only go to school A. Greedy gives school A to the order class and leaves the apprentices without
    # places; the optimum sends the order class to school B.
    inp = make_input(
        {"order-class": 2, "apprenticeship": 2},
        {"school-a-chem": (2, "school-a"), "school-b-chem": (2, "school-b")},
        {
            ("order-class", "school-a-chem"): 950,
            ("order-class", "school-b-chem"): 900,
            ("apprenticeship", "school-a-chem"): 920,
        },
    )
    result = solve(inp)
    baseline = greedy(inp)

    assert baseline.objective == 950 * 2
    assert result.objective == 900 * 2 + 920 * 2 == 3640
    assert [(a.demand_id, a.offer_id, a.count) for a in result.assignments] == [
        ("apprenticeship", "school-a-chem", 2),
        ("order-class", "school-b-chem", 2),
    ]
    assert result.report.greedy_objective == 1900
    assert result.report.headcount_filled == 4 and result.report.demands_fully_filled == 2
    # Greedy's own report says why the apprenticeship class went empty.
    assert [(s.demand_id, s.reason) for s in baseline.report.unfilled] == [("apprenticeship", "capacity_taken")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_inputs())
def test_small_random_cases_reach_the_exhaustive_optimum_on_the_same_pruned_graph(inp):
    result = solve(inp)
    assert result.objective == brute_force_objective(inp)
    assert result.objective == sum(a.points * a.count for a in result.assignments)
    # The assignments respect both capacities and only use pairs the pruned graph has.
    capacity = {o.id: o.capacity for o in inp.offers}
    headcount = {d.id: d.headcount for d in inp.demands}
    for a in result.assignments:
        capacity[a.offer_id] -= a.count
        headcount[a.demand_id] -= a.count
        assert a.count > 0 and a.points >= inp.min_points and a.demand_id not in inp.filtered
    assert min(capacity.values()) >= 0 and min(headcount.values()) >= 0
    assert greedy(inp).objective <= result.objective == result.report.objective
    assert result.report.headcount_filled == sum(a.count for a in result.assignments)


@settings(max_examples=150, deadline=None)
@given(small_inputs(), st.integers(1, 5))
def test_pruning_never_raises_the_optimum_and_costs_nothing_when_k_covers_every_offer(inp, k):
    effect = pruning_effect(inp, k)
    assert effect.objective_pruned <= effect.objective_unpruned
    assert effect.arcs_kept <= effect.arcs_total
    everything = pruning_effect(inp, len(inp.offers))
    assert everything.objective_pruned == everything.objective_unpruned
    assert everything.arcs_kept == everything.arcs_total and everything.loss == 0


def test_pruning_to_the_single_best_candidate_loses_what_the_second_choice_would_have_given():
    # The order class's best candidate is also the only one of the apprenticeship class: with top_k = 1 the order class
    # keeps only school A, and the optimum can give school A to one demand only.
    inp = make_input(
        {"order-class": 1, "apprenticeship": 1},
        {"school-a-chem": (1, "school-a"), "school-b-chem": (1, "school-b")},
        {
            ("order-class", "school-a-chem"): 900,
            ("order-class", "school-b-chem"): 800,
            ("apprenticeship", "school-a-chem"): 850,
        },
    )
    effect = pruning_effect(inp, 1)
    assert (effect.objective_pruned, effect.objective_unpruned, effect.loss) == (900, 1650, 750)
    assert (effect.arcs_kept, effect.arcs_total) == (2, 3)
    assert (effect.filled_pruned, effect.filled_unpruned) == (1, 2)
    assert round(effect.share_kept, 4) == 0.5455
    # The solver's own report says the same of its run.
    pruned = solve(AllocationInput(demands=inp.demands, offers=inp.offers, edges=inp.edges, top_k=1))
    assert pruned.objective == 900 and pruned.report.pruning == effect
    skipped = solve(
        AllocationInput(demands=inp.demands, offers=inp.offers, edges=inp.edges, top_k=1), measure_pruning=False
    )
    assert skipped.report.pruning is None and skipped.objective == 900
    wide = solve(AllocationInput(demands=inp.demands, offers=inp.offers, edges=inp.edges, top_k=2))
    assert (wide.report.pruning.objective_pruned, wide.report.pruning.objective_unpruned) == (1650, 1650)
    assert solve(inp).report.pruning is None


def test_the_same_input_in_any_order_gives_byte_identical_results():
    # Every pair scores the same: many optima, one answer.
    rng = random.Random(15)
    demands = {f"demand-{i:02d}": rng.randint(1, 4) for i in range(12)}
    offers = {f"offer-{j:02d}": (rng.randint(0, 5), f"school-{j % 4}") for j in range(10)}
    edges = {(d, o): rng.choice([500, 500, 700]) for d in demands for o in offers if rng.random() < 0.6}
    inp = make_input(demands, offers, edges, top_k=4, filtered={"demand-03": "not_open"})
    expected = solve(inp).result_json()
    for _ in range(25):
        shuffled = AllocationInput(
            demands=rng.sample(inp.demands, len(inp.demands)),
            offers=rng.sample(inp.offers, len(inp.offers)),
            edges=rng.sample(inp.edges, len(inp.edges)),
            top_k=4,
            filtered=dict(rng.sample(list(inp.filtered.items()), len(inp.filtered))),
        )
        assert solve(shuffled).result_json() == expected
        assert greedy(shuffled).result_json() == greedy(inp).result_json()


@settings(max_examples=100, deadline=None)
@given(small_inputs(), st.randoms(use_true_random=False))
def test_small_random_cases_give_byte_identical_results_when_their_lists_are_shuffled(inp, rnd):
    shuffled = AllocationInput(
        demands=rnd.sample(inp.demands, len(inp.demands)),
        offers=rnd.sample(inp.offers, len(inp.offers)),
        edges=rnd.sample(inp.edges, len(inp.edges)),
        top_k=inp.top_k,
        filtered=inp.filtered,
        min_points=inp.min_points,
    )
    assert solve(shuffled).result_json() == solve(inp).result_json()
