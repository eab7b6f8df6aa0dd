"""ETag / If-Match for optimistic concurrency: two clerks never overwrite each other silently; and revalidation.

A versioned record's tag is its version (`"7"`). An answer without a version — every list page, `/v1/users/me`,
the reference tables — gets a weak tag computed from its JSON bytes (`W/"…"`, a hash: exact, never stale), and
`If-None-Match` with that tag answers 304 with no body. Lists get it once, here: `PageRevalidationMiddleware`
(installed by chanjiao/app.py) tags every `GET` answer of a route whose `response_model` has `items` (a `Page`),
and marks it `Cache-Control: private, no-cache` (revalidate every time) unless the route chose its own. `.xlsx`
exports are not JSON and are not tagged.

Every `GET` answer (200 or 304) leaves with a `Cache-Control` (`cache_control_for`, the rule table below): a route
that sets its own keeps it, the rest get the table's. A versioned record also says when it last changed
(`Last-Modified` from `updated_at`, `versioned_response`); `If-Modified-Since` is not honoured — `updated_at` is
taken before commit and a second holds many writes, so a date cannot tell two versions apart; the ETag can.

A page's tag leaves out its sync watermark — `sync_token` and the same token carried at the head of
`next_cursor` (chanjiao/sync.py) — because the watermark moves after every transaction in the service, even one
the page does not show. An older watermark is always safe (it only returns more rows), so a 304 lets the client
keep its stored page, token and cursor. The query is not hashed either: another query is another URL, and
caches keep tags by URL. docs/sync.md, "Revalidation".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chanjiao.errors import PreconditionFailed

# Tenant data: any cache may keep it only for this user, and must ask again (a 304 is cheap) before every use.
PRIVATE_REVALIDATE = "private, no-cache"
# Secrets (tokens, keys, a revealed ID number) and live status: never kept by any cache.
NO_STORE = "no-store"
# Public reference data (services/membership/reference/router.py): anyone may keep it for an hour.
PUBLIC_HOUR = "public, max-age=3600"

# `Cache-Control` of every GET answer, by kind (docs/sync.md, "Revalidation"). The routes of all but the last two rows
# set theirs themselves, and the middleware never overrides a route's own value; it adds the last two rows.
#   public reference tables   /v1/reference/*            PUBLIC_HOUR (with `Last-Modified` once a code is added)
#   the token-signing keys    /v1/auth/jwks              public, max-age=300
#     and certificate keys    /v1/certificates/verification-key
#   certificate verification  /v1/certificates/verify    public, max-age=60
#   anything with a secret    new keys, reset tokens, …  NO_STORE (the route's answer)
#   live status               /health, /metrics          NO_STORE (LIVE_STATUS_PATHS)
#   tenant data               every other GET            PRIVATE_REVALIDATE (records, lists, exports, stats)
LIVE_STATUS_PATHS = frozenset({"/health", "/metrics"})


def cache_control_for(path: str) -> str:
    """The `Cache-Control` a GET answer of `path` gets when its route set none."""
    return NO_STORE if path in LIVE_STATUS_PATHS else PRIVATE_REVALIDATE


def http_date(when: datetime) -> str:
    """An HTTP date (`Thu, 03 Dec 2026 08:00:00 GMT`), as `Last-Modified` carries it."""
    return format_datetime(when.astimezone(UTC), usegmt=True)


def etag_for(version: int) -> str:
    return f'"{version}"'


def versioned_response(
    body: BaseModel, status_code: int = 200, *, by_alias: bool = False, **headers: str
) -> JSONResponse:
    """A single versioned resource as JSON with its `ETag` (the version in quotes) and, when it has an
    `updated_at`, its `Last-Modified`."""
    changed = getattr(body, "updated_at", None)
    dated = {"Last-Modified": http_date(changed)} if isinstance(changed, datetime) else {}
    return JSONResponse(
        body.model_dump(mode="json", by_alias=by_alias),
        status_code=status_code,
        headers={"ETag": etag_for(body.version), **dated, **headers},  # type: ignore[attr-defined]
    )


def check_if_match(if_match: str | None, version: int) -> None:
    """`If-Match` is optional; when given it must list the current tag (or `*`), else 412."""
    if if_match is None:
        return
    current = etag_for(version)
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" in tags or current in tags:
        return
    raise PreconditionFailed(
        detail_zh="资源已被他人修改，请重新读取后再提交（If-Match 与当前 ETag 不一致）",
        detail_en="The resource changed since you read it (If-Match does not match the current ETag)",
        extra={"current_etag": current},
    )


def if_none_match_hits(if_none_match: str | None, version: int) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag_for(version) in tags


# The conditional-request headers, as route parameters (one definition for every service).
IfMatch = Annotated[
    str | None,
    Header(description="读取时得到的 ETag，已过期则 412（可选） The ETag you read; a stale one is 412 (optional)"),
]
IfNoneMatch = Annotated[
    str | None, Header(description="手中已有的 ETag，未变化则 304 An ETag you hold; unchanged → 304")
]


# ---- revalidation of answers without a version -------------------------------------------------------------
def content_etag(body: bytes) -> str:
    """A weak tag from an answer's bytes (BLAKE2b, 128 bits): changes exactly when the answer does."""
    digest = base64.urlsafe_b64encode(hashlib.blake2b(body, digest_size=16).digest()).decode().rstrip("=")
    return f'W/"{digest}"'


