"""The demo's dated facts (`asof.json`): a member school upgraded from 技工学校 to 技师学院 in 2022 (the alliance's
structure as of 2021 counts the old type), a foreign partner with a country code and no region, and the alliance's
seat, its entity-run flag and its relations to the communities its members lead — loaded through the API with the
alliance (`demo/alliance.py`)."""

from __future__ import annotations

import httpx

from demo.client import data, id_of, key, post


def _member(client: httpx.Client, org: str, alliance: str, m: dict) -> None:
    body = {
        "org_id": org,
        "alliance_id": alliance,
        "role": m["role"],
        "applied_on": m["applied_on"],
        "reason": "入会申请",
    }
    membership = id_of(client.post("/v1/memberships", json=body))
    step = {"to": "active", "effective_on": m["active_on"], "reason": "理事会审议"}
    client.post(f"/v1/memberships/{membership}/transitions", json=step).raise_for_status()


def load_asof(client: httpx.Client, ids: dict[str, str], alliance: str) -> str:
    """The upgraded school, the foreign partner, the alliance's seat and relations; a summary line."""
    demo = data("asof")
    school = demo["upgraded_school"]
    org = post(client, "/v1/organizations", school["organization"], key("asof-org", school["organization"]["name"]))
    _member(client, org["id"], alliance, school["member"])
    post(client, f"/v1/organizations/{org['id']}/changes", school["change"], key("asof-change", org["id"]))
    partner = demo["foreign_partner"]
    foreign = post(
        client, "/v1/organizations", partner["organization"], key("asof-org", partner["organization"]["name"])
    )
    _member(client, foreign["id"], alliance, partner["member"])
    client.patch(f"/v1/alliances/{alliance}", json=demo["seat"]).raise_for_status()
    for rel in demo["related"]:
        other = id_of(client.post("/v1/alliances", json=rel["alliance"]))
        body = {
            "related_alliance_id": other,
            "kind": rel["kind"],
            "lead_org_id": ids[rel["lead"]],
            "since": rel["since"],
            "note": rel["note"],
        }
        post(client, f"/v1/alliances/{alliance}/relations", body, key("asof-relation", alliance, other))
    return (
        f"{school['organization']['name']} upgraded on {school['change']['effective_on']}, a partner in "
        f"{partner['organization']['country_code']}, {len(demo['related'])} related alliances"
    )
