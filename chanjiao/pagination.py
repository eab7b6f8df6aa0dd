"""One pagination shape everywhere: `?limit=&cursor=` → `{"items": [...], "next_cursor": ...}`.

Keyset pagination over an ordered tuple of columns (by default the UUIDv7 `id`, which follows
insertion order); the cursor is an opaque, URL-safe encoding of the last row's key. A cursor is decoded
strictly — the payload must be a list of one value per column, of the column's type — so a crafted one is
a 400 naming `cursor`, never a query the database refuses.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

import sqlalchemy as sa
from fastapi import Query
from pydantic import BaseModel

from chanjiao.errors import BadRequest, FieldError

T = TypeVar("T")

MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    # The watermark of lists that sync by transaction id (chanjiao/sync.py, docs/sync.md); null elsewhere.
    sync_token: str | None = None


LimitQuery = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="每页条数 Page size (1–500)")]
CursorQuery = Annotated[
    str | None, Query(max_length=512, description="上一页返回的 `next_cursor` — the `next_cursor` of the previous page")
]


def _encode_value(v: Any) -> Any:
    if isinstance(v, uuid.UUID):
        return {"u": str(v)}
    if isinstance(v, datetime):
        return {"t": v.isoformat()}
    return v


class _Invalid(ValueError):
    pass


_INT64 = range(-(2**63), 2**63)


def _decode_value(v: Any, kind: type) -> Any:
    """One key value, checked against the Python type of its column: anything else is refused here, so a crafted
    cursor never reaches the database."""
    if kind is uuid.UUID:
        if isinstance(v, dict) and v.keys() == {"u"} and isinstance(v["u"], str):
            return uuid.UUID(v["u"])
    elif kind is datetime:
        if isinstance(v, dict) and v.keys() == {"t"} and isinstance(v["t"], str):
            t = datetime.fromisoformat(v["t"])
            if t.tzinfo is not None:
                return t
    elif kind is int:
        if type(v) is int and v in _INT64:
            return v
    elif kind is str:
        if isinstance(v, str) and "\x00" not in v:
            return v
    raise _Invalid


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def invalid_cursor() -> BadRequest:
    zh, en = "游标无效，请使用上一页返回的 next_cursor", "Invalid cursor; pass the next_cursor of the previous page"
    return BadRequest(
        detail_zh=f"查询参数 cursor 无效：{zh}",
        detail_en=f"Query parameter cursor is invalid: {en}",
        errors=[FieldError(loc=["query", "cursor"], msg_zh=zh, msg_en=en, type="cursor_invalid")],
    )


def decode_cursor(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The key values of `cursor`, one per column, each of the column's Python type (`uuid.UUID`, `datetime`
    with a time zone, `int`, `str`); anything else — not base64, not JSON, another shape or type — is 400
    naming `cursor`."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise _Invalid
        return [_decode_value(v, kind) for v, kind in zip(raw, kinds, strict=True)]
    except (ValueError, TypeError, RecursionError):  # binascii.Error, JSONDecodeError and UnicodeError are ValueErrors
        raise invalid_cursor() from None


def column_kind(column: sa.ColumnElement[Any]) -> type:
    """The Python type a keyset column's values have (`uuid.UUID`, `datetime`, `int` or `str`)."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = str
    for known in (uuid.UUID, datetime, int, str):
        if issubclass(kind, known):
            return known
    raise TypeError(f"keyset pagination over a {kind.__name__} column is not supported")


def keyset(stmt: sa.Select, columns: Sequence[sa.ColumnElement[Any]], cursor: str | None, limit: int) -> sa.Select:
    """Order `stmt` by `columns` ascending, start after `cursor`, fetch one extra row."""
    if cursor:
        after = decode_cursor(cursor, [column_kind(c) for c in columns])
        stmt = stmt.where(sa.tuple_(*columns) > sa.tuple_(*[sa.literal(v) for v in after]))
    return stmt.order_by(*columns).limit(limit + 1)


def page_of(rows: Sequence[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    """Split the extra row off; `key(row)` gives the row's keyset tuple for the next cursor."""
    rows = list(rows)
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None
