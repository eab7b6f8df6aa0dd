"""The proxy hot path: raw ASGI in, a pooled keep-alive HTTP/1.1 client (gateway/pool.py) out.

No FastAPI routing and no per-request client here (both measured to eat most of a service's
throughput, see docs/benchmarks.md). Hop-by-hop headers are stripped; `X-Request-ID`,
`traceparent` and the signed internal token go downstream; bodies up to 1 MiB are relayed in one
piece and larger or chunked ones are streamed, counted as they pass and cut off with a 413 once they
exceed the route's limit (chanjiao/bodies.py); an unreachable service is 503 and a slow one 504,
as problem+json with `Retry-After`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import httpx
from starlette.requests import HTTPConnection
from starlette.types import Message, Receive, Scope, Send

from chanjiao.auth import INTERNAL_TOKEN_HEADER
from chanjiao.bodies import BodyLimitExceeded, body_too_large
from chanjiao.errors import AppError, problem_body
from chanjiao.http import make_client
from chanjiao.i18n import wants_english
from gateway.pool import ConnectionPool, UpstreamTimeout, UpstreamUnavailable

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
        b"proxy-connection",
    }
)
# Never accepted from clients: only the gateway mints the internal token and the forwarding headers,
# and the client's credentials stop here (services see only the internal token).
_DROP_FROM_CLIENT = HOP_BY_HOP | {
    b"host",
    INTERNAL_TOKEN_HEADER.encode(),
    b"authorization",
    b"x-api-key",
    b"x-chanjiao-service-token",
    b"x-request-id",
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
}
# The gateway's server (uvicorn) writes its own Date; the service's would make two.
_DROP_FROM_UPSTREAM = (HOP_BY_HOP - {b"proxy-authenticate"}) | {b"date"}
_BUFFER_LIMIT = 1 << 20  # bodies up to 1 MiB are relayed in one piece; larger ones are streamed
_TOKEN_HEADER = INTERNAL_TOKEN_HEADER.encode()


class Upstream:
    """One service: the hot-path connection pool, plus an httpx client for the gateway's own calls
    (health, OpenAPI). Both are created in lifespan."""

    def __init__(self, name: str, base_url: str, *, connect_timeout: float, read_timeout: float, pool_size: int):
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.pool_size = pool_size
        self.pool: ConnectionPool | None = None
        self.client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        self.pool = ConnectionPool(
            self.base_url,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            max_connections=self.pool_size,
        )
        self.client = make_client(self.base_url, connect=self.connect_timeout, read=5.0, max_connections=8)

    async def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        if self.client is not None:
            await self.client.aclose()
            self.client = None


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
    extra_headers: list[tuple[bytes, bytes]] | None = None,
    extra: dict[str, object] | None = None,
) -> None:
    english = wants_english(HTTPConnection(scope))
    title, detail = en if english else zh
    body = json.dumps(
        problem_body(
            slug=slug,
            title=title,
            status=status,
            detail=detail,
            instance=scope["path"],
            request_id=request_id,
            extra=extra,
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
    if extra_headers:
        headers += extra_headers
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_app_error(
    scope: Scope,
    send: Send,
    exc: AppError,
    *,
    request_id: str,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """A typed error (401, 429, 503 …) answered by the gateway itself, with the error's own headers."""
    await _send_problem(
        scope,
        send,
        status=exc.status,
        slug=exc.slug,
        zh=(exc.title_zh, exc.detail_zh or exc.title_zh),
        en=(exc.title_en, exc.detail_en or exc.title_en),
        request_id=request_id,
        extra_headers=[
            *((k.lower().encode(), v.encode()) for k, v in exc.headers.items()),
            *(extra_headers or ()),
        ],
        extra=exc.extra,
    )


async def _rest_of_body(receive: Receive, first: Message, limit: int | None = None) -> AsyncIterator[bytes]:
    """The body as it arrives; past `limit` bytes, `BodyLimitExceeded` (nothing more is read or sent on)."""
    total = len(first.get("body", b""))
    if limit is not None and total > limit:
        raise BodyLimitExceeded(limit)
    if first.get("body"):
        yield first["body"]
    more = first.get("more_body", False)
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise UpstreamUnavailable("client went away while sending the body")
        chunk = message.get("body", b"")
        total += len(chunk)
        if limit is not None and total > limit:
            raise BodyLimitExceeded(limit)
        if chunk:
            yield chunk
        more = message.get("more_body", False)


def _connection_tokens(headers: list[tuple[bytes, bytes]]) -> frozenset[bytes]:
    """Header names a client lists in `Connection` are hop-by-hop too (RFC 9110 §7.6.1)."""
    names: set[bytes] = set()
    for k, v in headers:
        if k == b"connection":
            names.update(t.strip().lower() for t in v.split(b","))
    names -= {b"keep-alive", b"close", b""}
    return frozenset(names)


