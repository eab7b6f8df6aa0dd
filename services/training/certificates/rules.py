"""The certificate kinds and their rules, as data: levels, validity, review (复审) period and what a failed or
overdue review does — one table, read by every rule of the noun (docs/domain.md, "Certificates").

The status a client sees is derived when read (`derive_status`): a certificate that was neither suspended nor
revoked is `valid`, `expiring` inside the warning window before its expiry or its next review, or `expired`
once past its expiry — or past its review date, for a kind whose missed review ends the certificate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class CertificateKind(StrEnum):
    skill_level_1x = "skill_level_1x"  # 1+X 职业技能等级证书
    skill_level = "skill_level"  # 职业技能等级证书
    vocational_qualification = "vocational_qualification"  # 职业资格证书
    special_operations = "special_operations"  # 特种作业操作证
    special_equipment = "special_equipment"  # 特种设备作业人员证
    completion = "completion"  # 培训结业证书
    competition_award = "competition_award"  # 职业技能竞赛获奖证书
    other = "other"  # 其他


class StoredStatus(StrEnum):
    """What is stored: `active` until an action suspends or revokes it."""

    active = "active"
    suspended = "suspended"  # 暂停
    revoked = "revoked"  # 撤销


class Status(StrEnum):
    """What a client sees (`status`): the stored status, with `active` resolved by the dates as of today."""

    valid = "valid"  # 有效
    expiring = "expiring"  # 即将到期（到期或复审前的提醒窗口内）
    expired = "expired"  # 已过期
    suspended = "suspended"  # 暂停
    revoked = "revoked"  # 撤销


STATUS_LABELS = {
    "valid": ("有效", "valid"),
    "expiring": ("即将到期", "expiring"),
    "expired": ("已过期", "expired"),
    "suspended": ("已暂停", "suspended"),
    "revoked": ("已撤销", "revoked"),
}


class IssuerAuthority(StrEnum):
    """Who issued a certificate: an organization on the platform, or — for a recorded certificate — the kind of
    outside authority named in `issuer_name`."""

    platform_org = "platform_org"  # 平台上的成员单位（学校、企业、评价机构）
    emergency_management = "emergency_management"  # 应急管理部门（特种作业操作证）
    market_regulation = "market_regulation"  # 市场监督管理部门（特种设备作业人员证）
    evaluation_org = "evaluation_org"  # 培训评价组织（1+X）
    skill_appraisal_org = "skill_appraisal_org"  # 职业技能等级认定机构 / 社会培训评价组织
    human_resources = "human_resources"  # 人力资源和社会保障部门
    competition_organizer = "competition_organizer"  # 竞赛主办单位
    other = "other"  # 其他


AUTHORITY_LABELS = {
    "platform_org": "平台成员单位",
    "emergency_management": "应急管理部门",
    "market_regulation": "市场监督管理部门",
    "evaluation_org": "培训评价组织",
    "skill_appraisal_org": "职业技能等级认定机构",
    "human_resources": "人力资源和社会保障部门",
    "competition_organizer": "竞赛主办单位",
    "other": "其他",
}


class OnMissedReview(StrEnum):
    """What a failed review, or a review date passed without a passed review, does to a certificate."""

    suspend = "suspend"  # 暂停，待再次复审
    expire = "expire"  # 失效


@dataclass(frozen=True)
class KindRule:
    kind: CertificateKind
    label: str
    label_en: str
    # The levels a certificate of this kind may name, in order from lowest to highest; None: free text or none.
    levels: tuple[str, ...] | None
    level_required: bool
    # `valid_until` defaults to `issued_on` + this many years (overridable); None: no expiry unless given.
    valid_years: int | None
    # A review (复审) is due every this many years from issue (and from each passed review); None: no reviews.
    review_years: int | None
    # A passed review moves `valid_until` to the review's `next_due_on` (the card is renewed by its review).
    review_renews: bool
    on_failed_review: OnMissedReview | None
    on_overdue_review: OnMissedReview | None


SKILL_LEVELS = ("五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师", "特级技师", "首席技师")
LEVELS_1X = ("初级", "中级", "高级")

KINDS: dict[CertificateKind, KindRule] = {
    r.kind: r
    for r in (
        KindRule(
            CertificateKind.skill_level_1x,
            "1+X 职业技能等级证书",
            "1+X vocational skill level certificate",
            LEVELS_1X,
            True,
            None,
            None,
            False,
            None,
            None,
        ),
        KindRule(
            CertificateKind.skill_level,
            "职业技能等级证书",
            "vocational skill level certificate",
            SKILL_LEVELS,
            True,
            None,
            None,
            False,
            None,
            None,
        ),
        KindRule(
            CertificateKind.vocational_qualification,
            "职业资格证书",
            "vocational qualification certificate",
            SKILL_LEVELS,
            False,
            None,
            None,
            False,
            None,
            None,
        ),
        # 特种作业操作证: valid 6 years, reviewed every 3 years; a failed review suspends it until it is reviewed
        # again, a review date passed without a passed review ends it.
        KindRule(
            CertificateKind.special_operations,
            "特种作业操作证",
            "special operations certificate",
            None,
            False,
            6,
            3,
            False,
            OnMissedReview.suspend,
            OnMissedReview.expire,
        ),
        # 特种设备作业人员证: valid 4 years; its review at the end of the period renews it for another period.
        KindRule(
            CertificateKind.special_equipment,
            "特种设备作业人员证",
            "special equipment operator certificate",
            None,
            False,
            4,
            4,
            True,
            OnMissedReview.expire,
            OnMissedReview.expire,
        ),
        KindRule(
            CertificateKind.completion,
            "培训结业证书",
            "training completion certificate",
            None,
            False,
            None,
            None,
            False,
            None,
            None,
        ),
        KindRule(
            CertificateKind.competition_award,
            "职业技能竞赛获奖证书",
            "skills competition award",
            None,
            False,
            None,
            None,
            False,
            None,
            None,
        ),
        KindRule(CertificateKind.other, "其他证书", "other certificate", None, False, None, None, False, None, None),
    )
}


def add_years(day: date, years: int) -> date:
    """`day` moved by whole years; 29 February becomes 28 February in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def default_valid_until(kind: CertificateKind, issued_on: date) -> date | None:
    years = KINDS[kind].valid_years
    return add_years(issued_on, years) if years is not None else None


