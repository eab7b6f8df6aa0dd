"""Compression at the gateway (gateway/compression.py), over real sockets: a stand-in service whose
answers have known sizes, types and cache headers, then the real services (the regions table, a
record's ETag round trip, the answers that carry secrets)."""

from __future__ import annotations

import asyncio
import json
import uuid
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import brotli
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from gateway.compression import negotiate
from gateway.main import create_app
from gateway.settings import GatewaySettings
from tests.conftest import TEST_KEY
from tests.gateway.conftest import BOOTSTRAP_ADMIN, UNLIMITED, Upstream

# About a 500-learner page: ~200 KB of JSON.
PAGE = {
    "items": [
        {
            "id": str(uuid.UUID(int=i)),
            "name": f"学员{i:04d}",
            "org_id": "7d0c3f0e-4c1b-4f57-9a55-3f8a2b1c0d9e",
            "programme": "数控技术应用",
            "status": "enrolled",
            "updated_at": f"2026-11-{1 + i % 28:02d}T08:{i % 60:02d}:00Z",
            "notes": "x" * (i % 97),
        }
        for i in range(500)
    ],
    "next_cursor": None,
}
PAGE_BYTES = json.dumps(PAGE, ensure_ascii=False).encode()
Answer = tuple[httpx.Response, bytes]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StandIn:
    """A service with answers of every kind; records the conditional headers it was sent."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str | None]] = []
        self.release = asyncio.Event()

    async def page(self, request: Request) -> Response:
        self.seen.append({h: request.headers.get(h) for h in ("if-none-match", "if-match", "accept-encoding")})
        if request.headers.get("if-none-match") == '"41"':
            return Response(status_code=304, headers={"ETag": '"41"'})
        if request.method == "PATCH":
            ok = request.headers.get("if-match") == '"41"'
            return JSONResponse({"ok": ok}, status_code=200 if ok else 412, headers={"ETag": '"41"'})
        return Response(PAGE_BYTES, media_type="application/json", headers={"ETag": '"41"'})

    async def weak(self, request: Request) -> Response:
        self.seen.append({"if-none-match": request.headers.get("if-none-match")})
        if request.headers.get("if-none-match") == 'W/"w-7"':
            return Response(status_code=304, headers={"ETag": 'W/"w-7"'})
        return Response(PAGE_BYTES, media_type="application/json", headers={"ETag": 'W/"w-7"'})

    @staticmethod
    async def small(request: Request) -> Response:
        return JSONResponse({"id": "1", "name": "小"})

    @staticmethod
    async def xlsx(request: Request) -> Response:
        return Response(PAGE_BYTES, media_type=XLSX, headers={"Content-Disposition": 'attachment; filename="a.xlsx"'})

    @staticmethod
    async def secret(request: Request) -> Response:
        return Response(PAGE_BYTES, media_type="application/json", headers={"Cache-Control": "no-store"})

    @staticmethod
    async def problem(request: Request) -> Response:
        return Response(PAGE_BYTES, status_code=422, media_type="application/problem+json")

    async def stream(self, request: Request) -> Response:
        async def rows() -> AsyncIterator[bytes]:
            yield b'{"row": 0, "name": "first"}\n' * 200
            await self.release.wait()  # the rest only once the client has had the first part
            for i in range(1, 50):
                yield (json.dumps({"row": i, "name": "学员" * 20}, ensure_ascii=False) + "\n").encode() * 50

        return StreamingResponse(rows(), media_type="application/x-ndjson")

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/learners/page", self.page, methods=["GET", "HEAD", "PATCH"]),
                Route("/v1/learners/weak", self.weak),
                Route("/v1/learners/small", self.small),
                Route("/v1/learners/export", self.xlsx),
                Route("/v1/learners/secret", self.secret),
                Route("/v1/learners/problem", self.problem),
                Route("/v1/learners/stream", self.stream),
                Route("/v1/auth/token", self.page, methods=["GET", "POST"]),
            ]
        )


@asynccontextmanager
async def served(stand_in: StandIn, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway on a real socket in front of the stand-in; the client decodes nothing itself."""
    service = Upstream("service", stand_in.app())
    await service.start()
    gw = create_app(
        GatewaySettings(
            internal_token_key=TEST_KEY,
            environment="test",
            membership_url=service.url,
            training_url=service.url,
            matching_url=service.url,
            **{**UNLIMITED, **overrides},
        )
    )
    front = Upstream("gateway", gw)  # type: ignore[arg-type]
    await front.start()
    try:
        async with httpx.AsyncClient(base_url=front.url, headers={"Accept-Encoding": "identity"}) as client:
            yield client
    finally:
        await front.stop()
        await service.stop()


async def raw(
    client: httpx.AsyncClient, path: str, method: str = "GET", **headers: str
) -> tuple[httpx.Response, bytes]:
    """The answer and its body as sent (not decoded)."""
    async with client.stream(method, path, headers=headers) as r:
        body = b"".join([chunk async for chunk in r.aiter_raw()])
    return r, body


