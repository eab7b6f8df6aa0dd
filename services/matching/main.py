"""Matching service — wiring only."""

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from chanjiao.app import create_service_app
from chanjiao.jobs import Registry, hooks
from services.matching.agreements.membership import close_directory, open_directory
from services.matching.agreements.router import router as agreements_router
from services.matching.agreements.routes_ledger import router as agreement_payments_router
from services.matching.agreements.routes_milestones import router as agreement_milestones_router
from services.matching.alliance_weights.router import router as matching_weights_router
from services.matching.allocations import job as allocation_job
from services.matching.allocations.router import router as allocations_router
from services.matching.db import jobs, kernel
from services.matching.demands.router import router as demands_router
from services.matching.demands.routes_batch import router as demands_batch_router
from services.matching.demands.routes_import import router as demands_import_router
from services.matching.fairs.router import router as fairs_router
from services.matching.fairs.routes_registrations import router as fair_registrations_router
from services.matching.hires.router import router as hires_router
from services.matching.hires.routes_batch import router as hires_batch_router
from services.matching.hires.routes_figures import router as hires_figures_router
from services.matching.hires.routes_import import router as hires_import_router
from services.matching.offers.router import router as offers_router
from services.matching.offers.routes_batch import router as offers_batch_router
from services.matching.offers.routes_import import router as offers_import_router
from services.matching.proposals import expiry
from services.matching.proposals.router import router as proposals_router
from services.matching.ranking.facts import close_facts, open_facts
from services.matching.ranking.router import router as matches_router
from services.matching.settings import MatchingSettings
from services.matching.shortages.router import router as shortages_router
from services.matching.stats.router import router as stats_router

DESCRIPTION = """对接服务：企业需求、院校供给、匹配、合作协议与双选会。
Matching: enterprise demands, school offers, matches, agreements and fairs."""

# The service's scheduled and background work (chanjiao/jobs.py): the daily proposal expiry and large allocation runs;
# run in the process unless `jobs_enabled` is false, and once by `chanjiao jobs run-due matching` (chanjiao/cli.py reads
# SETTINGS and JOBS).
SETTINGS = MatchingSettings
JOBS = Registry(jobs, [expiry.JOB, allocation_job.JOB])
start_jobs, stop_jobs = hooks(JOBS)

# In any order: an `{…_id}` path parameter matches only a UUID-shaped segment (chanjiao/routes.py), so `/batch` or
# `/imports` is never taken for an id (tests/architecture/test_route_order.py).
ROUTERS: tuple[APIRouter, ...] = (
    demands_router,
    demands_batch_router,
    demands_import_router,
    offers_router,
    offers_batch_router,
    offers_import_router,
    agreements_router,
    agreement_payments_router,
    agreement_milestones_router,
    stats_router,
    proposals_router,
    hires_router,
    hires_batch_router,
    hires_import_router,
    hires_figures_router,
    fairs_router,
    fair_registrations_router,
    allocations_router,
    matches_router,
    shortages_router,
    matching_weights_router,
)


def create_app(settings: MatchingSettings | None = None, *, routers: Sequence[APIRouter] = ROUTERS) -> FastAPI:
    return create_service_app(
        settings or MatchingSettings(),
        title="Chanjiao matching",
        description=DESCRIPTION,
        kernel=kernel,
        routers=routers,
        on_startup=[open_directory, open_facts, start_jobs],
        on_shutdown=[stop_jobs, close_facts, close_directory],
    )
