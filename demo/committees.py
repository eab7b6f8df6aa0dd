"""The demo's seed-002-shaped committee (`committees.json`): a 专指委 of the demo alliance, 筹建中 then 运行, whose
seats carry a rank and a category — member units, outside units (not members) and the alliance's 秘书处 as a body —
with its planned composition, two outside experts of the alliance's pool and an expert group they lead; loaded
through the API after the alliance's own committees (`demo/alliance.py`)."""

from __future__ import annotations

import httpx

from demo.client import data, key, post


def load_committees(client: httpx.Client, ids: dict[str, str], alliance: str) -> str:
    """The committee, its seats, plan, outside experts and expert group; a one-line summary."""
    demo = data("committees")
    c = demo["committee"]
    body = {k: c[k] for k in ("name", "body_type", "domain", "description")}
    committee = post(
        client, "/v1/committees", {**body, "alliance_id": alliance, "status": "preparing"}, key("committee", c["name"])
    )["id"]
    post(client, f"/v1/committees/{committee}/transitions", {"to": "active", "effective_on": c["established_on"]})
    bodies = client.get("/v1/committees", params={"alliance_id": alliance, "limit": 100})
    bodies.raise_for_status()
    body_ids = {b["name"]: b["id"] for b in bodies.json()["items"]}
    for seat in demo["seats"]:
        holder = {"holder_committee_id": body_ids[seat["body"]]} if "body" in seat else {"org_id": ids[seat["org"]]}
        fields = {k: seat[k] for k in ("rank", "category", "outside") if k in seat}
        post(client, f"/v1/committees/{committee}/seats", {**holder, **fields, "start_on": c["established_on"]})
    client.put(f"/v1/committees/{committee}/plan", json={"items": demo["plan"]}).raise_for_status()
    experts = {
        e["name"]: post(client, f"/v1/alliances/{alliance}/outside-experts", e, key("outside-expert", e["name"]))["id"]
        for e in demo["outside_experts"]
    }
    g = demo["expert_group"]
    group = post(
        client,
        "/v1/committees",
        {
            "alliance_id": alliance,
            "name": g["name"],
            "body_type": "expert_group",
            "parent_id": committee,
            "established_on": c["established_on"],
        },
        key("committee", g["name"]),
    )["id"]
    for m in g["members"]:
        body = {"expert_id": experts[m["expert"]], "title": m["title"], "start_on": c["established_on"]}
        post(client, f"/v1/committees/{group}/positions", body)
    return (
        f"a 专指委 with {len(demo['seats'])} seats and a plan of {len(demo['plan'])} lines, "
        f"{len(experts)} outside experts in its expert group"
    )
