"""Profiles the scoring tests share: a welding order class of a Jinan enterprise and offers around it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from services.matching.scoring.profiles import DemandProfile, Facts, OfferProfile, TrackRecord

# An order class (订单班) of 30 welders, 高职专科, in 历下区 (济南市), for the 2027 spring term.
DEMAND = DemandProfile(
    id="demand-1",
    org_id="enterprise-1",
    kind="order_class",
    major_codes=("460110",),  # 智能焊接技术 (专科)
    occupation_codes=("6-18-02-04",),  # 焊工
    education_level="voc_associate",
    headcount=30,
    region_code="370102",  # 济南市历下区
    period_start=date(2027, 3, 1),
    period_end=date(2027, 6, 30),
    alliance_id="alliance-1",
)

OFFER = OfferProfile(
    id="offer-1",
    org_id="school-1",
    kind="graduates",
    major_codes=("460110",),
    occupation_codes=(),
    education_level="voc_associate",
    count=30,
    region_code="370112",  # 济南市历城区
    period_start=date(2027, 3, 1),
    period_end=date(2027, 6, 30),
    cohort_year=2027,
    alliance_id="alliance-1",
)

FACTS = Facts(
    same_alliance=True,
    past_agreements=2,
    track_record=TrackRecord(certificates=60, completed_internships=25),
    shortage=True,
)


def offer(**changes) -> OfferProfile:
    return replace(OFFER, **changes)


def demand(**changes) -> DemandProfile:
    return replace(DEMAND, **changes)


def component(scored, name):
    return next(c for c in scored.components if c.name == name)
