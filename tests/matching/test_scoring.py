"""The ranking engine's score: integer points whose contributions add up exactly, one component per criterion,
honest about missing data (services/matching/scoring; docs/matching-ranking.md)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from services.matching.scoring.engine import score
from services.matching.scoring.profiles import DemandProfile, Facts, OfferProfile, TrackRecord
from services.matching.scoring.weights import COMPONENTS, Weights
from tests.matching.scoring_profiles import DEMAND, FACTS, OFFER, component, demand, offer


def test_a_perfect_pair_scores_every_point_and_the_contributions_add_up():
    scored = score(DEMAND, OFFER, FACTS)
    assert [c.name for c in scored.components] == list(COMPONENTS)
    assert scored.points == 1000 and scored.score == 1.0
    assert sum(c.contribution for c in scored.components) == scored.points
    assert all(c.value == 1.0 and c.contribution == c.weight for c in scored.components)


def test_an_empty_demand_scores_zero_against_a_full_offer_with_every_component_saying_insufficient():
    empty = DemandProfile(id="d0", org_id="enterprise-1", kind="order_class")
    scored = score(empty, OFFER, FACTS)
    assert scored.points == 0
    # relationship and track record are facts about the organizations, but without a field they are not a match
    for c in scored.components:
        assert c.value == 0 and c.contribution == 0
    assert component(scored, "field_fit").reason == "信息不足"
    assert component(scored, "geography").reason == "信息不足"
    assert component(scored, "capacity_fit").status == "insufficient"


def test_an_empty_offer_scores_zero_against_a_full_demand():
    empty = OfferProfile(id="o0", org_id="school-1", kind="graduates")
    scored = score(DEMAND, empty, Facts())
    assert scored.points == 0
    assert {c.reason for c in scored.components} == {"信息不足"}


def test_field_fit_orders_same_major_over_same_class_over_same_category_over_none():
    # 460110 智能焊接技术 (专科); 660105 焊接技术应用 is 中职 — the same 专业类 机械设计制造类 (6601 ↔ 4601);
    # 460301 is 自动化类 (same 大类 装备制造); 520201 护理 is another 大类.
    plain = demand(occupation_codes=())
    values = [
        component(score(plain, offer(major_codes=(code,)), FACTS), "field_fit").value
        for code in ("460110", "660105", "460301", "520201")
    ]
    assert values[0] > values[1] > values[2] > values[3] == 0
    reasons = [
        component(score(plain, offer(major_codes=(c,)), FACTS), "field_fit").reason for c in ("460110", "660105")
    ]
    assert reasons[0] == "专业代码相同：460110 智能焊接技术"
    assert reasons[1] == "同一专业类：机械设计制造类（460110 与 660105）"


def test_the_same_category_is_recognised_across_education_levels():
    # 装备制造大类 is 46 for 专科, 66 for 中职 and 26 for 本科 (docs/reference-data.md)
    plain = demand(occupation_codes=(), major_codes=("460301",))
    bachelor = component(score(plain, offer(major_codes=("260101",)), FACTS), "field_fit")
    assert bachelor.value == 0.4 and bachelor.reason.startswith("同一专业大类：装备制造大类")


def test_a_state_controlled_major_code_matches_its_six_digits():
    plain = demand(occupation_codes=(), major_codes=("520201K",))
    assert component(score(plain, offer(major_codes=("520201",)), FACTS), "field_fit").value == 1.0


def test_an_occupation_alone_finds_the_majors_that_train_for_it():
    # seed 000「特种作业（安全管理、电工、电焊工等）」: a demand naming only the occupation 焊工 finds
    # the welding majors
    welders = demand(major_codes=())
    welding = component(score(welders, offer(major_codes=("660105",)), FACTS), "field_fit")
    nursing = component(score(welders, offer(major_codes=("720201",)), FACTS), "field_fit")
    assert welding.value > 0.5 and nursing.value == 0
    assert welding.reason.startswith("职业与专业相近：6-18-02-04 焊工 ↔ 660105 焊接技术应用")


def test_occupation_codes_on_both_sides_compare_by_their_groups():
    welders = demand(major_codes=())
    same = component(score(welders, offer(major_codes=(), occupation_codes=("6-18-02-04",)), FACTS), "field_fit")
    group = component(score(welders, offer(major_codes=(), occupation_codes=("6-18-02-01",)), FACTS), "field_fit")
    assert same.value == 1.0 and same.reason == "职业代码相同：6-18-02-04 焊工"
    assert group.value == 0.7


def test_geography_orders_same_city_over_same_province_over_elsewhere():
    values = {
        code: component(score(DEMAND, offer(region_code=code), FACTS), "geography")
        for code in ("370112", "370202", "110101")  # 济南市历城区, 青岛市市南区, 北京市东城区
    }
    assert values["370112"].value > values["370202"].value > values["110101"].value == 0
    assert values["370112"].reason == "同城：济南市"
    assert values["370202"].reason == "同省：山东省"


def test_capacity_fit_is_the_share_of_the_headcount_the_offer_can_fill():
    assert component(score(DEMAND, offer(count=15), FACTS), "capacity_fit").value == 0.5
    assert component(score(DEMAND, offer(count=90), FACTS), "capacity_fit").value == 1.0
    assert (
        component(score(DEMAND, offer(count=15), FACTS), "capacity_fit").reason
        == "可满足需求人数 30 人中的 15 人（50%）"
    )


def test_education_level_prefers_the_level_asked_then_above_then_below():
    levels = ("voc_associate", "voc_bachelor", "voc_secondary")
    values = [component(score(DEMAND, offer(education_level=lv), FACTS), "education_level").value for lv in levels]
    assert values[0] > values[1] > values[2]


def test_an_offer_without_a_stated_level_counts_its_majors_level():
    secondary = component(score(DEMAND, offer(education_level=None, major_codes=("660105",)), FACTS), "education_level")
    assert secondary.reason == "学历层次低于要求：中职（要求高职专科）"


def test_period_overlap_is_the_share_of_the_demands_period_covered():
    half = component(score(DEMAND, offer(period_start=date(2027, 5, 1), period_end=None), FACTS), "period_overlap")
    assert half.value == pytest.approx(61 / 122, abs=0.001)
    apart = component(
        score(DEMAND, offer(period_start=date(2028, 1, 1), period_end=date(2028, 6, 30)), FACTS), "period_overlap"
    )
    assert apart.value == 0 and apart.reason == "时间段不重合"


def test_shortage_occupations_get_a_boost_scaled_by_the_field_fit():
    # seed 003「梳理先进制造业企业急需紧缺职业(工种)信息」: a demand in a flagged occupation ranks higher, and says why
    flagged = score(DEMAND, offer(major_codes=("660105",)), FACTS)
    plain = score(DEMAND, offer(major_codes=("660105",)), Facts(**{**_facts_kwargs(), "shortage": False}))
    boost = component(flagged, "shortage")
    assert flagged.points > plain.points
    assert boost.value == component(flagged, "field_fit").value and boost.reason.startswith("急需紧缺职业")
    assert component(plain, "shortage").reason == "非急需紧缺职业"
    off_field = component(score(DEMAND, offer(major_codes=("520201",)), FACTS), "shortage")
    assert off_field.value == 0


def _facts_kwargs():
    return {
        "same_alliance": FACTS.same_alliance,
        "past_agreements": FACTS.past_agreements,
        "track_record": FACTS.track_record,
        "shortage": FACTS.shortage,
    }


def test_relationship_and_track_record_count_only_with_a_field_in_common():
    nursing = score(DEMAND, offer(major_codes=("520201",)), FACTS)
    assert component(nursing, "relationship").value == 0
    assert component(nursing, "track_record").value == 0
    assert component(nursing, "relationship").reason == "领域不相符或不明，不计此项"


def test_missing_facts_say_insufficient_and_a_source_that_was_down_says_unavailable():
    unknown = score(DEMAND, OFFER, Facts(shortage=True))
    assert component(unknown, "track_record").reason == "信息不足"
    assert not unknown.degraded
    down = score(
        DEMAND, offer(alliance_id=None), Facts(shortage=True, unavailable=frozenset({"membership", "training"}))
    )
    assert component(down, "relationship").reason == "信息不足（服务不可用）"
    assert component(down, "track_record").reason == "信息不足（服务不可用）"
    assert component(down, "track_record").status == "unavailable" and down.degraded
    assert component(down, "track_record").contribution == 0
    # a source that was down takes its points away, never the answer
    assert 0 < down.points < score(DEMAND, OFFER, FACTS).points


def test_the_same_alliance_is_read_from_the_profiles_when_membership_did_not_say():
    scored = score(DEMAND, OFFER, Facts(past_agreements=0, unavailable=frozenset({"membership"})))
    assert component(scored, "relationship").value == 0.6
    assert component(scored, "relationship").reason == "同一联盟；既往合作协议：0 份"


def test_track_record_grows_with_certificates_and_internships_in_the_field():
    few = score(DEMAND, OFFER, Facts(track_record=TrackRecord(5, 2)))
    many = score(DEMAND, OFFER, Facts(track_record=TrackRecord(50, 20)))
    assert component(few, "track_record").value < component(many, "track_record").value == 1.0
    assert component(few, "track_record").reason == "本领域证书 5 本，完成实习 2 人次"


def test_reasons_are_english_on_request():
    scored = score(DEMAND, offer(major_codes=("660105",), education_level=None, region_code="370202"), FACTS, lang="en")
    reasons = {c.name: c.reason for c in scored.components}
    assert reasons["field_fit"].startswith("occupation close to major: 6-18-02-04 ↔ 660105")
    assert reasons["geography"] == "same province: 370000"
    assert reasons["education_level"].startswith("below the level asked")
    assert all("\n" not in r and not re.search("[\u4e00-\u9fff]", r) for r in reasons.values())
    down = score(DEMAND, OFFER, Facts(unavailable=frozenset({"training"})), lang="en")
    assert component(down, "track_record").reason == "insufficient information (service unavailable)"


def test_weights_change_the_points_but_never_the_exact_sum():
    geography_first = Weights().merge({"geography": 600})
    scored = score(DEMAND, offer(region_code="110101", major_codes=("660105",)), FACTS, geography_first)
    assert [c.weight for c in scored.components] == list(geography_first.as_tuple())
    assert sum(c.contribution for c in scored.components) == scored.points
    assert scored.points < score(DEMAND, offer(region_code="110101", major_codes=("660105",)), FACTS).points


def test_an_offer_naming_only_occupations_meets_a_demand_naming_only_majors():
    by_major = demand(occupation_codes=(), major_codes=("460110",))  # 智能焊接技术
    welders = component(score(by_major, offer(major_codes=(), occupation_codes=("6-18-02-04",)), FACTS), "field_fit")
    nurses = component(score(by_major, offer(major_codes=(), occupation_codes=("2-05-08-01",)), FACTS), "field_fit")
    assert welders.value > 0.5 and nurses.value == 0
    assert welders.reason.startswith("职业与专业相近：6-18-02-04 焊工 ↔ 460110 智能焊接技术")
