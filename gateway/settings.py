"""The gateway process's settings (`CHANJIAO_GATEWAY_…`, or the shared `CHANJIAO_…`) on the kernel's base
(chanjiao/settings.py): upstreams, authentication caches, rate limits, compression and CORS, with the refusals
outside development."""

from __future__ import annotations

import re
from typing import Literal

from pydantic_settings import SettingsConfigDict

from chanjiao.settings import KernelSettings, UnsafeSettings

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
