"""Training service — wiring only."""

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from chanjiao.app import create_service_app
from chanjiao.jobs import Registry, hooks
from services.training.accreditations.router import router as accreditations_router
from services.training.accreditations.routes_figures import router as accreditation_figures_router
from services.training.accreditations.routes_registrations import router as pilot_registrations_router
from services.training.appraisals.router import router as appraisals_router
from services.training.apprenticeships.router import router as apprenticeships_router
from services.training.apprenticeships.routes_figures import router as apprenticeship_figures_router
from services.training.apprenticeships.routes_import import router as apprenticeships_import_router
from services.training.bases.router import router as training_bases_router
from services.training.bases.routes_co_builders import router as co_builders_router
from services.training.certificates import reminders
from services.training.certificates.router import router as certificates_router
from services.training.certificates.routes_badge import router as certificate_badge_router
from services.training.certificates.routes_batch import router as certificates_batch_router
from services.training.certificates.routes_due import router as certificates_due_router
from services.training.certificates.routes_import import router as certificates_import_router
from services.training.certificates.routes_learner import router as learner_certificates_router
from services.training.certificates.routes_status import router as certificate_status_router
from services.training.certificates.routes_verify import close_verification, open_verification
from services.training.certificates.routes_verify import router as certificates_verify_router
from services.training.certified_posts.router import router as certified_posts_router
from services.training.certified_posts.routes_compliance import router as certificate_compliance_router
from services.training.db import jobs, kernel
from services.training.enrolments.router import router as enrolments_router
from services.training.enrolments.routes_batch import router as enrolments_batch_router
from services.training.enrolments.routes_import import router as enrolments_import_router
from services.training.internships.router import router as internships_router
from services.training.learners.router import router as learners_router
from services.training.learners.routes_batch import router as learners_batch_router
from services.training.learners.routes_import import router as learners_import_router
from services.training.orgs import close_directory, open_directory
from services.training.part_time_teaching.router import router as part_time_teaching_router
from services.training.programmes.router import router as programmes_router
from services.training.programmes.routes_import import router as programmes_import_router
from services.training.settings import TrainingSettings
from services.training.stats.router import router as stats_router
from services.training.stats.routes_teachers import router as teacher_stats_router
from services.training.stats.routes_track import router as track_record_router
from services.training.teacher_practices.router import router as teacher_practices_router

DESCRIPTION = """培训服务：学员、培训项目、报名、证书、技能鉴定、实习与实训基地。
Training: learners, programmes, enrolments, certificates, skill appraisals, internships and training bases."""

# The service's scheduled work (chanjiao/jobs.py): run in the process unless `jobs_enabled` is false, and once by
# `chanjiao jobs run-due training` (chanjiao/cli.py reads SETTINGS and JOBS).
SETTINGS = TrainingSettings
JOBS = Registry(jobs, [reminders.JOB])
start_jobs, stop_jobs = hooks(JOBS)


# In any order: an `{…_id}` path parameter matches only a UUID-shaped segment (chanjiao/routes.py), so `/batch` or
# `/imports` is never taken for an id (tests/architecture/test_route_order.py).
ROUTERS: tuple[APIRouter, ...] = (
    learners_router,
    learners_batch_router,
    learners_import_router,
    programmes_router,
    programmes_import_router,
    enrolments_router,
    enrolments_batch_router,
    enrolments_import_router,
    stats_router,
    teacher_stats_router,
    track_record_router,
    internships_router,
    teacher_practices_router,
    part_time_teaching_router,
    training_bases_router,
    co_builders_router,
    certified_posts_router,
    certificate_compliance_router,
    certificates_router,
    certificates_batch_router,
    certificates_import_router,
    certificate_status_router,
    learner_certificates_router,
    certificates_due_router,
    certificates_verify_router,
    certificate_badge_router,
    appraisals_router,
    apprenticeships_router,
    apprenticeships_import_router,
    apprenticeship_figures_router,
    accreditations_router,
    pilot_registrations_router,
    accreditation_figures_router,
)


def create_app(settings: TrainingSettings | None = None, *, routers: Sequence[APIRouter] = ROUTERS) -> FastAPI:
    return create_service_app(
        settings or TrainingSettings(),
        title="Chanjiao training",
        description=DESCRIPTION,
        kernel=kernel,
        routers=routers,
        on_startup=[open_directory, open_verification, start_jobs],
        on_shutdown=[stop_jobs, close_verification, close_directory],
    )