def request_head(
    scope: Scope, upstream_host: bytes, request_id: str, token: bytes, client_ip: str | None = None
) -> tuple[bytes, bool, bool, bool]:
    """The request head for the service, and (has_length, is_chunked, has_idempotency_key).
    `client_ip`: the client as the gateway established it (default: the peer address)."""
    target = scope.get("raw_path") or scope["path"].encode()
    qs = scope.get("query_string", b"")
    parts = [scope["method"].encode(), b" ", target, b"?" + qs if qs else b"", b" HTTP/1.1\r\nhost: ", upstream_host]
    has_length = chunked = idem = False
    host = None
    headers = scope["headers"]
    named_hops = _connection_tokens(headers)
    for k, v in headers:
        if k in _DROP_FROM_CLIENT or (named_hops and k in named_hops):
            if k == b"transfer-encoding":
                chunked = b"chunked" in v.lower()
            elif k == b"host":
                host = v
            continue
        if k == b"content-length":
            has_length = True
        elif k == b"idempotency-key":
            idem = True
        parts += (b"\r\n", k, b": ", v)
    if host is not None:
        parts += (b"\r\nx-forwarded-host: ", host)
    if client_ip is None:
        client = scope.get("client")
        client_ip = client[0] if client else None
    if client_ip:
        parts += (b"\r\nx-forwarded-for: ", client_ip.encode("latin-1"))
    parts += (
        b"\r\nx-forwarded-proto: ",
        scope.get("scheme", "http").encode(),
        b"\r\nx-request-id: ",
        request_id.encode(),
        b"\r\n",
        _TOKEN_HEADER,
        b": ",
        token,
    )
    if chunked and not has_length:
        parts.append(b"\r\ntransfer-encoding: chunked")
    parts.append(b"\r\n\r\n")
    return b"".join(parts), has_length, chunked and not has_length, idem


async def proxy(
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    upstream: Upstream,
    principal_token: bytes,
    request_id: str,
    retry_after: int,
    client_ip: str | None = None,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
    body_limit: int | None = None,
) -> int:
    """Forward one request; returns the status sent to the client. `extra_headers` (the rate-limit
    headers) are added to whatever the client gets. A streamed body longer than `body_limit` is cut
    off: the service's connection is dropped and the client gets 413."""
    pool = upstream.pool
    assert pool is not None
    head, has_length, chunked, idem = request_head(scope, pool.host_header, request_id, principal_token, client_ip)
    body: bytes | AsyncIterator[bytes] | None = None
    if has_length or chunked:
        first = await receive()
        if not first.get("more_body", False) and has_length:
            body = first.get("body", b"")
        else:
            body = _rest_of_body(receive, first, body_limit)
    method = scope["method"].encode()
    try:
        exchange = await pool.request(method, head, body, chunked=chunked, retry_safe=idem)
    except BodyLimitExceeded as exc:
        await send_app_error(scope, send, body_too_large(exc.limit), request_id=request_id, extra_headers=extra_headers)
        return 413
    except UpstreamTimeout:
        log.warning("upstream %s timed out", upstream.name)
        await _send_problem(
            scope,
            send,
            status=504,
            slug="gateway-timeout",
            request_id=request_id,
            retry_after=retry_after,
            extra_headers=extra_headers,
            zh=("后端服务超时", f"{upstream.name} 服务响应超时，请稍后重试"),
            en=("Gateway timeout", f"The {upstream.name} service timed out; retry later"),
        )
        return 504
    except UpstreamUnavailable as exc:
        log.warning("upstream %s unavailable: %s", upstream.name, exc)
        await _send_problem(
            scope,
            send,
            status=503,
            slug="service-unavailable",
            request_id=request_id,
            retry_after=retry_after,
            extra_headers=extra_headers,
            zh=("后端服务暂不可用", f"{upstream.name} 服务暂不可用，其他服务不受影响，请稍后重试"),
            en=(
                "Service unavailable",
                f"The {upstream.name} service is unavailable; other services keep working. Retry later",
            ),
        )
        return 503
    try:
        length = None
        headers = []
        has_request_id = False
        for k, v in exchange.headers:
            if k in _DROP_FROM_UPSTREAM:
                continue
            if k == b"content-length":
                length = int(v)
            elif k == b"x-request-id":
                has_request_id = True
            headers.append((k, v))
        if not has_request_id:
            headers.append((b"x-request-id", request_id.encode()))
        if extra_headers:
            headers += extra_headers
        status = exchange.status
        if method == b"HEAD" or status in (204, 304) or (length is not None and length <= _BUFFER_LIMIT):
            payload = b"" if method == b"HEAD" else await exchange.read_all()
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
        else:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            async for chunk in exchange.iter_body():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        return status
    except (UpstreamTimeout, UpstreamUnavailable) as exc:
        # The response had begun (or its body broke off): nothing sensible to send but a 502-ish close.
        log.warning("upstream %s failed mid-response: %s", upstream.name, exc)
        raise
    finally:
        exchange.finish()
