"""First start: make sure a platform admin can exist.

When no active platform admin exists: with `CHANJIAO_BOOTSTRAP_ADMIN=<login>:<password>` (split on the
first colon; password rules apply, a weak one stops the start with a clear error) that admin is
created; otherwise a one-time setup token (24 h) is printed to standard error — never to the JSON
logs — for `POST /v1/auth/setup` (`setup`). Replicas starting together serialise on an advisory lock, so
only one admin is created. There is no default password anywhere."""

from __future__ import annotations

import logging
import sys
from datetime import timedelta

import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import Conflict
from services.membership.identity import one_time, opaque
from services.membership.identity.common import utcnow
from services.membership.identity.fields import _login
from services.membership.identity.passwords import check_password
from services.membership.identity.runtime import Identity, identity_of
from services.membership.identity.users import service as users
from services.membership.identity.users.schemas import SetupRequest

log = logging.getLogger("chanjiao.identity")

SETUP_TTL = timedelta(hours=24)
# Serialises first-start decisions across replicas (pg_advisory_xact_lock key).
BOOTSTRAP_LOCK = 0x63_6A_69_64  # "cjid"


class PlatformAdminExists(Conflict):
    slug = "platform-admin-exists"
    title_zh, title_en = "平台管理员已存在", "A platform admin already exists"


class BootstrapError(RuntimeError):
    """CHANJIAO_BOOTSTRAP_ADMIN is unusable; the message never contains the password."""


async def identity_startup(app: FastAPI) -> None:
    """Membership's startup hook for identity: build the runtime, then make sure a platform admin can exist."""
    ident = identity_of(app)
    await ident.passwords.prepare()
    async with app.state.sessionmaker() as session:
        secret = await bootstrap(session, ident)
        await session.commit()
    if secret is not None:
        announce_setup_token(secret, ident.settings.gateway_url)
        log.warning("no platform admin exists: a one-time setup token was printed to standard error")


async def _lock_bootstrap(session: AsyncSession) -> None:
    await session.execute(sa.select(sa.func.pg_advisory_xact_lock(BOOTSTRAP_LOCK)))


async def _create_platform_admin(
    session: AsyncSession, ident: Identity, *, login: str, password: str, display_name: str, actor: str
) -> users.User:
    user = users.new_user(login, display_name, await ident.passwords.hash(password), is_platform_admin=True)
    await users.insert_user(session, user)
    await one_time.void_setup_tokens(session)
    after = users.AUDIT.snapshot(user)
    await users.AUDIT.record(session, user, action="create", actor=actor, before=None, after=after, payload=dict(after))
    return user


async def setup(session: AsyncSession, ident: Identity, data: SetupRequest) -> users.User:
    await _lock_bootstrap(session)
    token = await one_time.take(session, data.setup_token, one_time.OneTimeKind.setup, opaque.SETUP)
    if await users.platform_admin_exists(session):
        raise PlatformAdminExists(
            detail_zh="平台管理员已存在，初始化令牌不再可用", detail_en="A platform admin exists; setup is closed"
        )
    check_password(data.password, login=data.login)
    if await users.find_by_login(session, data.login) is not None:
        raise users.LoginTaken(detail_zh="该登录名已被使用", detail_en="This login is already taken")
    user = await _create_platform_admin(
        session, ident, login=data.login, password=data.password, display_name=data.display_name, actor="setup"
    )
    token.used_at, token.used_by = utcnow(), user.id
    return user


def parse_bootstrap(value: str) -> tuple[str, str]:
    login, sep, password = value.partition(":")
    if not sep or not login or not password:
        raise BootstrapError("CHANJIAO_BOOTSTRAP_ADMIN must be <login>:<password>")
    try:
        login = _login(login)
    except ValueError as exc:
        raise BootstrapError(f"CHANJIAO_BOOTSTRAP_ADMIN: the login is unusable: {exc}") from None
    try:
        check_password(password, login=login)
    except Exception as exc:  # noqa: BLE001 - a ValidationFailed; report the rules, never the value
        rules = ", ".join(e.msg_en for e in getattr(exc, "errors", []))
        raise BootstrapError(f"CHANJIAO_BOOTSTRAP_ADMIN: the password breaks the password rules: {rules}") from None
    return login, password


async def bootstrap(session: AsyncSession, ident: Identity) -> str | None:
    """On start: when no active platform admin exists, create the one of CHANJIAO_BOOTSTRAP_ADMIN, or
    issue a setup token (returned, for the caller to print). Replicas serialise on an advisory lock."""
    await _lock_bootstrap(session)
    if await users.platform_admin_exists(session):
        return None
    configured = ident.settings.bootstrap_admin
    if configured is not None and configured.get_secret_value():
        login, password = parse_bootstrap(configured.get_secret_value())
        if await users.find_by_login(session, login) is not None:
            raise BootstrapError(
                f"CHANJIAO_BOOTSTRAP_ADMIN: the login {login!r} belongs to an existing user who is not an active "
                "platform admin; choose another login"
            )
        await _create_platform_admin(
            session, ident, login=login, password=password, display_name=login, actor="bootstrap"
        )
        return None
    _, secret = await one_time.issue(
        session, kind=one_time.OneTimeKind.setup, prefix=opaque.SETUP, ttl=SETUP_TTL, actor="bootstrap"
    )
    return secret


def announce_setup_token(secret: str, gateway_url: str) -> None:
    """Printed to stderr, never logged: the JSON logs are shipped elsewhere, this line is for the operator."""
    body = '{"setup_token": "' + secret + '", "login": "<login>", "password": "<password>", "display_name": "<name>"}'
    print(
        "\nChanjiao first start: no platform admin. Create one within 24 h with:\n"
        f"  curl -X POST {gateway_url.rstrip('/')}/v1/auth/setup -H 'Content-Type: application/json' -d '{body}'\n"
        "(or set CHANJIAO_BOOTSTRAP_ADMIN=<login>:<password> and restart)\n",
        file=sys.stderr,
        flush=True,
    )
