"""`chanjiao up`: Postgres (embedded or $DATABASE_URL) → roles/schemas → migrations → three
services and the gateway on loopback, each its own process. Stops everything on request; never
auto-restarts a process (a dead service shows as 503 at the gateway)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from chanjiao import migrate
from chanjiao.pg_embedded import EmbeddedPostgres, free_port
from chanjiao.settings import SERVICES

log = logging.getLogger("chanjiao.launcher")


def default_state_dir() -> Path:
    return Path(os.environ.get("CHANJIAO_STATE_DIR", ".chanjiao")).absolute()


def load_secrets(state_dir: Path) -> dict[str, str]:
    """Development secrets, generated on first run and kept (0600) in the state dir — never committed."""
    path = state_dir / "secrets.json"
    state_dir.mkdir(parents=True, exist_ok=True)
    data: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    wanted = ["internal_token_key", "postgres_password", *(f"{s}_db_password" for s in SERVICES)]
    if any(k not in data for k in (*wanted, "admin_password")):
        for k in wanted:
            data.setdefault(k, secrets.token_urlsafe(32))
        # The development platform admin `admin` gets a random password of its own installation.
        data.setdefault("admin_password", secrets.token_urlsafe(18))
        path.write_text(json.dumps(data, indent=2))
        path.chmod(0o600)
    return data


DEV_ADMIN_LOGIN = "admin"


def bootstrap_admin_env(secret: dict[str, str]) -> dict[str, str]:
    """In development, `chanjiao up` creates the platform admin `admin` with the password kept in
    secrets.json (unless CHANJIAO_BOOTSTRAP_ADMIN is given). Elsewhere membership prints a one-time
    setup token instead (docs/identity.md)."""
    if os.environ.get("CHANJIAO_BOOTSTRAP_ADMIN") or os.environ.get("CHANJIAO_ENVIRONMENT", "development") != (
        "development"
    ):
        return {}
    return {"CHANJIAO_MEMBERSHIP_BOOTSTRAP_ADMIN": f"{DEV_ADMIN_LOGIN}:{secret['admin_password']}"}


def role_passwords(secret: dict[str, str]) -> dict[str, str]:
    """Per-service passwords: from CHANJIAO_<SVC>_DATABASE_URL when given (compose), else generated."""
    from sqlalchemy.engine import make_url

    out = {}
    for s in SERVICES:
        given = os.environ.get(f"CHANJIAO_{s.upper()}_DATABASE_URL")
        out[s] = (make_url(given).password if given else None) or secret[f"{s}_db_password"]
    return out


@dataclass
class Stack:
    state_dir: Path = field(default_factory=default_state_dir)
    gateway_port: int = 8000
    database_url: str | None = None
    host: str = "127.0.0.1"
    pg: EmbeddedPostgres | None = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    envs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return f"http://{self.host}:{self.gateway_port}"

    def prepare_database(self) -> dict[str, str]:
        secret = load_secrets(self.state_dir)
        if self.database_url:
            admin_url, database = self.database_url, None
        else:
            self.pg = EmbeddedPostgres(self.state_dir / "pgdata", password=secret["postgres_password"]).start()
            admin_url, database = self.pg.url, "chanjiao"
        result = asyncio.run(migrate.bootstrap(admin_url, role_passwords(secret), database=database))
        migrate.upgrade(result.service_urls)
        return result.service_urls

    def start(self, *, timeout: float = 90.0) -> None:
        secret = load_secrets(self.state_dir)
        try:
            urls = self.prepare_database()
            base = {**os.environ, "CHANJIAO_INTERNAL_TOKEN_KEY": secret["internal_token_key"]}
            base.setdefault("CHANJIAO_ENVIRONMENT", "development")
            for svc in SERVICES:
                self.ports[svc] = free_port()
                self.envs[svc] = {
                    **base,
                    f"CHANJIAO_{svc.upper()}_DATABASE_URL": urls[svc],
                    f"CHANJIAO_{svc.upper()}_GATEWAY_URL": self.gateway_url,
                    **(bootstrap_admin_env(secret) if svc == "membership" else {}),
                }
            self.ports["gateway"] = self.gateway_port
            self.envs["gateway"] = {
                **base,
                **{f"CHANJIAO_GATEWAY_{s.upper()}_URL": f"http://{self.host}:{self.ports[s]}" for s in SERVICES},
            }
            for name in (*SERVICES, "gateway"):
                self.spawn(name)
            self.wait_healthy(timeout)
            self.write_runtime()
        except BaseException:
            self.stop()
            raise

    def dev_admin(self) -> tuple[str, str] | None:
        """Login and password of the development platform admin this launcher created, if any."""
        value = self.envs.get("membership", {}).get("CHANJIAO_MEMBERSHIP_BOOTSTRAP_ADMIN")
        if not value:
            return None
        login, _, password = value.partition(":")
        return login, password

    def argv(self, name: str) -> list[str]:
        return [sys.executable, "-m", "chanjiao.serve", name, "--host", self.host, "--port", str(self.ports[name])]

    def spawn(self, name: str) -> None:
        self.procs[name] = subprocess.Popen(self.argv(name), env=self.envs[name])

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {p.returncode} during start-up")
            try:
                r = httpx.get(f"{self.gateway_url}/health", timeout=2)
                last = r.json()
                if r.status_code == 200 and last.get("status") == "ok":
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"services not healthy after {timeout:.0f}s: {last}")

    def write_runtime(self) -> None:
        """Ports, pids and commands of this run (0600: the environments carry database passwords)."""
        path = self.state_dir / "runtime.json"
        path.write_text(
            json.dumps(
                {
                    "gateway_url": self.gateway_url,
                    "postgres_data_dir": str(self.pg.data_dir) if self.pg else None,
                    "processes": {
                        n: {"pid": p.pid, "port": self.ports[n], "argv": self.argv(n), "env": self.envs[n]}
                        for n, p in self.procs.items()
                    },
                },
                indent=2,
            )
        )
        path.chmod(0o600)

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for p in self.procs.values():
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs.clear()
        if self.pg is not None:
            self.pg.stop()
            self.pg = None
        (self.state_dir / "runtime.json").unlink(missing_ok=True)


def run_forever(stack: Stack, *, demo: bool) -> int:
    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    stack.start()
    try:
        admin = stack.dev_admin()
        if demo:
            from demo import load_demo

            if admin is None:
                print("demo data needs the development admin (CHANJIAO_ENVIRONMENT=development)", file=sys.stderr)
            else:
                print(load_demo(stack.gateway_url, admin), flush=True)
        sign_in = (
            f"Sign in as `{admin[0]}`; the password is `admin_password` in {stack.state_dir / 'secrets.json'}\n"
            if admin
            else ""
        )
        print(
            f"\nChanjiao is up: {stack.gateway_url}/docs (Swagger UI) · {stack.gateway_url}/redoc · "
            f"{stack.gateway_url}/health\n{sign_in}Press Ctrl-C to stop.",
            flush=True,
        )
        reported: set[str] = set()
        while not stopping:
            for name, p in stack.procs.items():
                if p.poll() is not None and name not in reported:
                    reported.add(name)
                    print(
                        f"{name} exited with code {p.returncode}; its routes answer 503 until it is restarted "
                        "(Ctrl-C and `make run` again)",
                        file=sys.stderr,
                        flush=True,
                    )
            time.sleep(0.3)
    finally:
        print("stopping …", flush=True)
        stack.stop()
    return 0
