"""A person's skill level reaches above 一级/高级技师: 特级技师 and 首席技师 are levels a person can hold."""

from __future__ import annotations

import uuid

import asyncpg

from tests.conftest import alembic
from tests.membership.test_people_api import make_org, person


async def test_special_and_chief_technicians_are_skill_levels(membership_client):
    """seed 003「开展首席技师、特级技师等聘任」: an enterprise records the 特级技师 and 首席技师 it appoints."""
    org = await make_org(membership_client, "enterprise")
    r = await membership_client.post("/v1/people", json=person(org["id"], skill_level="special_technician"))
    assert r.status_code == 201, r.text
    assert (r.json()["skill_level"], r.json()["skill_level_label"]) == ("special_technician", "特级技师")
    url = f"/v1/people/{r.json()['id']}"
    r = await membership_client.patch(
        url, json={"skill_level": "chief_technician"}, headers={"If-Match": r.headers["etag"]}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["skill_level"], r.json()["skill_level_label"]) == ("chief_technician", "首席技师")
    r = await membership_client.get("/v1/people", params={"org_id": org["id"]})
    assert [p["skill_level_label"] for p in r.json()["items"]] == ["首席技师"]


async def test_going_back_below_the_new_levels_keeps_a_person_at_the_top_old_level(membership_client, database):
    """seed 003「开展首席技师、特级技师等聘任」: migration 7a9c1e3f5b8d only widens the check; undone, a 首席技师 is
    kept at 一级/高级技师, the highest level the older check allows, and upgrading again restores the levels."""
    org = await make_org(membership_client, "enterprise")
    r = await membership_client.post("/v1/people", json=person(org["id"], skill_level="chief_technician"))
    assert r.status_code == 201, r.text
    conn = await asyncpg.connect(database.admin_url)
    try:
        alembic(database, "membership", "downgrade", "3e6b8d0f2a4c")
        level = await conn.fetchval(
            "select skill_level from membership.people where id = $1", uuid.UUID(r.json()["id"])
        )
        assert level == "level_1"
    finally:
        alembic(database, "membership", "upgrade", "head")
        await conn.close()
    r = await membership_client.post("/v1/people", json=person(org["id"], skill_level="special_technician"))
    assert r.status_code == 201, r.text
