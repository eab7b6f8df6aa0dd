"""The allocation's quality report (why each demand is short, each school's part, the figures), unused capacity, the
minimum score, and the inputs the solver refuses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matching.allocation import AllocationInputError, greedy, solve
from services.matching.allocation.result import SchoolShare, TakenBy
from tests.matching.allocation_support import make_input, small_inputs


def _fair():
    # seed 003「供需对接会」: one fair's demands, each short of places for a different reason, or filled.
    return make_input(
        {
            "welders": 2,  # one place of school A; the other two went to the fitters' better pairs
            "fitters": 2,
            "electricians": 1,  # top_k = 2 cut its one candidate with places left
            "linemen": 2,  # take both electrical places it shares with the electricians
            "painters": 1,  # nothing at all is compatible
            "drivers": 1,  # its only candidate scores 0: no match
            "chemists": 1,  # already proposed: filtered before scoring (its stray edge is not used)
        },
        {
            "a-weld": (3, "school-a"),
            "b-drive": (3, "school-b"),
            "c-elec-1": (1, "school-c"),
            "c-elec-2": (1, "school-c"),
            "c-elec-3": (1, "school-c"),
        },
        {
            ("welders", "a-weld"): 700,
            ("fitters", "a-weld"): 900,
            ("electricians", "c-elec-1"): 600,
            ("electricians", "c-elec-2"): 600,
            ("electricians", "c-elec-3"): 500,
            ("linemen", "c-elec-1"): 950,
            ("linemen", "c-elec-2"): 950,
            ("drivers", "b-drive"): 0,
            ("chemists", "b-drive"): 800,
        },
        top_k=2,
        filtered={"chemists": "already_proposed"},
    )


def test_every_short_demand_says_why_in_chinese_and_english():
    report = solve(_fair()).report
    by_id = {s.demand_id: s for s in report.unfilled}
    assert {k: (s.reason, s.filled, s.headcount) for k, s in by_id.items()} == {
        "chemists": ("filtered:already_proposed", 0, 1),
        "drivers": ("below_min_points", 0, 1),
        "electricians": ("pruned", 0, 1),
        "painters": ("no_compatible_offer", 0, 1),
        "welders": ("capacity_taken", 1, 2),
    }
    assert by_id["welders"].taken_by == [TakenBy("fitters", "a-weld", 2, 900)]
    assert by_id["welders"].text == {
        "zh": "候选供给的名额已分给总分更高的组合",
        "en": "the candidates' places went to pairings that give a higher total score",
    }
    assert by_id["electricians"].spare_pruned_offers == ["c-elec-3"]
    assert by_id["electricians"].text == {
        "zh": "仅保留得分最高的 2 个候选；被剪去的候选仍有名额",
        "en": "only the 2 best candidates were kept; a candidate cut off still has places",
    }
    assert by_id["chemists"].text == {
        "zh": "评分前已被排除：已发出对接提议",
        "en": "excluded before scoring: a proposal has already been made",
    }
    assert by_id["drivers"].text == {
        "zh": "全部 1 个候选得分低于最低分 1（0 分不算匹配）",
        "en": "all candidates (1) score below the minimum score of 1 (a score of 0 is no match)",
    }
    assert by_id["painters"].text == {"zh": "没有可对接的供给", "en": "no compatible offer"}


def test_the_report_counts_headcount_share_mean_score_and_each_schools_part():
    result = solve(_fair())
    report = result.report
    assert result.objective == report.objective == 2 * 900 + 700 + 2 * 950 == 4400
    assert (report.demands, report.headcount_requested, report.headcount_filled) == (7, 10, 5)
    assert (report.demands_fully_filled, report.share_fully_filled) == (2, 0.2857)
    assert report.mean_score == 0.88
    assert (report.min_points, report.top_k, report.arcs_kept, report.arcs_pruned) == (1, 2, 6, 1)
    assert report.per_school == [
        SchoolShare("school-a", offers=1, capacity=3, places=3, demands=2, points=2500),
        SchoolShare("school-b", offers=1, capacity=3, places=0, demands=0, points=0),
        SchoolShare("school-c", offers=3, capacity=3, places=2, demands=1, points=1900),
    ]


def test_capacity_may_stay_unused_instead_of_being_forced_into_pairs():
    # Ten places on offer, three wanted: the bypass arc carries the other seven, so the optimum takes the three best
    # places and leaves the rest (without it the solver would have to route all ten and would find no flow).
    inp = make_input(
        {"order-class": 3},
        {"school-a-chem": (5, "school-a"), "school-b-chem": (5, "school-b")},
        {("order-class", "school-a-chem"): 800, ("order-class", "school-b-chem"): 600},
    )
    result = solve(inp)
    assert [(a.offer_id, a.count) for a in result.assignments] == [("school-a-chem", 3)]
    assert result.objective == 2400 and result.report.unfilled == []
    assert [(s.org_id, s.capacity, s.places) for s in result.report.per_school] == [
        ("school-a", 5, 3),
        ("school-b", 5, 0),
    ]


def test_a_zero_score_is_no_match_and_the_minimum_score_is_configurable():
    # A demand whose only candidate scores 0 (nothing known about the pair) stays unfilled while the offer keeps its
    # places; a stricter minimum leaves out weak pairs the same way.
    inp = make_input(
        {"unknown-profile": 2, "weak-fit": 1},
        {"school-a-any": (5, "school-a")},
        {("unknown-profile", "school-a-any"): 0, ("weak-fit", "school-a-any"): 250},
    )
    result = solve(inp)
    assert [(a.demand_id, a.count) for a in result.assignments] == [("weak-fit", 1)]
    assert {s.demand_id: s.reason for s in result.report.unfilled} == {"unknown-profile": "below_min_points"}

    strict = solve(
        make_input(
            {"weak-fit": 1}, {"school-a-any": (5, "school-a")}, {("weak-fit", "school-a-any"): 250}, min_points=300
        )
    )
    assert strict.assignments == [] and strict.objective == 0
    assert [(s.reason, s.text["en"]) for s in strict.report.unfilled] == [
        ("below_min_points", "all candidates (1) score below the minimum score of 300 (a score of 0 is no match)")
    ]
    assert strict.report.mean_score is None


def test_an_offer_without_places_left_takes_no_one():
    inp = make_input({"order-class": 1}, {"full-offer": (0, "school-a")}, {("order-class", "full-offer"): 900})
    result = solve(inp)
    assert result.assignments == []
    assert [(s.reason, s.taken_by, s.text["en"]) for s in result.report.unfilled] == [
        ("capacity_taken", [], "its candidates have no places left")
    ]


def test_a_demand_that_took_every_place_of_its_candidates_names_no_one_else():
    inp = make_input({"order-class": 3}, {"school-a-chem": (2, "school-a")}, {("order-class", "school-a-chem"): 900})
    [short] = solve(inp).report.unfilled
    assert (short.filled, short.reason, short.taken_by) == (2, "capacity_taken", [])
    assert short.text == {"zh": "候选供给已无剩余名额", "en": "its candidates have no places left"}


@pytest.mark.parametrize(
    ("change", "loc", "msg_zh"),
    [
        ({"edges": {("d", "o"): 1001}}, ["edges", 0, "points"], "得分须为 0 至 1000 之间的整数"),
        ({"edges": {("d", "o"): -1}}, ["edges", 0, "points"], "得分须为 0 至 1000 之间的整数"),
        ({"edges": {("d", "nowhere"): 500}}, ["edges", 0, "offer_id"], "候选对的供给不存在"),
        ({"edges": {("nobody", "o"): 500}}, ["edges", 0, "demand_id"], "候选对的需求不存在"),
        ({"demands": {"d": 0}}, ["demands", 0, "headcount"], "需求人数须为 1 至 1000000 之间的整数"),
        ({"offers": {"o": (-1, "s")}}, ["offers", 0, "capacity"], "供给名额须为 0 至 1000000 之间的整数"),
        ({"top_k": 0}, ["top_k"], "每个需求保留的候选数须为 1 至 1000000 之间的整数"),
        ({"min_points": 1001}, ["min_points"], "最低分须为 1 至 1000 之间的整数"),
        ({"min_points": 0}, ["min_points"], "最低分须为 1 至 1000 之间的整数"),
        ({"filtered": {"nobody": "not_open"}}, ["filtered", "nobody"], "被排除的需求不在需求列表中"),
    ],
)
def test_a_bad_input_is_refused_naming_the_field_and_the_rule(change, loc, msg_zh):
    parts = {"demands": {"d": 1}, "offers": {"o": (1, "s")}, "edges": {("d", "o"): 500}}
    parts.update({k: v for k, v in change.items() if k in parts})
    options = {k: v for k, v in change.items() if k not in parts}
    with pytest.raises(AllocationInputError) as caught:
        solve(make_input(parts["demands"], parts["offers"], parts["edges"], **options))
    assert caught.value.loc == loc
    assert caught.value.msg_zh == msg_zh and caught.value.msg_en


def test_a_pair_given_twice_is_refused():
    inp = make_input({"d": 1}, {"o": (1, "s")}, {("d", "o"): 500})
    twice = type(inp)(demands=inp.demands, offers=inp.offers, edges=inp.edges * 2)
    with pytest.raises(AllocationInputError) as caught:
        solve(twice)
    assert caught.value.loc == ["edges", 1] and caught.value.msg_en == "the same demand-offer pair appears twice"


@settings(max_examples=200, deadline=None)
@given(small_inputs(), st.booleans())
def test_on_random_cases_every_short_demand_is_listed_and_its_reason_is_true(inp, use_greedy):
    result = greedy(inp) if use_greedy else solve(inp)
    used = {o.id: 0 for o in inp.offers}
    filled = {d.id: 0 for d in inp.demands}
    for a in result.assignments:
        used[a.offer_id] += a.count
        filled[a.demand_id] += a.count
    capacity = {o.id: o.capacity for o in inp.offers}
    short = {s.demand_id: s for s in result.report.unfilled}
    assert sorted(short) == sorted(d.id for d in inp.demands if filled[d.id] < d.headcount)
    for demand_id, s in short.items():
        edges = [e for e in inp.edges if e.demand_id == demand_id]
        usable = [e for e in edges if e.points >= inp.min_points and capacity[e.offer_id] > 0]
        assert s.filled == filled[demand_id] and s.text["zh"] and s.text["en"]
        if s.reason.startswith("filtered:"):
            assert inp.filtered[demand_id] == s.reason.removeprefix("filtered:")
        elif s.reason == "no_compatible_offer":
            assert edges == []
        elif s.reason == "below_min_points":
            assert edges and all(e.points < inp.min_points for e in edges)
        elif s.reason == "pruned":
            kept = sorted(usable, key=lambda e: (-e.points, e.offer_id))[: inp.top_k]
            assert s.spare_pruned_offers
            for offer_id in s.spare_pruned_offers:
                assert used[offer_id] < capacity[offer_id] and offer_id not in {e.offer_id for e in kept}
        else:
            assert s.reason == "capacity_taken"
            assert all(used[e.offer_id] == capacity[e.offer_id] for e in usable)
            assert all(t.demand_id != demand_id and t.offer_id in {e.offer_id for e in usable} for t in s.taken_by)
