"""The matching process's settings (`CHANJIAO_MATCHING_…`, or the shared `CHANJIAO_…`): the kernel's service
base (chanjiao/settings.py), how long answers of the membership service are reused, when proposals expire and how
the job runner runs."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
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
    # A proposal nobody answered expires this many days after it was made (services/matching/proposals/expiry.py).
    proposal_expiry_days: int = Field(default=14, ge=1, le=365)
    # Allocation runs (services/matching/allocations/): a scope of at most this many demand × offer pairs is run
    # within the request; a larger one is queued as a job (docs/matching-fairs-allocations.md).
    allocation_inline_pairs: int = 5_000
    # The job runner (chanjiao/jobs.py, docs/operations.md): on in the service process unless switched off (tests,
    # or a deployment that runs `chanjiao jobs run-due matching` from cron instead); see the training service's
    # settings for what each one means. Polled every 5 s: a queued allocation run starts soon after it is asked for.
    # An allocation run is tried once (its job says so); the proposal expiry retries.
    jobs_enabled: bool = True
    jobs_poll_seconds: float = 5.0
    jobs_lease_seconds: float = 300.0
    jobs_max_attempts: int = 5
    jobs_retry_base_seconds: float = 60.0
    jobs_retry_max_seconds: float = 3600.0
    jobs_keep_days: int = 30
    # Rankings (services/matching/ranking/facts.py): what membership and training say about an organization (its
    # alliances' members, a school's track record) is reused for this long, so a ranking's facts are at most this old;
    # each call to them gives up after `facts_timeout_seconds` and the ranking answers degraded.
    facts_cache_ttl_seconds: float = 300.0
    facts_timeout_seconds: float = 1.0
