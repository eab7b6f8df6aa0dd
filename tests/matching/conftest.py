"""Matching through the gateway: the gateway platform (membership, training, matching on real sockets, the gateway
in process, real Postgres).

`mp` (a `MatchingPlatform`) gives: `admin` (a platform admin's client), `anonymous`, `as_org(org_id, role)` and
`as_alliance(alliance_id)` clients with minted access tokens, and helpers to create organizations and alliances
through the API and demands and offers as their organizations.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.conftest import scanning_client
from tests.gateway.conftest import Platform, access_token, bearer, platform  # noqa: F401 - fixture re-exported

REGION = "370702"  # 潍坊市潍城区


def demand_body(org_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "kind": "order_class",
        "title": "数控技术订单班",
        "occupation_codes": ["6-18-01-01"],
        "major_codes": ["460103"],
        "education_level": "voc_associate",
        "headcount": 40,
        "region_code": REGION,
        **extra,
    }


def offer_body(org_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "kind": "graduates",
        "title": "数控技术专业2027届毕业生",
        "major_codes": ["460103"],
        "cohort_year": 2027,
        "count": 30,
        "education_level": "voc_associate",
        "region_code": REGION,
        **extra,
    }


@dataclass
class MatchingPlatform:
    platform: Platform
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def admin(self) -> httpx.AsyncClient:
        return self.platform.client

    @property
    def anonymous(self) -> httpx.AsyncClient:
        return self.platform.anonymous

    def client(self, headers: dict[str, str]) -> httpx.AsyncClient:
        c = scanning_client(
            transport=httpx.ASGITransport(app=self.platform.gateway), base_url="http://gateway", headers=headers
        )
        self._clients.append(c)
        return c

    def as_org(
        self, org_id: str, role: str = "org_admin", *, scopes: tuple[str, ...] | None = None
    ) -> httpx.AsyncClient:
        """A user of `org_id` with `role` (org_admin | org_staff)."""
        token = access_token(f"user-{role}-{org_id}", org_id=str(org_id), roles=(role,), scopes=scopes)
        return self.client(bearer(token))

    def as_alliance(self, alliance_id: str) -> httpx.AsyncClient:
        token = access_token(f"user-alliance-{alliance_id}", roles=("alliance_admin",), alliances=(str(alliance_id),))
        return self.client(bearer(token))

    async def new_org(self, org_type: str = "higher_vocational", name: str | None = None) -> str:
        body = {"name": name or f"测试单位{uuid.uuid4().hex[:8]}", "org_type": org_type, "region_code": REGION}
        r = await self.admin.post("/v1/organizations", json=body)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    async def new_alliance(self) -> str:
        name = f"测试职教集团{uuid.uuid4().hex[:8]}"
        body = {"name": name, "kind": "vocational_education_group", "level": "municipal"}
        r = await self.admin.post("/v1/alliances", json=body)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    async def post(self, noun: str, org_id: str, body: dict[str, Any], *, open_it: bool = False) -> dict[str, Any]:
        """A demand or offer (`noun`: demands | offers) created by its organization, opened when `open_it`."""
        owner = self.as_org(org_id)
        r = await owner.post(f"/v1/{noun}", json=body)
        assert r.status_code == 201, r.text
        record = r.json()
        if open_it:
            r = await owner.post(f"/v1/{noun}/{record['id']}/transitions", json={"to": "open"})
            assert r.status_code == 200, r.text
            record = r.json()
        return record


@pytest.fixture(scope="module")
async def mp(platform: Platform) -> AsyncIterator[MatchingPlatform]:  # noqa: F811 - the re-exported fixture
    m = MatchingPlatform(platform)
    try:
        yield m
    finally:
        for c in m._clients:
            await c.aclose()
