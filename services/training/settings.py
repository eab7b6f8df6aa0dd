"""The training process's settings (`CHANJIAO_TRAINING_…`, or the shared `CHANJIAO_…`) on the kernel's
service base (chanjiao/settings.py): how long membership's answers are reused (services/training/orgs.py)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from chanjiao.settings import ServiceSettings


class TrainingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHANJIAO_TRAINING_", extra="ignore")
    service_name: ClassVar[str] = "training"

    # Answers of the membership service (organization exists and is active; an alliance's member
    # periods) are reused for this long; within it they are used even while membership is down,
    # past it a write that needs them fails with 503 (services/training/orgs.py).
    org_cache_ttl_seconds: float = 60.0
    membership_timeout_seconds: float = 3.0
