"""The resource kit: the shells every noun's service and router share, as plain functions (docs/architecture.md,
"Resource kit").

- `load`: a live row by id, or the noun's 404 — also when the caller's tenant rule says it may not see it.
- `snapshot` / `Audit`: the audited values of a row read from its table's columns (bookkeeping columns and the
  noun's secrets left out, stand-ins of encrypted personal data added), and the audit row + outbox event of a
  create, an update or a delete, in the caller's transaction (chanjiao/audit.py, chanjiao/outbox.py);
  `record_named` / `record_on` for an event with its own name, or on a parent's aggregate.
- `created` / `recorded` / `one` / `not_modified`: the answers of a single record — a create's 201 (or any
  answer) recorded for its `Idempotency-Key` replay and committed with the record (chanjiao/idempotency.py), a
  read or an update's 200 with its `ETag`, a read's 304.
- `render_rows`: a list page's items — the noun's `render` for live rows, its tombstone for deleted ones, and
  the `not_visible` tombstone for rows that left the caller's view (chanjiao/sync_exits.py).

A handler reads top to bottom: replay → checks → one service call → answer (see any noun's `router.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from chanjiao import outbox
from chanjiao.audit import record_change, record_creates, write_audit
from chanjiao.errors import AppError
from chanjiao.etag import etag_for, if_none_match_hits, versioned_response
from chanjiao.idempotency import IdempotentRequest
from chanjiao.sync_exits import Exit, ExitTombstone

M = TypeVar("M")
T = TypeVar("T")
R = TypeVar("R", bound=Response)

# Columns every versioned row has that are not part of what it says: never audited, never in an event.
BOOKKEEPING = frozenset({"id", "version", "created_at", "updated_at", "deleted_at", "txid"})


def now() -> datetime:
    return datetime.now(UTC)


# ---- reads ---------------------------------------------------------------------------------------------------------
async def load(
    session: AsyncSession,
    model: type[M],
    record_id: uuid.UUID,
    *,
    not_found: Callable[[], AppError],
    rule: Callable[[M], bool] | None = None,
    for_update: bool = False,
) -> M:
    """The live (not deleted) row `record_id` of `model`, locked with `for_update`; `not_found()` is raised when
    there is none, or when `rule(row)` — the caller's tenant rule — is false: a record the caller may not see
    answers as if it did not exist."""
    table: Any = model
    stmt = sa.select(table).where(table.id == record_id, table.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None or (rule is not None and not rule(row)):
        raise not_found()
    return row


def render_rows(
    rows: Iterable[Any], render: Callable[[Any], T], tombstone: Callable[..., BaseModel]
) -> list[T | BaseModel]:
    """A page's items: `render(row)` for a live row, `tombstone(id=, deleted_at=)` for a deleted one, and an
    `ExitTombstone` for a row that left the caller's view."""
    out: list[T | BaseModel] = []
    for r in rows:
        if isinstance(r, Exit):
            out.append(ExitTombstone.of(r))
        elif r.deleted_at is not None:
            out.append(tombstone(id=r.id, deleted_at=r.deleted_at))
        else:
            out.append(render(r))
    return out


# ---- audit ---------------------------------------------------------------------------------------------------------
def snapshot(row: Any, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The row's values by column name — every column of its table except the bookkeeping ones and `exclude`."""
    left_out = BOOKKEEPING | set(exclude)
    return {a.key: getattr(row, a.key) for a in sa.inspect(type(row)).column_attrs if a.key not in left_out}


@dataclass(frozen=True)
class Audit:
    """One noun's audit trail: `entity` names its audit rows and events (`<entity>.created` …); `exclude` keeps
    columns out of both (personal data, encrypted values, names kept only for display); `redact` names fields
    whose audit diff says only that they changed, never from what to what (chanjiao/audit.py); `stand_ins` adds
    audited values that are not columns — `{field: f(row)}`, an opaque stand-in (a hash, "set") for personal data
    stored encrypted and kept out by `exclude`, which changes exactly when the value does. `kernel` is the service's
    kernel tables (its `audit` and `outbox`)."""

    kernel: Any
    entity: str
    exclude: frozenset[str] = frozenset()
    redact: frozenset[str] = frozenset()
    stand_ins: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)

    def snapshot(self, row: Any) -> dict[str, Any]:
        """The row's audited values: its columns less the bookkeeping ones and `exclude`, plus its `stand_ins`."""
        snap = snapshot(row, exclude=self.exclude)
        snap.update({name: stand_in(row) for name, stand_in in self.stand_ins.items()})
        return snap

    async def record(
        self,
        session: AsyncSession,
        row: Any,
        *,
        action: str,
        actor: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        payload: dict[str, Any],
    ) -> None:
        """The audit row and the outbox event (`<entity>.<action>d`) of one write."""
        await record_change(
            session,
            self.kernel,
            entity=self.entity,
            entity_id=row.id,
            action=action,
            actor=actor,
            before=before,
            after=after,
            payload=payload,
            redact=self.redact,
        )

    async def created(self, session: AsyncSession, row: Any, *, actor: str) -> None:
        """After `session.add(row)`: flush, then the create's audit row and its event (the new values)."""
        await session.flush()
        after = self.snapshot(row)
        await self.record(session, row, action="create", actor=actor, before=None, after=after, payload=after)

    async def created_many(self, session: AsyncSession, rows: list[Any], *, actor: str) -> None:
        """After `session.add_all(rows)` of new records: one flush, then every create's audit row and event as
        `created` writes them, in two statements (a batch: services/matching/batches.py)."""
        if not rows:
            return
        await session.flush()
        created = [(row.id, self.snapshot(row)) for row in rows]
        await record_creates(session, self.kernel, entity=self.entity, created=created, actor=actor, redact=self.redact)

    async def updated(self, session: AsyncSession, row: Any, *, actor: str, before: dict[str, Any]) -> bool:
        """After the changes are set on `row` (`before`: its snapshot first): when an audited value changed, a new
        version and `updated_at`, flushed, with the audit row and an event naming the changed fields. False (and
        nothing written) when nothing changed."""
        after = self.snapshot(row)
        if after == before:
            return False
        row.version += 1
        row.updated_at = now()
        await session.flush()
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        await self.record(
            session, row, action="update", actor=actor, before=before, after=after, payload={"changed": changed}
        )
        return True

    async def deleted(self, session: AsyncSession, row: Any, *, actor: str, before: dict[str, Any]) -> None:
        """After a soft delete (`before`: the snapshot taken first): the audit row and the event."""
        await self.record(session, row, action="delete", actor=actor, before=before, after=None, payload={})


