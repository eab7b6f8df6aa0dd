"""Which records a training figure counts in a period: the figure × period rule table, and the periods themselves
(a calendar year, a 学年 September–August, or any range of days).

A report year counts a class in the year it **opens** (seed 001 reports the order classes *opened* in the year), so
a three-year class opened in 2023 is one of 2023's classes, *running* in 2024 and 2025, and its completions count
in 2026 when it ends. Each figure of `GET /v1/training-stats` names its rule in `period_rules` (this table), and the
answer says which kind of period it is (`period.kind`). docs/domain.md, "Training figures", lists the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PeriodRule(StrEnum):
    opened_in_period = "opened_in_period"  # its start date (开班) falls in the period
    running_in_period = "running_in_period"  # in progress on at least one day of the period
    ended_in_period = "ended_in_period"  # its end date (结业/学期结束) falls in the period
    overlap = "overlap"  # in progress in the period, measured by the days it overlaps the period
    dated_in_period = "dated_in_period"  # a one-day event (鉴定, 发证) whose date falls in the period
    open_at_period_end = "open_at_period_end"  # a standing thing (实训基地) that exists on the period's last day


RULE_LABELS = {
    "opened_in_period": "按开班日期计入（开班在期内）",
    "running_in_period": "在期内任一日在办",
    "ended_in_period": "按结束日期计入（结束在期内）",
    "overlap": "按与期间重叠的天数计入",
    "dated_in_period": "按发生日期计入",
    "open_at_period_end": "按期末时点存量计入",
}


@dataclass(frozen=True)
class FigureRule:
    rule: PeriodRule
    date_field: str  # the record's date(s) the rule reads


# figure (its path in the answer) → how a record falls in the period.
FIGURE_RULES: dict[str, FigureRule] = {
    "programmes.total": FigureRule(PeriodRule.opened_in_period, "programmes.start_on"),
    "programmes.running": FigureRule(PeriodRule.running_in_period, "programmes.start_on…end_on"),
    "programmes.ended": FigureRule(PeriodRule.ended_in_period, "programmes.end_on"),
    "person_times": FigureRule(PeriodRule.opened_in_period, "programmes.start_on"),
    "persons": FigureRule(PeriodRule.opened_in_period, "programmes.start_on"),
    "person_days": FigureRule(PeriodRule.opened_in_period, "programmes.start_on"),
    "person_hours": FigureRule(PeriodRule.opened_in_period, "programmes.start_on"),
    "dropped": FigureRule(PeriodRule.opened_in_period, "programmes.start_on"),
    "completions": FigureRule(PeriodRule.ended_in_period, "programmes.end_on"),
    "apprenticeship.classes": FigureRule(PeriodRule.opened_in_period, "programmes.start_on"),
    "apprenticeship.students": FigureRule(PeriodRule.opened_in_period, "programmes.start_on"),
    "apprenticeship.running": FigureRule(PeriodRule.running_in_period, "programmes.start_on…end_on"),
    "commissioned": FigureRule(PeriodRule.opened_in_period, "programmes.start_on"),
    "internships": FigureRule(PeriodRule.running_in_period, "internships.start_on…end_on"),
    "teacher_practice.practices": FigureRule(PeriodRule.running_in_period, "teacher_practices.start_on…end_on"),
    "teacher_practice.overlap_days": FigureRule(PeriodRule.overlap, "teacher_practices.start_on…end_on"),
    "part_time_teaching": FigureRule(PeriodRule.ended_in_period, "part_time_teaching.term_end_on"),
    "training_bases": FigureRule(PeriodRule.open_at_period_end, "training_bases.established_on…closed_on"),
    "appraisals": FigureRule(PeriodRule.dated_in_period, "appraisals.appraised_on"),
    "certificates": FigureRule(PeriodRule.dated_in_period, "certificates.issued_on"),
}


class PeriodKind(StrEnum):
    calendar_year = "calendar_year"  # 自然年 1 January – 31 December
    school_year = "school_year"  # 学年 1 September – 31 August of the next year
    custom = "custom"  # any other range of days


PERIOD_KIND_LABELS = {"calendar_year": "自然年", "school_year": "学年", "custom": "自定义期间"}


def calendar_year(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def school_year(year: int) -> tuple[date, date]:
    """学年 `year`: 1 September of `year` to 31 August of the next year (2025 → 2025-09-01 … 2026-08-31)."""
    return date(year, 9, 1), date(year + 1, 8, 31)


def kind_of(start: date, end: date) -> tuple[PeriodKind, str]:
    """What the range is — a calendar year, a 学年 or neither — and its Chinese label."""
    if (start, end) == calendar_year(start.year):
        return PeriodKind.calendar_year, f"{start.year}年"
    if (start, end) == school_year(start.year):
        return PeriodKind.school_year, f"{start.year}–{start.year + 1}学年"
    return PeriodKind.custom, f"{start.isoformat()} 至 {end.isoformat()}"
