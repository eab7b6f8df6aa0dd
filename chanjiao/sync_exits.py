"""Records that leave a tenant's view sync too: per-tenant exit rows merged into the token pull (docs/sync.md).

A token pull (chanjiao/sync.py) returns the rows written since the token that the caller may see *now*. A write
that removes a tenant from the set that may see a row (an organization dropped from a programme's partners, an
internship moved to another host) writes the row, but that tenant's next pull no longer returns it, so it would
never learn to drop its copy. So every such write also inserts, in the same transaction, one row per tenant that
lost the record into `<schema>.sync_exits`:

    (id, noun, record_id, tenant_kind, tenant_id, created_at, txid xid8)

`txid` is set by the same `BEFORE INSERT` trigger as every synced table (`<schema>.set_txid()`), so exits are
ordered and watermarked exactly like rows. A token pull with `include_deleted=true` (`sync_page_with_exits`)
merges the caller's exits at or after the token into the `(txid, id)` keyset order of the rows — one cursor for
both, so paging cannot skip either — and answers each as a tombstone with `reason: "not_visible"` (`ExitTombstone`),
unless the caller can still see the record through another path.

Records that *enter* a tenant's view without their own field changing (the enrolments of a programme that gains a
partner) are touched instead (`touch`): an update that changes nothing but fires the trigger, so the row itself
comes with the next pull of the tenants that now see it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.ids import new_id
from chanjiao.pagination import decode_cursor, encode_cursor
from chanjiao.sync import Since, SyncPage, Xid8, sync_page, txid_column

ORGANIZATION = "organization"
ALLIANCE = "alliance"

Tenant = tuple[str, uuid.UUID]  # (tenant_kind, tenant_id): ("organization", org id) or ("alliance", alliance id)


@cache
def exits_table(schema: str) -> sa.TableClause:
    """`<schema>.sync_exits`, created by the service's migration (not mapped by the ORM)."""
    return sa.table(
        "sync_exits",
        sa.column("id", sa.Uuid),
        sa.column("noun", sa.Text),
        sa.column("record_id", sa.Uuid),
        sa.column("tenant_kind", sa.Text),
        sa.column("tenant_id", sa.Uuid),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("txid", Xid8()),
        schema=schema,
    )


def tenants(kind: str, *ids: uuid.UUID | None) -> set[Tenant]:
    """The tenants of one kind among `ids` (None skipped)."""
    return {(kind, i) for i in ids if i is not None}


# ---- writing -------------------------------------------------------------------------------------------------
async def record_exits(
    session: AsyncSession,
    schema: str,
    noun: str,
    record_ids: Iterable[uuid.UUID] | sa.Select,
    *,
    before: Iterable[Tenant],
    after: Iterable[Tenant],
) -> set[Tenant]:
    """In the caller's transaction, one exit per record and per tenant that could see it `before` a write and cannot
    `after` it. `record_ids`: ids, or a `select` of one id column (set-based, for the records of a parent).
    Returns the tenants that lost the records."""
    gone = set(before) - set(after)
    if not gone:
        return gone
    table = exits_table(schema)
    now = datetime.now(UTC)
    if isinstance(record_ids, sa.Select):
        lost = sa.values(sa.column("tenant_kind", sa.Text), sa.column("tenant_id", sa.Uuid), name="lost").data(
            sorted(gone, key=lambda t: (t[0], str(t[1])))
        )
        ids = record_ids.subquery("ids")
        record_id = list(ids.c)[0]
        source = sa.select(
            sa.func.gen_random_uuid(),
            sa.literal(noun, sa.Text),
            record_id,
            lost.c.tenant_kind,
            lost.c.tenant_id,
            sa.literal(now, sa.DateTime(timezone=True)),
        ).select_from(ids.join(lost, sa.true()))
        columns = ["id", "noun", "record_id", "tenant_kind", "tenant_id", "created_at"]
        await session.execute(sa.insert(table).from_select(columns, source))
        return gone
    rows = [
        {"id": new_id(), "noun": noun, "record_id": rid, "tenant_kind": kind, "tenant_id": tid, "created_at": now}
        for rid in record_ids
        for kind, tid in sorted(gone, key=lambda t: (t[0], str(t[1])))
    ]
    if rows:
        await session.execute(sa.insert(table), rows)
    return gone


