"""Every table of the matching service (imported by Alembic and by the app): the kernel tables (idempotency keys,
audit rows, outbox), the job runner's table and the nouns' tables (docs/matching-core.md)."""

from services.matching.agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementMilestone,
    AgreementParty,
    AgreementPayment,
)
from services.matching.alliance_weights.models import AllianceWeights
from services.matching.allocations.models import Allocation, AllocationAssignment
from services.matching.db import jobs, kernel, metadata
from services.matching.demands.models import Demand, DemandTransition
from services.matching.fairs.models import Fair, FairRegistration
from services.matching.hires.models import GraduateCount, Hire
from services.matching.offers.models import Offer, OfferTransition
from services.matching.proposals.models import Proposal
from services.matching.shortages.models import ShortageOccupation

__all__ = [
    "Agreement",
    "AgreementEvent",
    "AgreementMilestone",
    "AgreementParty",
    "AgreementPayment",
    "Allocation",
    "AllocationAssignment",
    "AllianceWeights",
    "Demand",
    "DemandTransition",
    "Fair",
    "FairRegistration",
    "GraduateCount",
    "Hire",
    "Offer",
    "OfferTransition",
    "Proposal",
    "jobs",
    "ShortageOccupation",
    "kernel",
    "metadata",
]
