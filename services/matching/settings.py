"""The matching process's settings (`CHANJIAO_MATCHING_…`, or the shared `CHANJIAO_…`): the kernel's service
base (chanjiao/settings.py) and how long answers of the membership service are reused."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from chanjiao.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHANJIAO_MATCHING_", extra="ignore")
    service_name: ClassVar[str] = "matching"

    # Answers of the membership service (an organization exists and is active, an alliance exists, an appointment
    # and its person) are reused for this long; within it they are used even while membership is down, past it a
    # write that needs them fails with 503 (services/matching/agreements/membership.py).
    org_cache_ttl_seconds: float = 60.0
    membership_timeout_seconds: float = 3.0

    # Allocation runs (services/matching/allocations/): a scope of at most this many demand × offer pairs is run
    # within the request; a larger one is queued as a job (docs/matching-fairs-allocations.md).
    allocation_inline_pairs: int = 5_000
    # The job runner (chanjiao/jobs.py, docs/operations.md), as in the training service.
    jobs_enabled: bool = True
    jobs_poll_seconds: float = 5.0
    jobs_lease_seconds: float = 300.0
    jobs_max_attempts: int = 1
    jobs_retry_base_seconds: float = 60.0
    jobs_retry_max_seconds: float = 3600.0
    jobs_keep_days: int = 30