def decoded(r: httpx.Response, body: bytes) -> bytes:
    encoding = r.headers.get("content-encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return zlib.decompress(body, 31)
    assert encoding is None
    return body


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("gzip, deflate, br", "br"),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", "br"),
        ("gzip", "gzip"),
        ("x-gzip", "gzip"),
        ("br;q=0.5, gzip", "gzip"),
        ("br;q=0, gzip;q=0", None),
        ("br;q=0, *", "gzip"),
        ("*", "br"),
        ("identity", None),
        ("deflate", None),
        ("", None),
        ("gzip;q=abc, br;q=0.3", "br"),
    ],
)
def test_the_encoding_follows_accept_encoding(accept, chosen):
    assert negotiate(accept.encode()) == chosen


async def test_a_large_json_answer_is_compressed_in_the_encoding_asked_for():
    async with served(StandIn()) as client:
        for accept, encoding, etag in (
            ("gzip, deflate, br", "br", '"41-br"'),
            ("gzip", "gzip", '"41-gzip"'),
            ("br;q=0.4, gzip;q=0.9", "gzip", '"41-gzip"'),
            ("identity", None, '"41"'),
        ):
            r, body = await raw(client, "/v1/learners/page", **{"Accept-Encoding": accept})
            assert r.status_code == 200
            assert r.headers.get("content-encoding") == encoding, accept
            assert r.headers["vary"].lower() == "accept-encoding"
            assert r.headers["etag"] == etag  # one tag per encoding: a cache never mixes them up
            assert decoded(r, body) == PAGE_BYTES
            assert int(r.headers["content-length"]) == len(body)
            assert r.headers["ratelimit-limit"]  # the gateway's own headers are still there
            if encoding:
                assert len(body) * 5 < len(PAGE_BYTES), (encoding, len(body))
        r, body = await raw(client, "/v1/learners/problem", **{"Accept-Encoding": "gzip"})
        assert r.status_code == 422 and r.headers["content-encoding"] == "gzip"
        assert decoded(r, body) == PAGE_BYTES
        r = await client.head("/v1/learners/page", headers={"Accept-Encoding": "br"})
        assert "content-encoding" not in r.headers and r.headers["vary"].lower() == "accept-encoding"


async def test_small_answers_and_spreadsheets_go_as_they_are():
    async with served(StandIn()) as client:
        r, body = await raw(client, "/v1/learners/small", **{"Accept-Encoding": "br, gzip"})
        assert "content-encoding" not in r.headers and json.loads(body) == {"id": "1", "name": "小"}
        assert r.headers["vary"].lower() == "accept-encoding"  # a larger answer here would be compressed
        r, body = await raw(client, "/v1/learners/export", **{"Accept-Encoding": "br, gzip"})
        assert "content-encoding" not in r.headers and body == PAGE_BYTES  # xlsx is a zip already
        assert "vary" not in r.headers
    async with served(StandIn(), compression_min_bytes=len(PAGE_BYTES) + 1) as client:
        r, body = await raw(client, "/v1/learners/page", **{"Accept-Encoding": "br"})
        assert "content-encoding" not in r.headers and body == PAGE_BYTES
    async with served(StandIn(), compression_enabled=False) as client:
        r, body = await raw(client, "/v1/learners/page", **{"Accept-Encoding": "br"})
        assert "content-encoding" not in r.headers and r.headers["etag"] == '"41"'


async def test_answers_that_carry_secrets_are_never_compressed():
    async with served(StandIn(), compression_min_bytes=1) as client:
        r, body = await raw(client, "/v1/learners/secret", **{"Accept-Encoding": "br, gzip"})
        assert r.headers["cache-control"] == "no-store"
        assert "content-encoding" not in r.headers and body == PAGE_BYTES
        for method in ("GET", "POST"):
            r, body = await raw(client, "/v1/auth/token", method, **{"Accept-Encoding": "br, gzip"})
            assert "content-encoding" not in r.headers and body == PAGE_BYTES
            assert r.headers["etag"] == '"41"'


