"""The one-line reasons of every component, Chinese and English (docs/matching-ranking.md, "Reasons")."""

from __future__ import annotations

from typing import Any

INSUFFICIENT = "insufficient"
UNAVAILABLE = "unavailable"
OK = "ok"

MESSAGES: dict[str, tuple[str, str]] = {
    "insufficient": ("信息不足", "insufficient information"),
    "unavailable": ("信息不足（服务不可用）", "insufficient information (service unavailable)"),
    # field_fit
    "same_major": ("专业代码相同：{code} {name}", "same major code: {code}"),
    "same_class": ("同一专业类：{class_name}（{code} 与 {other}）", "same major class: {code} and {other}"),
    "same_category": ("同一专业大类：{category_name}（{code} 与 {other}）", "same major category: {code} and {other}"),
    "same_occupation": ("职业代码相同：{code} {name}", "same occupation code: {code}"),
    "same_occupation_group": ("同一职业小类：{code} 与 {other}", "same occupation unit group: {code} and {other}"),
    "same_occupation_field": ("同一职业中类：{code} 与 {other}", "same occupation minor group: {code} and {other}"),
    "affinity": (
        "职业与专业相近：{code} {name} ↔ {other} {other_name}（相似度 {sim}）",
        "occupation close to major: {code} ↔ {other} (similarity {sim})",
    ),
    "no_field": ("专业与职业均不相符", "no major or occupation in common"),
    # capacity_fit
    "capacity": ("可满足需求人数 {need} 人中的 {can} 人（{share}%）", "can fill {can} of {need} places ({share}%)"),
    # education_level
    "level_same": ("学历层次相同：{level}", "same education level: {level_en}"),
    "level_higher": (
        "学历层次高于要求：{level}（要求{wanted}）",
        "above the level asked: {level_en} ({wanted_en} asked)",
    ),
    "level_lower": (
        "学历层次低于要求：{level}（要求{wanted}）",
        "below the level asked: {level_en} ({wanted_en} asked)",
    ),
    # geography
    "same_city": ("同城：{name}", "same city: {code}"),
    "same_province": ("同省：{name}", "same province: {code}"),
    "elsewhere": ("不同省份：{code} 与 {other}", "different provinces: {code} and {other}"),
    # period_overlap
    "period": (
        "时间段重合 {days} 天，占需求期的 {share}%",
        "periods overlap {days} days, {share}% of the demand's period",
    ),
    "period_open": ("时间段重合（需求未定结束日期）", "periods overlap (the demand has no end date)"),
    "period_none": ("时间段不重合", "periods do not overlap"),
    # relationship
    "relationship": ("{alliance}；既往合作协议：{past}", "{alliance_en}; past agreements: {past_en}"),
    "alliance_same": ("同一联盟", "same alliance"),
    "alliance_other": ("不同联盟", "different alliances"),
    "alliance_unknown": ("联盟关系不明", "alliance unknown"),
    # track_record
    "track_record": (
        "本领域证书 {certificates} 本，完成实习 {internships} 人次",
        "{certificates} certificates and {internships} completed internships in the field",
    ),
    # shortage
    "shortage": ("急需紧缺职业，按领域匹配度加分（{fit}）", "shortage occupation, boost scaled by field fit ({fit})"),
    "no_shortage": ("非急需紧缺职业", "not a shortage occupation"),
    # context components without a field in common
    "not_in_field": ("领域不相符或不明，不计此项", "no field in common (or unknown): not counted"),
}


def render(key: str, args: dict[str, Any], english: bool) -> str:
    zh, en = MESSAGES[key]
    return (en if english else zh).format(**args)
