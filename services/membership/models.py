"""Every table of the membership service (imported by Alembic and by the app)."""

from services.membership.alliances.models import Alliance
from services.membership.appointments.models import Appointment
from services.membership.committees.models import Committee, CommitteePosition, CommitteeSeat
from services.membership.db import kernel, metadata
from services.membership.identity.models import AllianceGrant, ApiKey, LoginFailure, OneTimeToken, RefreshToken, User
from services.membership.memberships.models import Membership, MembershipEvent
from services.membership.organizations.models import Organization
from services.membership.people.models import Person
from services.membership.reference.models import ReferenceCode

__all__ = [
    "Alliance",
    "AllianceGrant",
    "ApiKey",
    "Appointment",
    "Committee",
    "CommitteePosition",
    "CommitteeSeat",
    "LoginFailure",
    "Membership",
    "MembershipEvent",
    "OneTimeToken",
    "Organization",
    "Person",
    "ReferenceCode",
    "RefreshToken",
    "User",
    "kernel",
    "metadata",
]
