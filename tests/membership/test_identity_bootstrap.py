"""First start: CHANJIAO_BOOTSTRAP_ADMIN creates the platform admin (password rules apply); without it a
one-time setup token is printed to stderr (not logged) for POST /v1/auth/setup; replicas starting together
create one admin; no default password exists."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from services.membership.identity.bootstrap import BootstrapError
from services.membership.main import create_app
from tests.conftest import TEMPLATE_DB, Cluster, Database, membership_settings, scanning_client
from tests.membership.test_identity_auth import anon, login, principal_of

SETUP_LINE = re.compile(r"curl -X POST \S+/v1/auth/setup .*\"setup_token\": \"(cjs_[A-Za-z0-9_-]+)\"")


@pytest.fixture
async def fresh(cluster: Cluster) -> AsyncIterator[Database]:
    """A database of its own (no platform admin yet), per test."""
    name = f"test_boot_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(cluster.admin_url)
    try:
        await conn.execute(f'create database "{name}" template "{TEMPLATE_DB}"')
    finally:
        await conn.close()
    yield Database(name=name, urls=cluster.service_urls(name), admin_url=cluster.admin_url_for(name))
    conn = await asyncpg.connect(cluster.admin_url)
    try:
        await conn.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await conn.close()


async def platform_admins(db: Database) -> list[str]:
    conn = await asyncpg.connect(db.admin_url)
    try:
        return [r["login"] for r in await conn.fetch("select login from membership.users where is_platform_admin")]
    finally:
        await conn.close()


async def started(db: Database, **settings: object):
    app = create_app(membership_settings(db, **settings))
    ctx = app.router.lifespan_context(app)
    await ctx.__aenter__()
    client = scanning_client(transport=httpx.ASGITransport(app=app), base_url="http://membership", headers=anon())
    return app, ctx, client


async def test_bootstrap_admin_from_settings(fresh):
    pw = "Chanjiao-first-admin-2026"
    app, ctx, c = await started(fresh, bootstrap_admin=f"root.admin:{pw}")
    try:
        assert await platform_admins(fresh) == ["root.admin"]
        r = await login(c, "root.admin", pw)
        assert r.status_code == 200, r.text
        p = await principal_of(c, r.json()["access_token"])
        assert p.roles == ("platform_admin",) and p.org_id is None
    finally:
        await c.aclose()
        await ctx.__aexit__(None, None, None)
    # a restart (even with another value) changes nothing
    app, ctx, c = await started(fresh, bootstrap_admin="someone.else:Another-strong-pw-1")
    await c.aclose()
    await ctx.__aexit__(None, None, None)
    assert await platform_admins(fresh) == ["root.admin"]


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("admin:short", "10–128 characters"),
        ("admin:admin-password-99", "must not contain the login"),
        ("admin:password123", "common password"),
        ("no-colon-here", "<login>:<password>"),
    ],
)
async def test_a_weak_bootstrap_password_stops_the_start(fresh, value, needle):
    app = create_app(membership_settings(fresh, bootstrap_admin=value))
    with pytest.raises(BootstrapError, match=needle) as info:
        async with app.router.lifespan_context(app):
            pass
    assert value.partition(":")[2] not in str(info.value) or ":" not in value
    assert await platform_admins(fresh) == []


async def test_setup_token_is_printed_and_works_once(fresh, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    app, ctx, c = await started(fresh)
    try:
        err = capsys.readouterr().err
        assert "Chanjiao first start: no platform admin" in err
        token = SETUP_LINE.search(err).group(1)
        assert token not in caplog.text  # printed for the operator, never in the logs
        body = {
            "setup_token": token,
            "login": "platform",
            "password": "Secretariat-2026!",
            "display_name": "平台管理员",
        }
        weak = await c.post("/v1/auth/setup", json={**body, "password": "platform123"})
        assert weak.status_code == 422 and weak.json()["errors"][0]["loc"] == ["body", "password"]
        r = await c.post("/v1/auth/setup", json=body)
        assert r.status_code == 201, r.text
        assert r.json()["is_platform_admin"] is True and r.json()["login"] == "platform"
        again = await c.post("/v1/auth/setup", json={**body, "login": "second"})
        assert again.status_code == 401
        assert (await login(c, "platform", "Secretariat-2026!")).status_code == 200
        junk = await c.post("/v1/auth/setup", json={**body, "setup_token": "cjs_" + "x" * 43})
        assert junk.status_code == 401
    finally:
        await c.aclose()
        await ctx.__aexit__(None, None, None)
    # with an admin, a restart prints nothing
    app, ctx, c = await started(fresh)
    await c.aclose()
    await ctx.__aexit__(None, None, None)
    assert "first start" not in capsys.readouterr().err
    assert await platform_admins(fresh) == ["platform"]


async def test_every_printed_setup_token_works_until_an_admin_exists(fresh, capsys):
    tokens = []
    for _ in range(2):
        app, ctx, c = await started(fresh)
        await c.aclose()
        await ctx.__aexit__(None, None, None)
        tokens.append(SETUP_LINE.search(capsys.readouterr().err).group(1))
    app, ctx, c = await started(fresh)
    capsys.readouterr()
    try:
        body = {"login": "first", "password": "Secretariat-2026!", "display_name": "平台管理员"}
        assert (await c.post("/v1/auth/setup", json={**body, "setup_token": tokens[0]})).status_code == 201
        r = await c.post("/v1/auth/setup", json={**body, "setup_token": tokens[1], "login": "second"})
        assert r.status_code == 401  # spent with the first: one admin only
    finally:
        await c.aclose()
        await ctx.__aexit__(None, None, None)


async def test_replicas_starting_together_create_one_admin(fresh):
    apps = [create_app(membership_settings(fresh, bootstrap_admin="root:Chanjiao-first-admin-2026")) for _ in range(3)]
    contexts = [app.router.lifespan_context(app) for app in apps]
    await asyncio.gather(*(ctx.__aenter__() for ctx in contexts))
    try:
        assert await platform_admins(fresh) == ["root"]
    finally:
        for ctx in contexts:
            await ctx.__aexit__(None, None, None)
