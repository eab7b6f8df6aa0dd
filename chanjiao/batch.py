"""The parts every batch endpoint shares (the rule: batch endpoints answer 200 with per-item results;
valid items commit, invalid ones touch nothing; `?atomic=true` makes it all-or-nothing — docs/learners.md, "Bulk").

Each item's result carries its own status and, when it failed, a problem body of its own; in an
atomic batch that failed, the items that were valid are reported as 424 (`NOT_COMMITTED`) and the
whole request is a 422 `batch-rejected`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import Message
from typing import Annotated, Any, Generic, Protocol, TypeVar

import sqlalchemy as sa
from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.bodies import parse_json
from chanjiao.errors import AppError, FieldError, ValidationFailed, problem_body, translate_validation_error

MAX_ITEMS = 1000

# The `?atomic=` parameter of every batch route.
Atomic = Annotated[
    bool,
    Query(description="全部或全不：任一项失败则都不保存（422） All-or-nothing: any failed item saves nothing (422)"),
]

# An item that was valid but not kept because another item of an atomic batch failed.
NOT_COMMITTED = 424


class BatchRejected(ValidationFailed):
    slug = "batch-rejected"
    title_zh, title_en = "批量登记未通过，未保存任何数据", "Batch rejected; nothing was saved"


class ItemResult(Protocol):
    status: int

    def model_copy(self, *, update: dict[str, Any]) -> Any: ...


R = TypeVar("R", bound=ItemResult)


class BatchCounts:
    """`failed` and `created` over `self.results` (mixed into each service's outcome dataclass)."""

    results: Sequence[ItemResult]

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.status >= 400 and r.status != NOT_COMMITTED)

    @property
    def created(self) -> int:
        return sum(1 for r in self.results if r.status == 201)


def not_committed(results: Sequence[R]) -> list[R]:
    """An atomic batch that failed: the items that had been created are reported as not kept."""
    return [r.model_copy(update={"status": NOT_COMMITTED, "id": None}) if r.status == 201 else r for r in results]


