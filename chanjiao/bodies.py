"""Request bodies at the edge: how large a body may be, by route, and the middleware that enforces it.

The same rule runs twice — in the gateway, before anything is forwarded, and in every service (so a service
reached by another service, or directly, is protected too):

* a declared `Content-Length` over the route's limit is refused before a byte of the body is read;
* a chunked (or under-declared) body is counted as it arrives and cut off as soon as it passes the limit;
* either way the answer is `413` problem+json naming the limit (`max_bytes`), with `Connection: close`, so the
  rest of an oversized upload is never read.

Limits (settings on `chanjiao/settings.py` `KernelSettings`, shared by all processes): `max_body_bytes` for
every route, `max_batch_body_bytes` for the batch routes (`…/batch`, up to 1000 items) and
`max_import_body_bytes` for the spreadsheet imports (`…/imports`, `…/member-imports`; the file itself is
limited to 5 MiB by `chanjiao/spreadsheets.py`, which answers the finer 413 below this limit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chanjiao.errors import AppError, problem_body
from chanjiao.i18n import wants_english

MiB = 1024 * 1024

# The last path segment of the routes with a larger limit.
BATCH_SEGMENTS = frozenset({"batch"})
IMPORT_SEGMENTS = frozenset({"imports", "member-imports"})


class BodyTooLarge(AppError):
    status, slug = 413, "payload-too-large"
    title_zh, title_en = "请求体过大", "Payload too large"


def _sizes(n: int) -> tuple[str, str]:
    """`n` bytes for people: (`1 MiB（1048576 字节）`, `1 MiB (1048576 bytes)`)."""
    for unit, size in (("MiB", MiB), ("KiB", 1024)):
        if n % size == 0:
            return f"{n // size} {unit}（{n} 字节）", f"{n // size} {unit} ({n} bytes)"
    return f"{n} 字节", f"{n} bytes"


def body_too_large(limit: int) -> BodyTooLarge:
    zh, en = _sizes(limit)
    return BodyTooLarge(
        detail_zh=f"请求体不能超过 {zh}",
        detail_en=f"The request body may not exceed {en}",
        headers={"Connection": "close"},
        extra={"max_bytes": limit},
    )


class BodyLimitExceeded(Exception):
    """Raised from a counting `receive` (or a body iterator) once a body passes its limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


@dataclass(frozen=True)
class BodyLimits:
    default: int
    batch: int
    imports: int

    @classmethod
    def from_settings(cls, settings: object) -> BodyLimits:
        return cls(
            default=settings.max_body_bytes,  # type: ignore[attr-defined]
            batch=settings.max_batch_body_bytes,  # type: ignore[attr-defined]
            imports=settings.max_import_body_bytes,  # type: ignore[attr-defined]
        )

    def for_path(self, path: str) -> int:
        last = path.rstrip("/").rpartition("/")[2]
        if last in IMPORT_SEGMENTS:
            return self.imports
        if last in BATCH_SEGMENTS:
            return self.batch
        return self.default


def declared_length(scope: Scope) -> int | None:
    """The request's `Content-Length`, or None (absent, chunked, or not a number)."""
    for k, v in scope["headers"]:
        if k == b"content-length":
            return int(v) if v.isdigit() else None
    return None


def problem_message(scope: Scope, error: AppError, request_id: str | None) -> tuple[Message, Message]:
    """The `http.response.start` and body messages of a typed error answered outside any framework."""
    english = wants_english(HTTPConnection(scope))
    body = json.dumps(
        problem_body(
            slug=error.slug,
            title=error.title_en if english else error.title_zh,
            status=error.status,
            detail=(error.detail_en if english else error.detail_zh) or error.title_zh,
            instance=scope["path"],
            request_id=request_id,
            extra=error.extra,
        ),
        ensure_ascii=False,
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", b"%d" % len(body)),
        *((k.lower().encode(), v.encode()) for k, v in error.headers.items()),
    ]
    return (
        {"type": "http.response.start", "status": error.status, "headers": headers},
        {"type": "http.response.body", "body": body},
    )


class BodyLimitMiddleware:
    """Pure ASGI, in every service: the route's limit on the declared length, then on the bytes as they arrive.

    When the count passes the limit, `receive` raises inside the app; whatever the app then tries to answer is
    dropped and the 413 is sent instead (unless the app had already begun its answer)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_path(scope["path"])
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, send, limit)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise BodyLimitExceeded(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyLimitExceeded(limit)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to the broken read; the 413 below replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyLimitExceeded:
            if started:
                raise
        if exceeded and not started:
            await self._refuse(scope, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, limit: int) -> None:
        state = scope.get("state") or {}
        start, body = problem_message(scope, body_too_large(limit), state.get("request_id"))
        await send(start)
        await send(body)
