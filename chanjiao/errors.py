"""RFC 9457 problem+json: typed application errors and the one handler that renders them.

Every error a client sees has the same envelope::

    {"type", "title", "status", "detail", "instance", "request_id", "errors": [{"loc", "msg", "type"}]}

Titles, details and field messages are Chinese by default and English with
`Accept-Language: en`. Rejected input values are never echoed (FastAPI's `input`/`ctx` are dropped),
so a mistyped ID number or phone is not sent back or logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from chanjiao.dates import TIMEZONE_EN, TIMEZONE_ZH
from chanjiao.i18n import wants_english
from chanjiao.routes import allowed_methods

log = logging.getLogger("chanjiao.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:chanjiao:problem:"


@dataclass
class FieldError:
    loc: list[str | int]
    msg_zh: str
    msg_en: str
    type: str

    def render(self, english: bool) -> dict[str, Any]:
        return {"loc": self.loc, "msg": self.msg_en if english else self.msg_zh, "type": self.type}


@dataclass
class AppError(Exception):
    """Base of every typed error. Subclasses fix `status`, `slug` and the two titles."""

    detail_zh: str = ""
    detail_en: str = ""
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    status = 400
    slug = "bad-request"
    title_zh = "请求无效"
    title_en = "Bad request"

    def __post_init__(self) -> None:
        Exception.__init__(self, self.slug)


class BadRequest(AppError):
    status, slug, title_zh, title_en = 400, "bad-request", "请求格式错误", "Malformed request"


class Unauthorized(AppError):
    status, slug, title_zh, title_en = 401, "unauthorized", "未认证", "Not authenticated"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.headers.setdefault("WWW-Authenticate", 'Bearer realm="chanjiao", ApiKey header="X-API-Key"')


class Forbidden(AppError):
    status, slug, title_zh, title_en = 403, "forbidden", "无权操作", "Not allowed"


class NotFound(AppError):
    status, slug, title_zh, title_en = 404, "not-found", "资源不存在", "Not found"


class Conflict(AppError):
    status, slug, title_zh, title_en = 409, "conflict", "状态冲突", "Conflict"


class PreconditionFailed(AppError):
    status, slug = 412, "precondition-failed"
    title_zh, title_en = "资源已被修改", "Precondition failed"


class ValidationFailed(AppError):
    status, slug, title_zh, title_en = 422, "validation-error", "输入校验未通过", "Validation failed"


class TooManyRequests(AppError):
    """Rate limits and login lockout (docs/identity.md: 429 with `Retry-After`, never 423)."""

    status, slug, title_zh, title_en = 429, "too-many-requests", "请求过于频繁", "Too many requests"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.headers.setdefault("Retry-After", "60")


class ServiceUnavailable(AppError):
    status, slug = 503, "service-unavailable"
    title_zh, title_en = "后端服务暂不可用", "Service unavailable"


class GatewayTimeout(AppError):
    status, slug, title_zh, title_en = 504, "gateway-timeout", "后端服务超时", "Gateway timeout"


def field_error(loc: list[str | int], rule: str, zh: str, en: str) -> ValidationFailed:
    """A 422 for a single field, naming the field and the rule it broke."""
    return ValidationFailed(
        detail_zh=f"字段 {'.'.join(map(str, loc))} 不符合规则：{zh}",
        detail_en=f"Field {'.'.join(map(str, loc))} breaks a rule: {en}",
        errors=[FieldError(loc=loc, msg_zh=zh, msg_en=en, type=rule)],
    )


def problem_body(
    *,
    slug: str,
    title: str,
    status: int,
    detail: str,
    instance: str,
    request_id: str | None,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": request_id,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return body


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None) or request.headers.get("x-request-id")


def render_app_error(request: Request, exc: AppError) -> JSONResponse:
    english = wants_english(request)
    body = problem_body(
        slug=exc.slug,
        title=exc.title_en if english else exc.title_zh,
        status=exc.status,
        detail=(exc.detail_en if english else exc.detail_zh) or (exc.title_en if english else exc.title_zh),
        instance=request.url.path,
        request_id=_request_id(request),
        errors=[e.render(english) for e in exc.errors],
        extra=exc.extra,
    )
    return JSONResponse(body, status_code=exc.status, headers=exc.headers, media_type=PROBLEM_JSON)


# Pydantic error types → (zh, en) templates. Only constraint values (never the input) are formatted.
_PYDANTIC_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("缺少必填字段", "Field required"),
    "string_too_short": ("长度至少为 {min_length}", "At least {min_length} characters"),
    "string_too_long": ("长度至多为 {max_length}", "At most {max_length} characters"),
    "string_type": ("应为字符串", "Must be a string"),
    "string_pattern_mismatch": ("格式不正确", "Wrong format"),
    "int_parsing": ("应为整数", "Must be an integer"),
    "int_type": ("应为整数", "Must be an integer"),
    "float_parsing": ("应为数字", "Must be a number"),
    "bool_parsing": ("应为布尔值", "Must be a boolean"),
    "greater_than_equal": ("应大于或等于 {ge}", "Must be >= {ge}"),
    "less_than_equal": ("应小于或等于 {le}", "Must be <= {le}"),
    "greater_than": ("应大于 {gt}", "Must be > {gt}"),
    "less_than": ("应小于 {lt}", "Must be < {lt}"),
    "enum": ("取值应为以下之一：{expected}", "Must be one of: {expected}"),
    "literal_error": ("取值应为以下之一：{expected}", "Must be one of: {expected}"),
    "uuid_parsing": ("应为 UUID", "Must be a UUID"),
    "uuid_type": ("应为 UUID", "Must be a UUID"),
    "date_from_datetime_parsing": ("应为日期 YYYY-MM-DD", "Must be a date YYYY-MM-DD"),
    "date_parsing": ("应为日期 YYYY-MM-DD", "Must be a date YYYY-MM-DD"),
    "date_type": ("应为日期 YYYY-MM-DD", "Must be a date YYYY-MM-DD"),
    "datetime_parsing": (
        "应为带 UTC 偏移的 ISO 8601 时间，如 2024-05-01T10:00:00+08:00",
        "Must be an ISO 8601 timestamp with a UTC offset, e.g. 2024-05-01T10:00:00+08:00",
    ),
    "datetime_from_date_parsing": (
        "应为带 UTC 偏移的 ISO 8601 时间，如 2024-05-01T10:00:00+08:00",
        "Must be an ISO 8601 timestamp with a UTC offset, e.g. 2024-05-01T10:00:00+08:00",
    ),
    "datetime_type": (
        "应为带 UTC 偏移的 ISO 8601 时间，如 2024-05-01T10:00:00+08:00",
        "Must be an ISO 8601 timestamp with a UTC offset, e.g. 2024-05-01T10:00:00+08:00",
    ),
    "timezone": (TIMEZONE_ZH, TIMEZONE_EN),
    "list_type": ("应为数组", "Must be an array"),
    "too_long": ("元素个数至多为 {max_length}", "At most {max_length} items"),
    "too_short": ("元素个数至少为 {min_length}", "At least {min_length} items"),
    "dict_type": ("应为对象", "Must be an object"),
    "model_attributes_type": ("应为对象", "Must be an object"),
    "extra_forbidden": ("不允许的字段", "Unknown field"),
    "json_invalid": ("JSON 格式错误", "Invalid JSON"),
    "json_type": ("JSON 格式错误", "Invalid JSON"),
    "value_error": ("取值无效", "Invalid value"),
}


# A text length is the rule `length` whether the schema's minLength/maxLength or a field's own validator
# (which counts after trimming) caught it.
_SAME_RULE = {"string_too_short": "length", "string_too_long": "length"}


def _safe_format(template: str, ctx: dict[str, Any]) -> str:
    safe = {k: v for k, v in ctx.items() if k in {"min_length", "max_length", "ge", "le", "gt", "lt", "expected"}}
    try:
        return template.format(**safe)
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].rstrip("：: ")


def translate_validation_error(err: dict[str, Any]) -> FieldError:
    """One pydantic error → a FieldError without `input` or `ctx` (so nothing is echoed)."""
    etype = err.get("type", "value_error")
    ctx = err.get("ctx") or {}
    loc = [p for p in err.get("loc", ())]
    cause = ctx.get("error")
    # Our validators raise CodeError(rule, zh, en): use their bilingual text and rule name.
    if cause is not None and hasattr(cause, "rule") and hasattr(cause, "message_zh"):
        return FieldError(loc=loc, msg_zh=cause.message_zh, msg_en=cause.message_en, type=cause.rule)
    zh, en = _PYDANTIC_MESSAGES.get(etype, ("取值无效", "Invalid value"))
    rule = _SAME_RULE.get(etype, etype)
    return FieldError(loc=loc, msg_zh=_safe_format(zh, ctx), msg_en=_safe_format(en, ctx), type=rule)


async def _validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [translate_validation_error(e) for e in exc.errors()]
    if any(e.type in ("json_invalid", "json_type") for e in errors):
        app_exc: AppError = BadRequest(
            detail_zh="请求体不是合法的 JSON", detail_en="The request body is not valid JSON", errors=errors
        )
    else:
        names = "、".join(".".join(str(p) for p in e.loc if p != "body") or "body" for e in errors)
        names_en = ", ".join(".".join(str(p) for p in e.loc if p != "body") or "body" for e in errors)
        app_exc = ValidationFailed(
            detail_zh=f"以下字段未通过校验：{names}",
            detail_en=f"These fields failed validation: {names_en}",
            errors=errors,
        )
    return render_app_error(request, app_exc)


async def _app_error_handler(request: Request, exc: AppError) -> JSONResponse:
    return render_app_error(request, exc)


_HTTP_STATUS_TITLES: dict[int, tuple[str, str]] = {
    400: ("请求格式错误", "Malformed request"),
    401: ("未认证", "Not authenticated"),
    403: ("无权操作", "Not allowed"),
    404: ("资源不存在", "Not found"),
    405: ("不支持该请求方法", "Method not allowed"),
    406: ("无法提供所请求的格式", "Not acceptable"),
    413: ("请求体过大", "Payload too large"),
    415: ("不支持的内容类型", "Unsupported media type"),
}


async def _http_exception_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    english = wants_english(request)
    zh, en = _HTTP_STATUS_TITLES.get(exc.status_code, ("请求失败", "Request failed"))
    title = en if english else zh
    body = problem_body(
        slug={404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, f"http-{exc.status_code}"),
        title=title,
        status=exc.status_code,
        detail=title,
        instance=request.url.path,
        request_id=_request_id(request),
    )
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        allow = allowed_methods(request.app, request.url.path)
        if allow is not None:
            headers["Allow"] = ", ".join(allow)
    return JSONResponse(body, status_code=exc.status_code, headers=headers, media_type=PROBLEM_JSON)


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=exc)
    english = wants_english(request)
    body = problem_body(
        slug="internal-error",
        title="Internal error" if english else "服务器内部错误",
        status=500,
        detail="An unexpected error occurred; it has been logged." if english else "发生意外错误，已记录日志。",
        instance=request.url.path,
        request_id=_request_id(request),
    )
    return JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)


# Input that passed validation but that PostgreSQL cannot store: a NUL character (text columns cannot
# hold U+0000), a character the encoding lacks, a value too large for an index row. These are the
# client's input, so a 422 — the transaction has been rolled back; nothing was written.
_INPUT_SQLSTATES = {
    "22021": (
        "unsupported_character",
        "含有无法保存的字符（如 NUL）",
        "Contains a character that cannot be stored (e.g. NUL)",
    ),
    "22P05": ("unsupported_character", "含有无法保存的字符", "Contains a character that cannot be stored"),
    "54000": ("too_large", "取值过长，无法保存", "A value is too large to be stored"),
}


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in (getattr(exc, "orig", None), getattr(getattr(exc, "orig", None), "__cause__", None)):
        code = getattr(candidate, "sqlstate", None)
        if code:
            return str(code)
    return None


async def _database_error_handler(request: Request, exc: Exception) -> JSONResponse:
    known = _INPUT_SQLSTATES.get(_sqlstate(exc) or "")
    if known is None:
        return await _unhandled_handler(request, exc)
    rule, zh, en = known
    error = ValidationFailed(
        detail_zh=f"输入无法保存：{zh}",
        detail_en=f"The input cannot be stored: {en}",
        errors=[FieldError(loc=["body"], msg_zh=zh, msg_en=en, type=rule)],
    )
    return await _app_error_handler(request, error)


def install_error_handlers(app: FastAPI) -> None:
    from sqlalchemy.exc import DBAPIError

    app.add_exception_handler(AppError, _app_error_handler)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unhandled_handler)


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: documents its problem+json error codes in OpenAPI."""
    descriptions = {
        400: "请求格式错误 Malformed request",
        401: "未认证 Missing or invalid credentials",
        403: "无权操作 Not allowed",
        404: "资源不存在 Not found",
        409: "状态冲突 Conflict (duplicate, illegal state change, idempotent request in flight)",
        412: "资源已被修改 If-Match did not match the current ETag",
        422: "输入校验未通过 Validation failed; `errors` names each field and rule",
    }
    return {
        c: {
            "description": descriptions.get(c, str(c)),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for c in codes
    }
