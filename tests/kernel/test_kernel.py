"""Kernel mechanisms that are not exercised end to end elsewhere."""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from pathlib import Path

import httpx
import pytest

from chanjiao.auth import Access, Principal
from chanjiao.errors import Forbidden, Unauthorized
from chanjiao.observability import JsonFormatter, RedactingFilter, redact
from chanjiao.pagination import decode_cursor, encode_cursor
from chanjiao.settings import DEV_INTERNAL_KEY
from chanjiao.transitions import IllegalTransition, OutOfOrderEvent, StateMachine
from gateway.settings import GatewaySettings
from services.membership.settings import MembershipSettings
from tests.conftest import TEST_KEY, alembic, membership_settings, scanning_client, token_headers

ROOT = Path(__file__).resolve().parents[2]


class TestSettings:
    def test_development_defaults_refused_outside_development(self, monkeypatch):
        monkeypatch.delenv("CHANJIAO_INTERNAL_TOKEN_KEY", raising=False)
        with pytest.raises(ValueError, match="internal_token_key"):
            GatewaySettings(environment="production")
        with pytest.raises(ValueError, match="internal_token_key"):
            MembershipSettings(environment="production", internal_token_key="short")
        with pytest.raises(ValueError, match="database_url"):
            MembershipSettings(environment="production", internal_token_key="x" * 40)
        ok = MembershipSettings(
            environment="production",
            internal_token_key="x" * 40,
            database_url="postgresql+asyncpg://u:p@db:5432/chanjiao",
        )
        assert ok.database_url.endswith("/chanjiao")
        assert GatewaySettings().internal_token_key.get_secret_value() == DEV_INTERNAL_KEY

    def test_per_service_prefix_wins_over_shared(self, monkeypatch):
        monkeypatch.setenv("CHANJIAO_LOG_LEVEL", "WARNING")
        monkeypatch.setenv("CHANJIAO_MEMBERSHIP_LOG_LEVEL", "DEBUG")
        monkeypatch.setenv("CHANJIAO_MEMBERSHIP_DATABASE_URL", "postgresql+asyncpg://a:b@h/db")
        s = MembershipSettings()
        assert s.log_level == "DEBUG" and s.database_url == "postgresql+asyncpg://a:b@h/db"
        assert GatewaySettings().log_level == "WARNING"


class TestRedaction:
    def test_free_text(self):
        text = "id=11010519491231002X tel 13812345678 and 440524188001010014."
        out = redact(text)
        assert "11010519491231002X" not in out and "440524188001010014" not in out and "13812345678" not in out
        assert "1101************2X" in out and "138****5678" in out

    def test_log_records_and_exceptions_are_redacted(self):
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "learner %s failed", ("11010519491231002X",), None)
        try:
            raise ValueError("bad id 440524188001010014")
        except ValueError:
            record.exc_info = sys.exc_info()
        RedactingFilter().filter(record)
        line = JsonFormatter("test").format(record)
        entry = json.loads(line)
        assert "1101************2X" in entry["msg"] and "4405************14" in entry["exc"]
        assert "11010519491231002X" not in line and "440524188001010014" not in line


class TestTransitions:
    machine = StateMachine(
        "membership", {"pending": frozenset({"active", "rejected"}), "active": frozenset({"withdrawn"})}
    )

    def test_illegal_names_allowed(self):
        self.machine.check("pending", "active")
        with pytest.raises(IllegalTransition) as exc:
            self.machine.check("pending", "withdrawn")
        assert exc.value.status == 409 and exc.value.extra["allowed"] == ["active", "rejected"]
        with pytest.raises(IllegalTransition) as exc:
            self.machine.check("rejected", "active")
        assert exc.value.extra["allowed"] == [] and self.machine.is_terminal("rejected")

    def test_events_cannot_go_back_in_time(self):
        StateMachine.check_effective_on(date(2024, 1, 1), date(2024, 1, 1))
        with pytest.raises(OutOfOrderEvent):
            StateMachine.check_effective_on(date(2024, 1, 2), date(2024, 1, 1))


