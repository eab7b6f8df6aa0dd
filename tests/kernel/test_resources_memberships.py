"""The resource kit's reads of rows that are never deleted (`load_kept`) and its audited writes whose event has its
own name (`record_named`), on the membership tables (chanjiao/resources.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import resources
from chanjiao.errors import NotFound
from chanjiao.ids import new_id
from services.membership.db import kernel
from services.membership.organizations import service as organizations
from services.membership.organizations.models import OrganizationStatusEvent
from services.membership.organizations.schemas import OrganizationCreate, StatusChangeCreate


class EventGone(NotFound):
    slug = "event-gone"


def gone() -> EventGone:
    return EventGone(detail_zh="没有该记录", detail_en="No such record")


async def an_org(session: AsyncSession):
    return await organizations.create_organization(
        session,
        data=OrganizationCreate(name="潍坊职业学院", org_type="higher_vocational", region_code="370702"),
        actor="user:tester",
    )


async def test_load_kept_answers_a_row_of_a_table_without_deleted_at_or_the_nouns_404(
    membership_session: AsyncSession,
) -> None:
    org = await an_org(membership_session)
    event = await organizations.change_status(
        membership_session, org_id=org.id, data=StatusChangeCreate(to="inactive"), actor="user:tester"
    )
    found = await resources.load_kept(membership_session, OrganizationStatusEvent, event.id, not_found=gone)
    assert found.id == event.id and found.to_status == "inactive"
    locked = await resources.load_kept(
        membership_session, OrganizationStatusEvent, event.id, not_found=gone, for_update=True
    )
    assert locked is found
    with pytest.raises(EventGone) as exc:
        await resources.load_kept(membership_session, OrganizationStatusEvent, new_id(), not_found=gone)
    assert exc.value.status == 404


async def test_record_named_writes_the_audit_row_under_its_action_and_the_event_under_its_own_name(
    membership_session: AsyncSession,
) -> None:
    org = await an_org(membership_session)
    audit = resources.Audit(kernel, "kit_thing", redact=frozenset({"secret"}))
    await resources.record_named(
        audit,
        membership_session,
        org,
        action="transition",
        event="transitioned",
        actor="user:tester",
        before={"status": "active", "secret": "a"},
        after={"status": "inactive", "secret": "b"},
        payload={"to": "inactive"},
    )
    audit_rows = (
        await membership_session.execute(
            sa.select(kernel.audit.c.action, kernel.audit.c.diff, kernel.audit.c.actor).where(
                kernel.audit.c.entity == "kit_thing", kernel.audit.c.entity_id == org.id
            )
        )
    ).all()
    assert [(r.action, r.diff, r.actor) for r in audit_rows] == [
        ("transition", {"status": ["active", "inactive"], "secret": ["[redacted]", "[redacted]"]}, "user:tester")
    ]
    events = (
        await membership_session.execute(
            sa.select(kernel.outbox.c.type, kernel.outbox.c.aggregate_type, kernel.outbox.c.payload).where(
                kernel.outbox.c.aggregate_id == org.id, kernel.outbox.c.aggregate_type == "kit_thing"
            )
        )
    ).all()
    assert [(e.type, e.payload) for e in events] == [("kit_thing.transitioned", {"id": str(org.id), "to": "inactive"})]
