"""The job runner (chanjiao/jobs.py) on a service's own `jobs` table (training's, created by its migration): a
periodic slot is scheduled and run once by two replicas at once, a dead worker's claim runs out and the run is
taken again, a claim taken over commits nothing, failures are recorded and retried with back-off until the last
attempt, and one-off runs are keyed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chanjiao.db import create_engine, make_sessionmaker
from chanjiao.jobs import Daily, Job, JobContext, Registry, Runner, RunnerConfig, enqueue
from services.training.db import jobs as JOBS_TABLE

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
CONFIG = RunnerConfig(lease_seconds=60, retry_base_seconds=30, retry_max_seconds=100, max_attempts=3)


@pytest.fixture
async def maker(database) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database.urls["training"], schema="training", pool_size=4)
    async with engine.begin() as conn:
        await conn.execute(sa.text("create table if not exists training.job_marks (job text, mark text)"))
        await conn.execute(sa.text("truncate training.jobs, training.job_marks"))
    yield make_sessionmaker(engine)
    await engine.dispose()


async def marks(maker: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    async with maker() as session:
        rows = await session.execute(sa.text("select job, mark from training.job_marks order by mark"))
        return [tuple(r) for r in rows]


async def job_rows(maker: async_sessionmaker[AsyncSession]) -> list[sa.Row]:
    async with maker() as session:
        return list(await session.execute(sa.select(JOBS_TABLE).order_by(JOBS_TABLE.c.run_at)))


async def mark(session: AsyncSession, job: str, value: str) -> None:
    await session.execute(sa.text("insert into training.job_marks values (:j, :m)"), {"j": job, "m": value})


def runner(maker, jobs, *, worker: str, clock=lambda: T0, config: RunnerConfig = CONFIG) -> Runner:
    return Runner(maker, Registry(JOBS_TABLE, jobs), config=config, worker=worker, clock=clock)


def test_a_daily_slot_is_the_latest_local_time_that_has_come():
    daily = Daily(time(1, 0))  # 01:00 Asia/Shanghai = 17:00 UTC the day before
    assert daily.latest_slot(datetime(2026, 3, 9, 17, 0, tzinfo=UTC)).isoformat() == "2026-03-10T01:00:00+08:00"
    assert daily.latest_slot(datetime(2026, 3, 9, 16, 59, tzinfo=UTC)).isoformat() == "2026-03-09T01:00:00+08:00"


async def test_two_replicas_schedule_and_run_a_daily_slot_once(maker):
    calls: list[str] = []

    async def work(session: AsyncSession, ctx: JobContext) -> None:
        calls.append(ctx.key)
        await asyncio.sleep(0.2)  # long enough for the other replica to look for work meanwhile
        await mark(session, "daily", ctx.today.isoformat())

    job = Job("daily", work, schedule=Daily(time(1, 0)))
    a, b = runner(maker, [job], worker="a"), runner(maker, [job], worker="b")
    ran = await asyncio.gather(a.run_due(), b.run_due(), a.run_due(), b.run_due())
    assert sum(ran) == 1 and calls == ["2026-03-10T01:00:00+08:00"]
    assert await marks(maker) == [("daily", "2026-03-10")]
    (row,) = await job_rows(maker)
    assert (row.status, row.attempts, row.claimed_until) == ("done", 1, None)
    # Three days later with nothing run in between: one run, for the latest slot; the job catches up by itself.
    later = runner(maker, [job], worker="c", clock=lambda: T0 + timedelta(days=3))
    assert await later.run_due() == 1
    assert [r.key for r in await job_rows(maker)] == ["2026-03-10T01:00:00+08:00", "2026-03-13T01:00:00+08:00"]


async def test_a_dead_workers_claim_runs_out_and_the_run_is_taken_again(maker):
    async def work(session: AsyncSession, ctx: JobContext) -> None:
        await mark(session, "once", f"attempt {ctx.attempt}")

    job = Job("once", work)
    async with maker() as session, session.begin():
        await enqueue(session, JOBS_TABLE, "once", key="k1", run_at=T0)
    dead = runner(maker, [job], worker="dead")
    assert await dead.claim(T0) is not None  # claimed, then the process died
    other = runner(maker, [job], worker="other")
    assert await other.run_one(T0 + timedelta(seconds=59)) is False  # the lease still holds
    assert await other.run_one(T0 + timedelta(seconds=61)) is True
    assert await marks(maker) == [("once", "attempt 2")]
    (row,) = await job_rows(maker)
    assert (row.status, row.attempts, row.claimed_by) == ("done", 2, "other")


async def test_a_run_whose_claim_was_taken_over_commits_nothing(maker):
    started, release = asyncio.Event(), asyncio.Event()

    async def work(session: AsyncSession, ctx: JobContext) -> None:
        await mark(session, "slow", ctx.payload["who"] + f" attempt {ctx.attempt}")
        if ctx.attempt == 1:
            started.set()
            await release.wait()

    job = Job("slow", work)
    async with maker() as session, session.begin():
        await enqueue(session, JOBS_TABLE, "slow", {"who": "run"}, key="k", run_at=T0)
    slow = runner(maker, [job], worker="slow")
    first = asyncio.create_task(slow.run_one(T0))
    await started.wait()
    fast = runner(maker, [job], worker="fast")
    assert await fast.run_one(T0 + timedelta(minutes=5)) is True  # the slow worker's lease ran out
    release.set()
    assert await first is True
    assert await marks(maker) == [("slow", "run attempt 2")]  # the slow worker's work was rolled back
    (row,) = await job_rows(maker)
    assert (row.status, row.claimed_by) == ("done", "fast")


async def test_a_failing_run_is_retried_with_back_off_then_given_up(maker):
    fail_times = {"flaky": 2, "broken": 99}

    async def work(session: AsyncSession, ctx: JobContext) -> None:
        await mark(session, ctx.name, f"attempt {ctx.attempt}")
        if ctx.attempt <= fail_times[ctx.name]:
            raise RuntimeError("boom")

    jobs = [Job("flaky", work), Job("broken", work, max_attempts=2)]
    async with maker() as session, session.begin():
        await enqueue(session, JOBS_TABLE, "flaky", key="f", run_at=T0, max_attempts=3)
        await enqueue(session, JOBS_TABLE, "broken", key="b", run_at=T0 + timedelta(hours=1), max_attempts=2)
    r = runner(maker, jobs, worker="w")
    assert await r.run_one(T0) is True
    flaky = next(x for x in await job_rows(maker) if x.name == "flaky")
    assert (flaky.status, flaky.attempts, flaky.last_error) == ("pending", 1, "RuntimeError")
    assert flaky.run_at == T0 + timedelta(seconds=30)
    assert await r.run_one(T0 + timedelta(seconds=29)) is False  # backing off
    assert await r.run_one(T0 + timedelta(seconds=30)) is True
    flaky = next(x for x in await job_rows(maker) if x.name == "flaky")
    assert (flaky.status, flaky.attempts) == ("pending", 2)
    assert flaky.run_at == T0 + timedelta(seconds=30 + 60)  # doubled
    assert await r.run_one(T0 + timedelta(seconds=90)) is True
    flaky = next(x for x in await job_rows(maker) if x.name == "flaky")
    assert (flaky.status, flaky.attempts, flaky.last_error) == ("done", 3, None)

    later = T0 + timedelta(hours=1)
    assert await r.run_one(later) is True
    assert await r.run_one(later + timedelta(seconds=30)) is True
    broken = next(x for x in await job_rows(maker) if x.name == "broken")
    assert (broken.status, broken.attempts, broken.last_error) == ("failed", 2, "RuntimeError")
    assert await r.run_one(later + timedelta(days=1)) is False  # given up: never claimed again
    # The failed attempts' work was rolled back; only the successful run's stayed.
    assert await marks(maker) == [("flaky", "attempt 3")]


async def test_a_one_off_run_with_the_same_key_is_one_run(maker):
    seen: list[dict] = []

    async def work(session: AsyncSession, ctx: JobContext) -> None:
        seen.append(ctx.payload)

    async with maker() as session, session.begin():
        first = await enqueue(session, JOBS_TABLE, "send", {"n": 1}, key="same", run_at=T0)
        again = await enqueue(session, JOBS_TABLE, "send", {"n": 2}, key="same", run_at=T0)
    assert first is not None and again is None
    r = runner(maker, [Job("send", work)], worker="w")
    assert await r.run_due(T0) == 1
    assert seen == [{"n": 1}]


async def test_a_run_of_a_job_another_service_registers_is_left_alone(maker):
    async with maker() as session, session.begin():
        await enqueue(session, JOBS_TABLE, "not_ours", key="x", run_at=T0)
    assert await runner(maker, [], worker="w").run_due(T0) == 0
    (row,) = await job_rows(maker)
    assert row.status == "pending"
