"""The training process's settings (`CHANJIAO_TRAINING_…`, or the shared `CHANJIAO_…`) on the kernel's
service base (chanjiao/settings.py): how long membership's answers are reused (services/training/orgs.py)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr
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
        if self.environment == "production" and self.certificate_signing_key is None:
            raise UnsafeSettings(
                "certificate_signing_key must be set in production (an Ed25519 private key in PEM); the key derived "
                "from the internal-token key is for development and tests"
            )
        if not 0.1 <= self.certificate_verification_flush_seconds <= 3600:
            raise UnsafeSettings("certificate_verification_flush_seconds must be between 0.1 and 3600")
