"""What the gateway forwards, observed by a header-echoing upstream (a test server, not one of ours)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from chanjiao.auth import INTERNAL_TOKEN_HEADER, InternalTokenVerifier
from chanjiao.pg_embedded import free_port
from gateway.main import create_app
from gateway.settings import GatewaySettings
from tests.conftest import TEST_KEY
from tests.gateway.conftest import Upstream


async def slow(request: Request) -> JSONResponse:
    await asyncio.sleep(1.5)
    return JSONResponse({})


async def echo(request: Request) -> JSONResponse:
    return JSONResponse(
        {
            "headers": [[k, v] for k, v in request.headers.items()],
            "path": request.url.path,
            "query": request.url.query,
            "body": (await request.body()).decode(),
        },
        headers={"connection": "keep-alive", "x-upstream": "yes"},
    )


@pytest.fixture(scope="module")
async def echo_gateway():
    upstream = Upstream(
        "echo",
        Starlette(routes=[Route("/v1/organizations/slow", slow), Route("/{path:path}", echo, methods=["GET", "POST"])]),
    )
    await upstream.start()
    dead = f"http://127.0.0.1:{free_port()}"
    gw = create_app(
        GatewaySettings(
            internal_token_key=TEST_KEY,
            membership_url=upstream.url,
            training_url=dead,
            matching_url=dead,
            read_timeout_seconds=0.5,
        )
    )
    async with gw.inner.router.lifespan_context(gw.inner):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gw, client=("203.0.113.9", 5555)), base_url="http://api.example"
        ) as client:
            yield client
    await upstream.stop()


async def test_forwarded_headers(echo_gateway):
    trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    r = await echo_gateway.post(
        "/v1/organizations/x?a=1&b=%E4%B8%AD",
        content=b'{"k": 1}',
        headers={
            "traceparent": trace,
            "connection": "keep-alive, x-hop",
            "te": "trailers",
            "x-request-id": "rid-1",
            INTERNAL_TOKEN_HEADER: "forged",
            "x-forwarded-for": "10.0.0.1",
            "content-type": "application/json",
        },
    )
    assert r.status_code == 200
    seen = r.json()
    headers: dict[str, list[str]] = {}
    for k, v in seen["headers"]:
        headers.setdefault(k, []).append(v)
    assert headers["traceparent"] == [trace]
    assert headers["x-request-id"] == ["rid-1"]
    assert headers["x-forwarded-for"] == ["203.0.113.9"]  # the gateway's view, not the client's claim
    assert headers["x-forwarded-host"] == ["api.example"]
    assert "te" not in headers and "connection" not in headers and "x-hop" not in headers
    assert len(headers[INTERNAL_TOKEN_HEADER]) == 1
    principal = InternalTokenVerifier(TEST_KEY).verify(headers[INTERNAL_TOKEN_HEADER][0].encode())
    assert principal.is_anonymous
    assert seen["path"] == "/v1/organizations/x" and seen["query"] == "a=1&b=%E4%B8%AD"
    assert seen["body"] == '{"k": 1}'
    # hop-by-hop headers of the upstream's response are not passed on either
    assert "keep-alive" not in r.headers.get("connection", "") and r.headers["x-upstream"] == "yes"
    assert r.headers["x-request-id"] == "rid-1"


async def test_other_services_down_only_affect_their_routes(echo_gateway):
    assert (await echo_gateway.get("/v1/learners")).status_code == 503
    assert (await echo_gateway.get("/v1/demands", headers={"Accept-Language": "en"})).json()[
        "title"
    ] == "Service unavailable"
    assert (await echo_gateway.get("/v1/organizations")).status_code == 200


async def test_a_slow_service_is_504_with_retry_after(echo_gateway):
    r = await echo_gateway.get("/v1/organizations/slow", headers={"Accept-Language": "en"})
    assert r.status_code == 504 and r.headers["retry-after"] == "5"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["title"] == "Gateway timeout"
    assert (await echo_gateway.get("/v1/organizations")).status_code == 200  # and the pool carries on
