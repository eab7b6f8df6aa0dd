"""Migration 5d7f9b1c3e8a on existing rows: organizations' `honours` and alliances' `recognitions` become entries of
the designation register, in their order, each 验收/认定 in its year with one step; the reads show them as before."""

import json
import uuid

import asyncpg

from tests.conftest import alembic

BEFORE = "3e6b8d0f2a4c"  # the membership revision before the designation register


async def test_honours_and_recognitions_move_into_the_register(database, membership_client):
    alembic(database, "membership", "downgrade", BEFORE)
    conn = await asyncpg.connect(database.admin_url)
    try:
        org, alliance = uuid.uuid4(), uuid.uuid4()
        honours = [
            {"title": "国家级产教融合型企业", "level": "national", "year": 2020, "issuer": "国家发展改革委"},
            {"title": "技能大师工作室", "level": "provincial", "year": 2021, "issuer": None},
        ]
        await conn.execute(
            "insert into membership.organizations (id, name, name_bigrams, org_type, region_code, honours, version, "
            "created_at, updated_at) values ($1, '迁移测试化工集团', '{迁移}', 'enterprise', '370303', $2, 1, "
            "now(), now())",
            org,
            json.dumps(honours),
        )
        recognitions = [
            {"title": "全国示范性职业教育集团（联盟）培育单位", "level": "national", "year": 2021, "issuer": "教育部"}
        ]
        await conn.execute(
            "insert into membership.alliances (id, name, kind, level, recognitions, version, created_at, updated_at) "
            "values ($1, $2, 'vocational_education_group', 'provincial', $3, 1, now(), now())",
            alliance,
            f"迁移测试职教集团{uuid.uuid4().hex[:6]}",
            json.dumps(recognitions),
        )

        alembic(database, "membership", "upgrade", "head")

        rows = await conn.fetch(
            "select d.programme_name, d.level, d.stage, d.stage_year, d.recognising_body, d.org_id, d.alliance_id, "
            "d.position, s.stage as step, s.year as step_year from membership.designations d join "
            "membership.designation_stages s on s.designation_id = d.id where d.subject_id = any($1::uuid[]) "
            "order by d.subject_kind desc, d.position",
            [org, alliance],
        )
        assert [(r["programme_name"], r["stage"], r["stage_year"], r["step"], r["step_year"]) for r in rows] == [
            ("国家级产教融合型企业", "recognised", 2020, "recognised", 2020),
            ("技能大师工作室", "recognised", 2021, "recognised", 2021),
            ("全国示范性职业教育集团（联盟）培育单位", "recognised", 2021, "recognised", 2021),
        ]
        assert (rows[0]["org_id"], rows[0]["alliance_id"], rows[2]["org_id"], rows[2]["alliance_id"]) == (
            org,
            None,
            None,
            alliance,
        )
        assert (await membership_client.get(f"/v1/organizations/{org}")).json()["honours"] == honours
        assert (await membership_client.get(f"/v1/alliances/{alliance}")).json()["recognitions"] == recognitions

        alembic(database, "membership", "downgrade", BEFORE)
        back = await conn.fetchval("select honours from membership.organizations where id = $1", org)
        assert json.loads(back) == honours
        alembic(database, "membership", "upgrade", "head")
    finally:
        await conn.close()
