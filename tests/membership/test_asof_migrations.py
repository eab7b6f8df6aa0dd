"""Migrations 5a1c7e3b9d2f and b7d2e4f6a8c1 on existing rows: an organization keeps its type and region (country CN,
no dated change — its current values hold since its creation), and an alliance's region becomes its seat."""

from __future__ import annotations

import uuid

import asyncpg

from tests.conftest import alembic

BEFORE = "3e6b8d0f2a4c"  # the membership revision before dated types/regions, countries and alliance seats


async def test_existing_organizations_and_alliances_are_carried_over(database):
    alembic(database, "membership", "downgrade", BEFORE)
    conn = await asyncpg.connect(database.admin_url)
    try:
        org, alliance = uuid.uuid4(), uuid.uuid4()
        await conn.execute(
            "insert into membership.organizations (id, name, name_bigrams, org_type, region_code, version, created_at,"
            " updated_at) values ($1, '山东化工技师学院', '{}', 'technician_college', '370702', 1, now(), now())",
            org,
        )
        await conn.execute(
            "insert into membership.alliances (id, name, kind, level, region_code, version, created_at, updated_at)"
            " values ($1, '潍坊市化工职业教育集团', 'vocational_education_group', 'municipal', '370700', 1, now(),"
            " now())",
            alliance,
        )

        alembic(database, "membership", "upgrade", "head")

        o = await conn.fetchrow(
            "select org_type, country_code, region_code from membership.organizations where id=$1", org
        )
        assert tuple(o) == ("technician_college", "CN", "370702")
        assert await conn.fetchval("select count(*) from membership.organization_changes where org_id=$1", org) == 0
        a = await conn.fetchrow(
            "select seat_region_code, seat_park, entity_run, legal_person_status from membership.alliances where id=$1",
            alliance,
        )
        assert tuple(a) == ("370700", None, False, "none")
        # A foreign row without a region is now allowed; a Chinese one without a region is not.
        await conn.execute(
            "insert into membership.organizations (id, name, name_bigrams, org_type, country_code, version, created_at,"
            " updated_at) values ($1, '德国 Diako 社会福利院', '{}', 'other', 'DE', 1, now(), now())",
            uuid.uuid4(),
        )
        try:
            await conn.execute(
                "insert into membership.organizations (id, name, name_bigrams, org_type, version, created_at,"
                " updated_at) values ($1, '无区划单位', '{}', 'other', 1, now(), now())",
                uuid.uuid4(),
            )
        except asyncpg.CheckViolationError:
            pass
        else:
            raise AssertionError("a Chinese organization without a region was accepted")
    finally:
        await conn.close()
