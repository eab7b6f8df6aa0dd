"""Schemas, roles and migrations.

`bootstrap()` (outside Alembic: roles are cluster-wide) creates one login role per service that
owns only its schema. With an admin lacking CREATEROLE it says so and every service runs as the
given role. `upgrade()` then runs each service's own Alembic environment as that service's role, so
a migration cannot touch another schema either. `run_env()` is the body of every `env.py`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from chanjiao.settings import SERVICES, ServiceSettings

log = logging.getLogger("chanjiao.migrate")

ROOT = Path(__file__).resolve().parent.parent
ALEMBIC_INI = ROOT / "migrations" / "alembic.ini"


# Extensions a service's tables need, created by the bootstrap (as the admin) inside that service's
# schema: a service role may not create extensions itself. The embedded server ships these.
SERVICE_EXTENSIONS: dict[str, tuple[str, ...]] = {"membership": ("btree_gist",)}


def role_name(service: str) -> str:
    return f"chanjiao_{service}"


def libpq_url(url: str) -> str:
    """`postgresql://…` for asyncpg/libpq from any SQLAlchemy-style URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def async_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class BootstrapResult:
    service_urls: dict[str, str]  # SQLAlchemy asyncpg URLs, one per service
    per_service_roles: bool


async def bootstrap(admin_url: str, passwords: dict[str, str], *, database: str | None = None) -> BootstrapResult:
    """Idempotent: database (when `database` is given and missing), roles, schemas, privileges."""
    admin = make_url(libpq_url(admin_url))
    target_db = database or admin.database or "postgres"
    conn = await asyncpg.connect(libpq_url(admin_url))
    try:
        row = await conn.fetchrow(
            "select rolsuper, rolcreaterole, current_user as me from pg_roles where rolname = current_user"
        )
        can_roles = bool(row["rolsuper"] or row["rolcreaterole"])
        if database and not await conn.fetchval("select 1 from pg_database where datname = $1", database):
            await conn.execute(f'create database "{database}" encoding UTF8 template template0')
        if can_roles:
            for svc in SERVICES:
                role, pw = role_name(svc), _literal(passwords[svc])
                exists = await conn.fetchval("select 1 from pg_roles where rolname = $1", role)
                verb = "alter" if exists else "create"
                await conn.execute(f"{verb} role {role} with login password {pw} nosuperuser nocreatedb nocreaterole")
        else:
            log.warning(
                "role %s lacks CREATEROLE: every service runs as that role (no per-service isolation)", row["me"]
            )
    finally:
        await conn.close()

    db_url = admin.set(database=target_db)
    conn = await asyncpg.connect(db_url.render_as_string(hide_password=False))
    try:
        for svc in SERVICES:
            if can_roles:
                role = role_name(svc)
                await conn.execute(f"create schema if not exists {svc} authorization {role}")
                await conn.execute(f"alter schema {svc} owner to {role}")
                await conn.execute(f"revoke all on schema {svc} from public")
                await conn.execute(f'grant connect on database "{target_db}" to {role}')
            else:
                await conn.execute(f"create schema if not exists {svc}")
            for ext in SERVICE_EXTENSIONS.get(svc, ()):
                await conn.execute(f"create extension if not exists {ext} with schema {svc}")
        await conn.execute("revoke create on schema public from public")
    finally:
        await conn.close()

    urls = {}
    for svc in SERVICES:
        url = db_url.set(drivername="postgresql+asyncpg")
        if can_roles:
            url = url.set(username=role_name(svc), password=passwords[svc])
        urls[svc] = url.render_as_string(hide_password=False)
    return BootstrapResult(service_urls=urls, per_service_roles=can_roles)


def alembic_config(service: str, database_url: str | None = None):  # noqa: ANN201 - alembic.config.Config
    from alembic.config import Config

    cfg = Config(str(ALEMBIC_INI), ini_section=service)
    if database_url:
        cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(service_urls: dict[str, str], revision: str = "heads") -> None:
    """Upgrade every service's schema (each as its own role). Safe to call from async code."""
    from alembic import command

    def _run() -> None:
        for svc in SERVICES:
            command.upgrade(alembic_config(svc, service_urls[svc]), revision)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        _run()
        return
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(_run).result()


def run_env(metadata: sa.MetaData, schema: str, settings_class: type[ServiceSettings]) -> None:
    """The whole of a service's Alembic `env.py` (`settings_class`: the service's settings, for its database URL)."""
    from alembic import context

    config = context.config
    url = (
        config.attributes.get("database_url")
        or os.environ.get(f"CHANJIAO_{schema.upper()}_DATABASE_URL")
        or settings_class().database_url
    )

    def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
        return name == schema if type_ == "schema" else True

    opts = dict(
        target_metadata=metadata,
        version_table_schema=schema,
        include_schemas=True,
        include_name=include_name,
        compare_type=True,
    )
    if context.is_offline_mode():
        context.configure(url=async_url(url), literal_binds=True, **opts)
        with context.begin_transaction():
            context.run_migrations()
        return

    def _do(connection: sa.Connection) -> None:
        context.configure(connection=connection, **opts)
        with context.begin_transaction():
            context.run_migrations()

    async def _online() -> None:
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(
            async_url(url), poolclass=sa.pool.NullPool, connect_args={"server_settings": {"search_path": schema}}
        )
        async with engine.connect() as conn:
            await conn.run_sync(_do)
            await conn.commit()
        await engine.dispose()

    asyncio.run(_online())
