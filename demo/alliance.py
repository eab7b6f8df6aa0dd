"""The demo's organizations and alliance (`alliance.json`: Shandong vocational-education units and a chemical-industry
group shaped like seed 001's 潍坊市化工职业教育集团, with its history since 2019), loaded through the API.

Idempotent: organizations are sent with their own `Idempotency-Key` and an existing one (409) counts as already
loaded; the alliance's history is entered only when the alliance is new."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from demo.client import data, id_of, key


@dataclass
class Loaded:
    """What `load_alliance` did: organization ids by name, the new alliance (None: it was already there)."""

    created: int
    ids: dict[str, str]
    alliance: str | None
    memberships: int = 0
    committees: int = 0
    name: str = ""


def load_alliance(client: httpx.Client) -> Loaded:
    """The organizations, then — when the alliance is new — the alliance, its members' history and its committees."""
    demo = data("alliance")
    created = 0
    ids: dict[str, str] = {}
    for org in demo["organizations"]:
        r = client.post("/v1/organizations", headers={"Idempotency-Key": key("org", org["name"])}, json=org)
        if r.status_code == 201 and r.headers.get("idempotent-replayed") != "true":
            created += 1
        ids[org["name"]] = id_of(r)
    body = {k: v for k, v in demo["alliance"].items() if k != "lead_org"}
    r = client.post("/v1/alliances", json={**body, "lead_org_ids": [ids[demo["alliance"]["lead_org"]]]})
    if r.status_code == 409:
        return Loaded(created, ids, None)
    alliance = id_of(r)
    memberships = _history(client, demo, ids, alliance)
    _committees(client, demo, ids, alliance)
    return Loaded(created, ids, alliance, len(memberships), len(demo["committees"]), demo["alliance"]["name"])


def _history(client: httpx.Client, demo: dict[str, Any], ids: dict[str, str], alliance: str) -> dict[str, str]:
    """Every member's application, then every step of every member in date order, with the change of term
    (`handover`: the chair steps down to vice chair and a vice chair takes over, as one act) on its day."""
    memberships: dict[str, str] = {}
    for m in demo["history"]:
        body = {
            "org_id": ids[m["org"]],
            "alliance_id": alliance,
            "role": m["role"],
            "applied_on": m["applied_on"],
            "reason": "入会申请",
        }
        memberships[m["org"]] = id_of(client.post("/v1/memberships", json=body))
    timeline = sorted(
        (step["effective_on"], m["org"], step["to"], step.get("role")) for m in demo["history"] for step in m["steps"]
    )
    handover = demo["handover"]
    handover_done = False

    def hand_over() -> None:
        r = client.post(
            f"/v1/alliances/{alliance}/role-changes",
            json={
                "effective_on": handover["effective_on"],
                "reason": "理事会换届",
                "changes": [{"membership_id": memberships[c["org"]], "role": c["role"]} for c in handover["changes"]],
            },
        )
        r.raise_for_status()

    for on, org, to, role in timeline:
        if on > handover["effective_on"] and not handover_done:
            hand_over()
            handover_done = True
        body = {"to": to, "effective_on": on, "reason": "理事会审议"}
        if role:
            body["role"] = role
        client.post(f"/v1/memberships/{memberships[org]}/transitions", json=body).raise_for_status()
    if not handover_done:
        hand_over()
    return memberships


def _committees(client: httpx.Client, demo: dict[str, Any], ids: dict[str, str], alliance: str) -> None:
    """The group's bodies, and who sits on them."""
    for c in demo["committees"]:
        body = {k: c[k] for k in ("name", "body_type", "domain", "established_on")}
        committee = id_of(client.post("/v1/committees", json={"alliance_id": alliance, **body}))
        for seat in c["seats"]:
            client.post(
                f"/v1/committees/{committee}/seats",
                json={"org_id": ids[seat["org"]], "seat_role": seat["seat_role"], "start_on": seat["start_on"]},
            ).raise_for_status()
