"""What the demo's loaders share: its data files, its idempotency keys, and calls through the gateway as the
signed-in platform admin (waiting out the rate limit)."""

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


class PatientTransport(httpx.HTTPTransport):
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
