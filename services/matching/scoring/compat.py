"""Which demand kinds meet which offer kinds, and the hard filters applied before scoring.

The table is data: a demand of a kind is only ranked against offers of the kinds listed for it
(docs/matching-ranking.md, "Compatible kinds")."""

from __future__ import annotations

from services.matching.scoring.profiles import DemandProfile, OfferProfile

COMPATIBLE: dict[str, frozenset[str]] = {
    # 订单班: a school trains a class for the enterprise, from its graduates-to-be or interns.
    "order_class": frozenset({"graduates", "interns"}),
    # 现代学徒制: students or graduates trained on the job.
    "apprenticeship": frozenset({"graduates", "interns"}),
    "internship": frozenset({"interns"}),
    "employment": frozenset({"graduates"}),
    # 员工培训: the school's training capacity (and its teaching bases).
    "training": frozenset({"training_capacity", "base_capacity"}),
    "rnd": frozenset({"rnd_expertise"}),
    # 共建基地: a school offering a base, or training capacity run on one.
    "co_built_base": frozenset({"base_capacity", "training_capacity"}),
}


def compatible(demand_kind: str, offer_kind: str) -> bool:
    return offer_kind in COMPATIBLE.get(demand_kind, frozenset())


def different_organizations(demand: DemandProfile, offer: OfferProfile) -> bool:
    return demand.org_id != offer.org_id


def hard_filter(demand: DemandProfile, offer: OfferProfile) -> str | None:
    """The name of the first hard rule the pair fails (`incompatible_kinds`, `same_organization`), else None.

    The status rule (both open) and "not already proposed" need the database and are the caller's."""
    if not compatible(demand.kind, offer.kind):
        return "incompatible_kinds"
    if not different_organizations(demand, offer):
        return "same_organization"
    return None
