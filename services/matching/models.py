"""Every table of the matching service (imported by Alembic and by the app): the kernel tables (idempotency keys,
audit rows, outbox) and the agreements with their parties, events, milestones and payments."""

from services.matching.agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementMilestone,
    AgreementParty,
    AgreementPayment,
)
from services.matching.db import kernel, metadata

__all__ = [
    "Agreement",
    "AgreementEvent",
    "AgreementMilestone",
    "AgreementParty",
    "AgreementPayment",
    "kernel",
    "metadata",
]
