"""The membership process's settings (`CHANJIAO_MEMBERSHIP_…`, or the shared `CHANJIAO_…`) on the kernel's
service base (chanjiao/settings.py): identity's keys, token lifetimes, password hashing and the login throttle."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from chanjiao.settings import ServiceSettings


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
