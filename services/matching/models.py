"""Every table of the matching service (imported by Alembic and by the app): the kernel tables (idempotency keys,
audit rows, outbox) and the nouns' tables (docs/matching-core.md)."""

from services.matching.agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementMilestone,
    AgreementParty,
    AgreementPayment,
)
from services.matching.db import kernel, metadata
from services.matching.demands.models import Demand, DemandTransition
from services.matching.hires.models import GraduateCount, Hire
from services.matching.offers.models import Offer, OfferTransition
from services.matching.proposals.models import Proposal

__all__ = [
    "Agreement",
    "AgreementEvent",
    "AgreementMilestone",
    "AgreementParty",
    "AgreementPayment",
    "Demand",
    "DemandTransition",
    "GraduateCount",
    "Hire",
    "Offer",
    "OfferTransition",
    "Proposal",
    "kernel",
    "metadata",
]
