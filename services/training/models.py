"""Every table of the training service (imported by Alembic and by the app).

Learners, programmes, enrolments, certificates (and their reminder ledger), skill appraisal batches, certified posts
and their holders, practice records and training bases, plus the kernel tables (idempotency keys, audit rows, outbox)
that every one of them writes through and the job runner's table (services/training/db.py)."""

from services.training.accreditations.models import Accreditation, PilotRegistration
from services.training.appraisals.models import Appraisal, AppraisalCandidate
from services.training.apprenticeships.models import Apprenticeship
from services.training.bases.models import TrainingBase, TrainingBaseCoBuilder
from services.training.certificates.models import (
    Certificate,
    CertificateReview,
    CertificateStatusChange,
    CertificateVerification,
)
from services.training.certificates.reminders import reminders as certificate_reminders
from services.training.certified_posts.models import CertifiedPost, CertifiedPostHolder
from services.training.db import kernel, metadata
from services.training.enrolments.models import Enrolment
from services.training.internships.models import Internship
from services.training.learners.models import Learner, Person
from services.training.part_time_teaching.models import PartTimeTeaching
from services.training.programmes.models import Programme
from services.training.teacher_practices.models import TeacherPractice

__all__ = [
    "Accreditation",
    "PilotRegistration",
    "Apprenticeship",
    "Appraisal",
    "AppraisalCandidate",
    "Certificate",
    "CertificateReview",
    "CertificateStatusChange",
    "CertificateVerification",
    "CertifiedPost",
    "CertifiedPostHolder",
    "certificate_reminders",
    "Internship",
    "PartTimeTeaching",
    "TeacherPractice",
    "TrainingBase",
    "TrainingBaseCoBuilder",
    "Enrolment",
    "Programme",
    "Learner",
    "Person",
    "kernel",
    "metadata",
]
