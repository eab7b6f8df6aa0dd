"""The gateway against real services: each service app on `uvicorn.Server` (port 0) inside the
test loop, the gateway driven in process. Nothing of ours is mocked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from chanjiao.settings import GatewaySettings, MatchingSettings, TrainingSettings
from gateway.main import Gateway, create_app
from tests.conftest import TEST_KEY, Database, membership_settings, scanning_client


@dataclass
class Upstream:
    """A service running on a real socket; can be stopped and started again on the same port."""

    name: str
    app: FastAPI
    port: int = 0
    server: uvicorn.Server | None = None
    task: asyncio.Task | None = field(default=None, repr=False)

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_config=None, access_log=False, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.01)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None and self.task is not None:
            self.server.should_exit = True
            await self.task
            self.server = self.task = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Platform:
    gateway: Gateway
    client: httpx.AsyncClient
    upstreams: dict[str, Upstream]


@pytest.fixture(scope="module")
async def platform(database: Database) -> AsyncIterator[Platform]:
    from services.matching.main import create_app as matching_app
    from services.membership.main import create_app as membership_app
    from services.training.main import create_app as training_app

    common = {"internal_token_key": TEST_KEY, "environment": "development"}
    upstreams = {
        "membership": Upstream("membership", membership_app(membership_settings(database))),
        "training": Upstream(
            "training", training_app(TrainingSettings(database_url=database.urls["training"], **common))
        ),
        "matching": Upstream(
            "matching", matching_app(MatchingSettings(database_url=database.urls["matching"], **common))
        ),
    }
    for u in upstreams.values():
        await u.start()
    gw = create_app(
        GatewaySettings(
            **common,
            membership_url=upstreams["membership"].url,
            training_url=upstreams["training"].url,
            matching_url=upstreams["matching"].url,
            connect_timeout_seconds=1.0,
            read_timeout_seconds=5.0,
        )
    )
    async with gw.inner.router.lifespan_context(gw.inner):
        async with scanning_client(transport=httpx.ASGITransport(app=gw), base_url="http://gateway") as client:
            yield Platform(gateway=gw, client=client, upstreams=upstreams)
    for u in upstreams.values():
        await u.stop()