def default_next_review(kind: CertificateKind, from_day: date) -> date | None:
    years = KINDS[kind].review_years
    return add_years(from_day, years) if years is not None else None


def derive_status(
    *,
    kind: CertificateKind | str,
    stored: StoredStatus | str,
    valid_until: date | None,
    next_review_on: date | None,
    today: date,
    window_days: int,
) -> Status:
    """The status as of `today`: suspended and revoked as stored; otherwise `expired` after `valid_until` (the last
    valid day) or — for a kind whose overdue review ends it — after `next_review_on`; `expiring` when either date
    falls within `window_days` from today; else `valid`. A kind whose overdue review suspends it is shown
    `suspended` once the review date has passed."""
    if stored == StoredStatus.revoked:
        return Status.revoked
    if stored == StoredStatus.suspended:
        return Status.suspended
    rule = KINDS[CertificateKind(kind)]
    if valid_until is not None and today > valid_until:
        return Status.expired
    if next_review_on is not None and today > next_review_on and rule.on_overdue_review is not None:
        return Status.expired if rule.on_overdue_review == OnMissedReview.expire else Status.suspended
    horizon = today + timedelta(days=window_days)
    if (valid_until is not None and valid_until <= horizon) or (
        next_review_on is not None and rule.review_years is not None and next_review_on <= horizon
    ):
        return Status.expiring
    return Status.valid
