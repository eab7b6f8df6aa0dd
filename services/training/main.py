"""Training service — wiring only."""

from fastapi import FastAPI

from chanjiao.app import create_service_app
from services.training.bases.router import router as training_bases_router
from services.training.certificates.routes_verify import close_verification, open_verification
from services.training.certificates.routes_verify import router as certificates_verify_router
from services.training.db import kernel
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
from services.training.settings import TrainingSettings
from services.training.stats.router import router as stats_router
from services.training.teacher_practices.router import router as teacher_practices_router

DESCRIPTION = """培训服务：学员、培训项目、报名、证书、实习与实训基地。
Training: learners, programmes, enrolments, certificates, internships and training bases."""


def create_app(settings: TrainingSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or TrainingSettings(),
        title="Chanjiao training",
        description=DESCRIPTION,
        kernel=kernel,
        routers=[
            learners_batch_router,  # before /{learner_id}: /batch
            learners_import_router,  # before /{learner_id}: /imports, /import-template.xlsx
            learners_router,
            programmes_router,
            enrolments_batch_router,  # before /{enrolment_id}: /batch
            enrolments_import_router,  # before /{enrolment_id}: /imports, /import-template.xlsx
            enrolments_router,
            stats_router,
            internships_router,
            teacher_practices_router,
            part_time_teaching_router,
            training_bases_router,
            certificates_verify_router,
        ],
        on_startup=[open_directory, open_verification],
        on_shutdown=[close_verification, close_directory],
    )
