"""Test harness: one throw-away PostgreSQL per session (embedded, or $TEST_DATABASE_URL), migrated
once into a template database; each test module gets its own clone (~30 ms), and service-level
tests run inside a transaction that is rolled back.

Every HTTP response the test clients see and every log record of the run is scanned for unmasked
ID numbers at the end of the session (a failure names the test)."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from chanjiao import migrate
from chanjiao.auth import ALL_SCOPES, ANONYMOUS, INTERNAL_TOKEN_HEADER, InternalTokenSigner, Principal
from chanjiao.pg_embedded import EmbeddedPostgres
from chanjiao.settings import SERVICES
from services.membership.settings import MembershipSettings

TEST_KEY = "test-internal-token-key-" + secrets.token_hex(16)
# The services' job runner (chanjiao/jobs.py) stays off in the apps tests build, so no background run writes into
# a test's database behind its back; the job tests switch it on where they test it.
os.environ.setdefault("CHANJIAO_TRAINING_JOBS_ENABLED", "false")
os.environ.setdefault("CHANJIAO_MATCHING_JOBS_ENABLED", "false")
TEMPLATE_DB = "chanjiao_template"

# ---- the unmasked-ID-number scan -------------------------------------------------------------
UNMASKED_ID = re.compile(
    r"(?<![0-9A-Za-z*])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
_seen_pii: list[tuple[str, str]] = []
_current_test = {"name": "<setup>"}


def scan_for_pii(where: str, text: str) -> None:
    for m in UNMASKED_ID.finditer(text):
        _seen_pii.append((f"{_current_test['name']} ({where})", m.group(0)[:4] + "…"))


class _PiiLogHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            scan_for_pii("log", self.format(record))
        except Exception:  # noqa: BLE001
            pass


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _current_test["name"] = item.nodeid


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_PiiLogHandler(level=logging.DEBUG))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _seen_pii:
        lines = "\n".join(f"  {where}: {sample}" for where, sample in _seen_pii[:20])
        print(f"\nUNMASKED ID NUMBERS seen in responses/logs:\n{lines}")
        session.exitstatus = 1


# Successful responses that carry a full ID number by design: the audited, scope-gated reveal.
# Its errors, and every other response, are still scanned.
PII_ALLOWED = (re.compile(r"^POST /v1/learners/[0-9a-f-]{36}/reveal$"),)


async def _scan_response(response: httpx.Response) -> None:
    await response.aread()
    where = f"{response.request.method} {response.request.url.path}"
    if response.is_success and any(p.match(where) for p in PII_ALLOWED):
        return
    scan_for_pii(where, response.text)


def alembic(database: Database, service: str, *args: str) -> None:
    """`alembic -n <service> <args>` on the test database, as that service's role (e.g. `"downgrade", "<rev>"`)."""
    env = {**os.environ, f"CHANJIAO_{service.upper()}_DATABASE_URL": database.urls[service]}
    res = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", "migrations/alembic.ini", "-n", service, *args],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-2000:]


def scanning_client(**kwargs: object) -> httpx.AsyncClient:
    """An httpx client whose every response goes through the ID-number scan."""
    return httpx.AsyncClient(event_hooks={"response": [_scan_response]}, **kwargs)  # type: ignore[arg-type]


# ---- database ---------------------------------------------------------------------------------
@dataclass
class Cluster:
    admin_url: str  # libpq form
    passwords: dict[str, str]
    per_service_roles: bool

    def service_urls(self, database: str) -> dict[str, str]:
        urls = {}
        for s in SERVICES:
            url = make_url(self.admin_url).set(drivername="postgresql+asyncpg", database=database)
            if self.per_service_roles:
                url = url.set(username=migrate.role_name(s), password=self.passwords[s])
            urls[s] = url.render_as_string(hide_password=False)
        return urls

    def admin_url_for(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    passwords = {s: secrets.token_urlsafe(16) for s in SERVICES}
    external = os.environ.get("TEST_DATABASE_URL")
    pg = None
    tmp = None
    if external:
        admin_url = migrate.libpq_url(external)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="chanjiao-test-"))
        tmp.chmod(0o755)  # as root the server runs as `nobody`, which must reach the data dir
        pg = EmbeddedPostgres(tmp / "pgdata", password=secrets.token_urlsafe(16), durable=False).start()
        admin_url = pg.url

    async def _prepare() -> migrate.BootstrapResult:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'drop database if exists "{TEMPLATE_DB}" with (force)')
        finally:
            await conn.close()
        return await migrate.bootstrap(admin_url, passwords, database=TEMPLATE_DB)

    try:
        result = asyncio.run(_prepare())
        c = Cluster(admin_url=admin_url, passwords=passwords, per_service_roles=result.per_service_roles)
        migrate.upgrade(c.service_urls(TEMPLATE_DB))
        yield c
    finally:
        if pg is not None:
            pg.stop()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class Database:
    name: str
    urls: dict[str, str]
    admin_url: str


@pytest.fixture(scope="module")
async def database(cluster: Cluster) -> AsyncIterator[Database]:
    """A fresh clone of the migrated template for this module."""
    name = f"test_{uuid.uuid4().hex[:12]}"
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


@pytest.fixture
async def membership_session(database: Database) -> AsyncIterator[AsyncSession]:
    """Service-level tests: a session inside a transaction rolled back afterwards."""
    engine = create_async_engine(
        database.urls["membership"], connect_args={"server_settings": {"search_path": "membership"}}
    )
    async with engine.connect() as conn:
        trans = await conn.begin()
        session = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield session
        finally:
            await session.close()
            await trans.rollback()
    await engine.dispose()


# ---- apps -------------------------------------------------------------------------------------
ADMIN = Principal(kind="user", subject="test-platform-admin", roles=("platform_admin",), scopes=ALL_SCOPES)


def token_headers(principal: Principal = ANONYMOUS) -> dict[str, str]:
    return {INTERNAL_TOKEN_HEADER: InternalTokenSigner(TEST_KEY).token_for(principal).decode()}


def membership_settings(database: Database, **overrides: object) -> MembershipSettings:
    values: dict[str, object] = {
        "database_url": database.urls["membership"],
        "internal_token_key": TEST_KEY,
        "environment": "development",
        # Cheap argon2 so logins in tests take microseconds (production cost: services/membership/settings.py).
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "argon2_parallelism": 1,
        **overrides,
    }
    return MembershipSettings(**values)


@pytest.fixture(scope="module")
async def membership_client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The membership app in process (ASGI transport), called as the gateway would call it."""
    from services.membership.main import create_app

    app = create_app(membership_settings(database))
    async with app.router.lifespan_context(app):
        async with scanning_client(
            transport=httpx.ASGITransport(app=app), base_url="http://membership", headers=token_headers(ADMIN)
        ) as client:
            yield client
