"""Login throttling that a stranger cannot turn into a lockout of the owner.

Two rules, both checked **before any password hashing** and for unknown logins exactly as for known
ones (unknown logins are verified against a dummy hash, so neither answers nor timing tell them apart):

1. **Per login and client address.** `login_max_failures` (5) failures for one login from one address
   within `login_failure_window_seconds` (15 min) are free; after that the address must wait 1 s, 2 s,
   4 s … (doubling with each further failure, capped at `login_delay_cap_seconds`, 60 s) after its latest
   failure: 429 with `Retry-After`. Other addresses — the owner's — are not slowed at all. A success from
   the address clears its count.
2. **Per login, across addresses** (distributed guessing): when the login has `login_ceiling_failures`
   (100) failed *logins* within `login_ceiling_window_seconds` (1 h), only addresses that succeeded for
   this login within `login_known_address_days` (30 days) may try; every other address gets 429 until the
   oldest of those failures leaves the window. So a botnet spreading guesses over many addresses gets
   ~100 guesses an hour per login, and the owner keeps logging in from where they usually do.

A wrong current password at `POST /v1/users/me/password` counts against rule 1 for its address (the same
counter as logins from that address: neither route can be used to guess past the other). Rule 2 counts
each route's failures separately: 100 wrong current passwords within the hour close the change-password
route to unknown addresses (a stolen session used from many addresses), but never logins — a fuzz run
there must not shut the owner out of logging in anywhere; and failed logins never close the route to a
holder of a session. A password change or reset clears every failure of the login (guesses against the
old password are worthless) and marks the address it came from as known.

The address is the one the gateway established with its trusted-proxy rule and put, as exactly one
address, in `X-Forwarded-For` (`gateway/proxy.py`); membership trusts that header only because every
`/v1` request carries a valid internal token (`chanjiao/auth.py` `InternalTokenMiddleware`), and falls
back to the peer address. Addresses are stored as a keyed hash (HMAC with a key derived from the
internal-token key), never in clear; IPv6 addresses count per /64 (one subscriber's prefix), IPv4
mapped into IPv6 as the IPv4 address.

State lives in Postgres (`login_failures`, `login_successes`) so every replica sees it. Each failure is
committed on its own before the error answer. Concurrent attempts that all pass the check before any of
them fails may exceed a limit by at most `password_hash_concurrency`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field
from starlette.requests import HTTPConnection

from chanjiao.errors import TooManyRequests
from chanjiao.ids import new_id
from services.membership.db import Base
from services.membership.identity import opaque
from services.membership.identity.columns import timestamp
from services.membership.identity.runtime import Identity


class LoginFailure(Base, table=True):
    """One failed login for a login name (known or not) from one client address: `login_key` = SHA-256
    of the lower-cased login, `client_key` = keyed hash of the address (`throttle.py`). `route`:
    `login` (token, claim) or `password_change` (a wrong current password; counts for its address only)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        sa.CheckConstraint("route in ('login', 'password_change')", name="route"),
        sa.Index("ix_login_failures_key", "login_key", "failed_at"),
        sa.Index("ix_login_failures_client", "login_key", "client_key", "failed_at"),
        sa.Index("ix_login_failures_failed_at", "failed_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    login_key: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    client_key: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    route: str = Field(default="login", sa_column=sa.Column(sa.Text, nullable=False, server_default="login"))
    failed_at: datetime = Field(sa_column=timestamp(False))


class LoginSuccess(Base, table=True):
    """The last successful login (or password change, or reset) of a login name from a client address."""

    __tablename__ = "login_successes"

    login_key: bytes = Field(sa_column=sa.Column(sa.LargeBinary, primary_key=True))
    client_key: bytes = Field(sa_column=sa.Column(sa.LargeBinary, primary_key=True))
    succeeded_at: datetime = Field(sa_column=timestamp(False))


Route = Literal["login", "password_change"]
# Expired failure rows removed per recorded failure (of any login), so the table stays bounded even when
# every failure names a different login.
_SWEEP = 200


class LoginLocked(TooManyRequests):
    slug = "login-locked"
    title_zh, title_en = "登录失败次数过多", "Too many failed logins"


def utcnow() -> datetime:
    return datetime.now(UTC)


# ---- who is trying --------------------------------------------------------------------------------
def client_address(conn: HTTPConnection) -> str:
    """The client address as the gateway established it: the last `X-Forwarded-For` entry (the gateway
    sends exactly one), else the peer address."""
    for name, value in reversed(conn.scope.get("headers") or []):
        if name == b"x-forwarded-for":
            hops = [h.strip() for h in value.decode("latin-1").split(",") if h.strip()]
            if hops:
                return hops[-1]
    client = conn.client
    return client.host if client and client.host else "unknown"


def _normalized(address: str) -> str:
    text = address.strip()
    try:
        ip = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return text[:200].lower()
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def client_key(secret: str, address: str) -> bytes:
    """What failures are counted under for an address: HMAC-SHA-256 of the normalised address."""
    key = hashlib.sha256(b"chanjiao-login-throttle:" + secret.encode()).digest()
    return hmac.new(key, _normalized(address).encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Attempt:
    """One login name tried from one client address."""

    login_key: bytes
    client_key: bytes

    @classmethod
    def of(cls, ident: Identity, login: str, address: str) -> Attempt:
        secret = ident.settings.internal_token_key.get_secret_value()
        return cls(login_key=opaque.login_key(login), client_key=client_key(secret, address))


# ---- the rules ------------------------------------------------------------------------------------
def _locked(retry: int, *, whole_login: bool) -> LoginLocked:
    retry = max(1, retry)
    if whole_login:
        zh = f"该登录名近期失败次数过多，请从曾成功登录的地点登录，或 {retry} 秒后再试"
        en = f"Too many failed logins for this login; log in from where you did before, or retry in {retry} s"
    else:
        zh = f"该登录名从此地址失败次数过多，请 {retry} 秒后再试"
        en = f"Too many failed logins for this login from this address; retry in {retry} s"
    return LoginLocked(
        detail_zh=zh,
        detail_en=en,
        headers={"Retry-After": str(retry)},
        extra={"error": "temporarily_locked", "retry_after": retry},
    )


def delay_after(failures: int, free: int, cap: int) -> int:
    """Seconds an address waits after its latest failure, having `failures` counted ones."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 30))


async def check(session: AsyncSession, ident: Identity, attempt: Attempt, route: Route = "login") -> None:
    """429 with `Retry-After` when this address must wait (failures of both routes count), or when the
    login is over its ceiling for `route` (that route's failures count) and this address has no recent
    success. Reads only; runs before any hashing."""
    s = ident.settings
    now = utcnow()
    count, last = (
        await session.execute(
            sa.select(sa.func.count(), sa.func.max(LoginFailure.failed_at)).where(
                LoginFailure.login_key == attempt.login_key,
                LoginFailure.client_key == attempt.client_key,
                LoginFailure.failed_at > now - timedelta(seconds=s.login_failure_window_seconds),
            )
        )
    ).one()
    wait = delay_after(count, s.login_max_failures, s.login_delay_cap_seconds)
    if wait and last is not None:
        left = (last + timedelta(seconds=wait) - now).total_seconds()
        if left > 0:
            raise _locked(math.ceil(left), whole_login=False)

    window = timedelta(seconds=s.login_ceiling_window_seconds)
    nth = (
        await session.execute(
            sa.select(LoginFailure.failed_at)
            .where(
                LoginFailure.login_key == attempt.login_key,
                LoginFailure.route == route,
                LoginFailure.failed_at > now - window,
            )
            .order_by(LoginFailure.failed_at.desc())
            .offset(s.login_ceiling_failures - 1)
            .limit(1)
        )
    ).scalar()
    if nth is None:
        return
    known = (
        await session.execute(
            sa.select(
                sa.exists().where(
                    LoginSuccess.login_key == attempt.login_key,
                    LoginSuccess.client_key == attempt.client_key,
                    LoginSuccess.succeeded_at > now - timedelta(days=s.login_known_address_days),
                )
            )
        )
    ).scalar()
    if not known:
        raise _locked(math.ceil((nth + window - now).total_seconds()), whole_login=True)


async def record_failure(session: AsyncSession, ident: Identity, attempt: Attempt, route: Route = "login") -> None:
    """Count a failure and commit it at once: the request is about to fail, and its transaction (which
    has written nothing yet — callers only read before this) is discarded first."""
    s = ident.settings
    now = utcnow()
    cutoff = now - timedelta(seconds=max(s.login_failure_window_seconds, s.login_ceiling_window_seconds))
    await session.rollback()
    expired = sa.select(LoginFailure.id).where(LoginFailure.failed_at <= cutoff).limit(_SWEEP)
    await session.execute(sa.delete(LoginFailure).where(LoginFailure.id.in_(expired.scalar_subquery())))
    await session.execute(
        sa.insert(LoginFailure).values(
            id=new_id(), login_key=attempt.login_key, client_key=attempt.client_key, route=route, failed_at=now
        )
    )
    await session.commit()


async def record_success(session: AsyncSession, ident: Identity, attempt: Attempt) -> None:
    """The address's failures are cleared and it becomes known for the login (in the caller's transaction)."""
    now = utcnow()
    await session.execute(
        sa.delete(LoginFailure).where(
            LoginFailure.login_key == attempt.login_key, LoginFailure.client_key == attempt.client_key
        )
    )
    await _remember(session, ident, attempt, now)


async def clear_login(session: AsyncSession, ident: Identity, attempt: Attempt) -> None:
    """A new password (change or reset): every failure of the login goes; the address becomes known."""
    await session.execute(sa.delete(LoginFailure).where(LoginFailure.login_key == attempt.login_key))
    await _remember(session, ident, attempt, utcnow())


async def _remember(session: AsyncSession, ident: Identity, attempt: Attempt, now: datetime) -> None:
    forgotten = now - timedelta(days=ident.settings.login_known_address_days)
    await session.execute(
        sa.delete(LoginSuccess).where(
            LoginSuccess.login_key == attempt.login_key, LoginSuccess.succeeded_at <= forgotten
        )
    )
    stmt = insert(LoginSuccess).values(login_key=attempt.login_key, client_key=attempt.client_key, succeeded_at=now)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["login_key", "client_key"], set_={"succeeded_at": now})
    )
