"""Request ids, JSON logs that never carry ID numbers or phones, and Prometheus metrics."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

# 18-character resident ID numbers (17 digits + digit/X) and mainland mobile numbers, wherever
# they appear in a log line (paths, query strings, messages, exception text).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{12}(\d{1}[\dXx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def redact(text: str) -> str:
    """Mask ID numbers (`3701************34`) and phones (`138****5678`) in free text."""
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}{'*' * 12}{m.group(2)}", text)
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def clean_request_id(value: str | None) -> str:
    if value and _REQUEST_ID_OK.match(value):
        return value
    return uuid.uuid4().hex


def request_id_from_scope(scope: Scope) -> str:
    """The caller's `X-Request-ID` when it is safe to log and pass on, else a new one."""
    for k, v in scope["headers"]:
        if k == b"x-request-id":
            return clean_request_id(v.decode("latin-1"))
    return clean_request_id(None)


class RedactingFilter(logging.Filter):
    """Rewrites every record's message (and args) so personal numbers never reach a log sink."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id_var.get()
        if rid:
            entry["request_id"] = rid
        if record.exc_text:
            entry["exc"] = record.exc_text
        elif record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO", json_lines: bool = True) -> None:
    """Root logging for one process: one stderr handler, JSON lines, redaction on every record."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(
        JsonFormatter(service) if json_lines else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True


def uvicorn_log_config() -> dict[str, Any]:
    """Let uvicorn log through the root handler configured above."""
    return {"version": 1, "disable_existing_loggers": False, "loggers": {}}


class Metrics:
    """Per-app registry (tests build many apps in one process)."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "chanjiao_http_requests_total",
            "HTTP requests",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "chanjiao_http_request_duration_seconds",
            "HTTP request latency",
            ["service", "method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.service = service

    def response(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class RequestContextMiddleware:
    """Pure ASGI: accepts or makes `X-Request-ID`, returns it, binds it for logs, counts the request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_from_scope(scope)
        scope.setdefault("state", {})["request_id"] = rid
        token = request_id_var.set(rid)
        status = 500
        started = time.perf_counter()
        rid_header = (b"x-request-id", rid.encode())

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), rid_header]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(self.metrics.service, scope["method"], template, str(status)).inc()
            self.metrics.latency.labels(self.metrics.service, scope["method"], template).observe(
                time.perf_counter() - started
            )
            request_id_var.reset(token)


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)
