"""The `three_months_or_more` rule (internships/months.py): calendar months, month ends rolled forward, both days
counted. Each row: start_on, the smallest end_on that counts (the day before is < 3 months)."""

from datetime import date, timedelta

import pytest

from services.training.internships.months import three_months_or_more, threshold

EDGES = [
    ("2024-01-01", "2024-03-31"),  # three whole months
    ("2024-01-15", "2024-04-14"),  # mid-month: the day before the same day
    ("2024-01-30", "2024-04-29"),
    ("2024-01-31", "2024-04-30"),  # April has no 31st: its last day
    ("2023-11-29", "2024-02-28"),  # leap February has the 29th: the day before it
    ("2023-11-30", "2024-02-29"),  # leap February has no 30th: its last day
    ("2022-11-29", "2023-02-28"),  # non-leap February has no 29th: its last day
    ("2022-11-30", "2023-02-28"),
    ("2022-12-01", "2023-02-28"),  # the 1st: three whole months again
    ("2024-03-01", "2024-05-31"),
    ("2024-10-31", "2025-01-30"),  # across the year end, January has the 31st
    ("2024-12-01", "2025-02-28"),
    ("2024-12-31", "2025-03-30"),
    ("2024-02-29", "2024-05-28"),  # starting on a leap day
]


@pytest.mark.parametrize(("start", "first_end"), EDGES)
def test_three_month_threshold(start: str, first_end: str) -> None:
    s, e = date.fromisoformat(start), date.fromisoformat(first_end)
    assert threshold(s) == e
    assert three_months_or_more(s, e)
    assert not three_months_or_more(s, e - timedelta(days=1))
    assert three_months_or_more(s, e + timedelta(days=400))


def test_threshold_never_decreases_and_whole_months_always_count() -> None:
    day, previous = date(2023, 1, 1), None
    while day < date(2026, 1, 1):
        t = threshold(day)
        assert previous is None or t >= previous, day
        assert 88 <= (t - day).days + 1 <= 92, day  # about three months, never 90 days by another name
        if day.day == 1:
            month_after = date(day.year + (day.month + 2) // 12, (day.month + 2) % 12 + 1, 1)
            assert t == month_after - timedelta(days=1), day  # the last day of the third month
        previous, day = t, day + timedelta(days=1)