class TestAccess:
    def test_anonymous_needs_credentials_except_on_public_routes(self):
        write = Access(scopes=("membership:write",))
        with pytest.raises(Unauthorized) as exc:
            write.check(Principal())
        assert exc.value.headers["WWW-Authenticate"].startswith("Bearer")
        Access(public=True).check(Principal())

    def test_scope_role_and_kind(self):
        write = Access(scopes=("membership:write",), roles=("org_admin",))
        with pytest.raises(Forbidden) as exc:
            write.check(Principal(kind="user", subject="u1", roles=("org_admin",), scopes=("membership:read",)))
        assert "membership:write" in exc.value.detail_en
        with pytest.raises(Forbidden):
            write.check(Principal(kind="user", subject="u1", roles=("org_staff",), scopes=("membership:write",)))
        write.check(Principal(kind="api_key", subject="k1", roles=("org_admin",), scopes=("membership:write",)))
        write.check(Principal(kind="user", subject="root", roles=("platform_admin",), scopes=("membership:write",)))
        # scopes are a ceiling for platform admins too (a token narrowed at login)
        with pytest.raises(Forbidden) as exc:
            write.check(Principal(kind="user", subject="root", roles=("platform_admin",), scopes=("membership:read",)))
        assert "membership:write" in exc.value.detail_en
        with pytest.raises(Forbidden):
            Access(kinds=("user",)).check(Principal(kind="api_key", subject="k1", roles=("org_admin",)))

    async def test_anonymous_calls_are_401_in_every_environment(self, database):
        from services.membership.main import create_app

        for environment in ("development", "production"):
            app = create_app(membership_settings(database, environment=environment))
            async with app.router.lifespan_context(app):
                async with scanning_client(
                    transport=httpx.ASGITransport(app=app), base_url="http://m", headers=token_headers()
                ) as client:
                    r = await client.post(
                        "/v1/organizations", json={"name": "某单位", "org_type": "other", "region_code": "110105"}
                    )
                    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
                    assert r.headers["www-authenticate"].startswith("Bearer")
                    assert (await client.get("/v1/organizations")).status_code == 401
                    assert (await client.get("/v1/alliances")).status_code == 200  # the public directory


def test_cursor_round_trip_and_tamper():
    import uuid

    u = uuid.uuid4()
    assert decode_cursor(encode_cursor([u]), [uuid.UUID]) == [u]
    with pytest.raises(Exception) as exc:
        decode_cursor(encode_cursor([1, 2]), [int])
    assert exc.value.status == 400


async def test_metrics_and_health_on_a_service(membership_client):
    await membership_client.get("/v1/organizations")
    text = (await membership_client.get("/metrics")).text
    assert 'route="/v1/organizations"' in text and "chanjiao_http_requests_total" in text
    assert (await membership_client.get("/health")).json() == {
        "status": "ok",
        "service": "membership",
        "database": "ok",
    }


@pytest.mark.parametrize("service", ["membership", "training", "matching"])
def test_each_alembic_environment_runs_alone_and_is_reversible(database, service):
    """`alembic -n <service> downgrade base` then `upgrade head`, as that service's role."""
    alembic(database, service, "downgrade", "base")
    alembic(database, service, "upgrade", "head")


def test_internal_token_key_comes_from_settings():
    assert TEST_KEY.startswith("test-internal-token-key-")


async def test_service_client_maps_unreachable_upstream_to_503():
    from chanjiao.errors import ServiceUnavailable
    from chanjiao.http import call, make_client
    from chanjiao.pg_embedded import free_port

    async with make_client(f"http://127.0.0.1:{free_port()}", connect=0.5, read=0.5) as client:
        with pytest.raises(ServiceUnavailable) as exc:
            await call(client, "GET", "/v1/organizations", upstream="membership")
    assert exc.value.status == 503 and exc.value.headers["Retry-After"]


def test_personal_data_key_rotation_settings():
    s = MembershipSettings(internal_token_key="i" * 40)
    assert s.personal_data_secrets() == ("i" * 40, ())
    s = MembershipSettings(
        internal_token_key="i" * 40, personal_data_key="p" * 40, personal_data_previous_keys="old-one, old-two"
    )
    assert s.personal_data_secrets() == ("p" * 40, ("old-one", "old-two"))
    with pytest.raises(ValueError, match="personal_data_key"):
        MembershipSettings(
            environment="production",
            internal_token_key="x" * 40,
            personal_data_key="short",
            database_url="postgresql+asyncpg://u:p@db:5432/chanjiao",
        )
