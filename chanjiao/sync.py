"""Incremental sync by transaction id: a watermark that never skips a slow transaction (docs/sync.md).

A write time (`updated_at`) is taken before commit, so a long transaction's rows can commit "in the past" —
behind a `updated_since` a client already passed. Instead every synced table carries `txid xid8`, set on every
INSERT and UPDATE (a soft delete or an erasure is an update) by a database trigger to `pg_current_xact_id()`
(the trigger `<table>_txid` and function `<schema>.set_txid()` are created by each service's migration, so no
write path — ORM, bulk SQL, `unnest` batches — can forget it), with an index on `(txid, id)`.

A list answers `sync_token` = `pg_snapshot_xmin(pg_current_snapshot())` taken in the list's transaction before
its page query: every transaction below it had ended (committed rows visible to the query), every one at or
above it may still commit later. The next pull passes it as `since_token` and gets the rows with
`txid >= since_token`, ordered by `(txid, id)` with the normal keyset cursor — duplicates possible, gaps
impossible. The token of a walk's first page is carried in its cursor, so every page of one walk (first to
last) answers the same token: a transaction that commits while a client is still paging, behind its cursor,
has an id at or above it and comes with the next pull.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnClause

from chanjiao.dates import AwareDatetime
from chanjiao.errors import BadRequest, FieldError
from chanjiao.pagination import column_kind, decode_cursor, encode_cursor, invalid_cursor

_XID8_MAX = 2**63  # xid8 is 64-bit unsigned; real ids (epoch << 32 | xid) stay far below 2**63


class Xid8(sa.types.UserDefinedType):
    """Postgres `xid8` (a 64-bit transaction id); read and written through its text form."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


def txid_column(model: Any) -> sa.ColumnElement[Any]:
    """`<table>.txid` of a synced model's table. The column is created by the service's migration and written only
    by its trigger, so it is neither declared on the table nor mapped by the ORM: no code path writes or copies it."""
    return ColumnClause("txid", type_=Xid8(), _selectable=model.__table__)


def _xid8(value: int) -> sa.ColumnElement[Any]:
    return sa.cast(sa.literal(str(value), sa.Text), Xid8())


def _as_int(expr: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    return sa.cast(sa.cast(expr, sa.Text), sa.BigInteger)


SinceTokenQuery = Annotated[
    str | None,
    Query(
        max_length=20,
        description="上次同步保存的 `sync_token`：只返回此后（含）提交的变更（可能重复，不会遗漏）— "
        "the `sync_token` of your last pull: only rows written by transactions at or after it "
        "(duplicates possible, none missed); "
        "ordered by transaction id. docs/sync.md",
    ),
]


UpdatedSinceQuery = Annotated[
    AwareDatetime | None,
    Query(
        description="增量同步：只返回此时刻之后变更的记录（须带时区）— Only records changed after this timestamp "
        "(with its UTC offset); prefer `since_token`"
    ),
]


def include_deleted_query(zh: str, en: str) -> object:
    """`include_deleted` with a description saying what comes as a tombstone on this list."""
    return Query(description=f"包含墓碑：{zh} — Include tombstones: {en}")


SYNC_DOC = (
    "\n\n增量同步 Incremental sync: pass the `sync_token` of your last pull as `since_token` (docs/sync.md; "
    "`updated_since` still works); "
)


def _bad_token(zh: str, en: str, type_: str) -> BadRequest:
    return BadRequest(
        detail_zh=f"查询参数 since_token 无效：{zh}",
        detail_en=f"Query parameter since_token is invalid: {en}",
        errors=[FieldError(loc=["query", "since_token"], msg_zh=zh, msg_en=en, type=type_)],
    )


@dataclass(frozen=True)
class Since:
    """Where an incremental pull starts: a sync token (preferred) or a change time (kept for older clients)."""

    token: int | None = None
    updated_at: datetime | None = None

    @classmethod
    def of(cls, since_token: str | None, updated_since: datetime | None = None) -> Since:
        if since_token is None:
            return cls(None, updated_since)
        if updated_since is not None:
            raise _bad_token(
                "since_token 与 updated_since 只能二选一",
                "pass either since_token or updated_since, not both",
                "since_token_conflict",
            )
        if not since_token.isascii() or not since_token.isdigit() or int(since_token) >= _XID8_MAX:
            raise _bad_token(
                "请原样传回列表返回的 sync_token",
                "pass back the sync_token a list answered, unchanged",
                "since_token_invalid",
            )
        return cls(int(since_token), None)


@dataclass(frozen=True)
class SyncPage:
    rows: list[Any]
    next_cursor: str | None
    sync_token: str


async def current_token(session: AsyncSession) -> int:
    """The oldest transaction still running for this session's next snapshot: everything below it has ended."""
    value = await session.scalar(sa.select(_as_int(sa.func.pg_snapshot_xmin(sa.func.pg_current_snapshot()))))
    return int(value)


async def sync_page(
    session: AsyncSession,
    stmt: sa.Select,
    model: Any,
    *,
    since: Since,
    cursor: str | None,
    limit: int,
    order: Sequence[sa.ColumnElement[Any]] | None = None,
) -> SyncPage:
    """One page of `stmt` (a `select(model, ...)` with the list's filters) with the walk's sync token; rows are
    models, or tuples when `stmt` selects more than the model.

    `since.token` → rows with `txid >= token` ordered by `(txid, id)`; `since.updated_at` → rows changed after it
    ordered by `(updated_at, id)` (as before the token existed); neither → ordered by `order` (default `id`).
    The cursor holds the walk's token and the last row's key."""
    txid = txid_column(model)
    if since.token is not None:
        stmt = stmt.where(txid >= _xid8(since.token))
        columns: list[sa.ColumnElement[Any]] = [txid, model.id]
        kinds: list[type] = [int, uuid.UUID]
    elif since.updated_at is not None:
        stmt = stmt.where(model.updated_at > since.updated_at)
        columns, kinds = [model.updated_at, model.id], [datetime, uuid.UUID]
    else:
        columns = list(order) if order is not None else [model.id]
        kinds = [column_kind(c) for c in columns]
    if cursor:
        start, *after = decode_cursor(cursor, [int, *kinds])
        if not 0 <= start < _XID8_MAX:
            raise invalid_cursor()
        bounds = [_xid8(v) if c is txid else sa.literal(v) for c, v in zip(columns, after, strict=True)]
        stmt = stmt.where(sa.tuple_(*columns) > sa.tuple_(*bounds))
    else:
        start = await current_token(session)
    width = len(stmt.column_descriptions)
    stmt = stmt.add_columns(*[_as_int(c) if c is txid else c for c in columns])
    stmt = stmt.order_by(*columns).limit(limit + 1)
    found = (await session.execute(stmt)).all()
    next_cursor = None
    if len(found) > limit:
        found = found[:limit]
        next_cursor = encode_cursor([start, *found[-1][width:]])
    rows = [r[0] if width == 1 else tuple(r[:width]) for r in found]
    return SyncPage(rows=rows, next_cursor=next_cursor, sync_token=str(start))