def not_committed_items(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """`not_committed` for results kept as JSON-ready dicts."""
    return [
        {k: v for k, v in r.items() if k != "id"} | {"status": NOT_COMMITTED} if r["status"] == 201 else r
        for r in results
    ]


def item_problem(exc: AppError, *, english: bool, instance: str, request_id: str | None) -> dict[str, Any]:
    """One item's problem body (the same envelope as a request's)."""
    return problem_body(
        slug=exc.slug,
        title=exc.title_en if english else exc.title_zh,
        status=exc.status,
        detail=(exc.detail_en if english else exc.detail_zh) or (exc.title_en if english else exc.title_zh),
        instance=instance,
        request_id=request_id,
        errors=[e.render(english) for e in exc.errors],
        extra=exc.extra,
    )


def validation_failure(exc: ValidationError, prefix: list[str | int]) -> ValidationFailed:
    """A pydantic error of one item as a 422 naming each field (under `prefix`, e.g. `body.items.3`) and
    its rule; the rejected input is never echoed."""
    errors = []
    for e in exc.errors():
        fe = translate_validation_error(e)
        errors.append(FieldError(loc=[*prefix, *fe.loc], msg_zh=fe.msg_zh, msg_en=fe.msg_en, type=fe.type))
    names = "、".join(".".join(str(p) for p in e.loc[len(prefix) :]) or "item" for e in errors)
    names_en = ", ".join(".".join(str(p) for p in e.loc[len(prefix) :]) or "item" for e in errors)
    return ValidationFailed(
        detail_zh=f"以下字段未通过校验：{names}", detail_en=f"These fields failed validation: {names_en}", errors=errors
    )


M = TypeVar("M", bound=BaseModel)


@dataclass
class ParsedBatch(Generic[M]):
    """A batch body after validation: `items[i]` is the validated item, or None when item i failed (its 422 is
    `errors[i]`, naming each field under `body.items.i`)."""

    items: list[M | None]
    errors: dict[int, ValidationFailed]
    parse_ms: float = 0.0  # time spent reading and validating the body (for `Server-Timing`)

    @classmethod
    def from_python(cls, model: type[M], raw: Sequence[Any]) -> ParsedBatch[M]:
        """Validate plain items one by one (an invalid item fails alone)."""
        items: list[M | None] = []
        errors: dict[int, ValidationFailed] = {}
        for index, item in enumerate(raw):
            try:
                items.append(model.model_validate(item))
            except ValidationError as exc:
                items.append(None)
                errors[index] = validation_failure(exc, ["body", "items", index])
        return cls(items, errors)


class BatchBody(Generic[M]):
    """The JSON body `{"items": [...]}` of a batch route, as a dependency that returns a `ParsedBatch`.

    A batch of valid items — the common case, and the one bulk loads are made of — is parsed and validated in one
    pass by pydantic-core straight from the request bytes (`validate_json`), with no intermediate Python objects.
    Only when that fails does it fall back to the per-item path: the body is parsed as JSON (not JSON, or nested
    deeper than `chanjiao.bodies.MAX_JSON_DEPTH` → 400, as for any route), the envelope is checked (no `items`, an
    empty list, more than `max_items` → 422 for the request), and then each item is validated on its own so that an
    invalid item fails alone. The error bodies are the same as FastAPI's for a declared body.

    FastAPI would decode every declared JSON body with `json.loads` and validate the Python objects again (about a
    third of the service's CPU per 1000-item batch), so the body is not declared as a parameter; `openapi` is the
    operation's `requestBody` (items refer to the single-create schema `#/components/schemas/<item model>`), for
    the route's `openapi_extra`."""

    def __init__(self, model: type[M], *, example: dict[str, Any], max_items: int = MAX_ITEMS, what: str) -> None:
        self.model = model
        self.max_items = max_items
        items = Annotated[list[model], Field(min_length=1, max_length=max_items)]  # type: ignore[valid-type]
        # Any JSON value as an item here: one that is not an object fails alone (422 at `body.items.<i>`).
        loose = Annotated[list[Any], Field(min_length=1, max_length=max_items)]
        config = ConfigDict(extra="forbid")
        self._strict = create_model(f"{model.__name__}Batch", __config__=config, items=(items, ...))
        self._envelope = create_model(f"{model.__name__}BatchEnvelope", __config__=config, items=(loose, ...))
        self.openapi: dict[str, Any] = {
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "title": f"{model.__name__}Batch",
                            "additionalProperties": False,
                            "required": ["items"],
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": max_items,
                                    "items": {"$ref": f"#/components/schemas/{model.__name__}"},
                                    "description": f"Up to {max_items} items, each shaped like {what}",
                                }
                            },
                        },
                        "example": example,
                    }
                },
            }
        }

    async def __call__(self, request: Request) -> ParsedBatch[M]:
        body = await request.body()
        t = time.perf_counter()
        kind = request.headers.get("content-type")
        if kind:
            message = Message()
            message["content-type"] = kind
            sub = message.get_content_subtype()
            if message.get_content_maintype() != "application" or not (sub == "json" or sub.endswith("+json")):
                raise RequestValidationError(
                    [{"type": "model_attributes_type", "loc": ("body",), "msg": "JSON body expected", "input": None}]
                )
        try:
            items = self._strict.model_validate_json(body).items  # type: ignore[attr-defined]
            parsed = ParsedBatch(items, {})
        except ValidationError:
            parsed = self._slow(body)
        parsed.parse_ms = (time.perf_counter() - t) * 1000
        return parsed

    def _slow(self, body: bytes) -> ParsedBatch[M]:
        if not body:
            raise RequestValidationError(
                [{"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}]
            )
        try:
            raw = parse_json(body)  # JSON nested too deep: 400 `json_too_deep`
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            pos = exc.pos if isinstance(exc, json.JSONDecodeError) else exc.start
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else exc.reason
            raise RequestValidationError(
                [
                    {
                        "type": "json_invalid",
                        "loc": ("body", pos),
                        "msg": "JSON decode error",
                        "input": {},
                        "ctx": {"error": reason},
                    }
                ]
            ) from None
        try:
            envelope = self._envelope.model_validate(raw)
        except ValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
        return ParsedBatch.from_python(self.model, envelope.items)  # type: ignore[attr-defined]


@dataclass
class Timings:
    """Phases of one batch, in milliseconds, for `Server-Timing`."""

    marks: dict[str, float] = field(default_factory=dict)
    _t: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.marks[name] = self.marks.get(name, 0.0) + (now - self._t) * 1000
        self._t = now

    def header(self) -> str:
        total = sum(self.marks.values())
        parts = [f"{k};dur={v:.1f}" for k, v in self.marks.items()]
        return ", ".join([*parts, f"batch;dur={total:.1f}"])


def pg_text_array(values: list[str]) -> str:
    """A text[] literal (each element quoted, `"` and `\\` escaped): an array per row of an `unnest`ed text array,
    which PostgreSQL's array input reads back with `::text[]`."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


async def raw_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under the session (same transaction). SQLAlchemy begins the database transaction
    lazily, at the session's first statement: one runs first, else the raw statements would each commit on their
    own (a dry run or an atomic batch could not be rolled back)."""
    await session.execute(sa.text("select 1"))
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    return raw.driver_connection
