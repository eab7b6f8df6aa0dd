"""The proxy hot path: raw ASGI in, one shared aiohttp session per upstream out, bodies streamed.

No FastAPI routing and no per-request client here (both measured to eat most of a service's
throughput, see docs/benchmarks.md). Hop-by-hop headers are stripped; `X-Request-ID`, `traceparent`
and the signed internal token go downstream; an unreachable upstream is 503 and a slow one 504,
as problem+json with `Retry-After`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import aiohttp
from starlette.requests import HTTPConnection
from starlette.types import Receive, Scope, Send
from yarl import URL

from chanjiao.auth import INTERNAL_TOKEN_HEADER
from chanjiao.errors import problem_body
from chanjiao.i18n import wants_english

log = logging.getLogger("chanjiao.gateway.proxy")

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"proxy-connection",
    }
)
# Never accepted from clients: only the gateway mints the internal token.
_DROP_FROM_CLIENT = HOP_BY_HOP | {
    INTERNAL_TOKEN_HEADER.encode(),
    b"x-request-id",
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
}
_DROP_FROM_UPSTREAM = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
_BUFFER_LIMIT = 1 << 20  # responses up to 1 MiB are sent in one piece; larger ones are streamed


class Upstream:
    """One service: its base URL and a pooled aiohttp session, created in lifespan."""

    def __init__(self, name: str, base_url: str, *, connect_timeout: float, read_timeout: float, pool_size: int):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout, sock_read=read_timeout)
        self.pool_size = pool_size
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=self.pool_size, keepalive_timeout=30, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=self.timeout,
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None


async def _send_problem(
    scope: Scope,
    send: Send,
    *,
    status: int,
    slug: str,
    zh: tuple[str, str],
    en: tuple[str, str],
    request_id: str,
    retry_after: int | None = None,
) -> None:
    english = wants_english(HTTPConnection(scope))
    title, detail = en if english else zh
    body = json.dumps(
        problem_body(
            slug=slug, title=title, status=status, detail=detail, instance=scope["path"], request_id=request_id
        ),
        ensure_ascii=False,
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _request_body(receive: Receive, first: dict) -> AsyncIterator[bytes]:
    if first.get("body"):
        yield first["body"]
    more = first.get("more_body", False)
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        if message.get("body"):
            yield message["body"]
        more = message.get("more_body", False)


async def proxy(
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    upstream: Upstream,
    principal_token: bytes,
    request_id: str,
    retry_after: int,
) -> int:
    """Forward one request; returns the status sent to the client."""
    assert upstream.session is not None
    client = scope.get("client")
    headers: list[tuple[str, str]] = []
    has_body = False
    for k, v in scope["headers"]:
        if k in _DROP_FROM_CLIENT:
            continue
        if k == b"content-length" or k == b"transfer-encoding":
            has_body = True
        headers.append((k.decode("latin-1"), v.decode("latin-1")))
    headers.append(("x-request-id", request_id))
    headers.append((INTERNAL_TOKEN_HEADER, principal_token.decode()))
    if client:
        headers.append(("x-forwarded-for", client[0]))
    headers.append(("x-forwarded-proto", scope.get("scheme", "http")))
    for k, v in scope["headers"]:
        if k == b"host":
            headers.append(("x-forwarded-host", v.decode("latin-1")))
            break

    data: bytes | AsyncIterator[bytes] | None = None
    if has_body:
        first = await receive()
        if not first.get("more_body", False):
            data = first.get("body", b"")
        else:
            data = _request_body(receive, first)
    qs = scope.get("query_string", b"")
    raw_path = scope.get("raw_path") or scope["path"].encode()
    url = URL(upstream.base_url + raw_path.decode("latin-1") + ("?" + qs.decode("latin-1") if qs else ""), encoded=True)
    started = False
    try:
        async with upstream.session.request(
            scope["method"], url, headers=headers, data=data, allow_redirects=False
        ) as resp:
            out_headers = [(k.lower(), v) for k, v in resp.raw_headers if k.lower() not in _DROP_FROM_UPSTREAM]
            if not any(k == b"x-request-id" for k, _ in out_headers):
                out_headers.append((b"x-request-id", request_id.encode()))
            length = resp.content_length
            if scope["method"] == "HEAD" or resp.status in (204, 304):
                await send({"type": "http.response.start", "status": resp.status, "headers": out_headers})
                started = True
                await send({"type": "http.response.body", "body": b""})
            elif length is not None and length <= _BUFFER_LIMIT:
                body = await resp.read()
                await send({"type": "http.response.start", "status": resp.status, "headers": out_headers})
                started = True
                await send({"type": "http.response.body", "body": body})
            else:
                await send({"type": "http.response.start", "status": resp.status, "headers": out_headers})
                started = True
                async for chunk in resp.content.iter_chunked(65536):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
            return resp.status
    except (TimeoutError, aiohttp.ServerTimeoutError):
        if started:
            raise
        log.warning("upstream %s timed out", upstream.name)
        await _send_problem(
            scope,
            send,
            status=504,
            slug="gateway-timeout",
            request_id=request_id,
            retry_after=retry_after,
            zh=("后端服务超时", f"{upstream.name} 服务响应超时，请稍后重试"),
            en=("Gateway timeout", f"The {upstream.name} service timed out; retry later"),
        )
        return 504
    except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, OSError):
        if started:
            raise
        log.warning("upstream %s unavailable", upstream.name)
        await _send_problem(
            scope,
            send,
            status=503,
            slug="service-unavailable",
            request_id=request_id,
            retry_after=retry_after,
            zh=("后端服务暂不可用", f"{upstream.name} 服务暂不可用，其他服务不受影响，请稍后重试"),
            en=(
                "Service unavailable",
                f"The {upstream.name} service is unavailable; other services keep working. Retry later",
            ),
        )
        return 503