# A sync page's JSON ends with its cursor and watermark (`Page` field order, chanjiao/pagination.py; JSON without
# spaces as `JSONResponse` writes it). A `"` after `,` or `:` cannot be escaped, so a match is the top-level keys.
_SYNC_TAIL = re.compile(rb',"next_cursor":(null|"[A-Za-z0-9_-]*"),"sync_token":"[0-9]+"\}\Z')


def _cursor_without_token(cursor: bytes) -> bytes:
    """A sync walk's cursor is `[token, *last_key]` (chanjiao/sync.py): keep only the key."""
    if cursor == b"null":
        return cursor
    raw = cursor.strip(b'"')
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError):
        return cursor
    if not isinstance(values, list) or not values:
        return cursor
    return json.dumps(values[1:], separators=(",", ":")).encode()


def page_etag(body: bytes) -> str:
    """A list page's weak tag: its JSON bytes without the sync watermark (`sync_token`, and the token inside
    `next_cursor`), so a write the page does not show leaves the tag as it was."""
    tail = _SYNC_TAIL.search(body)
    if tail is not None:
        return content_etag(body[: tail.start()] + b',"next_cursor":' + _cursor_without_token(tail.group(1)) + b"}")
    if b'"sync_token"' not in body or body.endswith(b',"sync_token":null}'):
        return content_etag(body)
    try:  # a page laid out otherwise: the same rule on its parsed form
        page = json.loads(body)
    except ValueError:
        return content_etag(body)
    if not isinstance(page, dict) or not isinstance(page.get("sync_token"), str):
        return content_etag(body)
    del page["sync_token"]
    if isinstance(page.get("next_cursor"), str):
        page["next_cursor"] = _cursor_without_token(page["next_cursor"].encode()).decode()
    return content_etag(json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode())


def tag_listed(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §8.8.3.2): does `If-None-Match` list `etag`, or `*`?"""
    if not if_none_match:
        return False
    ours = etag.removeprefix("W/")
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or ours in tags


def not_modified(etag: str, headers: dict[str, str]) -> Response:
    """304: the tag and the cache headers a 200 would have carried, no body."""
    return Response(status_code=304, headers={"ETag": etag, **headers})


def revalidated_json(
    content: Any, if_none_match: str | None, *, cache_control: str = PRIVATE_REVALIDATE, **headers: str
) -> Response:
    """`content` as JSON with its content tag, or 304 when `If-None-Match` already holds that tag."""
    response = JSONResponse(content, headers={"Cache-Control": cache_control, **headers})
    etag = content_etag(bytes(response.body))
    if tag_listed(if_none_match, etag):
        return not_modified(etag, {"Cache-Control": cache_control, **headers})
    response.headers["ETag"] = etag
    return response


def is_page_route(route: Any) -> bool:
    """A `GET` list route: its declared answer has `items` — a `Page` (`{"items": [...], "next_cursor": ...}`,
    chanjiao/pagination.py) or an unpaged list of one record's rows (`{"org_id": …, "items": [...]}`)."""
    if not isinstance(route, APIRoute) or "GET" not in route.methods:
        return False
    model = route.response_model
    return isinstance(model, type) and issubclass(model, BaseModel) and "items" in model.model_fields


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


class PageRevalidationMiddleware:
    """Every list page's 200 gets a content tag and `Cache-Control: private, no-cache` (unless it has its own);
    a `GET` whose `If-None-Match` lists the tag answers 304 without a body. Only JSON answers of page routes
    that carry no `ETag` yet are held (in memory: one page, at most 500 rows); everything else streams past,
    with the rule table's `Cache-Control` added to a 200 or 304 that has none (`cache_control_for`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        chunks: list[bytes] = []

        async def tagging_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                content_type = _header(headers, b"content-type") or b""
                if (
                    message["status"] == 200
                    and content_type.startswith(b"application/json")
                    and _header(headers, b"etag") is None
                    and is_page_route(scope.get("route"))  # set by the router, in this same scope
                ):
                    held.append(message)
                    return
                if message["status"] in (200, 304) and _header(headers, b"cache-control") is None:
                    rule = cache_control_for(scope.get("path", "")).encode()
                    message = {**message, "headers": [*headers, (b"cache-control", rule)]}
                await send(message)
                return
            if not held or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            start, body = held.pop(), b"".join(chunks)
            etag = page_etag(body)
            cache = _header(start["headers"], b"cache-control") or cache_control_for(scope.get("path", "")).encode()
            if tag_listed(_request_header(scope, b"if-none-match"), etag):
                await not_modified(etag, {"Cache-Control": cache.decode("latin-1")})(scope, receive, send)
                return
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"cache-control"]
            headers += [(b"etag", etag.encode()), (b"cache-control", cache)]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, tagging_send)


def _request_header(scope: Scope, name: bytes) -> str | None:
    value = _header(scope.get("headers", []), name)
    return value.decode("latin-1") if value is not None else None
