"""Every table of the membership service (imported by Alembic and by the app)."""

from services.membership.activities.models import Activity
from services.membership.alliances.expert_models import OutsideExpert
from services.membership.alliances.models import Alliance
from services.membership.appointments.models import Appointment
from services.membership.committees.models import (
    Committee,
    CommitteeApplication,
    CommitteePlanItem,
    CommitteePosition,
    CommitteeSeat,
)
from services.membership.db import kernel, metadata
from services.membership.designations.models import Designation, DesignationStage
from services.membership.duties.models import Duty
from services.membership.enterprise_facts.models import EnterpriseYearFacts
from services.membership.identity.api_keys.models import ApiKey
from services.membership.identity.grants.models import AllianceGrant
from services.membership.identity.one_time import OneTimeToken
from services.membership.identity.sessions.models import RefreshToken
from services.membership.identity.throttle import LoginFailure, LoginSuccess
from services.membership.identity.users.models import User
from services.membership.meetings.models import Meeting
from services.membership.memberships.models import Membership, MembershipEvent
from services.membership.organizations.models import Organization
from services.membership.people.models import Person
from services.membership.person_posts.models import PersonPost
from services.membership.reference.models import ReferenceCode
from services.membership.school_facts.models import SchoolIntake, SchoolMajorGroup, SchoolYearFacts

__all__ = [
    "Activity",
    "Alliance",
    "AllianceGrant",
    "ApiKey",
    "Appointment",
    "Committee",
    "CommitteeApplication",
    "CommitteePlanItem",
    "CommitteePosition",
    "CommitteeSeat",
    "Designation",
    "DesignationStage",
    "Duty",
    "EnterpriseYearFacts",
    "LoginFailure",
    "LoginSuccess",
    "Meeting",
    "Membership",
    "MembershipEvent",
    "OneTimeToken",
    "Organization",
    "OutsideExpert",
    "Person",
    "PersonPost",
    "ReferenceCode",
    "RefreshToken",
    "SchoolIntake",
    "SchoolMajorGroup",
    "SchoolYearFacts",
    "User",
    "kernel",
    "metadata",
]
