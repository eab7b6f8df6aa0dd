"""The `three_months_or_more` rule of internships (calendar months, not 90 days).

An internship from `start_on` to `end_on` (both days included) lasts three months or more when

    end_on ≥ threshold(start_on) = shift(start_on, 3 months) − 1 day

where `shift` moves to the same day of the month three calendar months later and, when that month is
too short for the day (the 29th–31st), to the 1st of the month after — so the threshold is then the
last day of the short month. Examples (start → first end date that counts):

    2024-01-01 → 2024-03-31      2024-01-15 → 2024-04-14      2024-01-30 → 2024-04-29
    2024-01-31 → 2024-04-30      2023-11-30 → 2024-02-29      2022-11-29 → 2023-02-28
    2024-03-01 → 2024-05-31      2024-10-31 → 2025-01-30      2024-12-01 → 2025-02-28

The threshold never decreases as `start_on` moves later, and three whole calendar months (the 1st to
the last day of the third month) always count.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

MONTHS = 3

RULE_DESCRIPTION = (
    "`three_months_or_more` (≥ 3 个月, derived, read-only): true when `end_on` ≥ T, where T is the day before "
    "the same day of the month three calendar months after `start_on`; when that month has no such day (the "
    "29th–31st), T is the last day of that month. Both days count. Examples (start_on → smallest end_on that "
    "counts): 2024-01-01 → 2024-03-31 · 2024-01-15 → 2024-04-14 · 2024-01-31 → 2024-04-30 · "
    "2023-11-30 → 2024-02-29 · 2022-11-30 → 2023-02-28 · 2024-03-01 → 2024-05-31."
)


def threshold(start_on: date, months: int = MONTHS) -> date:
    """The smallest `end_on` for which an internship starting on `start_on` lasts `months` calendar months."""
    index = start_on.month - 1 + months
    year, month = start_on.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if start_on.day > last:
        return date(year, month, last)
    return date(year, month, start_on.day) - timedelta(days=1)


def three_months_or_more(start_on: date, end_on: date) -> bool:
    return end_on >= threshold(start_on)
