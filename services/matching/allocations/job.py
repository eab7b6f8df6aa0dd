"""The allocation job (chanjiao/jobs.py, a one-off run per allocation): a large run's work, in the background.

The work runs in the job's transaction (services/matching/allocations/compute.py); its progress — phase and pairs
scored of the total — is written by a second, short transaction each time, so `GET /v1/allocations/{id}` shows it
while the work is under way. A run is tried once: on an error the allocation is marked `failed` with the error's
class, and the work is rolled back. Running it again after it is done changes nothing."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.db import make_sessionmaker
from chanjiao.jobs import Job, JobContext
from chanjiao.resources import now
from services.matching.allocations import compute
from services.matching.allocations.models import Allocation
from services.matching.allocations.service import JOB_NAME


async def run(session: AsyncSession, ctx: JobContext) -> None:
    allocation_id = uuid.UUID(ctx.payload["allocation_id"])
    side = make_sessionmaker(session.bind)  # type: ignore[arg-type]
    table = Allocation.__table__  # type: ignore[attr-defined]

    async def mark(**values: object) -> None:
        async with side() as s, s.begin():
            await s.execute(sa.update(table).where(table.c.id == allocation_id).values(**values))

    async def progress(phase: str, scored: int, total: int) -> None:
        await mark(status="running", phase=phase, pairs_scored=scored, pairs_total=total)

    row = await session.get(Allocation, allocation_id)
    if row is None or row.status in ("done", "failed"):
        return
    await mark(status="running", phase="collecting", started_at=now())
    try:
        await compute.run(session, row, progress)
    except Exception as exc:
        await mark(status="failed", phase="failed", error=type(exc).__name__, finished_at=now())
        raise


JOB = Job(JOB_NAME, run, max_attempts=1)
