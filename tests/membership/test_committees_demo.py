"""The demo's seed-002-shaped committee (demo/committees.py) loads through the membership API onto the demo alliance
and reads back as seed 002 runs a 专指委."""

from __future__ import annotations

import asyncio

from fastapi.testclient import TestClient

from demo.alliance import load_alliance
from demo.committees import load_committees
from tests.conftest import ADMIN, membership_settings, token_headers


async def test_the_demo_committee(database):
    """seed 002「教育培训型企业（副主任单位）」「各专指委设专家组」: the demo alliance's 专指委 has ranks and categories
    counted apart, outside units, the 秘书处 as a body seat, a plan and an expert group of outside experts."""
    from services.membership.main import create_app

    app = create_app(membership_settings(database))

    def load() -> dict:
        with TestClient(app, headers=token_headers(ADMIN)) as client:
            loaded = load_alliance(client)
            summary = load_committees(client, loaded.ids, loaded.alliance)
            bodies = client.get("/v1/committees", params={"alliance_id": loaded.alliance, "limit": 100}).json()
            by_name = {b["name"]: b for b in bodies["items"]}
            k = by_name["化工安全生产技术领域校企合作一体化专业建设指导委员会"]
            comp = client.get(f"/v1/committees/{k['id']}/composition", params={"as_of": "2024-01-01"}).json()
            group = by_name["化工安全生产专家组"]
            positions = client.get(f"/v1/committees/{group['id']}/positions").json()
            return {"summary": summary, "committee": k, "comp": comp, "group": group, "positions": positions}

    got = await asyncio.to_thread(load)
    k, comp = got["committee"], got["comp"]
    assert (k["status"], k["established_on"]) == ("active", "2023-05-18")
    rank = {x["key"]: x["filled"] for x in comp["by_rank"]}
    category = {x["key"]: x["filled"] for x in comp["by_category"]}
    assert (rank["director_unit"], rank["deputy_director_unit"], rank["secretariat_unit"]) == (1, 2, 1)
    assert category["training_company"] == 1 and category["school"] == 3
    assert (comp["seats"], comp["outside_seats"], comp["body_seats"]) == (12, 3, 1)
    assert [line["met"] for line in comp["plan"]] == [True, True, False, True, False]
    assert got["group"]["parent_id"] == k["id"]
    assert sorted((p["title"], p["person_name"]) for p in got["positions"]) == [("成员", "周海燕"), ("组长", "孙立新")]
    assert "12 seats" in got["summary"]
