"""The platform's job runner: periodic and one-off jobs of a service, kept in that service's own `jobs` table
(`chanjiao/db.py` `jobs_table`) and run inside the service process — or once from the command line
(`chanjiao jobs run-due <service>`). Why a small runner of our own rather than a library: docs/architecture.md,
"Scheduled work".

* A **job** is a name and an async function `run(session, ctx)`: it does its work in the session's transaction,
  and the run is marked done in that same transaction — so a run's work is never committed without the mark.
  `ctx` gives `now`, `today` (Asia/Shanghai), the slot it was scheduled for, the payload and the settings.
* A **periodic** job has a schedule (`Daily(time(1, 0))`: every day at 01:00 Asia/Shanghai). Each pass of the
  runner inserts the latest slot that has come as a row keyed `(name, slot)` with `ON CONFLICT DO NOTHING`: two
  replicas schedule a slot once, with no lock held by any process. Slots missed while nothing ran collapse into
  the latest one, so a periodic job catches up by itself (its work is a function of today, not of the slot).
* A **one-off** job is `enqueue(session, table, name, payload, key=…)`, in the caller's transaction; the same key
  twice is one run.
* A run is **claimed** with `FOR UPDATE SKIP LOCKED` and a committed lease (`claimed_by`, `claimed_until`), renewed
  while the job runs. A worker that dies leaves a lease that runs out; the run is then claimed again (and counts as
  an attempt). A claim that was lost (the lease ran out and another worker took the run) commits nothing.
* A **failure** rolls the work back and records the error class and the attempt; the run waits
  `retry_base_seconds × 2^(attempt−1)` (at most `retry_max_seconds`) and is tried again, until `max_attempts`,
  when it stays `failed`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chanjiao.dates import SHANGHAI
from chanjiao.ids import new_id

log = logging.getLogger("chanjiao.jobs")

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"


class Schedule(Protocol):
    def latest_slot(self, now: datetime) -> datetime:
        """The latest slot at or before `now` (an aware datetime)."""
        ...


@dataclass(frozen=True)
class Daily:
    """Every day at `at`, in `tz` (Asia/Shanghai unless given)."""

    at: time
    tz: tzinfo = SHANGHAI

    def latest_slot(self, now: datetime) -> datetime:
        local = now.astimezone(self.tz)
        slot = datetime.combine(local.date(), self.at, tzinfo=self.tz)
        if slot > local:
            slot = datetime.combine(local.date() - timedelta(days=1), self.at, tzinfo=self.tz)
        return slot


@dataclass(frozen=True)
class JobContext:
    name: str
    key: str
    payload: dict[str, Any]
    scheduled_for: datetime
    now: datetime
    attempt: int
    settings: Any

    @property
    def today(self) -> date:
        """The day the run happens, in Asia/Shanghai (chanjiao/dates.py)."""
        return self.now.astimezone(SHANGHAI).date()


JobFunction = Callable[[AsyncSession, JobContext], Awaitable[Any]]


@dataclass(frozen=True)
class Job:
    name: str
    run: JobFunction
    schedule: Schedule | None = None  # None: one-off runs only (enqueue)
    max_attempts: int | None = None  # None: the runner's setting


@dataclass(frozen=True)
class Registry:
    """A service's jobs (name → job) and the table they are kept in."""

    table: sa.Table
    jobs: Sequence[Job] = ()
    by_name: dict[str, Job] = field(init=False)

    def __post_init__(self) -> None:
        by_name = {j.name: j for j in self.jobs}
        if len(by_name) != len(self.jobs):
            raise ValueError("two jobs of one name")
        object.__setattr__(self, "by_name", by_name)


@dataclass(frozen=True)
class RunnerConfig:
    """How a service runs its jobs; read from the service's `jobs_*` settings (`from_settings`)."""

    enabled: bool = True
    poll_seconds: float = 30.0
    lease_seconds: float = 300.0
    max_attempts: int = 5
    retry_base_seconds: float = 60.0
    retry_max_seconds: float = 3600.0
    keep_days: int = 30

    @classmethod
    def from_settings(cls, settings: Any) -> RunnerConfig:
        names = [f.name for f in fields(cls)]
        return cls(**{n: getattr(settings, f"jobs_{n}") for n in names if hasattr(settings, f"jobs_{n}")})


