"""Migration 4a7c9e1b3d5f on existing seats: each former `seat_role` becomes a rank and a category (the table
ROLE_TO_RANK of services/membership/committees/models.py), existing committees are `active`; a downgrade maps back."""

import uuid

import asyncpg

from tests.conftest import alembic
from tests.membership.test_alliances_api import apply, make_org, move

BEFORE = "3e6b8d0f2a4c"  # the membership revision before seats had a rank and a category
EXPECTED = {
    "director_unit": ("director_unit", None),
    "deputy_director_unit": ("deputy_director_unit", None),
    "member_unit": ("member_unit", None),
    "training_company_unit": ("member_unit", "training_company"),
    "industry_support_unit": ("member_unit", "industry_support"),
}


async def test_seat_roles_become_rank_and_category(membership_client, database):
    """seed 002「教育培训型企业（副主任单位）」: the old single field held either the rank or the category; the
    migrated seat keeps what it said as rank + category."""
    c = membership_client
    r = await c.post(
        "/v1/alliances",
        json={"name": f"迁移联盟{uuid.uuid4().hex[:4]}", "kind": "technical_education_alliance", "level": "municipal"},
    )
    alliance = r.json()["id"]
    org = await make_org(c, "迁移测试学院", "technician_college", "370602")
    await move(c, await apply(c, alliance, org, "2020-01-01"), "active", "2020-02-01")
    r = await c.post(
        "/v1/committees", json={"alliance_id": alliance, "name": "迁移专指委", "body_type": "specialized_committee"}
    )
    committee = uuid.UUID(r.json()["id"])

    alembic(database, "membership", "downgrade", BEFORE)
    conn = await asyncpg.connect(database.admin_url)
    try:
        seats = {}
        for role in EXPECTED:
            seats[role] = uuid.uuid4()
            await conn.execute(
                "insert into membership.committee_seats (id, committee_id, alliance_id, org_id, seat_role, start_on,"
                " created_at, updated_at) values ($1, $2, $3, $4, $5, '2021-01-01', now(), now())",
                seats[role],
                committee,
                uuid.UUID(alliance),
                uuid.UUID(org),
                role,
            )

        alembic(database, "membership", "upgrade", "head")

        rows = {
            r["id"]: (r["rank"], r["category"], r["outside"], r["org_id"])
            for r in await conn.fetch("select * from membership.committee_seats where committee_id = $1", committee)
        }
        assert {role: rows[sid][:2] for role, sid in seats.items()} == EXPECTED
        assert {(o, h) for _, _, o, h in rows.values()} == {(False, uuid.UUID(org))}
        assert await conn.fetchval("select status from membership.committees where id = $1", committee) == "active"

        alembic(database, "membership", "downgrade", BEFORE)
        back = dict(
            await conn.fetch("select id, seat_role from membership.committee_seats where committee_id = $1", committee)
        )
        assert {role: back[sid] for role, sid in seats.items()} == {role: role for role in EXPECTED}
        alembic(database, "membership", "upgrade", "head")
    finally:
        await conn.close()
