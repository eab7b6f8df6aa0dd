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
    # Rankings (services/matching/ranking/facts.py): what membership and training say about an organization (its
    # alliances' members, a school's track record) is reused for this long, so a ranking's facts are at most this old;
    # each call to them gives up after `facts_timeout_seconds` and the ranking answers degraded.
    facts_cache_ttl_seconds: float = 300.0
    facts_timeout_seconds: float = 1.0
