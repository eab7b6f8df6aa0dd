"""Matching through the gateway: the gateway platform (membership, training, matching on real sockets, the gateway
in process, real Postgres), with matching's calls to membership routed back through that gateway as
`service:matching` — so "does this organization, alliance or appointment exist" is answered by the real membership
service.

`mp` (a `MatchingPlatform`: the training one — tests/training/conftest.py — plus demands and offers) gives `admin`,
`anonymous`, `as_org(org_id, role)` and `as_alliance(alliance_id)` clients with minted access tokens, and helpers to
create organizations, alliances and memberships through the API and demands and offers as their organizations.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.gateway.conftest import Platform, platform  # noqa: F401 - fixture re-exported
from tests.training.conftest import REGION, TrainingPlatform


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
class MatchingPlatform(TrainingPlatform):
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
    directory = platform.upstreams["matching"].app.state.membership_directory
    await directory.use_transport(httpx.ASGITransport(app=platform.gateway))
    m = MatchingPlatform(platform)
    try:
        yield m
    finally:
        for c in m._clients:
            await c.aclose()
        await directory.use_transport(None)
