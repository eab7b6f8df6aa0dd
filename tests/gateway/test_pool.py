"""The gateway's upstream connection pool against a real HTTP server (uvicorn) speaking the edge
cases our services may produce: chunked and large bodies, HEAD, slow answers, closed connections."""

from __future__ import annotations

import asyncio

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from chanjiao.pg_embedded import free_port
from gateway.pool import ConnectionPool, UpstreamTimeout, UpstreamUnavailable
from tests.gateway.conftest import Upstream

BIG = b"x" * (3 * 1024 * 1024 + 7)


async def big(request: Request) -> Response:
    async def gen():
        for i in range(0, len(BIG), 65536):
            yield BIG[i : i + 65536]

    return StreamingResponse(gen(), media_type="application/octet-stream")  # chunked, no length


async def echo(request: Request) -> Response:
    body = await request.body()
    return PlainTextResponse(f"{request.method} {len(body)} {request.headers.get('transfer-encoding')}")


async def slow(request: Request) -> Response:
    await asyncio.sleep(2)
    return PlainTextResponse("late")


APP = Starlette(
    routes=[Route("/big", big), Route("/echo", echo, methods=["GET", "POST", "HEAD"]), Route("/slow", slow)]
)


@pytest.fixture(scope="module")
async def server():
    u = Upstream("edge", APP)
    await u.start()
    yield u
    await u.stop()


def head(method: str, path: str, extra: str = "") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nhost: test{extra}\r\n\r\n".encode()


async def test_keep_alive_reuses_one_connection(server):
    pool = ConnectionPool(server.url, connect_timeout=1, read_timeout=5, max_connections=8)
    for _ in range(20):
        ex = await pool.request(b"GET", head("GET", "/echo"))
        assert ex.status == 200 and await ex.read_all() == b"GET 0 None"
        ex.finish()
    assert len(pool._idle) == 1
    pool.close()


async def test_large_chunked_response_streams(server):
    pool = ConnectionPool(server.url, connect_timeout=1, read_timeout=5, max_connections=8)
    ex = await pool.request(b"GET", head("GET", "/big"))
    assert dict(ex.headers)[b"transfer-encoding"] == b"chunked"
    got = bytearray()
    async for piece in ex.iter_body():
        got += piece
    ex.finish()
    assert bytes(got) == BIG
    pool.close()


async def test_request_bodies_with_length_and_chunked(server):
    pool = ConnectionPool(server.url, connect_timeout=1, read_timeout=5, max_connections=8)
    ex = await pool.request(b"POST", head("POST", "/echo", "\r\ncontent-length: 5"), b"hello")
    assert await ex.read_all() == b"POST 5 None"
    ex.finish()

    async def pieces():
        for p in (b"ab", b"", b"cde"):
            yield p

    ex = await pool.request(b"POST", head("POST", "/echo", "\r\ntransfer-encoding: chunked"), pieces(), chunked=True)
    assert await ex.read_all() == b"POST 5 chunked"
    ex.finish()
    pool.close()


async def test_head_has_no_body(server):
    pool = ConnectionPool(server.url, connect_timeout=1, read_timeout=5, max_connections=8)
    ex = await pool.request(b"HEAD", head("HEAD", "/echo"))
    assert ex.status == 200
    ex.finish()
    ex = await pool.request(b"GET", head("GET", "/echo"))  # the pool still works afterwards
    assert await ex.read_all() == b"GET 0 None"
    ex.finish()
    pool.close()


async def test_slow_upstream_times_out_and_pool_recovers(server):
    pool = ConnectionPool(server.url, connect_timeout=1, read_timeout=0.3, max_connections=1)
    with pytest.raises(UpstreamTimeout):
        await pool.request(b"GET", head("GET", "/slow"))
    ex = await pool.request(b"GET", head("GET", "/echo"))  # the only slot was given back
    assert ex.status == 200
    ex.finish()
    pool.close()


async def test_unreachable_upstream():
    pool = ConnectionPool(f"http://127.0.0.1:{free_port()}", connect_timeout=0.5, read_timeout=1, max_connections=2)
    with pytest.raises(UpstreamUnavailable):
        await pool.request(b"GET", head("GET", "/"))
    pool.close()


async def test_a_connection_closed_by_the_server_is_retried_for_safe_requests(server):
    pool = ConnectionPool(server.url, connect_timeout=1, read_timeout=5, max_connections=4)
    ex = await pool.request(b"GET", head("GET", "/echo"))
    await ex.read_all()
    ex.finish()
    await server.stop()  # closes the idle keep-alive connection
    await server.start()
    await asyncio.sleep(0.05)
    ex = await pool.request(b"GET", head("GET", "/echo"))
    assert await ex.read_all() == b"GET 0 None"
    ex.finish()
    pool.close()


async def test_a_chunked_client_body_through_the_gateway(platform):
    async def body():
        yield '{"name": "分块上传测试学院", '.encode()
        yield b'"org_type": "other", "region_code": "110105"}'

    r = await platform.client.post("/v1/organizations", content=body(), headers={"content-type": "application/json"})
    assert r.status_code == 201, r.text
