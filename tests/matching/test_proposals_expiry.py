"""Unanswered proposals expire after `proposal_expiry_days` (services/matching/proposals/expiry.py): run by the
service's job runner, twice or on two connections at once, each proposal expires once with one
`proposal.expired` event; an answered one, or one younger than the limit, is left alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chanjiao.db import create_engine, make_sessionmaker
from chanjiao.jobs import Runner, RunnerConfig
from services.matching.main import JOBS
from services.matching.proposals import service
from services.matching.settings import MatchingSettings
from tests.conftest import TEST_KEY
from tests.matching.conftest import MatchingPlatform
from tests.matching.test_proposals import pair, propose


@pytest.fixture
async def maker(database) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database.urls["matching"], schema="matching", pool_size=4)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def made_days_ago(maker, ids: list[str], days: int) -> None:
    async with maker() as session, session.begin():
        await session.execute(
            sa.text(
                "update matching.proposals set created_at = now() - make_interval(days => :d) where id = any(:ids)"
            ),
            {"d": days, "ids": ids},
        )


async def expired_events(maker, ids: list[str]) -> list[str]:
    async with maker() as session:
        rows = await session.execute(
            sa.text(
                "select cast(aggregate_id as text) from matching.outbox where type = 'proposal.expired' "
                "and cast(aggregate_id as text) = any(:ids)"
            ),
            {"ids": ids},
        )
        return sorted(r[0] for r in rows)


async def statuses(mp: MatchingPlatform, ids: list[str]) -> list[str]:
    return [(await mp.admin.get(f"/v1/proposals/{i}")).json()["status"] for i in ids]


async def test_an_unanswered_proposal_expires_once_when_run_twice(mp: MatchingPlatform, maker):
    p = await pair(mp)
    old = await propose(mp, p)
    q = await pair(mp)
    answered = await propose(mp, q)
    r = await mp.as_org(q.school).post(f"/v1/proposals/{answered['id']}/declination", json={})
    assert r.status_code == 200
    young = await propose(mp, await pair(mp))
    ids = [old["id"], answered["id"], young["id"]]
    await made_days_ago(maker, ids[:2], 15)
    await made_days_ago(maker, ids[2:], 13)

    at = datetime.now(UTC)
    for expected in (1, 0):
        async with maker() as session, session.begin():
            assert await service.expire(session, at=at, days=14) == expected
    assert await statuses(mp, ids) == ["expired", "declined", "pending"]
    assert await expired_events(maker, ids) == [old["id"]]
    # Expired: no answer any more, and the pair may be proposed again.
    r = await mp.as_org(p.school).post(f"/v1/proposals/{old['id']}/acceptance", json={})
    assert r.status_code == 409 and r.json()["current"] == "expired"
    await propose(mp, p)


async def test_two_runs_at_once_expire_each_proposal_once(mp: MatchingPlatform, maker):
    props = [await propose(mp, await pair(mp)) for _ in range(4)]
    ids = [x["id"] for x in props]
    await made_days_ago(maker, ids, 20)
    at = datetime.now(UTC)

    async def run() -> int:
        async with maker() as session, session.begin():
            return await service.expire(session, at=at, days=14)

    counts = await asyncio.gather(run(), run())
    assert sum(counts) == 4
    assert await statuses(mp, ids) == ["expired"] * 4
    assert await expired_events(maker, ids) == sorted(ids)


async def test_the_matching_job_runner_runs_the_expiry(database, mp: MatchingPlatform, maker):
    """The job is registered with the service (`chanjiao jobs run-due matching` runs it) and reads
    `proposal_expiry_days` from the settings."""
    prop = await propose(mp, await pair(mp))
    await made_days_ago(maker, [prop["id"]], 8)
    settings = MatchingSettings(
        database_url=database.urls["matching"], internal_token_key=TEST_KEY, proposal_expiry_days=7
    )
    runner = Runner(maker, JOBS, config=RunnerConfig.from_settings(settings), settings=settings)
    await runner.run_due(datetime.now(UTC) + timedelta(days=1))
    assert await statuses(mp, [prop["id"]]) == ["expired"]
    r = await mp.admin.get(f"/v1/proposals/{prop['id']}")
    assert r.json()["answered_by"] == "job:proposal_expiry"
