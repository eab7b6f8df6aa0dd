"""The columnar ranking (services/matching/scoring/columns.py) gives exactly the engine's ranking
(services/matching/scoring/engine.py `rank`): the same offers, points, order and explanations, on random
populations with every kind of missing data, facts, shortage and weights."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest

from chanjiao import refdata
from services.matching.scoring.columns import Columns
from services.matching.scoring.compat import COMPATIBLE
from services.matching.scoring.engine import points, rank
from services.matching.scoring.profiles import DemandProfile, Facts, OfferProfile, TrackRecord
from services.matching.scoring.weights import DEFAULT

MAJORS = [m["code"] for m in refdata.majors() if m["code"][:2] in ("46", "51", "26", "66")][:80]
OCCUPATIONS = ["6-18-01-01", "6-18-02-04", "2-02-07-09", "4-04-05-01", "6-25-04-00"]
REGIONS = ["370702", "370703", "370102", "320102", "110101", None]
LEVELS = ["voc_secondary", "voc_associate", "voc_bachelor", None]
OFFER_KINDS = ["graduates", "interns", "training_capacity", "rnd_expertise", "base_capacity"]


def _period(rnd: random.Random) -> tuple[date | None, date | None]:
    if rnd.random() < 0.2:
        return None, None
    start = date(2027, 1, 1) + timedelta(days=rnd.randrange(500))
    return start, None if rnd.random() < 0.2 else start + timedelta(days=rnd.randrange(30, 400))


def population(seed: int, n: int) -> tuple[list[OfferProfile], dict[str, Facts]]:
    rnd = random.Random(seed)
    orgs = [f"org-{i}" for i in range(25)]
    facts = {
        org: Facts(
            same_alliance=rnd.choice([True, False, None]),
            past_agreements=rnd.choice([None, 0, 1, 3]),
            track_record=rnd.choice([None, TrackRecord(rnd.randrange(60), rnd.randrange(25))]),
            shortage=rnd.choice([None, True, False]),
            unavailable=frozenset(rnd.choice([(), ("membership",), ("training",)])),
        )
        for org in orgs
    }
    offers = []
    for i in range(n):
        start, end = _period(rnd)
        offers.append(
            OfferProfile(
                id=f"offer-{rnd.randrange(10**6):06d}-{i}",
                org_id=rnd.choice(orgs),
                kind=rnd.choice(OFFER_KINDS),
                major_codes=tuple(rnd.sample(MAJORS, rnd.choice([0, 1, 1, 2, 3]))),
                occupation_codes=tuple(rnd.sample(OCCUPATIONS, rnd.choice([0, 0, 1, 2]))),
                education_level=rnd.choice(LEVELS),
                count=rnd.choice([None, 1, 5, 30, 80]),
                region_code=rnd.choice(REGIONS),
                period_start=start,
                period_end=end,
                alliance_id=rnd.choice([None, "alliance-1", "alliance-2"]),
            )
        )
    return offers, facts


def demand(seed: int) -> DemandProfile:
    rnd = random.Random(seed * 7919)
    start, end = _period(rnd)
    return DemandProfile(
        id=f"demand-{seed}",
        org_id=rnd.choice(["org-1", "org-2", "enterprise"]),
        kind=rnd.choice(list(COMPATIBLE)),
        major_codes=tuple(rnd.sample(MAJORS, rnd.choice([0, 1, 2]))),
        occupation_codes=tuple(rnd.sample(OCCUPATIONS, rnd.choice([0, 1, 2]))),
        education_level=rnd.choice(LEVELS),
        headcount=rnd.choice([None, 1, 10, 40]),
        region_code=rnd.choice(REGIONS),
        period_start=start,
        period_end=end,
        alliance_id=rnd.choice([None, "alliance-1"]),
    )


@pytest.mark.parametrize("seed", range(12))
def test_columns_rank_exactly_like_the_engine(seed: int):
    offers, facts = population(seed, 600)
    columns = Columns.build(offers)
    d = demand(seed)
    weights = DEFAULT if seed % 2 else DEFAULT.merge({"geography": 400, "shortage": 200})
    by_offer = {o.id: facts[o.org_id] for o in offers}
    expected = rank(d, offers, by_offer, weights, "zh", limit=50)
    got, scored = columns.rank(d, COMPATIBLE[d.kind], facts, weights, "zh", limit=50)
    assert [(c.offer_id, c.points) for c in got] == [(c.offer_id, c.points) for c in expected]
    assert [c.scored for c in got] == [c.scored for c in expected]
    assert scored == sum(1 for o in offers if o.kind in COMPATIBLE[d.kind] and o.org_id != d.org_id)


@pytest.mark.parametrize("seed", range(4))
def test_columns_points_are_the_engines_points_for_every_pair(seed: int):
    # an allocation run scores every pair by columns (services/matching/allocations/compute.py)
    offers, facts = population(seed + 100, 400)
    d = demand(seed)
    by_offer = {o.id: facts[o.org_id] for o in offers}
    got = Columns.build(offers).points(d, COMPATIBLE[d.kind], facts, DEFAULT)
    assert dict(got) == dict(points(d, offers, by_offer, DEFAULT))


def test_no_offers_rank_nothing():
    assert Columns.build([]).rank(demand(1), frozenset({"graduates"}), {}, DEFAULT) == ([], 0)


@pytest.mark.parametrize("seed", range(4))
def test_patched_columns_rank_like_the_engine_on_the_changed_offers(seed: int):
    offers, facts = population(seed, 400)
    columns = Columns.build(offers)
    rnd = random.Random(seed)
    fresh, _ = population(seed + 100, 60)  # new values (and new codes, regions, pairs) for 60 of the offers
    picked = rnd.sample(range(len(offers)), 60)
    changed = [replace(f, id=offers[i].id) for i, f in zip(picked, fresh, strict=True)]
    # a code, a region and an (organization, alliance) pair the columns have not seen yet
    changed[0] = replace(changed[0], major_codes=("520201",), region_code="440303", alliance_id="alliance-9")
    for i, c in zip(picked, changed, strict=True):
        offers[i] = c
    ids = sorted(o.id for o in offers)
    assert columns.patch(ids, changed)
    d = demand(seed)
    expected = rank(d, offers, {o.id: facts[o.org_id] for o in offers}, DEFAULT, "en", limit=40)
    got, _ = columns.rank(d, COMPATIBLE[d.kind], facts, DEFAULT, "en", limit=40)
    assert [(c.offer_id, c.points, c.scored) for c in got] == [(c.offer_id, c.points, c.scored) for c in expected]


def test_a_patch_refuses_when_offers_came_or_went():
    offers, _ = population(5, 50)
    columns = Columns.build(offers)
    assert not columns.patch(sorted(o.id for o in offers[1:]), [])
    assert columns.patch(sorted(o.id for o in offers), [])
