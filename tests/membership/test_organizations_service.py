"""Organization rules at the service level (no HTTP), each test in a rolled-back transaction."""

from __future__ import annotations

import pytest

from chanjiao.sync import Since
from services.membership.organizations import service
from services.membership.organizations.schemas import OrganizationCreate, OrganizationUpdate


async def test_create_then_search_by_any_two_characters(membership_session):
    org = await service.create_organization(
        membership_session,
        data=OrganizationCreate(name="山东省潍坊商业学校", org_type="secondary_vocational", region_code="370702"),
        actor="test",
    )
    assert org.version == 1 and "商业" in org.name_bigrams
    for q in ("潍坊", "商业学校", "山东省潍坊商业学校"):
        found = (
            await service.list_organizations(
                membership_session,
                org_type=None,
                region_prefix=None,
                q=q,
                since=Since(),
                include_deleted=False,
                cursor=None,
                limit=10,
            )
        ).rows
        assert org.id in [o.id for o in found], q
    found = (
        await service.list_organizations(
            membership_session,
            org_type=None,
            region_prefix=None,
            q="商学",
            since=Since(),
            include_deleted=False,
            cursor=None,
            limit=10,
        )
    ).rows
    assert org.id not in [o.id for o in found]  # bigrams present but not as a substring


async def test_update_to_a_taken_credit_code_is_409(membership_session):
    a = await service.create_organization(
        membership_session,
        data=OrganizationCreate(
            name="甲公司", org_type="enterprise", region_code="370102", credit_code="91440300100012316L"
        ),
        actor="t",
    )
    b = await service.create_organization(
        membership_session,
        data=OrganizationCreate(name="乙公司", org_type="enterprise", region_code="370102"),
        actor="t",
    )
    with pytest.raises(service.DuplicateOrganization) as exc:
        await service.update_organization(
            membership_session,
            org_id=b.id,
            changes=OrganizationUpdate(credit_code="91440300100012316L"),
            if_match=None,
            actor="t",
        )
    assert exc.value.extra["existing_id"] == str(a.id)


async def test_no_op_update_keeps_the_version(membership_session):
    org = await service.create_organization(
        membership_session,
        data=OrganizationCreate(name="丙公司", org_type="enterprise", region_code="370102"),
        actor="t",
    )
    same = await service.update_organization(
        membership_session, org_id=org.id, changes=OrganizationUpdate(name="丙公司"), if_match='"1"', actor="t"
    )
    assert same.version == 1


async def test_audit_trail_and_events_name_exactly_what_the_organization_says(membership_session):
    """The audit diffs and event payloads carry the organization's own fields — never its name's search index nor
    the registering alliance — and an update names only the fields that changed."""
    import sqlalchemy as sa

    from services.membership.db import kernel

    org = await service.create_organization(
        membership_session,
        data=OrganizationCreate(name="淄博市工业学校", org_type="secondary_vocational", region_code="370303"),
        actor="test",
    )
    await service.update_organization(
        membership_session, org_id=org.id, changes=OrganizationUpdate(name="淄博工业学校"), if_match='"1"', actor="t"
    )
    audited = {
        "name",
        "org_type",
        "country_code",
        "region_code",
        "credit_code",
        "industry_codes",
        "parent_id",
        "sponsor_org_id",
        "status",
    }  # honours are entries of the designation register, audited there
    diffs = dict(
        (
            await membership_session.execute(
                sa.select(kernel.audit.c.action, kernel.audit.c.diff).where(kernel.audit.c.entity_id == org.id)
            )
        ).all()
    )
    # A create's diff lists the audited fields that have a value (null-to-null is no change).
    assert set(diffs["create"]) == {"name", "org_type", "country_code", "region_code", "industry_codes", "status"}
    assert diffs["update"] == {"name": ["淄博市工业学校", "淄博工业学校"]}
    events = (
        await membership_session.execute(
            sa.select(kernel.outbox.c.type, kernel.outbox.c.payload)
            .where(kernel.outbox.c.aggregate_id == org.id)
            .order_by(kernel.outbox.c.seq)
        )
    ).all()
    assert [e.type for e in events] == ["organization.created", "organization.updated"]
    assert set(events[0].payload) == audited | {"id"}
    assert events[1].payload == {"id": str(org.id), "changed": {"name": "淄博工业学校"}}
    assert org.version == 2
