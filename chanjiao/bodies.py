"""Request bodies at the edge: how large a body may be, by route, how deep its JSON may nest, and the middleware
that enforces both.

The same rule runs twice — in the gateway, before anything is forwarded, and in every service (so a service
reached by another service, or directly, is protected too):

* a declared `Content-Length` over the route's limit is refused before a byte of the body is read;
* a chunked (or under-declared) body is counted as it arrives and cut off as soon as it passes the limit;
* either way the answer is `413` problem+json naming the limit (`max_bytes`), sent at once. Nothing more of the
  body is passed on or kept: uvicorn reads and discards what the client still sends, for at most its keep-alive
  timeout (5 s) after the answer, so an ordinary HTTP client that writes its whole body before reading gets
  the 413 instead of a reset connection (closing at once would lose it).

Limits (settings on `chanjiao/settings.py` `KernelSettings`, shared by all processes): `max_body_bytes` for
every route, `max_batch_body_bytes` for the batch routes (`…/batch`, up to 1000 items) and
`max_import_body_bytes` for the spreadsheet imports (`…/imports`, `…/member-imports`; the file itself is
limited to 5 MiB by `chanjiao/spreadsheets.py`, which answers the finer 413 below this limit).

JSON nested deeper than `MAX_JSON_DEPTH` levels is `400` problem+json (`json_too_deep`) on every route, checked
here before FastAPI parses the body and by the batch routes' own parser (`parse_json`, chanjiao/batch.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pydantic_core
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chanjiao.errors import AppError, BadRequest, FieldError, problem_body
from chanjiao.i18n import wants_english

MiB = 1024 * 1024

# The last path segment of the routes with a larger limit.
BATCH_SEGMENTS = frozenset({"batch"})
IMPORT_SEGMENTS = frozenset({"imports", "member-imports", "school-year-imports", "enterprise-year-imports"})


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
        extra={"max_bytes": limit},
    )


# JSON nested deeper than this is refused (400 `json_too_deep`) on every route: pydantic-core's own parser stops
# there, and Python's recursive one would fail further down with a RecursionError.
MAX_JSON_DEPTH = 200


def json_too_deep() -> BadRequest:
    zh, en = f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层", f"JSON may not nest deeper than {MAX_JSON_DEPTH} levels"
    return BadRequest(
        detail_zh=f"请求体无法处理：{zh}",
        detail_en=f"The request body cannot be processed: {en}",
        errors=[FieldError(loc=["body"], msg_zh=zh, msg_en=en, type="json_too_deep")],
        extra={"max_depth": MAX_JSON_DEPTH},
    )


def json_depth_error(body: bytes) -> BadRequest | None:
    """`json_too_deep()` when `body` nests deeper than `MAX_JSON_DEPTH`, else None (other faults are the parser's)."""
    try:
        pydantic_core.from_json(body)
    except ValueError as exc:
        if str(exc).startswith("recursion limit exceeded"):
            return json_too_deep()
    return None


def parse_json(body: bytes) -> Any:
    """A JSON body as Python values, refusing nesting deeper than `MAX_JSON_DEPTH` (400). Malformed JSON raises
    `json.JSONDecodeError` / `UnicodeDecodeError`, whose positions the callers report."""
    try:
        return pydantic_core.from_json(body)
    except ValueError as exc:
        if str(exc).startswith("recursion limit exceeded"):
            raise json_too_deep() from None
    try:
        return json.loads(body)
    except RecursionError:
        raise json_too_deep() from None


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

    @staticmethod
    def is_batch(path: str) -> bool:
        return path.rstrip("/").rpartition("/")[2] in BATCH_SEGMENTS


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
            errors=[e.render(english) for e in error.errors],
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


class BodyRefused(Exception):
    """Raised from a checking `receive` when the body is refused (`error`: its 413 or 400)."""

    def __init__(self, error: AppError) -> None:
        super().__init__(error.slug)
        self.error = error


def _is_json(scope: Scope) -> bool:
    """Would FastAPI parse this body as JSON (a JSON media type, or none at all)?"""
    for k, v in scope["headers"]:
        if k == b"content-type":
            kind = v.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or (kind.startswith(b"application/") and kind.endswith(b"+json"))
    return True


class BodyLimitMiddleware:
    """Pure ASGI, in every service: the route's limit on the declared length, then on the bytes as they arrive;
    and the JSON nesting limit on JSON bodies (the batch routes check it in their own parser, chanjiao/batch.py).

    When a body is refused, `receive` raises inside the app; whatever the app then tries to answer is dropped and
    the 413 (or 400) is sent instead (unless the app had already begun its answer)."""

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
            await self._answer(scope, send, body_too_large(limit))
            return
        check_depth = not BodyLimits.is_batch(scope["path"]) and _is_json(scope)
        pieces: list[bytes] = []
        received = openers = 0
        refusal: AppError | None = None
        started = False

        async def checking_receive() -> Message:
            nonlocal received, openers, refusal
            if refusal is not None:
                raise BodyRefused(refusal)
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    refusal = body_too_large(limit)
                elif check_depth:
                    pieces.append(chunk)
                    # Too few brackets to nest that deep: nothing to parse (the usual case, counted at C speed).
                    openers += chunk.count(b"[") + chunk.count(b"{")
                    if not message.get("more_body", False) and openers > MAX_JSON_DEPTH:
                        refusal = json_depth_error(b"".join(pieces))
                if refusal is not None:
                    raise BodyRefused(refusal)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refusal is not None and not started:
                return  # the app's answer to the broken read; the refusal below replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, checking_receive, guarded_send)
        except BodyRefused:
            if started:
                raise
        if refusal is not None and not started:
            await self._answer(scope, send, refusal)

    @staticmethod
    async def _answer(scope: Scope, send: Send, error: AppError) -> None:
        state = scope.get("state") or {}
        start, body = problem_message(scope, error, state.get("request_id"))
        await send(start)
        await send(body)
