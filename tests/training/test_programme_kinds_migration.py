"""Migration 4d6f8a0c2e5b on existing programmes: nothing is re-labelled — a `special_operations` programme stays
one (even if it was 特种设备 training: its provider re-files it), and every programme is the provider's own
(`project_level` none, no funding source, no target groups). Going back down, the new kinds fold into the old ones."""

import uuid

import asyncpg

from tests.conftest import alembic

BEFORE = "9c4e6a8b0d2f"  # the training revision before the commissioning fields and the new kinds


async def _programme(conn, kind: str) -> uuid.UUID:
    pid = uuid.uuid4()
    await conn.execute(
        "insert into training.programmes (id, name, kind, provider_org_id, start_on, end_on, delivery, version,"
        " created_at, updated_at) values ($1, '叉车司机培训班', $2, $3, '2023-05-01', '2023-05-10', 'offline', 1,"
        " now(), now())",
        pid,
        kind,
        uuid.uuid4(),
    )
    return pid


async def test_existing_programmes_keep_their_kind_and_become_uncommissioned(database):
    alembic(database, "training", "downgrade", BEFORE)
    conn = await asyncpg.connect(database.admin_url)
    try:
        old = await _programme(conn, "special_operations")
        alembic(database, "training", "upgrade", "head")
        row = await conn.fetchrow(
            "select kind, project_level, commissioned_by, funding_source, target_groups from training.programmes"
            " where id = $1",
            old,
        )
        assert dict(row) == {
            "kind": "special_operations",
            "project_level": "none",
            "commissioned_by": None,
            "funding_source": None,
            "target_groups": [],
        }
        equipment, field = await _programme(conn, "special_equipment"), await _programme(conn, "field_engineer")
        alembic(database, "training", "downgrade", BEFORE)
        kinds = dict(
            await conn.fetch("select id, kind from training.programmes where id = any($1)", [equipment, field])
        )
        assert kinds == {equipment: "special_operations", field: "other"}
    finally:
        alembic(database, "training", "upgrade", "head")
        await conn.close()
