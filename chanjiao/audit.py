"""Audit rows: every write leaves {entity, id, actor, request_id, before/after diff}."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import outbox
from chanjiao.ids import new_id
from chanjiao.observability import request_id_var

REDACTED = "[redacted]"


def diff(
    before: dict[str, Any] | None, after: dict[str, Any] | None, *, redact: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """`{field: [old, new]}` for changed fields; a create has old = null, a delete new = null."""
    before = to_jsonable_python(before or {})
    after = to_jsonable_python(after or {})
    out: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            out[key] = [REDACTED, REDACTED] if key in redact else [old, new]
    return out


async def write_audit(
    session: AsyncSession,
    table: sa.Table,
    *,
    entity: str,
    entity_id: uuid.UUID,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    redact: frozenset[str] = frozenset(),
) -> None:
    await session.execute(
        sa.insert(table).values(
            id=new_id(),
            entity=entity,
            entity_id=entity_id,
            action=action,
            actor=actor,
            request_id=request_id_var.get(),
            diff=diff(before, after, redact=redact),
        )
    )


async def record_change(
    session: AsyncSession,
    kernel: Any,
    *,
    entity: str,
    entity_id: uuid.UUID,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    payload: dict[str, Any],
    redact: frozenset[str] = frozenset(),
) -> None:
    """One write's audit row and its outbox event (`<entity>.<action>d`), in the caller's transaction."""
    await write_audit(
        session,
        kernel.audit,
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor=actor,
        before=before,
        after=after,
        redact=redact,
    )
    await outbox.emit(
        session,
        kernel.outbox,
        type=f"{entity}.{action}d",
        aggregate_type=entity,
        aggregate_id=entity_id,
        actor=actor,
        payload={"id": entity_id, **payload},
    )


async def record_creates(
    session: AsyncSession,
    kernel: Any,
    *,
    entity: str,
    created: list[tuple[uuid.UUID, dict[str, Any]]],
    actor: str,
    redact: frozenset[str] = frozenset(),
) -> None:
    """`record_change` of many creates at once — each new record's audit row and its `<entity>.created` event (`seq`
    1: a new aggregate has no event yet) — in two statements instead of two per record (a batch's rows)."""
    if not created:
        return
    request_id = request_id_var.get()
    at = datetime.now(UTC)
    await session.execute(
        sa.insert(kernel.audit),
        [
            {
                "id": new_id(),
                "entity": entity,
                "entity_id": entity_id,
                "action": "create",
                "actor": actor,
                "request_id": request_id,
                "diff": diff(None, after, redact=redact),
            }
            for entity_id, after in created
        ],
    )
    await session.execute(
        sa.insert(kernel.outbox),
        [
            {
                "event_id": new_id(),
                "type": f"{entity}.created",
                "aggregate_type": entity,
                "aggregate_id": entity_id,
                "seq": 1,
                "occurred_at": at,
                "actor": actor,
                "schema_version": 1,
                "payload": to_jsonable_python({"id": entity_id, **after}),
            }
            for entity_id, after in created
        ],
    )
