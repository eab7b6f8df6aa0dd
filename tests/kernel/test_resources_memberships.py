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


async def test_record_on_writes_the_child_audit_row_and_its_event_on_the_parents_aggregate(
    membership_session: AsyncSession,
) -> None:
    parent = await an_org(membership_session)
    child_id = new_id()
    audit = resources.Audit(kernel, "kit_child")
    await resources.record_on(
        audit,
        membership_session,
        child_id,
        aggregate=("kit_parent", parent.id),
        action="ended",
        event="ended",
        actor="user:tester",
        before={"end_on": None},
        after={"end_on": "2026-12-31"},
        payload={"end_on": "2026-12-31"},
    )
    audit_rows = (
        await membership_session.execute(
            sa.select(kernel.audit.c.entity, kernel.audit.c.action, kernel.audit.c.diff).where(
                kernel.audit.c.entity_id == child_id
            )
        )
    ).all()
    assert [tuple(r) for r in audit_rows] == [("kit_child", "ended", {"end_on": [None, "2026-12-31"]})]
    events = (
        await membership_session.execute(
            sa.select(kernel.outbox.c.type, kernel.outbox.c.aggregate_type, kernel.outbox.c.payload).where(
                kernel.outbox.c.aggregate_id == parent.id, kernel.outbox.c.aggregate_type == "kit_parent"
            )
        )
    ).all()
    assert [tuple(e) for e in events] == [
        ("kit_child.ended", "kit_parent", {"id": str(child_id), "end_on": "2026-12-31"})
    ]


async def test_an_audit_snapshot_adds_its_stand_ins_to_the_columns_it_keeps(membership_session: AsyncSession) -> None:
    org = await an_org(membership_session)
    audit = resources.Audit(
        kernel,
        "organization",
        exclude=frozenset({"name_bigrams"}),
        stand_ins={"name": lambda row: len(row.name), "named": lambda row: "set"},
    )
    snap = audit.snapshot(org)
    assert snap["name"] == len("潍坊职业学院") and snap["named"] == "set"
    assert "name_bigrams" not in snap and "id" not in snap and "version" not in snap
    assert snap["org_type"] == "higher_vocational"
