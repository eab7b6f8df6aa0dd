"""Async database plumbing per service (SQLAlchemy async + asyncpg under SQLModel).

Each service has its own `registry`/`MetaData` bound to its schema (so nothing it declares can land in
another schema), its own engine built in lifespan, and the kernel tables every resource reuses:
idempotency keys, audit rows and the outbox — and, for a service that runs scheduled work, the job table of the
kernel's job runner (`jobs_table`, chanjiao/jobs.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry as sa_registry
from sqlmodel import SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_registry(schema: str) -> sa_registry:
    return sa_registry(metadata=sa.MetaData(schema=schema, naming_convention=NAMING_CONVENTION))


def make_base(reg: sa_registry) -> type[SQLModel]:
    """The SQLModel base for one service: every table model inherits its schema and metadata."""

    class ServiceBase(SQLModel, registry=reg):
        pass

    return ServiceBase


@dataclass(frozen=True)
class KernelTables:
    idempotency: sa.Table
    audit: sa.Table
    outbox: sa.Table


def kernel_tables(metadata: sa.MetaData) -> KernelTables:
    """Declare the mechanism tables in a service's metadata (created by that service's migration)."""
    now = sa.text("now()")
    idempotency = sa.Table(
        "idempotency_keys",
        metadata,
        sa.Column("scope_hash", sa.LargeBinary, primary_key=True),  # sha256(principal, method, path, key)
        sa.Column("request_hmac", sa.LargeBinary, nullable=False),  # HMAC of the body, never the body
        sa.Column("state", sa.Text, nullable=False),  # in_flight | done
        sa.Column("response_status", sa.Integer),
        sa.Column("response_headers", JSONB),
        sa.Column("response_body", sa.LargeBinary),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state in ('in_flight', 'done')", name="state"),
    )
    sa.Index(None, idempotency.c.expires_at)
    audit = sa.Table(
        "audit_log",
        metadata,
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("entity_id", UUID(as_uuid=True), nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text),
        sa.Column("diff", JSONB, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
    )
    sa.Index(None, audit.c.entity, audit.c.entity_id, audit.c.occurred_at)
    outbox = sa.Table(
        "outbox",
        metadata,
        sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("aggregate_type", sa.Text, nullable=False),
        sa.Column("aggregate_id", UUID(as_uuid=True), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("aggregate_type", "aggregate_id", "seq"),
    )
    sa.Index("ix_outbox_undelivered", outbox.c.occurred_at, postgresql_where=outbox.c.delivered_at.is_(None))
    return KernelTables(idempotency=idempotency, audit=audit, outbox=outbox)


def jobs_table(metadata: sa.MetaData) -> sa.Table:
    """The job runner's table (chanjiao/jobs.py) in a service's metadata (created by that service's migration).

    One row per run: a periodic job's slot (`key` = the slot's local time) or a one-off job (`key` given or
    generated). `(name, key)` is unique, so a slot is scheduled once however many replicas try. A run is claimed
    by writing `claimed_by`/`claimed_until` (a lease, not a lock held by a process): a lease that runs out makes
    the run claimable again."""
    now = sa.text("now()")
    jobs = sa.Table(
        "jobs",
        metadata,
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("status", sa.Text, nullable=False),  # pending | running | done | failed
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("claimed_by", sa.Text),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("name", "key"),
        sa.CheckConstraint("status in ('pending', 'running', 'done', 'failed')", name="status"),
        sa.CheckConstraint("status <> 'running' or claimed_until is not null", name="claim"),
    )
    sa.Index("ix_jobs_due", jobs.c.run_at, jobs.c.id, postgresql_where=jobs.c.status.in_(("pending", "running")))
    return jobs


def create_engine(
    database_url: str,
    *,
    schema: str,
    pool_size: int = 10,
    max_overflow: int = 10,
    statement_timeout_ms: int = 15000,
    **kwargs: Any,
) -> AsyncEngine:
    """An engine whose connections see only `schema` on their search path."""
    return create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        connect_args={
            "server_settings": {
                "search_path": schema,
                "statement_timeout": str(statement_timeout_ms),
                "application_name": f"chanjiao-{schema}",
                "timezone": "UTC",
            }
        },
        **kwargs,
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def session_scope(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session per request. Routers commit once at the end of the use case; anything not
    committed (an error, a client that went away) is rolled back here."""
    async with maker() as session:
        try:
            yield session
        finally:
            if session.in_transaction():
                await session.rollback()


async def soft_delete(session: AsyncSession, row: Any) -> None:
    """Mark a versioned row deleted (it stays as a tombstone for incremental sync) and flush."""
    now = datetime.now(UTC)
    row.deleted_at = now
    row.updated_at = now
    row.version += 1
    await session.flush()
