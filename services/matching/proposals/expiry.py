"""The daily job that expires unanswered proposals (chanjiao/jobs.py; docs/matching-proposals.md, "Expiry"):
every proposal still pending `proposal_expiry_days` days (MatchingSettings, default 14) after it was made becomes
`expired`, with one `proposal.expired` event. Safe to run twice or on two replicas at once
(services/matching/proposals/service.py, `expire`)."""

from __future__ import annotations

from datetime import time

from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.jobs import Daily, Job, JobContext
from services.matching.proposals import service

JOB_NAME = "proposal_expiry"
# Every day at 02:00 Asia/Shanghai; a run on a later day catches up on its own (its work is a function of now).
RUNS_AT = time(2, 0)


async def run(session: AsyncSession, ctx: JobContext) -> None:
    await service.expire(session, at=ctx.now, days=int(ctx.settings.proposal_expiry_days))


JOB = Job(JOB_NAME, run, schedule=Daily(RUNS_AT))
