"""The training process's settings (`CHANJIAO_TRAINING_…`, or the shared `CHANJIAO_…`) on the kernel's
service base (chanjiao/settings.py): how long membership's answers are reused (services/training/orgs.py), the
certificates' public address and windows, and the job runner (chanjiao/jobs.py)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from chanjiao.settings import ServiceSettings, UnsafeSettings


class TrainingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHANJIAO_TRAINING_", extra="ignore")
    service_name: ClassVar[str] = "training"

    # Answers of the membership service (organization exists and is active; an alliance's member
    # periods) are reused for this long; within it they are used even while membership is down,
    # past it a write that needs them fails with 503 (services/training/orgs.py).
    org_cache_ttl_seconds: float = 60.0
    membership_timeout_seconds: float = 3.0
    # The platform's public address: verification links and QR codes of certificates are built from it, never
    # from a request's Host header (services/training/certificates/verification.py). In production it must
    # be set, to an https URL.
    public_base_url: str = "http://127.0.0.1:8000"
    # A certificate is shown `expiring` this many days before its expiry or its next review (docs/domain.md).
    certificate_expiring_window_days: int = 90
    # Who may appraise and test (services/training/accreditations/checks.py): off, an appraisal batch or a 1+X
    # certificate is checked against the register only for an organization that keeps it (has an entry); on, for every
    # organization (one without an entry is refused).
    accreditation_strict: bool = False
    # The reminder ledger (services/training/certificates/reminders.py): a reminder for each of these offsets in
    # days from a certificate's expiry and next review date (negative: before it); in the environment a JSON list,
    # e.g. CHANJIAO_TRAINING_CERTIFICATE_REMINDER_OFFSETS='[-60,0]'.
    certificate_reminder_offsets: list[int] = Field(default_factory=lambda: [-90, -30, -7, 0])
    # The job runner (chanjiao/jobs.py, docs/operations.md): on in the service process unless switched off (tests,
    # or a deployment that runs `chanjiao jobs run-due training` from cron instead); how often it looks for due
    # runs; how long a claim lasts without renewal (a dead worker's run is taken again after it); attempts and
    # back-off of a failing run; how long finished runs are kept.
    jobs_enabled: bool = True
    jobs_poll_seconds: float = 30.0
    jobs_lease_seconds: float = 300.0
    jobs_max_attempts: int = 5
    jobs_retry_base_seconds: float = 60.0
    jobs_retry_max_seconds: float = 3600.0
    jobs_keep_days: int = 30
    # Signs the public verification answers of certificates: an Ed25519 private key in PEM. Unset, a key derived
    # from the internal-token key is used (development and tests only; refused in production)
    # (services/training/certificates/signing.py).
    certificate_signing_key: SecretStr | None = None
    # Public keys (Ed25519, PEM, one block after another) of earlier signing keys, still published with the current
    # one (`GET /v1/certificates/verification-key`) so answers signed before a rotation keep verifying.
    certificate_previous_verification_keys: str = ""
    # Verifications are counted per certificate and day in memory and written to the database this often (and at
    # shutdown) (services/training/certificates/counts.py).
    certificate_verification_flush_seconds: float = 5.0

    def _check_more(self) -> None:
        super()._check_more()
        if self.environment == "production" and not self.public_base_url.startswith("https://"):
            raise UnsafeSettings("public_base_url must be the platform's https address in production")
        if not 0 <= self.certificate_expiring_window_days <= 3650:
            raise UnsafeSettings("certificate_expiring_window_days must be between 0 and 3650")
        offsets = self.certificate_reminder_offsets
        if not offsets or len(set(offsets)) != len(offsets) or any(not -3650 <= o <= 3650 for o in offsets):
            raise UnsafeSettings("certificate_reminder_offsets must be distinct day offsets between -3650 and 3650")
        if self.jobs_poll_seconds <= 0 or self.jobs_lease_seconds <= 0 or self.jobs_max_attempts < 1:
            raise UnsafeSettings("jobs_poll_seconds and jobs_lease_seconds must be positive, jobs_max_attempts ≥ 1")
        if self.environment == "production" and self.certificate_signing_key is None:
            raise UnsafeSettings(
                "certificate_signing_key must be set in production (an Ed25519 private key in PEM); the key derived "
                "from the internal-token key is for development and tests"
            )
        if not 0.1 <= self.certificate_verification_flush_seconds <= 3600:
            raise UnsafeSettings("certificate_verification_flush_seconds must be between 0.1 and 3600")
