"""The ranking engine's tables: which kinds meet, the weights and their per-alliance override, and the
occupation↔major affinity built from the shipped reference tables (docs/matching-ranking.md)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chanjiao.errors import ValidationFailed
from services.matching.scoring import affinity
from services.matching.scoring.compat import COMPATIBLE, compatible, hard_filter
from services.matching.scoring.fields import category_key, class_key
from services.matching.scoring.profiles import DEMAND_KINDS, OFFER_KINDS
from services.matching.scoring.weights import COMPONENTS, TOTAL, Weights
from tests.matching.scoring_profiles import DEMAND, OFFER, offer


# ---- compatible kinds -----------------------------------------------------------------------------------------------
def test_every_demand_kind_meets_at_least_one_offer_kind_and_every_offer_kind_is_wanted():
    assert set(COMPATIBLE) == set(DEMAND_KINDS)
    assert all(kinds and kinds <= set(OFFER_KINDS) for kinds in COMPATIBLE.values())
    assert set().union(*COMPATIBLE.values()) == set(OFFER_KINDS)


def test_an_order_class_meets_graduates_and_interns_but_not_rnd_expertise():
    # seed 001「开设了“万华化学”等订单班 20 个、现代学徒制班 12 个」: order classes and apprenticeships are
    # filled from a school's students
    assert compatible("order_class", "graduates") and compatible("order_class", "interns")
    assert compatible("apprenticeship", "interns")
    assert not compatible("order_class", "rnd_expertise")
    assert compatible("rnd", "rnd_expertise") and not compatible("rnd", "graduates")
    assert not compatible("no_such_kind", "graduates")


def test_the_hard_filter_names_the_rule_a_pair_fails():
    assert hard_filter(DEMAND, OFFER) is None
    assert hard_filter(DEMAND, offer(kind="base_capacity")) == "incompatible_kinds"
    assert hard_filter(DEMAND, offer(org_id=DEMAND.org_id)) == "same_organization"


# ---- weights --------------------------------------------------------------------------------------------------------
def test_the_default_weights_sum_to_1000_in_component_order():
    weights = Weights()
    assert sum(weights.as_tuple()) == TOTAL
    assert list(Weights.model_fields) == list(COMPONENTS)


def test_weights_that_do_not_sum_to_1000_are_rejected():
    with pytest.raises(ValidationError):
        Weights(field_fit=900)


def test_an_override_keeps_the_named_weights_and_rescales_the_others_to_1000():
    merged = Weights().merge({"geography": 300, "shortage": 0})
    assert merged.geography == 300 and merged.shortage == 0
    assert sum(merged.as_tuple()) == TOTAL
    # the others keep their proportions: field fit stays three times capacity fit (to a point)
    assert abs(merged.field_fit - 3 * merged.capacity_fit) <= 3
    full = dict(zip(COMPONENTS, (400, 100, 100, 100, 100, 100, 100, 0), strict=True))
    assert Weights().merge(full).as_tuple() == tuple(full.values())


@pytest.mark.parametrize(
    ("override", "loc", "msg"),
    [
        ({"colour": 10}, ["weights", "colour"], "未知的排序项"),
        ({"geography": -1}, ["weights", "geography"], "须为 0 至 1000 的整数"),
        ({"geography": 1.5}, ["weights", "geography"], "须为 0 至 1000 的整数"),
        ({"geography": 700, "field_fit": 400}, ["weights"], "各项权重合计须为 1000（现为 1100）"),
        (dict.fromkeys(COMPONENTS, 100), ["weights"], "各项权重合计须为 1000（现为 800）"),
    ],
)
def test_a_bad_override_is_a_422_naming_the_field_and_the_rule(override, loc, msg):
    with pytest.raises(ValidationFailed) as caught:
        Weights().merge(override)
    assert caught.value.status == 422
    assert [(e.loc, e.msg_zh) for e in caught.value.errors] == [(loc, msg)]
    assert caught.value.errors[0].msg_en


def test_the_weights_have_a_bilingual_json_schema_for_the_openapi():
    schema = Weights.model_json_schema()
    assert set(schema["properties"]) == set(COMPONENTS)
    for prop in schema["properties"].values():
        assert prop["type"] == "integer" and prop["minimum"] == 0 and prop["maximum"] == TOTAL
        assert " — " in prop["description"] and "默认" in prop["description"]


# ---- major codes across levels --------------------------------------------------------------------------------------
def test_major_categories_and_classes_line_up_across_levels():
    # 装备制造大类: 26 (本科), 46 (专科), 66 (中职); 机械设计制造类 2601 / 4601 / 6601
    assert category_key("260101") == category_key("460110") == category_key("660105")
    assert class_key("2601") == class_key("460110") == class_key("660105")
    assert category_key("460110") != category_key("520201")


# ---- occupation↔major affinity --------------------------------------------------------------------------------------
def test_a_welding_occupation_is_closest_to_the_welding_majors():
    # seed 000「特种作业（安全管理、电工、电焊工等）」
    welder = "6-18-02-04"  # 焊工
    assert affinity.affinity(welder, "660105") > affinity.affinity(welder, "720201")  # 焊接技术应用 > 护理
    closest = sorted(affinity.for_occupation(welder).items(), key=lambda kv: -kv[1])[:3]
    assert {code for code, _ in closest} == {"660105", "460110", "460504"}  # the three welding majors


@pytest.mark.parametrize(
    ("occupation", "near", "far"),
    [
        ("2-05-08-01", "520201", "460110"),  # 内科护士: 护理 over 智能焊接技术
        ("2-02-10-03", "510203", "520201"),  # 计算机软件工程技术人员: 软件技术 over 护理
        ("5-01-01-01", "610101", "510203"),  # 种子繁育员: 种子生产技术 over 软件技术
    ],
)
def test_affinity_puts_the_training_major_above_an_unrelated_one(occupation, near, far):
    assert affinity.affinity(occupation, near) > 0.1 > affinity.affinity(occupation, far)


def test_an_unknown_occupation_falls_back_to_its_nearest_known_ancestor_or_to_nothing():
    assert affinity.known_occupation("6-18-02-04") == "6-18-02-04"
    assert affinity.known_occupation("6-18-02-77") == "6-18-02"
    assert affinity.for_occupation("9-99-99-99") == {}
    assert affinity.affinity("9-99-99-99", "660105") == 0.0


def test_affinities_are_cosines_between_zero_and_one():
    values = affinity.for_occupation("2-02-07-09").values()
    assert values and all(0.0 < v <= 1.0 + 1e-9 for v in values)
