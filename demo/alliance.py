"""The demo's organizations and alliance (`alliance.json`: Shandong vocational-education units and a chemical-industry
group shaped like seed 001's 潍坊市化工职业教育集团, with its history since 2019), loaded through the API.

Idempotent: organizations are sent with their own `Idempotency-Key` and an existing one (409) counts as already
loaded; the alliance's history and its members' training records (`demo/training.py`) are entered only when the
alliance is new."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent


def data(name: str) -> dict[str, Any]:
    """One of the demo's data files (`alliance`, `training`)."""
    return json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))


def key(*parts: str) -> str:
    """The demo's `Idempotency-Key` for one record: the same on every run."""
    return "demo-" + hashlib.sha1("/".join(parts).encode()).hexdigest()[:20]


def id_of(r: httpx.Response) -> str:
    if r.status_code in (200, 201):
        return r.json()["id"]
    if r.status_code == 409 and r.json().get("existing_id"):
        return r.json()["existing_id"]
    r.raise_for_status()
    raise RuntimeError(f"unexpected answer {r.status_code}")


def post(client: httpx.Client, path: str, body: dict, idempotency_key: str | None = None) -> dict:
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    r = client.post(path, json=body, headers=headers)
    r.raise_for_status()
    return r.json()


def batch(client: httpx.Client, path: str, items: list[dict], idempotency_key: str) -> list[str]:
    """An all-or-nothing batch (any failed item → 422, raised); the ids of the items, in order."""
    result = post(client, f"{path}?atomic=true", {"items": items}, idempotency_key)
    return [item["id"] for item in result["results"]]


class _PatientTransport(httpx.HTTPTransport):
    """Waits out the gateway's rate limit: the demo sends a few hundred requests, more than one user's burst. A 429
    is answered by the gateway before anything is forwarded, so sending the request again is safe."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(60):
            response = super().handle_request(request)
            if response.status_code != 429:
                return response
            response.close()
            time.sleep(float(response.headers.get("Retry-After", "1")))
        return response


def sign_in(client: httpx.Client, credentials: tuple[str, str]) -> None:
    """Log in with the OAuth2 password grant and send the access token from now on."""
    r = client.post(
        "/v1/auth/token", data={"grant_type": "password", "username": credentials[0], "password": credentials[1]}
    )
    r.raise_for_status()
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"


def load_demo(gateway_url: str, credentials: tuple[str, str]) -> str:
    """Load the demo through the API as a platform admin (`credentials` = login, password)."""
    from demo.training import load_training

    demo = data("alliance")
    created = 0
    with httpx.Client(base_url=gateway_url, timeout=15, transport=_PatientTransport()) as client:
        sign_in(client, credentials)
        ids: dict[str, str] = {}
        for org in demo["organizations"]:
            r = client.post("/v1/organizations", headers={"Idempotency-Key": key("org", org["name"])}, json=org)
            if r.status_code == 201 and r.headers.get("idempotent-replayed") != "true":
                created += 1
            ids[org["name"]] = id_of(r)
        body = {k: v for k, v in demo["alliance"].items() if k != "lead_org"}
        r = client.post("/v1/alliances", json={**body, "lead_org_ids": [ids[demo["alliance"]["lead_org"]]]})
        if r.status_code == 409:
            return f"demo data: {created} organizations created; the alliance was already there"
        alliance = id_of(r)
        memberships = _history(client, demo, ids, alliance)
        _committees(client, demo, ids, alliance)
        training = load_training(client, ids, alliance)
    return (
        f"demo data: {created} organizations created; alliance {demo['alliance']['name']} with "
        f"{len(memberships)} memberships, their history since 2019 and {len(demo['committees'])} committees; "
        f"training records: {training}"
    )


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
