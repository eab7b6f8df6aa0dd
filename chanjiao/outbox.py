"""The outbox: events written in the same transaction as the change they describe.

Envelope: event_id, type, aggregate_type, aggregate_id, per-aggregate seq,
occurred_at, actor, schema_version, payload. Delivery reads undelivered rows in `occurred_at` order.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.ids import new_id


async def emit(
    session: AsyncSession,
    table: sa.Table,
    *,
    type: str,
    aggregate_type: str,
    aggregate_id: uuid.UUID,
    actor: str,
    payload: dict[str, Any],
    schema_version: int = 1,
) -> dict[str, Any]:
    """Append one event; `seq` is the next number for this aggregate (writers of one aggregate
    already hold its row lock, and a unique constraint backs the ordering)."""
    next_seq = (
        sa.select(sa.func.coalesce(sa.func.max(table.c.seq), 0) + 1)
        .where(table.c.aggregate_type == aggregate_type, table.c.aggregate_id == aggregate_id)
        .scalar_subquery()
    )
    envelope = {
        "event_id": new_id(),
        "type": type,
        "aggregate_type": aggregate_type,
        "aggregate_id": aggregate_id,
        "occurred_at": datetime.now(UTC),
        "actor": actor,
        "schema_version": schema_version,
        "payload": to_jsonable_python(payload),
    }
    seq = (await session.execute(sa.insert(table).values(**envelope, seq=next_seq).returning(table.c.seq))).scalar_one()
    return {**envelope, "seq": seq}
