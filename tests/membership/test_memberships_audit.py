"""A membership's audit trail and events at the service level: the audit diffs carry the role, the status, the
period's dates and (on a create) the organization and the alliance; the events carry what each act says."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from services.membership.alliances import service as alliances
from services.membership.alliances.schemas import AllianceCreate
from services.membership.db import kernel
from services.membership.memberships import service
from services.membership.memberships.schemas import MembershipCreate, MembershipTransitionCreate
from services.membership.organizations import service as organizations
from services.membership.organizations.schemas import OrganizationCreate


async def test_create_and_transition_leave_their_audit_diffs_and_events(membership_session):
    s = membership_session
    org = await organizations.create_organization(
        s,
        data=OrganizationCreate(name="日照职业技术学院", org_type="higher_vocational", region_code="371100"),
        actor="t",
    )
    alliance = await alliances.create_alliance(
        s,
        data=AllianceCreate(name="日照港口物流职教集团", kind="vocational_education_group", level="municipal"),
        actor="t",
    )
    m = await service.create_membership(
        s,
        data=MembershipCreate(org_id=org.id, alliance_id=alliance.id, role="member", applied_on=date(2024, 3, 1)),
        actor="user:clerk",
    )
    await service.transition(
        s,
        membership_id=m.id,
        data=MembershipTransitionCreate(to="active", effective_on=date(2024, 4, 1)),
        actor="user:clerk",
    )
    diffs = dict(
        (
            await s.execute(
                sa.select(kernel.audit.c.action, kernel.audit.c.diff).where(kernel.audit.c.entity_id == m.id)
            )
        ).all()
    )
    assert diffs == {
        "create": {
            "alliance_id": [None, str(alliance.id)],
            "org_id": [None, str(org.id)],
            "role": [None, "member"],
            "status": [None, "pending"],
        },
        "transition": {"joined_on": [None, "2024-04-01"], "status": ["pending", "active"]},
    }
    events = (
        await s.execute(
            sa.select(kernel.outbox.c.type, kernel.outbox.c.payload)
            .where(kernel.outbox.c.aggregate_id == m.id)
            .order_by(kernel.outbox.c.seq)
        )
    ).all()
    assert [e.type for e in events] == ["membership.created", "membership.transitioned"]
    assert events[0].payload == {
        "id": str(m.id),
        "org_id": str(org.id),
        "alliance_id": str(alliance.id),
        "role": "member",
        "status": "pending",
        "applied_on": "2024-03-01",
    }
    assert events[1].payload == {
        "id": str(m.id),
        "org_id": str(org.id),
        "alliance_id": str(alliance.id),
        "from": "pending",
        "to": "active",
        "from_role": "member",
        "role": "member",
        "effective_on": "2024-04-01",
        "reason": None,
    }


async def test_an_unknown_membership_is_its_404(membership_session):
    with pytest.raises(service.MembershipNotFound) as exc:
        await service.get_membership(membership_session, uuid.uuid4())
    assert exc.value.status == 404
