"""The training process's settings (`CHANJIAO_TRAINING_…`, or the shared `CHANJIAO_…`) on the kernel's
service base (chanjiao/settings.py): how long membership's answers are reused (services/training/orgs.py)."""

from __future__ import annotations

from typing import ClassVar

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

    def _check_more(self) -> None:
        super()._check_more()
        if self.environment == "production" and not self.public_base_url.startswith("https://"):
            raise UnsafeSettings("public_base_url must be the platform's https address in production")
        if not 0 <= self.certificate_expiring_window_days <= 3650:
            raise UnsafeSettings("certificate_expiring_window_days must be between 0 and 3650")
