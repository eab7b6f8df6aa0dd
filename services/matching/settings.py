"""The matching process's settings (`CHANJIAO_MATCHING_…`, or the shared `CHANJIAO_…`): the kernel's service
base (chanjiao/settings.py) and nothing more yet."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from chanjiao.settings import ServiceSettings


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHANJIAO_MATCHING_", extra="ignore")
    service_name: ClassVar[str] = "matching"
