"""Service boundaries: no service imports another, no table leaves its schema, and a service's
database role cannot read another service's schema."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import asyncpg
import pytest

from chanjiao.settings import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(package_dir: Path) -> set[tuple[str, str]]:
    found = set()
    for path in package_dir.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update((str(path.relative_to(ROOT)), a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((str(path.relative_to(ROOT)), node.module))
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service):
    others = [s for s in SERVICES if s != service]
    bad = [
        (f, m)
        for f, m in imported_modules(ROOT / "services" / service)
        if any(m == f"services.{o}" or m.startswith(f"services.{o}.") for o in others) or m.startswith("gateway")
    ]
    assert bad == []


def test_kernel_and_gateway_import_no_service():
    for pkg in ("chanjiao", "gateway"):
        bad = [(f, m) for f, m in imported_modules(ROOT / pkg) if m == "services" or m.startswith("services.")]
        assert bad == [], pkg


def test_migrations_of_a_service_import_only_that_service():
    for service in SERVICES:
        others = [s for s in SERVICES if s != service]
        bad = [
            (f, m)
            for f, m in imported_modules(ROOT / "migrations" / service)
            if any(m.startswith(f"services.{o}") for o in others)
        ]
        assert bad == []


@pytest.mark.parametrize("service", SERVICES)
def test_tables_and_foreign_keys_stay_in_the_schema(service):
    metadata = importlib.import_module(f"services.{service}.models").metadata
    assert metadata.tables, "a service without tables?"
    for table in metadata.tables.values():
        assert table.schema == service, table.fullname
        for fk in table.foreign_keys:
            assert fk.column.table.schema == service, f"{table.fullname} → {fk.target_fullname}"


@pytest.mark.parametrize("service", SERVICES)
async def test_a_service_role_cannot_read_another_schema(cluster, database, service):
    if not cluster.per_service_roles:
        pytest.skip("the test database admin lacks CREATEROLE: all services share one role")
    url = database.urls[service].replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(url)
    try:
        for other in SERVICES:
            if other == service:
                await conn.fetchval(f"select count(*) from {other}.audit_log")  # its own: fine
                continue
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.fetchval(f"select count(*) from {other}.audit_log")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(f"create table {other}.intruder (id int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("create table public.intruder (id int)")
    finally:
        await conn.close()


def test_one_alembic_head_per_service():
    from alembic.script import ScriptDirectory

    from chanjiao.migrate import alembic_config

    for service in SERVICES:
        heads = ScriptDirectory.from_config(alembic_config(service)).get_heads()
        assert len(heads) == 1, (service, heads)


async def test_version_tables_live_in_each_schema(database):
    conn = await asyncpg.connect(database.admin_url)
    try:
        rows = await conn.fetch("select table_schema from information_schema.tables where table_name='alembic_version'")
    finally:
        await conn.close()
    assert sorted(r["table_schema"] for r in rows) == sorted(SERVICES)


async def test_without_createrole_every_service_runs_as_the_given_role(cluster, database):
    """An external DATABASE_URL whose role lacks CREATEROLE: bootstrap says so and shares the role."""
    import secrets

    from sqlalchemy.engine import make_url

    from chanjiao import migrate

    if not cluster.per_service_roles:
        pytest.skip("the test database admin itself lacks CREATEROLE")
    role, pw = f"limited_{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    admin = await asyncpg.connect(database.admin_url)
    try:
        await admin.execute(f"create role {role} login password '{pw}' nocreaterole nocreatedb")
        await admin.execute(f'grant create on database "{database.name}" to {role}')
        limited_url = make_url(database.admin_url).set(username=role, password=pw).render_as_string(False)
        result = await migrate.bootstrap(limited_url, dict.fromkeys(SERVICES, "unused"))
        assert result.per_service_roles is False
        assert {make_url(u).username for u in result.service_urls.values()} == {role}
    finally:
        await admin.close()
