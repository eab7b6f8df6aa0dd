"""A person's skill level reaches above 一级/高级技师: 特级技师 and 首席技师 are levels a person can hold."""

from __future__ import annotations

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
