"""What demands and offers (the two kinds of posting on the matching market) share, as data: the lifecycle, the
education levels, the certificate kinds a demand may prefer, and the CHECK constraints of their tables
(docs/matching-core.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from chanjiao.transitions import StateMachine


class PostingStatus(StrEnum):
    draft = "draft"  # 草稿: only the owner sees it
    open = "open"  # 已发布: on the market
    matched = "matched"  # 已对接: a counterpart was found
    closed = "closed"  # 已关闭: ended by the owner (filled elsewhere, period over)
    cancelled = "cancelled"  # 已撤销: withdrawn without result


STATUS_LABELS = {
    "draft": "草稿",
    "open": "已发布",
    "matched": "已对接",
    "closed": "已关闭",
    "cancelled": "已撤销",
}


def lifecycle(name: str) -> StateMachine:
    """draft → open → matched / closed / cancelled; a matched posting opens again when its agreement falls through
    (matched → open), and is closed once served; closed and cancelled are terminal."""
    return StateMachine(
        name,
        {
            "draft": frozenset({"open", "cancelled"}),
            "open": frozenset({"matched", "closed", "cancelled"}),
            "matched": frozenset({"open", "closed"}),
        },
    )


class EducationLevel(StrEnum):
    """The level asked for or offered: the three levels of the vocational majors catalogue (chanjiao/refdata,
    `level_key`) plus what an employer also says."""

    any = "any"  # 不限
    junior_secondary = "junior_secondary"  # 初中及以下
    voc_secondary = "voc_secondary"  # 中等职业教育（中职、技工学校）
    voc_associate = "voc_associate"  # 高等职业教育专科（高职）
    voc_bachelor = "voc_bachelor"  # 高等职业教育本科（职业本科）
    bachelor = "bachelor"  # 普通本科
    postgraduate = "postgraduate"  # 研究生


EDUCATION_LABELS = {
    "any": "不限",
    "junior_secondary": "初中及以下",
    "voc_secondary": "中职",
    "voc_associate": "高职专科",
    "voc_bachelor": "职业本科",
    "bachelor": "普通本科",
    "postgraduate": "研究生",
}


class PreferredCertificateKind(StrEnum):
    """The certificate kinds of the training service (services/training/certificates/rules.py), copied: matching
    does not import training."""

    skill_level_1x = "skill_level_1x"  # 1+X 职业技能等级证书
    skill_level = "skill_level"  # 职业技能等级证书
    vocational_qualification = "vocational_qualification"  # 职业资格证书
    special_operations = "special_operations"  # 特种作业操作证
    special_equipment = "special_equipment"  # 特种设备作业人员证
    completion = "completion"  # 培训结业证书
    competition_award = "competition_award"  # 职业技能竞赛获奖证书
    other = "other"  # 其他


def values_sql(enum: Any) -> str:
    return ", ".join(f"'{v.value}'" for v in enum)


def checks(kinds: Any) -> tuple[sa.CheckConstraint, ...]:
    """The CHECK constraints both posting tables carry."""
    return (
        sa.CheckConstraint(f"kind in ({values_sql(kinds)})", name="kind"),
        sa.CheckConstraint(f"status in ({values_sql(PostingStatus)})", name="status"),
        sa.CheckConstraint(f"education_level in ({values_sql(EducationLevel)})", name="education_level"),
        sa.CheckConstraint("period_end is null or period_start is null or period_end >= period_start", name="period"),
    )


def event_checks() -> tuple[sa.CheckConstraint, ...]:
    values = values_sql(PostingStatus)
    return (
        sa.CheckConstraint(f"from_status in ({values})", name="from_status"),
        sa.CheckConstraint(f"to_status in ({values})", name="to_status"),
    )
