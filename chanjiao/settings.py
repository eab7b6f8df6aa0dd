"""Settings on a kernel base (pydantic-settings).

Each process has its own class and env prefix (`CHANJIAO_MEMBERSHIP_…`, `CHANJIAO_GATEWAY_…`);
values shared by all processes may also be given once with the plain `CHANJIAO_` prefix
(the per-process variable wins). Development defaults exist so a single process can be started by
hand, and are refused when `environment` is not `development`.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, model_validator
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


def service_settings_class(name: str) -> type[ServiceSettings]:
    return {"membership": MembershipSettings, "training": TrainingSettings, "matching": MatchingSettings}[name]


class MembershipSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHANJIAO_MEMBERSHIP_", extra="ignore")
    service_name: ClassVar[str] = "membership"

    # ---- identity (docs/identity.md) ----
    # Ed25519 private key (PEM) that signs access tokens; derived from the internal key when unset.
    jwt_signing_key: SecretStr | None = None
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_days: int = 30
    # Re-presenting a just-rotated refresh token within this many seconds answers the same pair again
    # (a lost answer, two parallel refreshes); later it is reuse and ends the session. 0: no grace; at most
    # 5 minutes (a stolen spent token must not stay useful).
    refresh_reuse_grace_seconds: int = Field(default=60, ge=0, le=300)
    # Argon2id cost. The defaults follow RFC 9106's second recommendation scaled to a 2-core host;
    # tests set them low. Hashing runs in a thread under a semaphore of `password_hash_concurrency`.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 1
    password_hash_concurrency: int = 2
    # Login throttle (docs/identity.md "Lockout"). Per login name and client address: this many failures
    # within the window are free, then each further one makes that address wait 1 s, 2 s, 4 s … up to the
    # cap. Per login name across addresses: the ceiling's failures within its window → only addresses
    # with a success in the last `login_known_address_days` may try.
    login_max_failures: int = 5
    login_failure_window_seconds: int = 900
    login_delay_cap_seconds: int = 60
    login_ceiling_failures: int = 100
    login_ceiling_window_seconds: int = 3600
    login_known_address_days: int = 30
    # One-time tokens (invitations, password resets, first-start setup).
    invitation_ttl_hours: int = 168
    password_reset_ttl_hours: int = 24
    # `<login>:<password>` — creates the first platform admin on start when none exists.
    bootstrap_admin: SecretStr | None = None


class TrainingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHANJIAO_TRAINING_", extra="ignore")
    service_name: ClassVar[str] = "training"

    # Answers of the membership service (organization exists and is active; an alliance's member
    # periods) are reused for this long; within it they are used even while membership is down,
    # past it a write that needs them fails with 503 (services/training/orgs.py).
    org_cache_ttl_seconds: float = 60.0
    membership_timeout_seconds: float = 3.0


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHANJIAO_MATCHING_", extra="ignore")
    service_name: ClassVar[str] = "matching"


DEV_CORS_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*")
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:(\d{1,5}|\*))?")


class GatewaySettings(KernelSettings):
    """The gateway process."""

    model_config = SettingsConfigDict(env_prefix="CHANJIAO_GATEWAY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    membership_url: str = "http://127.0.0.1:8001"
    training_url: str = "http://127.0.0.1:8002"
    matching_url: str = "http://127.0.0.1:8003"
    connect_timeout_seconds: float = 2.0
    read_timeout_seconds: float = 30.0
    pool_size_per_upstream: int = 256
    retry_after_seconds: int = 5

    # ---- authentication (docs/identity.md) ----
    # How long a validated (or rejected) API key is remembered. A revoked key stops working within
    # this bound; it may not exceed 60 s.
    api_key_cache_ttl_seconds: float = 30.0
    # The JWKS (public keys of access tokens) is fetched from membership and refreshed this often,
    # or sooner when a token names an unknown key id.
    jwks_refresh_seconds: float = 300.0

    # ---- rate limits: token buckets per API key / user / client IP ----
    rate_limit_enabled: bool = True
    rate_limit_backend: Literal["memory", "redis"] = "memory"
    redis_url: str | None = None
    # Sustained requests per minute and burst, per credential (key or user) and per anonymous IP.
    rate_limit_per_minute: int = 1200
    rate_limit_burst: int = 200
    rate_limit_anonymous_per_minute: int = 300
    rate_limit_anonymous_burst: int = 60
    # Stricter buckets per client IP on login/token routes and on public verification.
    rate_limit_login_per_minute: int = 20
    rate_limit_login_burst: int = 10
    rate_limit_verify_per_minute: int = 60
    rate_limit_verify_burst: int = 20
    # Anonymous `POST /v1/auth/refresh` per client IP, instead of the anonymous and login buckets: generous,
    # since one NAT address may carry thousands of app users refreshing every 15 minutes.
    rate_limit_refresh_per_minute: int = 1200
    rate_limit_refresh_burst: int = 300
    # Forwarded client addresses are trusted only from these proxies (comma-separated IPs).
    trusted_proxies: str = ""

    # ---- compression of answers (gateway/compression.py) ----
    compression_enabled: bool = True
    # Answers smaller than this are sent as they are (a compressed small answer saves nothing).
    compression_min_bytes: int = 1024
    # Brotli quality: 4–5 compresses about as well as gzip -6 at a similar cost; 11 (the library's
    # default) is far too slow for answers made per request.
    brotli_quality: int = 4
    # gzip level, for clients without Brotli (Android's OkHttp asks for gzip only): 3 costs less than
    # half of the usual 6 for a page ~20 % larger (bench/compression.py, docs/benchmarks.md).
    gzip_level: int = 3

    # ---- CORS (gateway/cors.py) ----
    # Browser origins allowed to call the API, comma-separated (`https://app.example.cn`; a port of
    # `*` allows any port of that host: `http://localhost:*`). Unset: `http://localhost:*` and
    # `http://127.0.0.1:*` in development, none otherwise. Set to an empty string for none.
    cors_origins: str | None = None
    # How long a browser may cache a preflight answer.
    cors_max_age_seconds: int = 600

    def _check_more(self) -> None:
        if not 0 < self.api_key_cache_ttl_seconds <= 60:
            raise UnsafeSettings(
                "api_key_cache_ttl_seconds must be in (0, 60]: a revoked key must stop within a minute"
            )
        if self.rate_limit_backend == "redis" and not self.redis_url:
            raise UnsafeSettings("rate_limit_backend=redis needs redis_url")
        if not 0 <= self.brotli_quality <= 11:
            raise UnsafeSettings("brotli_quality must be in [0, 11]")
        if not 1 <= self.gzip_level <= 9:
            raise UnsafeSettings("gzip_level must be in [1, 9]")
        if self.compression_min_bytes < 0:
            raise UnsafeSettings("compression_min_bytes must not be negative")
        for origin in self.cors_origin_list():
            if not _ORIGIN.fullmatch(origin):
                raise UnsafeSettings(
                    f"cors_origins: {origin!r} is not an origin (scheme://host, optionally :port or :*)"
                )

    def cors_origin_list(self) -> list[str]:
        """The allowed browser origins (gateway/cors.py): the setting, or the environment's default."""
        if self.cors_origins is None:
            return list(DEV_CORS_ORIGINS) if self.is_development else []
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    def upstream_urls(self) -> dict[str, str]:
        return {"membership": self.membership_url, "training": self.training_url, "matching": self.matching_url}


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
