"""Matching through the gateway: the gateway platform (membership, training, matching on real sockets, the gateway
in process) with matching's calls to membership routed back through that gateway as `service:matching` — so "does
this organization, alliance or appointment exist" is answered by the real membership service.

`mp` (a `MatchingPlatform`, the training one — tests/training/conftest.py) gives `admin`, `as_org(org_id, role)`,
`as_alliance(alliance_id)` clients and helpers to create organizations and alliances through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.gateway.conftest import Platform, platform  # noqa: F401 - fixture re-exported
from tests.training.conftest import TrainingPlatform


@pytest.fixture(scope="module")
async def mp(platform: Platform) -> AsyncIterator[TrainingPlatform]:  # noqa: F811 - the re-exported fixture
    directory = platform.upstreams["matching"].app.state.membership_directory
    await directory.use_transport(httpx.ASGITransport(app=platform.gateway))
    t = TrainingPlatform(platform)
    try:
        yield t
    finally:
        for c in t._clients:
            await c.aclose()
        await directory.use_transport(None)
