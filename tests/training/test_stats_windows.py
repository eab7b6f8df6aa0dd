"""Whose records an alliance's figures count: membership periods clipped to the period, merged per organization
(`joined_on` inclusive, `ended_on` exclusive); and the rounding of person-months. No database needed."""

import uuid
from datetime import date

from services.training.orgs import MemberPeriod
from services.training.programmes.models import KIND_LABELS as PROGRAMME_KIND_LABELS
from services.training.stats.schemas import KIND_LABELS
from services.training.stats.service import Window, member_windows, person_months

A, B, C, D = (uuid.UUID(int=i) for i in range(1, 5))
D23 = (date(2023, 1, 1), date(2023, 12, 31))


def test_membership_periods_become_windows_inside_the_period():
    periods = [
        MemberPeriod(A, date(2019, 4, 15), None),  # member all year → the whole period
        MemberPeriod(B, date(2023, 3, 1), date(2023, 7, 1)),  # left on 07-01: last member day 06-30
        MemberPeriod(C, None, date(2023, 2, 1)),  # rejected: never a member
        MemberPeriod(D, date(2024, 1, 1), None),  # joined after the period
    ]
    assert sorted(member_windows(periods, *D23), key=lambda w: w.org_id) == [
        Window(A, date(2023, 1, 1), date(2023, 12, 31)),
        Window(B, date(2023, 3, 1), date(2023, 6, 30)),
    ]


def test_a_member_that_left_on_the_first_day_is_not_a_member_in_the_period():
    assert member_windows([MemberPeriod(A, date(2020, 1, 1), date(2023, 1, 1))], *D23) == []
    # …and one that left the day after the period ends was a member on its last day.
    assert member_windows([MemberPeriod(A, date(2020, 1, 1), date(2024, 1, 1))], *D23) == [Window(A, *D23)]


def test_periods_of_one_organization_are_merged_so_a_record_matches_one_window():
    periods = [
        MemberPeriod(A, date(2022, 5, 1), date(2023, 3, 1)),
        MemberPeriod(A, date(2023, 3, 1), date(2023, 5, 1)),  # re-joined the day it left: adjacent
        MemberPeriod(A, date(2023, 9, 1), None),  # re-joined later: a second window
    ]
    assert member_windows(periods, *D23) == [
        Window(A, date(2023, 1, 1), date(2023, 4, 30)),
        Window(A, date(2023, 9, 1), date(2023, 12, 31)),
    ]


def test_person_months_are_rounded_only_in_the_total():
    # Three practices of 10 days: 30 days = 1.0 person-month (rounding each 0.333… would give 0.9).
    assert person_months(30) == 1.0
    assert person_months(10) == 0.3
    assert person_months(46) == 1.5  # 1.5333…
    assert person_months(44) == 1.5  # 1.4666… half up
    assert person_months(0) == 0.0


def test_kind_labels_are_those_of_programmes():
    assert KIND_LABELS == PROGRAMME_KIND_LABELS
