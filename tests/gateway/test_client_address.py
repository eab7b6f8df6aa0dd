"""Who the client is comes only from the gateway's own trusted-proxy rule (gateway/ratelimit.py), never from
the ASGI server: `python -m chanjiao.serve` runs uvicorn with its forwarding-header rewriting off. Observed on a
real gateway process, started the way `chanjiao up`, the benchmarks and docker-compose start it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from chanjiao import serve
from chanjiao.pg_embedded import free_port
from tests.conftest import TEST_KEY

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gateway_process():
    port = free_port()
    dead = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "CHANJIAO_INTERNAL_TOKEN_KEY": TEST_KEY,
        "CHANJIAO_ENVIRONMENT": "test",
        "CHANJIAO_LOG_LEVEL": "ERROR",
        # Services down: a request that passes the limits is 503, one that does not is 429.
        **{f"CHANJIAO_GATEWAY_{s}_URL": dead for s in ("MEMBERSHIP", "TRAINING", "MATCHING")},
        "CHANJIAO_GATEWAY_CONNECT_TIMEOUT_SECONDS": "0.2",
        "CHANJIAO_GATEWAY_RATE_LIMIT_LOGIN_PER_MINUTE": "1",
        "CHANJIAO_GATEWAY_RATE_LIMIT_LOGIN_BURST": "3",
    }
    env.pop("CHANJIAO_GATEWAY_TRUSTED_PROXIES", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "chanjiao.serve", "gateway", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
        try:
            httpx.get(f"{url}/health", timeout=2)
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_a_forged_forwarded_for_from_the_gateway_host_does_not_get_a_fresh_login_bucket(gateway_process):
    """From 127.0.0.1, every request names another client in X-Forwarded-For: all of them still count against
    127.0.0.1's login bucket (burst 3), so the 4th is 429 — a password guesser on the gateway host cannot
    rotate addresses."""
    statuses = []
    for i in range(5):
        r = httpx.post(
            f"{gateway_process}/v1/auth/token",
            data={"grant_type": "password", "username": "admin", "password": "guess"},
            headers={"X-Forwarded-For": f"198.51.100.{i + 1}", "X-Real-IP": f"198.51.100.{i + 1}"},
            timeout=5,
        )
        statuses.append(r.status_code)
    assert statuses[:3] == [503, 503, 503]
    assert statuses[3:] == [429, 429], statuses


@pytest.mark.parametrize("name", sorted(serve.APPS))
def test_every_process_runs_without_the_server_s_proxy_headers(name, monkeypatch):
    calls = []
    monkeypatch.setattr(serve.uvicorn, "run", lambda app, **kw: calls.append(kw))
    monkeypatch.setattr(serve, "configure_logging", lambda *a, **k: None)
    serve.main([name, "--port", "8000"])
    assert calls[0]["proxy_headers"] is False
