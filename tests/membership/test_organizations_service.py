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
