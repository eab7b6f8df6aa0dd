"""Ranking: exact sums for any profiles, the fast ranking pass agreeing with the explained score, hard filters and
deterministic order (services/matching/scoring/engine.py; docs/matching-ranking.md)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.matching.scoring.compat import hard_filter
from services.matching.scoring.engine import apportion, points, rank, score
from services.matching.scoring.profiles import (
    DEMAND_KINDS,
    EDUCATION_LEVELS,
    OFFER_KINDS,
    DemandProfile,
    Facts,
    OfferProfile,
    TrackRecord,
)
from services.matching.scoring.weights import COMPONENTS, TOTAL, Weights
from tests.matching.scoring_profiles import DEMAND, FACTS, offer

MAJORS = ("460110", "660105", "260101", "460301", "520201", "720201K", "510201", "999999")
OCCUPATIONS = ("6-18-02-04", "6-18-02-01", "2-05-08-01", "4-04-05-01", "9-99-99-99")
REGIONS = ("370102", "370112", "370202", "110101", "440300", "370000")
LEVELS = (*EDUCATION_LEVELS, "unknown_level")

maybe = st.none
day = st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31))
codes = st.lists(st.sampled_from(MAJORS), max_size=3, unique=True).map(tuple)
occupations = st.lists(st.sampled_from(OCCUPATIONS), max_size=2, unique=True).map(tuple)
demands = st.builds(
    DemandProfile,
    id=st.just("demand-x"),
    org_id=st.sampled_from(["enterprise-1", "school-1"]),
    kind=st.sampled_from(DEMAND_KINDS),
    major_codes=codes,
    occupation_codes=occupations,
    education_level=maybe() | st.sampled_from(LEVELS),
    headcount=maybe() | st.integers(0, 500),
    region_code=maybe() | st.sampled_from(REGIONS),
    period_start=maybe() | day,
    period_end=maybe() | day,
    alliance_id=maybe() | st.sampled_from(["alliance-1", "alliance-2"]),
)
offers = st.builds(
    OfferProfile,
    id=st.text("abcdef", min_size=1, max_size=4),
    org_id=st.sampled_from(["school-1", "school-2", "school-3"]),
    kind=st.sampled_from(OFFER_KINDS),
    major_codes=codes,
    occupation_codes=occupations,
    education_level=maybe() | st.sampled_from(LEVELS),
    count=maybe() | st.integers(0, 500),
    region_code=maybe() | st.sampled_from(REGIONS),
    period_start=maybe() | day,
    period_end=maybe() | day,
    alliance_id=maybe() | st.sampled_from(["alliance-1", "alliance-2"]),
)
facts = st.builds(
    Facts,
    same_alliance=maybe() | st.booleans(),
    past_agreements=maybe() | st.integers(0, 10),
    track_record=maybe() | st.builds(TrackRecord, st.integers(0, 200), st.integers(0, 100)),
    shortage=maybe() | st.booleans(),
    unavailable=st.frozensets(st.sampled_from(["membership", "training"])),
)
weight_overrides = st.dictionaries(st.sampled_from(COMPONENTS), st.integers(0, 120), max_size=4)


@settings(max_examples=300, deadline=None)
@given(demands, offers, facts, weight_overrides, st.sampled_from(["zh", "en"]))
def test_contributions_sum_to_the_points_for_any_profiles(demand, offer_, facts_, override, lang):
    weights = Weights().merge(override)
    scored = score(demand, offer_, facts_, weights, lang)
    assert 0 <= scored.points <= TOTAL
    assert sum(c.contribution for c in scored.components) == scored.points
    assert scored.score == scored.points / 1000
    for c in scored.components:
        assert 0.0 <= c.value <= 1.0
        assert 0 <= c.contribution <= c.weight
        assert c.reason and "\n" not in c.reason
        if c.status != "ok":
            assert c.value == 0 and c.contribution == 0


@settings(max_examples=150, deadline=None)
@given(demands, st.lists(st.tuples(offers, facts), max_size=12), weight_overrides)
def test_ranking_agrees_with_the_explained_score_and_applies_the_hard_filters(demand, pairs, override):
    weights = Weights().merge(override)
    pool = [replace_id(o, f"offer-{i:02d}") for i, (o, _f) in enumerate(pairs)]
    facts_by_offer = {o.id: f for o, (_o, f) in zip(pool, pairs, strict=True)}
    ranked = rank(demand, pool, facts_by_offer, weights, limit=None)
    assert {c.offer_id for c in ranked} == {o.id for o in pool if hard_filter(demand, o) is None}
    by_id = {o.id: o for o in pool}
    for candidate in ranked:
        alone = score(demand, by_id[candidate.offer_id], facts_by_offer[candidate.offer_id], weights)
        assert candidate.points == alone.points == candidate.scored.points
        assert candidate.scored.components == alone.components
    assert [(-c.points, c.offer_id) for c in ranked] == sorted((-c.points, c.offer_id) for c in ranked)
    # the unexplained points an allocation run uses are the same, pair by pair
    assert dict(points(demand, pool, facts_by_offer, weights)) == {c.offer_id: c.points for c in ranked}


def replace_id(o: OfferProfile, new_id: str) -> OfferProfile:
    from dataclasses import replace

    return replace(o, id=new_id)


def test_ties_are_broken_by_offer_id_and_the_order_does_not_depend_on_the_input_order():
    pool = [offer(id=f"offer-{i}", org_id=f"school-{i}") for i in (3, 1, 2, 5, 4)]
    first = rank(DEMAND, pool, {o.id: FACTS for o in pool}, limit=None)
    shuffled = pool[:]
    random.Random(7).shuffle(shuffled)
    again = rank(DEMAND, shuffled, {o.id: FACTS for o in pool}, limit=None)
    assert [c.offer_id for c in first] == ["offer-1", "offer-2", "offer-3", "offer-4", "offer-5"]
    assert [(c.offer_id, c.points, c.scored.components) for c in first] == [
        (c.offer_id, c.points, c.scored.components) for c in again
    ]


def test_rank_puts_the_better_offer_first_and_stops_at_the_limit():
    near = offer(id="offer-near")
    far = offer(id="offer-far", org_id="school-2", region_code="440300", period_start=DEMAND.period_end)
    nursing = offer(id="offer-nursing", org_id="school-3", major_codes=("520201",))
    pool = [nursing, far, near]
    ranked = rank(DEMAND, pool, {}, limit=2)
    assert [c.offer_id for c in ranked] == ["offer-near", "offer-far"]
    assert ranked[0].org_id == "school-1" and ranked[0].score > ranked[1].score


def test_rank_leaves_out_incompatible_kinds_and_the_demands_own_organization():
    pool = [
        offer(id="offer-ok"),
        offer(id="offer-rnd", kind="rnd_expertise"),
        offer(id="offer-own", org_id=DEMAND.org_id),
    ]
    assert [c.offer_id for c in rank(DEMAND, pool, {})] == ["offer-ok"]


def test_apportioning_gives_the_rounding_points_to_the_largest_remainders_then_in_component_order():
    # eight components of half a point each: 4 points in all, to the first four (equal remainders)
    assert apportion([500] * 8) == [1, 1, 1, 1, 0, 0, 0, 0]
    assert apportion([1999, 1001, 0]) == [2, 1, 0]
    assert apportion([1400, 1300, 800]) == [2, 1, 1]  # 3.5 rounds up to 4: remainders .8 and .4 win


def test_ten_thousand_offers_rank_in_one_pass():
    rnd = random.Random(3)
    pool = [
        offer(
            id=f"offer-{i:05d}",
            org_id=f"school-{i % 50}",
            major_codes=(rnd.choice(MAJORS[:7]),),
            count=rnd.randrange(1, 60),
            region_code=rnd.choice(REGIONS),
            period_start=date(2027, 1, 1) + timedelta(days=rnd.randrange(300)),
        )
        for i in range(10_000)
    ]
    ranked = rank(DEMAND, pool, {o.id: FACTS for o in pool}, limit=20)
    everything = sorted((-score(DEMAND, o, FACTS).points, o.id) for o in pool)
    assert [(-c.points, c.offer_id) for c in ranked] == everything[:20]
