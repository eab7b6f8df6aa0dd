"""Request bodies are capped at the gateway as they arrive (chanjiao/bodies.py): a declared length over the
route's limit is refused before any byte is read, a chunked body is cut off once it passes the limit, and the
batch and spreadsheet-import routes have their own larger limits. The gateway listens on a real socket here,
so "refused before the client finished sending" is observed as a client would."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from chanjiao.pg_embedded import free_port
from gateway.main import create_app
from gateway.settings import GatewaySettings
from tests.conftest import TEST_KEY
from tests.gateway.conftest import Upstream, send_partly

KiB = 1024
LIMITS = {"max_body_bytes": 64 * KiB, "max_batch_body_bytes": 128 * KiB, "max_import_body_bytes": 256 * KiB}
JSON = {"content-type": "application/json"}


async def count(request: Request) -> JSONResponse:
    return JSONResponse({"received": len(await request.body())})


@pytest.fixture(scope="module")
async def gateway_port() -> AsyncIterator[tuple[int, Upstream]]:
    """A gateway on a socket: membership is a body-counting server, training a port nobody listens on (a
    request forwarded there would be 503, so a 413 from it proves nothing was forwarded)."""
    counter = Upstream("membership", Starlette(routes=[Route("/{path:path}", count, methods=["POST", "GET"])]))
    await counter.start()
    dead = f"http://127.0.0.1:{free_port()}"
    gw = create_app(
        GatewaySettings(
            internal_token_key=TEST_KEY,
            environment="test",
            membership_url=counter.url,
            training_url=dead,
            matching_url=dead,
            connect_timeout_seconds=0.5,
            **LIMITS,
        )
    )
    server = Upstream("gateway", gw)
    await server.start()
    yield server.port, counter
    await server.stop()
    await counter.stop()


def assert_413(answer, limit: int, *, english: bool = False) -> None:
    assert answer.status == 413, answer.body
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"].endswith(":payload-too-large") and body["max_bytes"] == limit
    if english:
        assert body["title"] == "Payload too large" and f"({limit} bytes)" in body["detail"]
    else:
        assert body["title"] == "请求体过大" and f"（{limit} 字节）" in body["detail"]


async def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(gateway_port):
    port, _ = gateway_port
    # 200 MB announced, not one byte sent: the answer comes anyway, and from the gateway (training is down).
    answer = await send_partly(port, "POST", "/v1/learners", {**JSON, "content-length": str(200 * 1024 * KiB)}, [])
    assert_413(answer, 64 * KiB)
    assert answer.sent == 0
    english = {**JSON, "content-length": str(64 * KiB + 1), "accept-language": "en"}
    assert_413(await send_partly(port, "POST", "/v1/learners", english, []), 64 * KiB, english=True)


async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(gateway_port):
    port, _ = gateway_port
    # 80 KiB of a body that would go on for ever: the 413 arrives while the client is still "sending".
    chunks = [b"[" + b" " * (8 * KiB - 1)] * 10
    answer = await send_partly(port, "POST", "/v1/organizations", JSON, chunks, chunked=True)
    assert_413(answer, 64 * KiB)
    assert answer.sent <= 80 * KiB


async def test_a_streamed_body_longer_than_declared_cannot_pass_either(gateway_port):
    port, _ = gateway_port
    # Declared just under the limit and sent in pieces: forwarded, and the service got all of it.
    body = b"x" * (64 * KiB)
    answer = await send_partly(
        port, "POST", "/v1/organizations", {**JSON, "content-length": str(len(body))}, [body[:1000], body[1000:]]
    )
    assert answer.status == 200 and answer.json() == {"received": 64 * KiB}


async def test_bodies_within_the_limit_are_forwarded(gateway_port):
    port, _ = gateway_port
    chunks = [b"y" * (16 * KiB)] * 4  # exactly the limit, chunked
    answer = await send_partly(port, "POST", "/v1/organizations", JSON, chunks, chunked=True, finish=True)
    assert answer.status == 200 and answer.json() == {"received": 64 * KiB}


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/v1/organizations/batch", 128 * KiB),
        ("/v1/organizations/imports", 256 * KiB),
        ("/v1/alliances/0190a5b0-0000-7000-8000-000000000001/member-imports", 256 * KiB),
    ],
)
async def test_batch_and_import_routes_have_their_larger_limits(gateway_port, path, limit):
    port, _ = gateway_port
    within = b"z" * limit
    answer = await send_partly(port, "POST", path, {"content-length": str(limit)}, [within])
    assert answer.status == 200 and answer.json() == {"received": limit}
    assert_413(await send_partly(port, "POST", path, {"content-length": str(limit + 1)}, []), limit)
    chunks = [b"z" * (32 * KiB)] * (limit // (32 * KiB) + 1)
    assert_413(await send_partly(port, "POST", path, {}, chunks, chunked=True), limit)


def test_the_default_limits_are_documented_values():
    s = GatewaySettings()
    assert (s.max_body_bytes, s.max_batch_body_bytes, s.max_import_body_bytes) == (1 << 20, 4 << 20, 8 << 20)
    with pytest.raises(ValueError, match="max_body_bytes"):
        GatewaySettings(max_body_bytes=0)


async def test_an_ordinary_client_that_sends_everything_first_gets_the_413_and_keeps_its_connection(gateway_port):
    """httpx writes the whole body before reading: it still reads the 413 (the rest is discarded, not refused
    with a reset), and its next request on the same connection is answered."""
    port, _ = gateway_port

    async def body():
        for _ in range(64):
            yield b"w" * (64 * KiB)  # 4 MiB, chunked

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        r = await client.post("/v1/organizations", content=body(), headers=JSON)
        assert r.status_code == 413 and r.json()["max_bytes"] == 64 * KiB
        r = await client.post("/v1/organizations", content=b"x" * (3 * 1024 * KiB), headers=JSON)
        assert r.status_code == 413
        r = await client.post("/v1/organizations", content=b"{}", headers=JSON)
        assert r.status_code == 200 and r.json() == {"received": 2}
