"""CORS at the gateway: which browser origins may call the API.

The allow-list is `cors_origins` (gateway/settings.py): exact origins, or `scheme://host:*` for
any port of a host. Unset, it is `http://localhost:*, http://127.0.0.1:*` in development and empty
otherwise — a deployment names its web app's and school portals' origins explicitly.

* A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered here, on any
  path, without touching a service, a credential or a rate bucket: 204 with the allowed methods and
  request headers for an allowed origin, a 403 problem (and no `Access-Control-Allow-Origin`, so the
  browser refuses) for any other.
* Every answer to a request from an allowed origin — proxied, or the gateway's own (401, 404, 413,
  429, 503 …) — carries `Access-Control-Allow-Origin: <that origin>` and exposes `EXPOSE_HEADERS`.
  An answer to another origin carries no `Access-Control-Allow-Origin`, so the browser does not hand
  it to the page. While the allow-list is not empty every answer carries `Vary: Origin`.
* No credentials mode: `Access-Control-Allow-Credentials` is never sent. Authentication travels in
  the `Authorization` header, never in cookies.
* `X-API-Key` is not an allowed request header, and a request that sends one with an `Origin` of
  another site is refused (403, gateway/main.py): API keys belong to servers, a browser app signs
  its user in and sends a bearer token. The gateway's own origin (its API docs' "try it out") is not
  another site.
"""

from __future__ import annotations

import re

from starlette.types import Message, Scope, Send

from chanjiao.errors import Forbidden
from gateway.proxy import send_app_error
from gateway.settings import GatewaySettings

ALLOW_METHODS = b"GET, HEAD, POST, PUT, PATCH, DELETE"
ALLOW_HEADERS = (
    b"Authorization, Content-Type, Accept, Accept-Language, If-Match, If-None-Match, "
    b"If-Modified-Since, Idempotency-Key, X-Request-ID, traceparent"
)
EXPOSE_HEADERS = (
    b"ETag, Location, Last-Modified, Content-Disposition, Retry-After, WWW-Authenticate, "
    b"RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, X-Request-ID"
)
_VARY_ORIGIN = (b"vary", b"Origin")


class OriginPolicy:
    def __init__(self, settings: GatewaySettings) -> None:
        origins = settings.cors_origin_list()
        self.exact = frozenset(o.encode() for o in origins if not o.endswith(":*"))
        any_port = [re.escape(o[:-2]) for o in origins if o.endswith(":*")]
        self.any_port = re.compile(("(" + "|".join(any_port) + ")(:\\d{1,5})?").encode()) if any_port else None
        self.enabled = bool(origins)
        self.max_age = b"%d" % settings.cors_max_age_seconds

    def allows(self, origin: bytes) -> bool:
        if origin in self.exact:
            return True
        return self.any_port is not None and self.any_port.fullmatch(origin) is not None

    async def preflight(self, scope: Scope, send: Send, origin: bytes, request_id: str) -> None:
        if not self.allows(origin):
            await send_app_error(scope, send, origin_refused(), request_id=request_id, extra_headers=[_VARY_ORIGIN])
            return
        headers = [
            (b"access-control-allow-origin", origin),
            (b"access-control-allow-methods", ALLOW_METHODS),
            (b"access-control-allow-headers", ALLOW_HEADERS),
            (b"access-control-max-age", self.max_age),
            (b"vary", b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
            (b"content-length", b"0"),
            (b"x-request-id", request_id.encode()),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    def wrap(self, send: Send, origin: bytes | None) -> Send:
        """The send that adds the CORS headers for `origin` (only `Vary: Origin` for a refused one, or
        for a request without `Origin`: a shared cache must not hand that answer to a browser page)."""
        if origin is not None and self.allows(origin):
            added = [(b"access-control-allow-origin", origin), (b"access-control-expose-headers", EXPOSE_HEADERS)]
        else:
            added = []
        added.append(_VARY_ORIGIN)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        return send_with_cors


def is_preflight(scope: Scope) -> bool:
    return scope["method"] == "OPTIONS" and any(k == b"access-control-request-method" for k, _ in scope["headers"])


def origin_refused() -> Forbidden:
    return Forbidden(
        detail_zh="该来源（Origin）不在网关的跨域允许列表中（cors_origins）",
        detail_en="This origin is not in the gateway's CORS allow-list (cors_origins)",
        extra={"rule": "cors-origin-not-allowed"},
    )


def same_origin(scope: Scope, origin: bytes) -> bool:
    """The request comes from a page the gateway itself served (its docs)."""
    host = next((v for k, v in scope["headers"] if k == b"host"), None)
    # The scheme is not compared: behind a TLS terminator the gateway itself is spoken to in plain HTTP.
    return host is not None and origin.partition(b"://")[2] == host


def api_key_from_browser() -> Forbidden:
    return Forbidden(
        detail_zh="浏览器来源（带 Origin 请求头）的请求不接受 X-API-Key：API 密钥只供服务器使用，"
        "网页应用请登录后使用 Bearer 令牌",
        detail_en="X-API-Key is not accepted from a browser origin (the request carries an Origin header): "
        "API keys belong to servers; a web app signs its user in and sends a bearer token",
        extra={"rule": "api-key-not-from-browser"},
    )
