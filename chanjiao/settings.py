"""Settings on a kernel base (pydantic-settings): what every process shares.

Each process has its own class, kept with its code (`services/<name>/settings.py`, `gateway/settings.py`),
and env prefix (`CHANJIAO_MEMBERSHIP_…`, `CHANJIAO_GATEWAY_…`);
values shared by all processes may also be given once with the plain `CHANJIAO_` prefix
(the per-process variable wins). Development defaults exist so a single process can be started by
hand, and are refused when `environment` is not `development`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

DEV_INTERNAL_KEY = "development-only-internal-token-key-do-not-use-in-production"
SERVICES = ("membership", "training", "matching")


class UnsafeSettings(ValueError):
    pass


class KernelSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    environment: Literal["development", "test", "production"] = "development"
    # Signs/verifies the gateway's internal token. Generated per installation by `chanjiao up`.
    internal_token_key: SecretStr = SecretStr(DEV_INTERNAL_KEY)
    internal_token_ttl_seconds: int = 60
    log_level: str = "INFO"
    log_json: bool = True
    # Request body limits in bytes, enforced by the gateway and again by every service (chanjiao/bodies.py):
    # every route, the batch routes (`…/batch`), the spreadsheet imports (`…/imports`, `…/member-imports`).
    max_body_bytes: int = 1024 * 1024
    max_batch_body_bytes: int = 4 * 1024 * 1024
    max_import_body_bytes: int = 8 * 1024 * 1024

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        shared = EnvSettingsSource(settings_cls, env_prefix="CHANJIAO_", case_sensitive=False)
        return init_settings, env_settings, shared, file_secret_settings

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> KernelSettings:
        if not self.is_development:
            key = self.internal_token_key.get_secret_value()
            if key == DEV_INTERNAL_KEY or len(key) < 32:
                raise UnsafeSettings(
                    "internal_token_key: the development key (or one shorter than 32 characters) "
                    f"is refused when environment={self.environment}; set a random secret"
                )
        for name in ("max_body_bytes", "max_batch_body_bytes", "max_import_body_bytes"):
            if getattr(self, name) < 1024:
                raise UnsafeSettings(f"{name} must be at least 1024 bytes")
        self._check_more()
        return self

    def _check_more(self) -> None:
        """Hook for subclasses: more refusals outside development."""


class ServiceSettings(KernelSettings):
    """A service process: one database URL (its own role), a pool, and the gateway to call others."""

    service_name: ClassVar[str]
    database_url: str = "postgresql+asyncpg://localhost:5432/chanjiao"
    # A fixed pool: overflow connections are closed on return, and reopening them (a new backend
    # plus SCRAM authentication each time) cost more than waiting for a pooled one (docs/benchmarks.md).
    db_pool_size: int = 16
    db_max_overflow: int = 0
    db_statement_timeout_ms: int = 15000
    gateway_url: str = "http://127.0.0.1:8000"
    # Encrypts personal data (phones, ID numbers) in the application. Defaults to the internal-token
    # key; set its own secret in production so the two can be rotated apart. Previous keys still
    # decrypt while data is re-encrypted (comma-separated in the environment).
    personal_data_key: SecretStr | None = None
    personal_data_previous_keys: str = ""

    def personal_data_secrets(self) -> tuple[str, tuple[str, ...]]:
        current = (self.personal_data_key or self.internal_token_key).get_secret_value()
        previous = tuple(k.strip() for k in self.personal_data_previous_keys.split(",") if k.strip())
        return current, previous

    def _check_more(self) -> None:
        if not self.is_development and self.database_url.endswith("localhost:5432/chanjiao"):
            raise UnsafeSettings("database_url must be set explicitly outside development")
        if not self.is_development and self.personal_data_key is not None:
            if len(self.personal_data_key.get_secret_value()) < 32:
                raise UnsafeSettings("personal_data_key must be at least 32 characters outside development")


def settings_as_env(settings: BaseSettings, prefix: str) -> dict[str, str]:
    """Environment variables that reproduce `settings` in a child process."""
    env: dict[str, str] = {}
    data: dict[str, Any] = settings.model_dump()
    for key, value in data.items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None:
            continue
        env[f"{prefix}{key.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return env
