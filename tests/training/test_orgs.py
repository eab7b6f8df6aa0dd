"""The training service's view of organizations: asked of membership through the gateway as
`service:training`, cached for a TTL, used within it even when membership is down, 503 past it."""

import uuid

import httpx
import pytest

from chanjiao.errors import ServiceUnavailable, ValidationFailed
from services.training.main import create_app
from services.training.orgs import OrgDirectory
from services.training.settings import TrainingSettings
from tests.conftest import TEST_KEY


def directory_of(tp) -> OrgDirectory:
    app = tp.platform.upstreams["training"].app
    return OrgDirectory(app.state.settings, httpx.ASGITransport(app=tp.platform.gateway))


async def test_the_directory_is_made_at_start_up_and_closed_at_shutdown(database):
    app = create_app(TrainingSettings(database_url=database.urls["training"], internal_token_key=TEST_KEY))
    assert getattr(app.state, "org_directory", None) is None
    async with app.router.lifespan_context(app):
        directory = app.state.org_directory  # before any request
        assert isinstance(directory, OrgDirectory)
        client = directory._client
        assert client is not None and not client.is_closed
    assert client.is_closed


async def test_active_inactive_and_missing_organizations(tp):
    active = uuid.UUID(await tp.new_org())
    inactive = uuid.UUID(await tp.new_org("enterprise"))
    await tp.deactivate(str(inactive), "2024-01-01")
    d = directory_of(tp)
    try:
        got = await d.require_active({"provider_org_id": active})
        assert got["provider_org_id"].is_active
        with pytest.raises(ValidationFailed) as exc:
            await d.require_active({"provider_org_id": active, "host_org_id": inactive, "school_org_id": uuid.uuid4()})
        types = {e.loc[-1]: e.type for e in exc.value.errors}
        assert types == {"host_org_id": "organization_inactive", "school_org_id": "organization_not_found"}
    finally:
        await d.close()


async def test_cached_within_ttl_even_when_membership_is_down_and_503_past_it(tp):
    org = uuid.UUID(await tp.new_org())
    d = directory_of(tp)
    d.ttl = 0.3
    membership = tp.platform.upstreams["membership"]
    try:
        assert (await d.get(org)).is_active
        await membership.stop()
        assert (await d.get(org)).is_active  # within the TTL: the cached answer
        import asyncio

        await asyncio.sleep(0.35)
        with pytest.raises(ServiceUnavailable):
            await d.get(org)
    finally:
        await membership.start()
        await d.close()


async def test_alliance_member_periods(tp):
    alliance = await tp.new_alliance()
    a, b = await tp.new_org(), await tp.new_org("enterprise")
    await tp.join(a, alliance, "2021-03-01")
    await tp.join(b, alliance, "2020-01-10", "2023-06-30")
    d = directory_of(tp)
    try:
        periods = {str(p.org_id): (p.joined_on, p.ended_on) for p in await d.alliance_members(uuid.UUID(alliance))}
        assert {k: tuple(map(lambda v: v and v.isoformat(), v)) for k, v in periods.items()} == {
            a: ("2021-03-01", None),
            b: ("2020-01-10", "2023-06-30"),
        }
        assert await d.alliance_members(uuid.uuid4()) is None
    finally:
        await d.close()