# ---- answers -------------------------------------------------------------------------------------------------------
def one(public: BaseModel, status_code: int = 200, **headers: str) -> JSONResponse:
    """A single versioned record with its `ETag` and `Last-Modified` (chanjiao/etag.py)."""
    return versioned_response(public, status_code, **headers)


def not_modified(if_none_match: str | None, version: int) -> Response | None:
    """The 304 of a read whose `If-None-Match` lists the current tag; None otherwise."""
    if if_none_match_hits(if_none_match, version):
        return Response(status_code=304, headers={"ETag": etag_for(version)})
    return None


async def recorded(session: AsyncSession, idem: IdempotentRequest, response: R) -> R:
    """`response` stored as the `Idempotency-Key` replay and committed in the same transaction as the write, its
    audit row and its event — a committed write always has its replay."""
    await idem.record(session, response)
    await session.commit()
    return response


async def created(session: AsyncSession, idem: IdempotentRequest, public: BaseModel, *, location: str) -> JSONResponse:
    """A create's 201 (`Location`, `ETag`), recorded for its replay and committed with the record (`recorded`)."""
    return await recorded(session, idem, one(public, 201, Location=location))


# ---- records never deleted, events with their own name ---------------------------------------------------------
async def load_kept(
    session: AsyncSession,
    model: type[M],
    record_id: uuid.UUID,
    *,
    not_found: Callable[[], AppError],
    for_update: bool = False,
) -> M:
    """`load` for a table whose rows are never deleted (no `deleted_at`: a membership ends by a transition, it is
    not removed): the row `record_id` of `model`, locked with `for_update`, or `not_found()` raised."""
    table: Any = model
    stmt = sa.select(table).where(table.id == record_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise not_found()
    return row


async def record_named(
    audit: Audit,
    session: AsyncSession,
    row: Any,
    *,
    action: str,
    event: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    payload: dict[str, Any],
) -> None:
    """`Audit.record` for a write whose event is not named `<entity>.<action>d` (an action `transition` whose event
    is `<entity>.transitioned`): the audit row under `action`, the outbox event `<entity>.<event>` with the record's
    `id` and `payload`, in the caller's transaction (chanjiao/audit.py, chanjiao/outbox.py)."""
    await record_on(
        audit,
        session,
        row.id,
        aggregate=(audit.entity, row.id),
        action=action,
        event=event,
        actor=actor,
        before=before,
        after=after,
        payload=payload,
    )


async def record_on(
    audit: Audit,
    session: AsyncSession,
    entity_id: uuid.UUID,
    *,
    aggregate: tuple[str, uuid.UUID],
    action: str,
    event: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    payload: dict[str, Any],
) -> None:
    """`record_named` for a record that is part of another's aggregate (a committee's seat, its position): the audit
    row of `entity_id` under `audit.entity` and `action`, and the outbox event `<entity>.<event>` with `entity_id`
    and `payload` on the aggregate `(aggregate_type, aggregate_id)` — one ordered event stream per parent."""
    await write_audit(
        session,
        audit.kernel.audit,
        entity=audit.entity,
        entity_id=entity_id,
        action=action,
        actor=actor,
        before=before,
        after=after,
        redact=audit.redact,
    )
    aggregate_type, aggregate_id = aggregate
    await outbox.emit(
        session,
        audit.kernel.outbox,
        type=f"{audit.entity}.{event}",
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        actor=actor,
        payload={"id": entity_id, **payload},
    )
