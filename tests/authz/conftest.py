"""Fixtures of the authorisation matrix: the three services in process and the World of tenants."""

from collections.abc import AsyncIterator

import pytest

from tests.authz.harness import Platform, World, build_apps, build_world
from tests.conftest import Database


@pytest.fixture(scope="module")
async def platform(database: Database) -> AsyncIterator[Platform]:
    async with Platform(build_apps(database)) as p:
        yield p


@pytest.fixture(scope="module")
async def world(platform: Platform) -> World:
    return await build_world(platform)
