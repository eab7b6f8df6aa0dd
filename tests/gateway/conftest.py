"""The gateway against real services: each service app on `uvicorn.Server` (port 0) inside the
test loop, the gateway driven in process. Nothing of ours is mocked.

Credentials: `platform.client` sends a platform admin's access token (minted with the key membership
derives from the internal key), `platform.anonymous` none; `access_token()` mints others.
`gateway(**settings)` builds a gateway in front of a stand-in membership (JWKS, introspection that
counts its calls, a header echo) for the auth and rate-limit tests."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from chanjiao.auth import INTERNAL_TOKEN_HEADER, InternalTokenVerifier, Principal, scopes_for_roles
from chanjiao.tokens import AccessTokenIssuer, derive_signing_key
from gateway.main import Gateway, create_app
from gateway.settings import GatewaySettings
from services.matching.settings import MatchingSettings
from services.training.settings import TrainingSettings
from tests.conftest import TEST_KEY, Database, membership_settings, scanning_client


@dataclass
class Upstream:
    """A service running on a real socket; can be stopped and started again on the same port."""

    name: str
    app: FastAPI | Starlette
    port: int = 0
    lifespan: str = "on"  # "off": the app's lifespan already runs elsewhere (e.g. the platform's gateway)
    server: uvicorn.Server | None = None
    task: asyncio.Task | None = field(default=None, repr=False)

    async def start(self) -> None:
        # As chanjiao/serve.py runs them: uvicorn never rewrites the client address from forwarding headers.
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan=self.lifespan,
            proxy_headers=False,
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
class RawAnswer:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int  # body bytes the client had written when the answer arrived

    def json(self) -> Any:
        return json.loads(self.body)


async def send_partly(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str],
    chunks: list[bytes],
    *,
    chunked: bool = False,
    finish: bool = False,
) -> RawAnswer:
    """Write a request head and then `chunks` over a plain socket — stopping there, however much the head
    announced (unless `finish`: then the chunked body is ended) — and read the answer. A server that waited
    for the whole body would never answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    if chunked:
        head.append("transfer-encoding: chunked")
    sent = 0
    try:
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        for chunk in chunks:
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            await writer.drain()
            sent += len(chunk)
        if chunked and finish:
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except ConnectionError:
        pass  # the server answered and closed while the client was still writing
    try:
        raw = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        answer_headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await asyncio.wait_for(reader.readexactly(int(answer_headers.get("content-length", "0"))), 10)
    finally:
        writer.close()
    return RawAnswer(status, answer_headers, body, sent)


ISSUER = AccessTokenIssuer(derive_signing_key(TEST_KEY), ttl_seconds=3600)
# The platform's membership creates this platform admin on start (CHANJIAO_BOOTSTRAP_ADMIN).
BOOTSTRAP_ADMIN = ("platform.root", "Gw-Test-" + secrets.token_hex(8))


def access_token(
    subject: str = "test-platform-admin",
    *,
    org_id: str | None = None,
    roles: tuple[str, ...] = ("platform_admin",),
    alliances: tuple[str, ...] = (),
    scopes: tuple[str, ...] | None = None,
    issuer: AccessTokenIssuer = ISSUER,
) -> str:
    """An access JWT as membership would sign it (same key: derived from the internal key)."""
    token, _ = issuer.issue(
        user_id=subject,
        session_id="test-session",
        org_id=org_id,
        roles=roles,
        alliances=alliances,
        scopes=scopes_for_roles(roles) if scopes is None else scopes,
    )
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# High limits for the shared platform, so the suite never trips them (the rate-limit tests build
# their own gateways with small buckets).
UNLIMITED = {
    "rate_limit_per_minute": 1_000_000,
    "rate_limit_burst": 100_000,
    "rate_limit_anonymous_per_minute": 1_000_000,
    "rate_limit_anonymous_burst": 100_000,
    "rate_limit_verify_per_minute": 1_000_000,
    "rate_limit_verify_burst": 100_000,
}


@dataclass
class Platform:
    gateway: Gateway
    client: httpx.AsyncClient  # sends `admin_headers` (a platform admin's access token) by default
    anonymous: httpx.AsyncClient  # sends no credentials
    upstreams: dict[str, Upstream]
    admin_headers: dict[str, str]