class LostClaim(Exception):
    """The run's lease ran out and another worker claimed it: this worker's work is rolled back."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def enqueue(
    session: AsyncSession,
    table: sa.Table,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    run_at: datetime | None = None,
    max_attempts: int = 5,
) -> uuid.UUID | None:
    """A one-off run of job `name`, in the caller's transaction; None when a run with this `key` exists already."""
    stmt = (
        insert(table)
        .values(
            id=new_id(),
            name=name,
            key=key or str(new_id()),
            payload=payload or {},
            status=PENDING,
            run_at=run_at or datetime.now(UTC),
            max_attempts=max_attempts,
        )
        .on_conflict_do_nothing(index_elements=["name", "key"])
        .returning(table.c.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


@dataclass
class Claimed:
    id: uuid.UUID
    name: str
    key: str
    payload: dict[str, Any]
    run_at: datetime
    attempts: int
    max_attempts: int


class Runner:
    """Runs the jobs of one registry against one service's database (a sessionmaker bound to its schema)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        registry: Registry,
        *,
        config: RunnerConfig | None = None,
        settings: Any = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        worker: str | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.registry = registry
        self.table = registry.table
        self.config = config or RunnerConfig()
        self.settings = settings
        self.clock = clock
        self.worker = worker or worker_name()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # ---- scheduling ---------------------------------------------------------------------------------------------
    async def schedule(self, now: datetime | None = None) -> int:
        """Insert the latest slot of every periodic job (once per slot, whoever else tries); prune old finished
        runs. Returns how many slots this call scheduled."""
        now = now or self.clock()
        rows = [
            {
                "id": new_id(),
                "name": job.name,
                "key": slot.isoformat(),
                "payload": {},
                "status": PENDING,
                "run_at": slot,
                "max_attempts": job.max_attempts or self.config.max_attempts,
            }
            for job in self.registry.jobs
            if job.schedule is not None
            for slot in (job.schedule.latest_slot(now),)
        ]
        if not rows:
            return 0
        t = self.table
        async with self.sessionmaker() as session, session.begin():
            stmt = insert(t).values(rows).on_conflict_do_nothing(index_elements=["name", "key"]).returning(t.c.id)
            added = len((await session.execute(stmt)).all())
            await session.execute(
                sa.delete(t).where(t.c.status == DONE, t.c.finished_at < now - timedelta(days=self.config.keep_days))
            )
        return added

    # ---- claiming and running ------------------------------------------------------------------------------------
    async def claim(self, now: datetime | None = None) -> Claimed | None:
        """Claim the oldest due run of a job this registry knows (pending and due, or running with a lease that
        ran out), committed at once, so the claim outlives no process: it is a lease, not a held lock."""
        now = now or self.clock()
        t = self.table
        due = (
            sa.select(t.c.id)
            .where(
                t.c.name.in_(list(self.registry.by_name)),
                t.c.status.in_((PENDING, RUNNING)),
                sa.or_(
                    sa.and_(t.c.status == PENDING, t.c.run_at <= now),
                    sa.and_(t.c.status == RUNNING, t.c.claimed_until < now),
                ),
            )
            .order_by(t.c.run_at, t.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        stmt = (
            sa.update(t)
            .where(t.c.id == due)
            .values(
                status=RUNNING,
                attempts=t.c.attempts + 1,
                claimed_by=self.worker,
                claimed_until=now + timedelta(seconds=self.config.lease_seconds),
                started_at=now,
            )
            .returning(t.c.id, t.c.name, t.c.key, t.c.payload, t.c.run_at, t.c.attempts, t.c.max_attempts)
        )
        async with self.sessionmaker() as session, session.begin():
            row = (await session.execute(stmt)).one_or_none()
        return Claimed(*row) if row is not None else None

    async def run_one(self, now: datetime | None = None) -> bool:
        """Claim and run one due run; False when nothing was due."""
        now = now or self.clock()
        claimed = await self.claim(now)
        if claimed is None:
            return False
        if claimed.attempts > claimed.max_attempts:
            # Its worker died on every attempt (the lease ran out each time): give up, visibly.
            await self._finish_failed(claimed, "lease_expired", retry=False, now=now)
            return True
        job = self.registry.by_name[claimed.name]
        ctx = JobContext(
            name=claimed.name,
            key=claimed.key,
            payload=claimed.payload,
            scheduled_for=claimed.run_at,
            now=now,
            attempt=claimed.attempts,
            settings=self.settings,
        )
        heartbeat = asyncio.create_task(self._heartbeat(claimed))
        try:
            async with self.sessionmaker() as session, session.begin():
                await job.run(session, ctx)
                marked = await session.execute(
                    sa.update(self.table)
                    .where(*self._mine(claimed))
                    .values(status=DONE, finished_at=self.clock(), claimed_until=None, last_error=None)
                )
                if marked.rowcount != 1:
                    raise LostClaim(claimed.name)
        except LostClaim:
            log.warning("job run lost its claim, work rolled back", extra={"job": claimed.name, "key": claimed.key})
        except Exception as exc:  # noqa: BLE001 - any failure of the job is recorded and retried
            log.exception("job run failed", extra={"job": claimed.name, "key": claimed.key})
            await self._finish_failed(claimed, _error_of(exc), retry=True, now=now)
        else:
            log.info("job run done", extra={"job": claimed.name, "key": claimed.key, "attempt": claimed.attempts})
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        return True

    def _mine(self, claimed: Claimed) -> list[sa.ColumnElement[bool]]:
        t = self.table
        return [
            t.c.id == claimed.id,
            t.c.status == RUNNING,
            t.c.claimed_by == self.worker,
            t.c.attempts == claimed.attempts,
        ]

    async def _heartbeat(self, claimed: Claimed) -> None:
        """Renew the lease while the job runs, so a long run is not taken for a dead one."""
        lease = self.config.lease_seconds
        while True:
            await asyncio.sleep(max(lease / 3, 0.05))
            try:
                async with self.sessionmaker() as session, session.begin():
                    await session.execute(
                        sa.update(self.table)
                        .where(*self._mine(claimed))
                        .values(claimed_until=self.clock() + timedelta(seconds=lease))
                    )
            except Exception:  # noqa: BLE001 - a missed renewal only shortens the lease
                log.warning("job lease renewal failed", extra={"job": claimed.name})

    async def _finish_failed(self, claimed: Claimed, error: str, *, retry: bool, now: datetime) -> None:
        """Record the failure; the next attempt waits from the run's start (`now`), doubling each time."""
        t = self.table
        delay = min(self.config.retry_base_seconds * 2 ** (claimed.attempts - 1), self.config.retry_max_seconds)
        give_up = not retry or claimed.attempts >= claimed.max_attempts
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                sa.update(t)
                .where(*self._mine(claimed))
                .values(
                    status=FAILED if give_up else PENDING,
                    run_at=t.c.run_at if give_up else now + timedelta(seconds=delay),
                    claimed_by=None,
                    claimed_until=None,
                    last_error=error,
                    finished_at=now if give_up else None,
                )
            )

    async def run_due(self, now: datetime | None = None, *, limit: int = 1000) -> int:
        """Schedule the periodic slots that have come, then run every due run (at most `limit`). Returns how many
        runs were taken."""
        await self.schedule(now)
        ran = 0
        while ran < limit and await self.run_one(now):
            ran += 1
        return ran

    # ---- inside the service process ------------------------------------------------------------------------------
    async def serve(self) -> None:
        """Run due jobs every `poll_seconds` until `stop()`."""
        while not self._stop.is_set():
            try:
                await self.run_due()
            except Exception:  # noqa: BLE001 - the database may be away for a while; try again next poll
                log.exception("job runner pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self.config.poll_seconds)

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self.serve(), name=f"jobs:{self.worker}")

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Let the run in progress finish (up to `grace_seconds`), then stop; an unfinished run's lease runs out and it
        is run again elsewhere."""
        self._stop.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=grace_seconds)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None


def _error_of(exc: BaseException) -> str:
    """What is kept of a failure: the exception's class and, for a database error, its SQLSTATE — never its message,
    which may quote the values of a row."""
    name = type(exc).__name__
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return f"{name} (SQLSTATE {code})" if code else name


def hooks(registry: Registry) -> tuple[Callable[[Any], Awaitable[None]], Callable[[Any], Awaitable[None]]]:
    """`create_service_app(on_startup=[start], on_shutdown=[stop])`: the runner of `registry` on the app's
    sessionmaker as `app.state.jobs`, running in the background unless the service's `jobs_enabled` is false."""

    async def start(app: Any) -> None:
        settings = app.state.settings
        runner = Runner(
            app.state.sessionmaker, registry, config=RunnerConfig.from_settings(settings), settings=settings
        )
        app.state.jobs = runner
        if runner.config.enabled:
            runner.start()

    async def stop(app: Any) -> None:
        runner = getattr(app.state, "jobs", None)
        if runner is not None:
            await runner.stop()

    return start, stop
