"""Every table of the matching service (imported by Alembic and by the app): the kernel tables (idempotency keys,
audit rows, outbox) and the nouns' tables (docs/matching-core.md)."""

from services.matching.agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementMilestone,
    AgreementParty,
    AgreementPayment,
)
from services.matching.alliance_weights.models import AllianceWeights
from services.matching.db import kernel, metadata
from services.matching.demands.models import Demand, DemandTransition
from services.matching.offers.models import Offer, OfferTransition
from services.matching.shortages.models import ShortageOccupation

__all__ = [
    "Agreement",
    "AgreementEvent",
    "AgreementMilestone",
    "AgreementParty",
    "AgreementPayment",
    "AllianceWeights",
    "Demand",
    "DemandTransition",
    "Offer",
    "OfferTransition",
    "ShortageOccupation",
    "kernel",
    "metadata",
]