@pytest.fixture(scope="module")
async def platform(database: Database) -> AsyncIterator[Platform]:
    from services.matching.main import create_app as matching_app
    from services.membership.main import create_app as membership_app
    from services.training.main import create_app as training_app

    common = {"internal_token_key": TEST_KEY, "environment": os.environ.get("CHANJIAO_TEST_PLATFORM_ENV", "test")}
    upstreams = {
        "membership": Upstream(
            "membership",
            membership_app(
                membership_settings(
                    database, environment=common["environment"], bootstrap_admin=":".join(BOOTSTRAP_ADMIN)
                )
            ),
        ),
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
            **UNLIMITED,
        )
    )
    admin = bearer(access_token())
    async with gw.inner.router.lifespan_context(gw.inner):
        assert await gw.auth.fetch_jwks(), "the gateway could not fetch membership's JWKS"
        transport = httpx.ASGITransport(app=gw)
        async with (
            scanning_client(transport=transport, base_url="http://gateway", headers=admin) as client,
            scanning_client(transport=transport, base_url="http://gateway") as anonymous,
        ):
            yield Platform(gateway=gw, client=client, anonymous=anonymous, upstreams=upstreams, admin_headers=admin)
    for u in upstreams.values():
        await u.stop()


# ---- a stand-in membership, for observing the gateway's auth (JWKS, introspection, outages) ------
VERIFIER = InternalTokenVerifier(TEST_KEY)
WWW_AUTHENTICATE = 'Bearer realm="chanjiao", ApiKey header="X-API-Key"'


def principal_json(p: Principal) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "subject": p.subject,
        "org_id": p.org_id,
        "roles": list(p.roles),
        "scopes": list(p.scopes),
        "alliances": list(p.alliances),
    }


class FakeMembership:
    """JWKS + introspection + an echo that decodes the internal token it was sent."""

    def __init__(self) -> None:
        self.issuer = ISSUER
        self.api_keys: dict[str, dict[str, Any]] = {}
        self.introspections = 0
        self.jwks_fetches = 0
        self.delay = 0.0
        self.callers: list[Principal] = []

    def add_key(self, key: str, *, org_id: str = "org-1", scopes: tuple[str, ...] = ("membership:read",), **extra):
        self.api_keys[key] = {
            "active": True,
            "principal": {
                "kind": "api_key",
                "subject": f"key-{key[-4:]}",
                "org_id": org_id,
                "roles": ["org_admin"],
                "scopes": list(scopes),
                "alliances": [],
            },
            "expires_at": None,
            **extra,
        }

    async def jwks(self, request: Request) -> JSONResponse:
        self.jwks_fetches += 1
        self.callers.append(VERIFIER.verify(request.headers[INTERNAL_TOKEN_HEADER].encode()))
        return JSONResponse(self.issuer.jwks())

    async def introspect(self, request: Request) -> JSONResponse:
        self.introspections += 1
        self.callers.append(VERIFIER.verify(request.headers[INTERNAL_TOKEN_HEADER].encode()))
        body = await request.json()
        if self.delay:
            await asyncio.sleep(self.delay)
        return JSONResponse(self.api_keys.get(body["api_key"], {"active": False}))

    @staticmethod
    async def echo(request: Request) -> JSONResponse:
        principal = VERIFIER.verify(request.headers[INTERNAL_TOKEN_HEADER].encode())
        return JSONResponse(
            {"principal": principal_json(principal), "headers": dict(request.headers), "path": request.url.path}
        )

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/auth/jwks", self.jwks),
                Route("/v1/auth/introspect", self.introspect, methods=["POST"]),
                Route("/{path:path}", self.echo, methods=["GET", "POST", "PATCH"]),
            ]
        )


@pytest.fixture(scope="module")
async def fake() -> AsyncIterator[tuple[FakeMembership, Upstream, Upstream]]:
    membership = FakeMembership()
    up = Upstream("membership", membership.app())
    other = Upstream("training", Starlette(routes=[Route("/{path:path}", FakeMembership.echo)]))
    await up.start()
    await other.start()
    yield membership, up, other
    await up.stop()
    await other.stop()


GatewayFactory = Callable[..., Any]


@pytest.fixture
def gateway(fake) -> GatewayFactory:
    membership, up, other = fake

    @asynccontextmanager
    async def make(client_addr: tuple[str, int] = ("198.51.100.7", 4000), **overrides: Any):
        values: dict[str, Any] = {
            "internal_token_key": TEST_KEY,
            "environment": "test",
            "membership_url": up.url,
            "training_url": other.url,
            "matching_url": other.url,
            "connect_timeout_seconds": 0.5,
            **overrides,
        }
        gw = create_app(GatewaySettings(**values))
        async with gw.inner.router.lifespan_context(gw.inner):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=gw, client=client_addr), base_url="http://gateway"
            ) as client:
                client.gw = gw  # type: ignore[attr-defined]
                yield client

    return make


def gw_of(client: httpx.AsyncClient) -> Gateway:
    return client.gw  # type: ignore[attr-defined]


async def until(predicate: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def assert_401(r: httpx.Response, english: bool = False) -> None:
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == WWW_AUTHENTICATE
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 401 and body["type"].endswith(":unauthorized")
    assert body["title"] == ("Not authenticated" if english else "未认证")
    assert body["request_id"] == r.headers["x-request-id"]