async def touch(session: AsyncSession, model: Any, where: sa.ColumnElement[bool]) -> None:
    """Re-stamp the rows of `model` matching `where` with this transaction's id (an update that changes no value but
    fires the `<table>_txid` trigger; `version` and `updated_at` stay), so the tenants that now see them get them
    on their next token pull."""
    table = model.__table__
    await session.execute(sa.update(table).where(where).values(version=table.c.version))


# ---- reading -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Exit:
    """A record that left the caller's view (`left_at`: when its exit row was written)."""

    id: uuid.UUID
    left_at: datetime


class ExitTombstone(BaseModel):
    """In a token pull with `include_deleted=true`: a record you may no longer see (it still exists). Drop your copy."""

    id: uuid.UUID
    deleted: bool = True
    deleted_at: datetime = Field(description="离开可见范围的时间 — when the record left your view")
    reason: Literal["not_visible"] = Field(
        "not_visible",
        description="not_visible：记录仍存在，但您已无权查看 — the record exists but you may no longer see it",
    )

    @classmethod
    def of(cls, e: Exit) -> ExitTombstone:
        return cls(id=e.id, deleted_at=e.left_at)


@dataclass(frozen=True)
class ExitQuery:
    """Which exits a list's caller gets: `noun` exits of the `tenants` the caller acts for, except for records in
    `visible_ids` (a `select` of the ids of the records the caller still sees, e.g. through another organization
    column or the learner's owner). `tenants` None: the caller sees every record, nothing ever leaves its view."""

    schema: str
    noun: str
    tenants: Sequence[Tenant] | None
    visible_ids: sa.Select


def _as_int(expr: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    return sa.cast(sa.cast(expr, sa.Text), sa.BigInteger)


async def sync_page_with_exits(
    session: AsyncSession,
    stmt: sa.Select,
    model: Any,
    *,
    since: Since,
    cursor: str | None,
    limit: int,
    exits: ExitQuery | None,
    include_deleted: bool,
    order: Sequence[sa.ColumnElement[Any]] | None = None,
) -> SyncPage:
    """`sync_page` (chanjiao/sync.py), plus — on a token pull with `include_deleted` — the caller's exits since the
    token, as `Exit` items merged into the same `(txid, id)` order under the same cursor (an exit's key is its own
    exit-row id). Anything else is exactly `sync_page`."""
    if exits is None or not exits.tenants or since.token is None or not include_deleted:
        return await sync_page(session, stmt, model, since=since, cursor=cursor, limit=limit, order=order)
    width = len(stmt.column_descriptions)
    page = await sync_page(
        session,
        stmt.add_columns(_as_int(txid_column(model)).label("row_txid")),
        model,
        since=since,
        cursor=cursor,
        limit=limit,
    )
    found: list[tuple[int, uuid.UUID, Any]] = []
    for r in page.rows:
        row = r[0] if width == 1 else tuple(r[:width])
        entity = r[0]
        found.append((int(r[width]), entity.id, row))

    table = exits_table(exits.schema)
    txid = _as_int(table.c.txid)
    query = (
        sa.select(table.c.id, table.c.record_id, table.c.created_at, txid)
        .where(
            table.c.noun == exits.noun,
            table.c.txid >= sa.cast(sa.literal(str(since.token), sa.Text), Xid8()),
            sa.tuple_(table.c.tenant_kind, table.c.tenant_id).in_([tuple(t) for t in exits.tenants]),
            ~sa.exists(exits.visible_ids.where(model.id == table.c.record_id)),
        )
        .order_by(table.c.txid, table.c.id)
        .limit(limit + 1)
    )
    if cursor:
        _, after_txid, after_id = decode_cursor(cursor, [int, int, uuid.UUID])  # sync_page checked the cursor
        bound = sa.cast(sa.literal(str(after_txid), sa.Text), Xid8())
        query = query.where(sa.tuple_(table.c.txid, table.c.id) > sa.tuple_(bound, sa.literal(after_id, sa.Uuid)))
    for exit_id, record_id, left_at, exit_txid in (await session.execute(query)).all():
        found.append((int(exit_txid), exit_id, Exit(id=record_id, left_at=left_at)))

    found.sort(key=lambda f: (f[0], f[1]))
    more = len(found) > limit or page.next_cursor is not None
    found = found[:limit]
    next_cursor = encode_cursor([int(page.sync_token), found[-1][0], found[-1][1]]) if more and found else None
    return SyncPage(rows=[f[2] for f in found], next_cursor=next_cursor, sync_token=page.sync_token)
