"""Reference-code rules: lookups for validation and display, admin overrides."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import Conflict, NotFound
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


async def list_codes(
    session: AsyncSession,
    *,
    kind: str,
    level: str | None,
    parent_code: str | None,
    q: str | None,
    cursor_after: str | None,
    limit: int,
) -> list[ReferenceCode]:
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
    if cursor_after is not None:
        stmt = stmt.where(ReferenceCode.code > cursor_after)
    return list((await session.execute(stmt.order_by(ReferenceCode.code).limit(limit + 1))).scalars().all())


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
    row = ReferenceCode(
        kind=kind,
        code=code,
        name=name,
        level=level,
        parent_code=parent_code,
        attributes=attributes,
        source="override",
        added_by=actor,
        added_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return row
