"""Training through the gateway: the gateway platform (membership, training, matching on real
sockets, the gateway in process) with training's calls to membership routed back through that
gateway as `service:training` — so "does this organization exist and is it active" is answered by
the real membership service.

`tp` (a `TrainingPlatform`) gives: `admin` (a client sending a platform admin's token), `anonymous`,
`as_org(org_id, role)` / `as_alliance(alliance_id)` clients with minted access tokens, and helpers
to create organizations and alliances through the API.
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


@dataclass
class TrainingPlatform:
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

    async def new_org(self, org_type: str = "higher_vocational", name: str | None = None, **extra: Any) -> str:
        body = {"name": name or f"测试单位{uuid.uuid4().hex[:8]}", "org_type": org_type, "region_code": REGION, **extra}
        r = await self.admin.post("/v1/organizations", json=body)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    async def deactivate(self, org_id: str, effective_on: str) -> None:
        r = await self.admin.post(
            f"/v1/organizations/{org_id}/status-changes",
            json={"to": "inactive", "effective_on": effective_on, "reason": "测试停用"},
        )
        assert r.status_code == 201, r.text

    async def new_alliance(self, name: str | None = None) -> str:
        body = {
            "name": name or f"测试职教集团{uuid.uuid4().hex[:8]}",
            "kind": "vocational_education_group",
            "level": "municipal",
        }
        r = await self.admin.post("/v1/alliances", json=body)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    async def join(self, org_id: str, alliance_id: str, joined_on: str, ended_on: str | None = None) -> str:
        """A membership applied for and approved on `joined_on`, withdrawn on `ended_on` if given."""
        r = await self.admin.post(
            "/v1/memberships",
            json={"org_id": org_id, "alliance_id": alliance_id, "role": "member", "applied_on": joined_on},
        )
        assert r.status_code == 201, r.text
        mid = r.json()["id"]
        for to, on in (("active", joined_on), *((("withdrawn", ended_on),) if ended_on else ())):
            r = await self.admin.post(f"/v1/memberships/{mid}/transitions", json={"to": to, "effective_on": on})
            assert r.status_code == 200, r.text
        return mid


@pytest.fixture(scope="module")
async def tp(platform: Platform) -> AsyncIterator[TrainingPlatform]:  # noqa: F811 - the re-exported fixture
    # The training app's directory (made at its start-up) reaches membership through the in-process gateway.
    directory = platform.upstreams["training"].app.state.org_directory
    await directory.use_transport(httpx.ASGITransport(app=platform.gateway))
    t = TrainingPlatform(platform)
    try:
        yield t
    finally:
        for c in t._clients:
            await c.aclose()
        await directory.use_transport(None)
