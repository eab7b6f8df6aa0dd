"""Shared set-up of the ranking route tests: the platform with the ranking's facts source reaching membership and
training through the in-process gateway, and helpers to post postings and read rankings."""

from __future__ import annotations

import socket
from typing import Any

import httpx

from tests.matching.conftest import MatchingPlatform, demand_body, offer_body

ELSEWHERE = "110101"  # 北京市东城区: another province
PERIOD = {"period_start": "2027-03-01", "period_end": "2027-06-30"}


def facts_of(mp: MatchingPlatform) -> Any:
    return mp.platform.upstreams["matching"].app.state.ranking_facts


def closed_port_url() -> str:
    """A local address nothing listens on: a connection there is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def demand(mp: MatchingPlatform, org: str, **extra: Any) -> dict[str, Any]:
    body = demand_body(org, **{"kind": "internship", "headcount": 10, **PERIOD, **extra})
    return await mp.post("demands", org, body, open_it=True)


async def offer(mp: MatchingPlatform, org: str, *, open_it: bool = True, **extra: Any) -> dict[str, Any]:
    body = offer_body(org, **{"kind": "interns", "count": 10, **PERIOD, **extra})
    return await mp.post("offers", org, body, open_it=open_it)


async def ranking(
    client: httpx.AsyncClient, noun: str, posting_id: str, *, english: bool = False, limit: int = 100
) -> dict[str, Any]:
    headers = {"Accept-Language": "en"} if english else {}
    r = await client.get(f"/v1/{noun}/{posting_id}/matches", params={"limit": limit}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["server-timing"].startswith("app;dur=")
    body = r.json()
    for item in body["items"]:
        assert sum(c["contribution"] for c in item["components"]) == item["points"]
        assert item["score"] == item["points"] / 1000
    return body


def items_by(body: dict[str, Any], key: str = "offer_id") -> dict[str, dict[str, Any]]:
    return {i[key]: i for i in body["items"]}


def component(item: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in item["components"] if c["name"] == name)
