"""How often each certificate was verified, per day — counted without a write per verification.

Every answered verification (a 200 or a 304, not a 404) adds one to a counter in the process's memory, keyed by
certificate and day (Asia/Shanghai); a task started with the service (`start`, from services/training/main.py)
writes the counters to `certificate_verification_counts` every `certificate_verification_flush_seconds` — one
multi-row upsert adding them to what is stored — and once more at shutdown (`stop`). A flush that fails keeps its
counts for the next one. The stored counts are therefore at most one flush interval behind, per process; several
replicas add into the same rows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field

from services.training.db import Base

log = logging.getLogger("chanjiao.training.certificates.counts")


class CertificateVerificationCount(Base, table=True):
    """The number of verifications of one certificate on one day (Asia/Shanghai)."""

    __tablename__ = "certificate_verification_counts"

    certificate_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.certificates.id"), primary_key=True)
    )
    day: date = Field(sa_column=sa.Column(sa.Date, primary_key=True))
    count: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))


COUNTS: Any = CertificateVerificationCount.__table__


class VerificationCounter:
    """Counts kept in memory until flushed."""

    def __init__(self) -> None:
        self.pending: Counter[tuple[uuid.UUID, date]] = Counter()

    def add(self, certificate_id: uuid.UUID, day: date) -> None:
        self.pending[(certificate_id, day)] += 1

    async def flush(self, engine: AsyncEngine) -> int:
        """Write what was counted since the last flush (one statement); the number of verifications written."""
        if not self.pending:
            return 0
        batch, self.pending = self.pending, Counter()
        rows = [{"certificate_id": cid, "day": day, "count": n} for (cid, day), n in batch.items()]
        stmt = insert(COUNTS).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=[COUNTS.c.certificate_id, COUNTS.c.day], set_={"count": COUNTS.c.count + stmt.excluded.count}
        )
        try:
            async with engine.begin() as conn:
                await conn.execute(stmt)
        except BaseException:
            self.pending.update(batch)  # kept for the next flush
            raise
        return sum(batch.values())


async def _flush_loop(counter: VerificationCounter, engine: AsyncEngine, seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await counter.flush(engine)
        except Exception as exc:  # noqa: BLE001 - the counts stay in memory; the next flush tries again
            log.warning("could not write certificate verification counts, keeping them for the next flush: %r", exc)


async def start(app: Any) -> None:
    """Start-up hook: the process's counter and its flushing task."""
    counter = VerificationCounter()
    app.state.verification_counter = counter
    seconds = app.state.settings.certificate_verification_flush_seconds
    app.state.verification_flusher = asyncio.create_task(_flush_loop(counter, app.state.engine, seconds))


async def stop(app: Any) -> None:
    """Shutdown hook: stop the task, then write what is left."""
    task: asyncio.Task[None] | None = getattr(app.state, "verification_flusher", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    counter: VerificationCounter | None = getattr(app.state, "verification_counter", None)
    if counter is not None:
        try:
            await counter.flush(app.state.engine)
        except Exception as exc:  # noqa: BLE001 - shutting down: say what is lost, do not stop the shutdown
            log.warning("certificate verification counts lost at shutdown (%d): %r", sum(counter.pending.values()), exc)
