"""One pagination shape everywhere: `?limit=&cursor=` → `{"items": [...], "next_cursor": ...}`.

Keyset pagination over an ordered tuple of columns (by default the UUIDv7 `id`, which follows
insertion order); the cursor is an opaque, URL-safe encoding of the last row's key.
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

from chanjiao.errors import field_error

T = TypeVar("T")

MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


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


def _decode_value(v: Any) -> Any:
    if isinstance(v, dict) and "u" in v:
        return uuid.UUID(v["u"])
    if isinstance(v, dict) and "t" in v:
        return datetime.fromisoformat(v["t"])
    return v


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = [_decode_value(v) for v in json.loads(raw)]
        if not isinstance(values, list) or len(values) != width:
            raise ValueError
        return values
    except (ValueError, TypeError, KeyError, json.JSONDecodeError, UnicodeDecodeError):
        raise field_error(
            ["query", "cursor"],
            "cursor_invalid",
            "游标无效，请使用上一页返回的 next_cursor",
            "Invalid cursor; pass the next_cursor of the previous page",
        ) from None


def keyset(stmt: sa.Select, columns: Sequence[sa.ColumnElement[Any]], cursor: str | None, limit: int) -> sa.Select:
    """Order `stmt` by `columns` ascending, start after `cursor`, fetch one extra row."""
    if cursor:
        after = decode_cursor(cursor, len(columns))
        stmt = stmt.where(sa.tuple_(*columns) > sa.tuple_(*[sa.literal(v) for v in after]))
    return stmt.order_by(*columns).limit(limit + 1)


def page_of(rows: Sequence[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    """Split the extra row off; `key(row)` gives the row's keyset tuple for the next cursor."""
    rows = list(rows)
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None