async def test_an_encoded_etag_still_revalidates_and_matches():
    stand_in = StandIn()
    async with served(stand_in) as client:
        for tag in ('"41-gzip"', '"41-br"'):
            r, _ = await raw(client, "/v1/learners/page", **{"Accept-Encoding": "gzip, br", "If-None-Match": tag})
            assert r.status_code == 304
            assert r.headers["etag"] == tag  # the tag the client holds
            assert r.headers["vary"].lower() == "accept-encoding"
            assert stand_in.seen[-1]["if-none-match"] == '"41"'  # the service saw its own tag
        r, _ = await raw(client, "/v1/learners/page", **{"If-None-Match": '"40-br", "41-gzip"'})
        assert r.status_code == 200  # the service saw `"40", "41"`, which its equality check does not match
        assert stand_in.seen[-1]["if-none-match"] == '"40", "41"'
        r, _ = await raw(client, "/v1/learners/weak", **{"Accept-Encoding": "gzip"})
        assert r.headers["etag"] == 'W/"w-7-gzip"'
        r, _ = await raw(client, "/v1/learners/weak", **{"Accept-Encoding": "gzip", "If-None-Match": 'W/"w-7-gzip"'})
        assert r.status_code == 304 and r.headers["etag"] == 'W/"w-7-gzip"'
        r = await client.patch("/v1/learners/page", headers={"If-Match": '"41-br"'}, json={})
        assert r.status_code == 200 and r.json() == {"ok": True}
        assert stand_in.seen[-1]["if-match"] == '"41"'
        r = await client.patch("/v1/learners/page", headers={"If-Match": '"40-br"'}, json={})
        assert r.status_code == 412


async def test_a_streamed_answer_is_compressed_as_it_streams():
    for encoding in ("gzip", "br"):
        stand_in = StandIn()
        async with served(stand_in) as client:
            async with client.stream("GET", "/v1/learners/stream", headers={"Accept-Encoding": encoding}) as r:
                assert r.headers["content-encoding"] == encoding
                assert "content-length" not in r.headers
                decoder = brotli.Decompressor() if encoding == "br" else zlib.decompressobj(31)
                chunks = r.aiter_raw()
                first = await asyncio.wait_for(anext(chunks), 5)  # sent before the service has finished
                text = decoder.process(first) if encoding == "br" else decoder.decompress(first)
                assert text.startswith(b'{"row": 0, "name": "first"}\n')
                stand_in.release.set()
                rest = b"".join([chunk async for chunk in chunks])
            text += decoder.process(rest) if encoding == "br" else decoder.decompress(rest) + decoder.flush()
            lines = text.decode().splitlines()
            assert len(lines) == 200 + 49 * 50 and json.loads(lines[-1])["row"] == 49
            assert len(first) + len(rest) * 5 < len(text)


# ---- the real services ---------------------------------------------------------------------------
@asynccontextmanager
async def in_front_of(platform, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Another gateway in front of the platform's services, sending the platform admin's token."""
    ups = platform.upstreams
    gw = create_app(
        GatewaySettings(
            internal_token_key=TEST_KEY,
            environment="test",
            membership_url=ups["membership"].url,
            training_url=ups["training"].url,
            matching_url=ups["matching"].url,
            **{**UNLIMITED, **overrides},
        )
    )
    async with gw.inner.router.lifespan_context(gw.inner):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gw), base_url="http://gateway", headers=platform.admin_headers
        ) as client:
            yield client


async def test_the_real_services_answers_compressed_except_secrets(platform):
    async with in_front_of(platform) as client:
        r, body = await raw(client, "/v1/reference/regions", **{"Accept-Encoding": "gzip, deflate, br"})
        assert r.status_code == 200 and r.headers["content-encoding"] == "br"
        table = brotli.decompress(body)
        assert len(body) * 5 < len(table) and json.loads(table)
    async with in_front_of(platform, compression_min_bytes=1) as client:
        accept = {"Accept-Encoding": "br, gzip"}
        body = {"name": f"压缩测试单位{uuid.uuid4().hex[:6]}", "org_type": "enterprise", "region_code": "370102"}
        r = await client.post("/v1/organizations", json=body, headers=accept)
        assert r.status_code == 201 and r.headers["content-encoding"] == "br", r.text
        org, etag = r.json(), r.headers["etag"]
        assert etag.endswith('-br"')
        r = await client.get(f"/v1/organizations/{org['id']}", headers={**accept, "If-None-Match": etag})
        assert r.status_code == 304 and r.headers["etag"] == etag
        r = await client.patch(
            f"/v1/organizations/{org['id']}",
            json={"name": org["name"] + "（改）"},
            headers={**accept, "If-Match": etag},
        )
        assert r.status_code == 200, r.text
        r = await client.patch(
            f"/v1/organizations/{org['id']}", json={"name": org["name"] + "（再改）"}, headers={"If-Match": etag}
        )
        assert r.status_code == 412  # the suffix is stripped, not the check
        # Secrets: an API key as it is created, and tokens, go uncompressed whatever their size.
        r = await client.post(
            "/v1/api-keys",
            json={"name": "教务系统", "org_id": org["id"], "scopes": ["membership:read"]},
            headers=accept,
        )
        assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
        assert "content-encoding" not in r.headers and r.json()["key"]
        login, password = BOOTSTRAP_ADMIN
        r = await client.post(
            "/v1/auth/token",
            data={"grant_type": "password", "username": login, "password": password},
            headers={**accept, "Authorization": ""},
        )
        assert r.status_code == 200 and r.json()["access_token"], r.text
        assert "content-encoding" not in r.headers
