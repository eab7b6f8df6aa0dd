"""Reference-code rules: lookups for validation and display, admin overrides."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import Conflict, NotFound
from chanjiao.pagination import decode_cursor, encode_cursor, invalid_cursor
from chanjiao.sync import Since, Xid8, current_token, txid_column
from services.membership.reference.models import ReferenceCode

Key = tuple[str, str]


async def lookup(session: AsyncSession, keys: Iterable[Key]) -> dict[Key, ReferenceCode]:
    """Rows for (kind, code) pairs in one query; missing codes are simply absent."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = (
        (
            await session.execute(
                sa.select(ReferenceCode).where(sa.tuple_(ReferenceCode.kind, ReferenceCode.code).in_(wanted))
            )
        )
        .scalars()
        .all()
    )
    return {(r.kind, r.code): r for r in rows}


async def is_known(session: AsyncSession, kind: str, code: str) -> bool:
    return (await session.get(ReferenceCode, (kind, code))) is not None


async def get_code(session: AsyncSession, *, kind: str, code: str) -> ReferenceCode:
    row = await session.get(ReferenceCode, (kind, code))
    if row is None:
        raise NotFound(detail_zh=f"{kind} 中没有该代码", detail_en=f"No such code in {kind}")
    return row


async def last_override(session: AsyncSession, kind: str) -> datetime | None:
    """When a platform admin last added a code to the table (None: the table is as shipped)."""
    return await session.scalar(sa.select(sa.func.max(ReferenceCode.added_at)).where(ReferenceCode.kind == kind))


def _xid8(value: int) -> sa.ColumnElement[Any]:
    return sa.cast(sa.literal(str(value), sa.Text), Xid8())


def _as_int(expr: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    return sa.cast(sa.cast(expr, sa.Text), sa.BigInteger)


@dataclass(frozen=True)
class CodePage:
    rows: list[ReferenceCode]
    next_cursor: str | None
    sync_token: str


async def stable_token(session: AsyncSession, kind: str) -> int:
    """The table's sync token: the snapshot's oldest running transaction (chanjiao/sync.py), lowered to just past
    the table's last write. Any value at or below the snapshot's xmin is a correct token (every transaction below it
    has ended, its rows visible); this one stays the same while nobody adds a code, so the public, cached list keeps
    its content tag (and its 304s) across writes elsewhere in the service."""
    txid = txid_column(ReferenceCode)
    last = await session.scalar(
        sa.select(_as_int(txid)).where(ReferenceCode.kind == kind).order_by(txid.desc()).limit(1)
    )
    now = await current_token(session)
    return now if last is None else min(now, int(last) + 1)


async def list_codes(
    session: AsyncSession,
    *,
    kind: str,
    level: str | None,
    parent_code: str | None,
    q: str | None,
    since: Since,
    cursor: str | None,
    limit: int,
) -> CodePage:
    """One page by code; with `since.token`, the codes written at or after it by `(txid, code)`; with
    `since.updated_at`, those changed after it by `(updated_at, code)`. The cursor carries the walk's token."""
    stmt = sa.select(ReferenceCode).where(ReferenceCode.kind == kind)
    if level is not None:
        stmt = stmt.where(ReferenceCode.level == level)
    if parent_code is not None:
        stmt = stmt.where(ReferenceCode.parent_code == parent_code)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(ReferenceCode.name.like(pattern, escape="\\"), ReferenceCode.code.startswith(q, autoescape=True))
        )
    txid = txid_column(ReferenceCode)
    first: sa.ColumnElement[Any] | None = None
    kinds: list[type] = [int, str]
    if since.token is not None:
        stmt = stmt.where(txid >= _xid8(since.token))
        first, kinds = txid, [int, int, str]
    elif since.updated_at is not None:
        stmt = stmt.where(ReferenceCode.updated_at > since.updated_at)
        first, kinds = ReferenceCode.updated_at, [int, datetime, str]
    columns = [c for c in (first, ReferenceCode.code) if c is not None]
    if cursor:
        start, *after = decode_cursor(cursor, kinds)
        if not 0 <= start < 2**63:
            raise invalid_cursor()
        bounds = [_xid8(v) if c is txid else sa.literal(v) for c, v in zip(columns, after, strict=True)]
        stmt = stmt.where(sa.tuple_(*columns) > sa.tuple_(*bounds))
    else:
        start = await stable_token(session, kind)
    keys = [_as_int(c) if c is txid else c for c in columns]
    found = (await session.execute(stmt.add_columns(*keys).order_by(*columns).limit(limit + 1))).all()
    next_cursor = None
    if len(found) > limit:
        found = found[:limit]
        next_cursor = encode_cursor([start, *found[-1][1:]])
    return CodePage(rows=[r[0] for r in found], next_cursor=next_cursor, sync_token=str(start))


async def add_override(
    session: AsyncSession,
    *,
    kind: str,
    code: str,
    name: str,
    level: str,
    parent_code: str | None,
    attributes: dict[str, Any],
    actor: str,
) -> ReferenceCode:
    if await session.get(ReferenceCode, (kind, code)) is not None:
        raise Conflict(detail_zh="该代码已存在", detail_en="This code already exists")
    now = datetime.now(UTC)
    row = ReferenceCode(
        kind=kind,
        code=code,
        name=name,
        level=level,
        parent_code=parent_code,
        attributes=attributes,
        source="override",
        added_by=actor,
        added_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row
