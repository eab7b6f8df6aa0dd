"""A real browser against a real gateway: Debian's Chromium driven by Playwright, the platform of
tests/gateway/conftest.py (real services, real Postgres) with its gateway on a real socket.

Skips with the reason where Playwright or a Chromium is missing (`make test` as a normal user);
`.ci/run` installs Chromium and sets CHANJIAO_REQUIRE_BROWSER=1, which turns that skip into a failure.
Chromium comes from $CHANJIAO_TEST_CHROMIUM, else `chromium` / `chromium-browser` on PATH, else
/usr/bin/chromium: Playwright's own browser download is not used."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.gateway.conftest import Upstream, platform  # noqa: F401  (the fixture, for the browser tests)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    candidates = [
        os.environ.get("CHANJIAO_TEST_CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        "/usr/bin/chromium",
    ]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def _missing(reason: str) -> None:
    if os.environ.get("CHANJIAO_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CHANJIAO_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium_path() -> str:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[dev]'); the browser test of /docs did not run")
    path = find_chromium()
    if path is None:
        _missing(
            "no Chromium on this machine (as root: apt-get install chromium; or set CHANJIAO_TEST_CHROMIUM); "
            "the browser test of /docs did not run"
        )
    return path  # type: ignore[return-value]


@dataclass
class LiveGateway:
    """The platform's gateway on a real socket (its lifespan already runs in the platform fixture)."""

    url: str
    outside: list[str] = field(default_factory=list)  # requests the browser tried to send elsewhere


@pytest.fixture(scope="module")
async def live_gateway(platform) -> AsyncIterator[LiveGateway]:  # noqa: F811
    server = Upstream("gateway", platform.gateway, lifespan="off")
    await server.start()
    try:
        yield LiveGateway(url=server.url)
    finally:
        await server.stop()


@pytest.fixture(scope="module")
async def chromium(
    chromium_path: str, live_gateway: LiveGateway, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Any]:
    """A fresh Chromium profile whose every request to anywhere but the gateway is refused and recorded."""
    from playwright.async_api import async_playwright

    async def only_the_gateway(route: Any) -> None:
        url = route.request.url
        if url.startswith(live_gateway.url + "/") or url.startswith(("data:", "blob:")):
            await route.continue_()
        else:
            live_gateway.outside.append(url)
            await route.abort()

    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
            locale="zh-CN",
        )
        try:
            await context.route("**/*", only_the_gateway)
            # Generous: Swagger UI resolves and renders ~500 kB of OpenAPI; on a loaded 2-core machine that
            # takes seconds.
            context.set_default_timeout(90_000)
            yield context
        finally:
            await context.close()


@pytest.fixture
async def browser(chromium: Any, live_gateway: LiveGateway) -> Any:
    """The browser context, with the record of requests to other hosts emptied for this test."""
    live_gateway.outside.clear()
    return chromium
