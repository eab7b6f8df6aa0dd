"""The real processes, started the way `make run` starts them (`chanjiao up`), on free ports."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chanjiao.dates import today
from chanjiao.pg_embedded import _proc_alive, free_port
from tests.conftest import scan_for_pii

pytestmark = [pytest.mark.e2e, pytest.mark.smoke]

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def get(url: str, **kw) -> httpx.Response | None:
    try:
        r = httpx.get(url, timeout=5, **kw)
    except httpx.HTTPError:
        return None
    scan_for_pii(f"e2e GET {url}", r.text)
    return r


def up_env(state: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "CHANJIAO_STATE_DIR": str(state),
        "CHANJIAO_LOG_LEVEL": "WARNING",
        # A revoked API key must stop working within this bound (the default is 30 s; ≤ 60 s is enforced).
        "CHANJIAO_GATEWAY_API_KEY_CACHE_TTL_SECONDS": "2",
        # The demo loads through the API as the admin, then the test reads as the admin: keep the admin's requests
        # clear of the per-principal rate limit (tests/gateway/test_ratelimit.py tests the limit itself).
        "CHANJIAO_GATEWAY_RATE_LIMIT_PER_MINUTE": "100000",
        "CHANJIAO_GATEWAY_RATE_LIMIT_BURST": "10000",
    }
    env.pop("DATABASE_URL", None)
    env.pop("CHANJIAO_BOOTSTRAP_ADMIN", None)
    return env


def admin_token(gw: str, state: Path) -> dict[str, str]:
    """Log in as the development platform admin that `chanjiao up` created (password in secrets.json)."""
    password = json.loads((state / "secrets.json").read_text())["admin_password"]
    r = httpx.post(f"{gw}/v1/auth/token", data={"grant_type": "password", "username": "admin", "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def start_up(state: Path, port: int, log) -> subprocess.Popen:
    env = up_env(state)
    return subprocess.Popen(
        [sys.executable, "-m", "chanjiao.cli", "up", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_up(up: subprocess.Popen) -> None:
    up.send_signal(signal.SIGINT)
    try:
        up.wait(timeout=60)
    finally:
        if up.poll() is None:
            up.kill()


def stop_leftovers(state: Path) -> None:
    """Processes a failed test left running (listed in runtime.json, and the Postgres of the data dir)."""
    runtime = state / "runtime.json"
    pids: list[int] = []
    if runtime.exists():
        data = json.loads(runtime.read_text())
        pids += [p["pid"] for p in data.get("processes", {}).values()]
        postmaster = Path(data.get("postgres_data_dir") or state / "pgdata") / "postmaster.pid"
    else:
        postmaster = state / "pgdata" / "postmaster.pid"
    if postmaster.exists():
        pids.append(int(postmaster.read_text().splitlines()[0]))
    for pid in pids:
        if _proc_alive(pid):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while any(_proc_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in pids:
        if _proc_alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def state_dir() -> Iterator[Path]:
    """The state dir of this module's runs (Postgres data, secrets, logs: ~70 MB), removed afterwards — also when
    a test failed (the assertions about the processes quote the tail of their log)."""
    state = Path(tempfile.mkdtemp(prefix="chanjiao-e2e-"))
    state.chmod(0o755)  # as root, Postgres runs as `nobody`, which must reach the data dir
    try:
        yield state
    finally:
        stop_leftovers(state)
        shutil.rmtree(state, ignore_errors=True)
    assert not state.exists(), f"{state} was left behind"


def test_up_serves_survives_a_dead_service_and_stops_cleanly(state_dir):
    state = state_dir
    port = free_port()
    log = open(state / "up.log", "ab")  # noqa: SIM115 - closed in finally
    up = start_up(state, port, log)
    gw = f"http://127.0.0.1:{port}"
    restarted: subprocess.Popen | None = None
    runtime: dict = {}
    try:
        runtime_file = state / "runtime.json"
        wait_for(lambda: runtime_file.exists() or up.poll() is not None, 120, "chanjiao up to become healthy")
        assert up.poll() is None, (state / "up.log").read_text()[-3000:]
        runtime = json.loads(runtime_file.read_text())
        assert oct(runtime_file.stat().st_mode & 0o777) == "0o600"
        pg_pid = int((Path(runtime["postgres_data_dir"]) / "postmaster.pid").read_text().splitlines()[0])

        health = get(f"{gw}/health").json()
        assert health["status"] == "ok" and set(health["services"]) == {"membership", "training", "matching"}

        body = {"name": "日照职业技术学院", "org_type": "higher_vocational", "region_code": "371102"}
        r = httpx.post(f"{gw}/v1/organizations", json=body, timeout=10)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
        admin = admin_token(gw, state)
        r = httpx.post(f"{gw}/v1/organizations", json=body, headers=admin, timeout=10)
        assert r.status_code == 201, r.text
        (state / "created.txt").write_text(r.headers["location"])
        assert get(f"{gw}{r.headers['location']}", headers=admin).status_code == 200

        # A service port reached directly is useless without the gateway's token.
        membership_port = runtime["processes"]["membership"]["port"]
        assert get(f"http://127.0.0.1:{membership_port}/v1/organizations").status_code == 401

        identity_walkthrough(gw, admin)
        oversized_bodies_are_refused_without_being_buffered(port, runtime)

        # Kill training: its routes are 503, the others keep answering.
        training = runtime["processes"]["training"]
        os.kill(training["pid"], signal.SIGKILL)
        wait_for(lambda: not _proc_alive(training["pid"]), 10, "training to die")
        r = get(f"{gw}/v1/learners")
        assert r.status_code == 503 and r.headers["retry-after"]
        assert get(f"{gw}/v1/organizations", headers=admin).status_code == 200
        assert get(f"{gw}/health").json()["services"]["training"]["status"] == "unavailable"

        # The launcher does not restart it; the test does, with the same command and environment.
        restarted = subprocess.Popen(
            training["argv"], env=training["env"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        wait_for(lambda: (h := get(f"{gw}/health")) is not None and h.json()["status"] == "ok", 30, "recovery")
        assert get(f"{gw}/v1/learners", headers=admin).status_code == 200  # answered by training again
        register_a_learner(gw, admin)
    finally:
        if restarted is not None:
            restarted.send_signal(signal.SIGTERM)
            restarted.wait(timeout=20)
        try:
            stop_up(up)
        finally:
            log.close()
    assert up.returncode == 0, (state / "up.log").read_text()[-3000:]
    pids = [p["pid"] for p in runtime.get("processes", {}).values()]
    wait_for(lambda: not any(_proc_alive(p) for p in [*pids, pg_pid]), 20, "every process to exit")
    assert not (Path(runtime["postgres_data_dir"]) / "postmaster.pid").exists()
    assert not (state / "runtime.json").exists()
    assert "Traceback" not in (state / "up.log").read_text()


def identity_walkthrough(gw: str, admin: dict[str, str]) -> None:
    """Identity end to end, through the real gateway and processes: a school's org admin is invited
    and claims the school, logs in, refreshes and logs out like a mobile app; the school system's API
    key writes its own organization and is refused another's; a revoked key stops within the bound."""

    def post(path: str, headers: dict[str, str], **kw) -> httpx.Response:
        r = httpx.post(f"{gw}{path}", headers=headers, timeout=10, **kw)
        scan_for_pii(f"e2e POST {path}", r.text)
        return r

    school = post(
        "/v1/organizations",
        admin,
        json={"name": "潍坊职业学院", "org_type": "higher_vocational", "region_code": "370700"},
    ).json()["id"]
    other = post(
        "/v1/organizations",
        admin,
        json={"name": "潍坊工程职业学院", "org_type": "higher_vocational", "region_code": "370700"},
    ).json()["id"]
    invitation = post("/v1/users/invitations", admin, json={"org_id": school, "role": "org_admin"})
    assert invitation.status_code == 201, invitation.text
    password = "Weifang-Vocational-2026"
    claim = {"invitation_token": invitation.json()["invitation_token"], "login": "wfvc-admin", "password": password}
    assert post("/v1/auth/claim", {}, json={**claim, "display_name": "张老师"}).status_code == 201

    # The mobile app: log in, ask who I am, refresh, log out; the old refresh token is dead after logout.
    login = post("/v1/auth/token", {}, data={"grant_type": "password", "username": "wfvc-admin", "password": password})
    assert login.status_code == 200, login.text
    tokens = login.json()
    me = get(f"{gw}/v1/users/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert me["org"]["id"] == school and me["org_role"] == "org_admin"
    refreshed = post(
        "/v1/auth/token", {}, data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200 and refreshed.json()["refresh_token"] != tokens["refresh_token"]
    user = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert post("/v1/auth/logout", {}, json={"refresh_token": refreshed.json()["refresh_token"]}).status_code == 200
    again = post("/v1/auth/refresh", {}, json={"refresh_token": refreshed.json()["refresh_token"]})
    assert again.status_code == 401

    # The school system's key: its own organization yes, another's no; revoked → refused within the TTL.
    key = post("/v1/api-keys", user, json={"name": "教务系统", "org_id": school, "scopes": ["membership:write"]})
    assert key.status_code == 201, key.text
    system = {"X-API-Key": key.json()["key"]}
    r = httpx.patch(
        f"{gw}/v1/organizations/{school}", headers=system, json={"name": "潍坊职业学院（奎文校区）"}, timeout=10
    )
    assert r.status_code == 200, r.text
    r = httpx.patch(
        f"{gw}/v1/organizations/{other}", headers=system, json={"name": "潍坊工程职业学院（青州）"}, timeout=10
    )
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    assert httpx.delete(f"{gw}/v1/api-keys/{key.json()['id']}", headers=user, timeout=10).status_code in (200, 204)
    revoked_at = time.monotonic()
    wait_for(
        lambda: (
            httpx.patch(
                f"{gw}/v1/organizations/{school}", headers=system, json={"name": "潍坊职业学院"}, timeout=10
            ).status_code
            == 401
        ),
        10,
        "the revoked key to be refused",
    )
    assert time.monotonic() - revoked_at <= 2 + 1.5


def readme_matching(gw: str, admin: dict[str, str]) -> None:
    """README step 13 as written: an enterprise posts an order-class demand, opens it, and its figures count it."""
    body = {"name": "山东海化集团有限公司", "org_type": "enterprise", "region_code": "370783"}
    enterprise = httpx.post(f"{gw}/v1/organizations", headers=admin, json=body, timeout=10).json()["id"]
    demand = {
        "org_id": enterprise,
        "kind": "order_class",
        "title": "化工总控工订单班",
        "occupation_codes": ["6-11-01-03"],
        "major_codes": ["470201"],
        "education_level": "voc_associate",
        "headcount": 40,
        "region_code": "370783",
    }
    r = httpx.post(f"{gw}/v1/demands", headers=admin, json=demand, timeout=10)
    assert r.status_code == 201 and r.json()["status"] == "draft" and r.json()["kind_label"] == "订单班", r.text
    r = httpx.post(f"{gw}/v1/demands/{r.json()['id']}/transitions", headers=admin, json={"to": "open"}, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "open", r.text
    year = today().year
    period = {"org_id": enterprise, "period_start": f"{year}-01-01", "period_end": f"{year}-12-31"}
    figures = httpx.get(f"{gw}/v1/matching-stats", headers=admin, params=period, timeout=10).json()
    assert figures["scope"] == "organization" and figures["demands"]["count"] == 1, figures
    assert figures["demands"]["headcount"] == 40 and figures["offers"]["count"] == 0, figures


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def raw_post(port: int, path: str, headers: str, body_chunks: int = 0) -> tuple[int, dict]:
    """A POST over a plain socket: `body_chunks` chunks of 1 MiB (chunked), or none at all; then the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(
            f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n{headers}\r\n".encode()
        )
        try:
            for _ in range(body_chunks):
                s.sendall(b"100000\r\n" + b" " * (1 << 20) + b"\r\n")
        except OSError:
            pass  # answered and done reading
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(
            next(v for k, _, v in (h.partition(b":") for h in head.split(b"\r\n")) if k.lower() == b"content-length")
        )
        while len(rest) < length:
            rest += s.recv(65536)
    return int(head.split()[1]), json.loads(rest[:length])


def oversized_bodies_are_refused_without_being_buffered(port: int, runtime: dict) -> None:
    """200 MB announced to the gateway, or to a service directly: 413 at once. 64 MiB streamed through the gateway:
    413, and neither the gateway nor the service grew by anything like the body."""
    membership = runtime["processes"]["membership"]
    for p in (port, membership["port"]):
        status, body = raw_post(p, "/v1/organizations", "content-length: 209715200\r\n")
        assert status == 413 and body["max_bytes"] == 1 << 20, body
    pids = {"gateway": runtime["processes"]["gateway"]["pid"], "membership": membership["pid"]}
    before = {n: rss_kib(pid) for n, pid in pids.items()}
    status, body = raw_post(port, "/v1/organizations", "transfer-encoding: chunked\r\n", body_chunks=64)
    assert status == 413 and body["type"].endswith(":payload-too-large"), body
    grown = {n: rss_kib(pid) - before[n] for n, pid in pids.items()}
    assert all(kib < 16 * 1024 for kib in grown.values()), grown


def register_a_learner(gw: str, admin: dict[str, str]) -> None:
    """A learner with a real-looking ID number and phone through the real processes: the answers are
    masked, and `test_no_unmasked_personal_numbers_in_process_logs` scans what the processes logged."""
    from chanjiao.validators.id_card import compute_check_digit

    school = httpx.post(
        f"{gw}/v1/organizations",
        headers=admin,
        json={"name": "潍坊护理职业学院", "org_type": "higher_vocational", "region_code": "370700"},
        timeout=10,
    ).json()["id"]
    number = "37070220050301123" + compute_check_digit("37070220050301123")
    body = {"name": "王小明", "id_number": number, "phone": "13812345678", "learner_type": "student", "org_id": school}
    r = httpx.post(f"{gw}/v1/learners", headers=admin, json=body, timeout=10)
    assert r.status_code == 201, r.text
    scan_for_pii("e2e POST /v1/learners", r.text)
    assert r.json()["id_number_masked"] == "3707************" + number[-2:]
    assert number not in r.text and "13812345678" not in r.text
    again = httpx.post(f"{gw}/v1/learners", headers=admin, json=body, timeout=10)
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
    readme_roster(gw, admin, school, r.json()["id"])
    readme_matching(gw, admin)


def readme_roster(gw: str, admin: dict[str, str], school: str, learner: str) -> None:
    """README step 11 as written: a programme, one enrolment, a second learner, and the roster of both (201, 409)."""

    def post(path: str, body: dict) -> httpx.Response:
        r = httpx.post(f"{gw}{path}", headers=admin, json=body, timeout=10)
        scan_for_pii(f"e2e POST {path}", r.text)
        return r

    programme = post(
        "/v1/programmes",
        {
            "name": "2025级化工订单班",
            "kind": "order_class",
            "provider_org_id": school,
            "start_on": "2025-09-01",
            "end_on": "2026-06-30",
            "capacity": 30,
        },
    )
    assert programme.status_code == 201, programme.text
    pid = programme.json()["id"]
    assert post("/v1/enrolments", {"learner_id": learner, "programme_id": pid}).status_code == 201
    second = post(
        "/v1/learners",
        {"name": "李小红", "id_number": "110105200503011027", "learner_type": "student", "org_id": school},
    )
    assert second.status_code == 201, second.text
    assert second.json()["id_number_masked"] == "1101************27"
    roster = {
        "items": [
            {"learner_id": second.json()["id"], "programme_id": pid},
            {"learner_id": learner, "programme_id": pid},
        ]
    }
    r = post("/v1/enrolments/batch", roster)
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["failed"]) == (1, 1)
    assert [i["status"] for i in r.json()["results"]] == [201, 409]


def test_a_second_run_reuses_the_data(state_dir):
    location = (state_dir / "created.txt").read_text()
    port = free_port()
    with open(state_dir / "up.log", "ab") as log:
        up = start_up(state_dir, port, log)
        try:
            wait_for(lambda: (state_dir / "runtime.json").exists() or up.poll() is not None, 120, "second start")
            assert up.poll() is None
            gw = f"http://127.0.0.1:{port}"
            admin = admin_token(gw, state_dir)
            r = get(f"{gw}{location}", headers=admin)
            assert r.status_code == 200 and r.json()["name"] == "日照职业技术学院"
            # The demo loads through the API, and loading it twice changes nothing. The first run finds the
            # gateway by CHANJIAO_GATEWAY_PORT (as after `CHANJIAO_GATEWAY_PORT=… make run`), the second is told.
            for where in ([], ["--gateway", gw]):
                demo = subprocess.run(
                    [sys.executable, "-m", "chanjiao.cli", "demo", *where],
                    cwd=ROOT,
                    env={**up_env(state_dir), "CHANJIAO_GATEWAY_PORT": str(port)},
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
                assert demo.returncode == 0, demo.stderr[-2000:]
            alliances = get(f"{gw}/v1/alliances", params={"q": "潍坊市化工职业教育集团"}).json()["items"]
            assert len(alliances) == 1
            aid = alliances[0]["id"]
            s = get(f"{gw}/v1/alliances/{aid}/structure", params={"as_of": "2023-12-31"}, headers=admin).json()
            # demo/alliance.json's 17, demo/asof.json's upgraded 技师学院 (since 2019) and German partner (2023)
            assert s["total"] == 19 and {c["key"]: c["count"] for c in s["by_role"]}["chair"] == 1
            ch = get(
                f"{gw}/v1/alliances/{aid}/changes",
                params={"period_start": "2023-01-01", "period_end": "2023-12-31"},
                headers=admin,
            ).json()
            assert sorted(i["org_name"] for i in ch["joined"]) == sorted(
                ["山东钢铁集团有限公司", "德国 Diako 社会福利院"]
            )
            assert [i["org_name"] for i in ch["exited"]] == ["潍柴动力股份有限公司"]
            committees = get(f"{gw}/v1/committees", params={"alliance_id": aid}, headers=admin).json()["items"]
            assert len(committees) == 7  # demo/alliance.json's five, demo/committees.json's 专指委 and its 专家组
            specialized = next(c for c in committees if c["body_type"] == "specialized_committee")
            assert len(get(f"{gw}/v1/committees/{specialized['id']}/seats", headers=admin).json()) == 4
            # …and its members' training records: every section of the 2024 figures has something.
            period = {"alliance_id": aid, "period_start": "2024-01-01", "period_end": "2024-12-31"}
            stats = get(f"{gw}/v1/training-stats", params=period, headers=admin).json()
            assert stats["programmes"]["total"] > 0 and stats["person_days"] > 0, stats
            assert stats["internships"]["total"] > 0 and stats["training_bases"]["total"] > 0, stats
            # …and the matching side (demo/matching.json): demands and offers opened by the load (today), three
            # agreements in force since 2024 with their ledger.
            period = {"alliance_id": aid, "period_start": "2024-01-01", "period_end": f"{today().year}-12-31"}
            figures = get(f"{gw}/v1/matching-stats", params=period, headers=admin).json()
            assert (figures["demands"]["count"], figures["demands"]["headcount"]) == (4, 105), figures
            assert (figures["offers"]["count"], figures["offers"]["places"]) == (3, 225), figures
            assert {k["kind"]: k["count"] for k in figures["agreements"]["by_kind"] if k["count"]} == {
                "order_class": 1,
                "industry_college": 1,
                "internship_base": 1,
            }, figures
            assert figures["funding"] == {"committed": "2100000.00", "paid": "850000.00", "payments": 3}, figures
            # …and its 供需对接会, every demand and offer registered
            fairs = get(f"{gw}/v1/fairs", params={"alliance_id": aid}, headers=admin).json()["items"]
            assert [f["status"] for f in fairs] == ["open"], fairs
            fair = get(f"{gw}/v1/fairs/{fairs[0]['id']}/figures", headers=admin).json()
            assert (fair["demands"], fair["offers"], fair["headcount"], fair["places"]) == (4, 3, 105, 225), fair
            # …and a year of its members' facts (demo/facts.json), summed for the alliance
            facts = get(f"{gw}/v1/alliances/{aid}/member-facts", params={"year": 2024}, headers=admin).json()
            by_key = {f["key"]: f["value"] for f in facts["figures"]}
            assert (facts["schools_reporting"], facts["enterprises_reporting"]) == (5, 5), facts
            assert (by_key["three_two_intake"], by_key["nco_majors"], by_key["double_high_groups"]) == (1348, 3, 2)
            assert (by_key["enterprise_staff"], by_key["cooperation_spending"]) == (92300, "4800.00"), by_key
            # …and the apprentices with their two mentors and contracts, the steel group's 鉴定站 and a school's 30
            # 1+X pilot registrations (demo/apprentice.json)
            apprentices = get(f"{gw}/v1/apprenticeships", params={"limit": 100}, headers=admin).json()["items"]
            assert len(apprentices) == 8 and all(a["enterprise_mentor_name"] for a in apprentices), apprentices
            stations = get(f"{gw}/v1/accreditations", params={"occupation": "炼钢工"}, headers=admin).json()["items"]
            assert [s["name"] for s in stations] == ["省冶金职业技能鉴定站"], stations
            pilots = get(f"{gw}/v1/pilot-registrations", params={"limit": 100}, headers=admin).json()["items"]
            assert len(pilots) == 30, pilots
        finally:
            stop_up(up)
    assert up.returncode == 0


def test_no_unmasked_personal_numbers_in_process_logs(state_dir):
    text = (state_dir / "up.log").read_text(errors="replace")
    assert text, "the processes wrote no log at all?"
    scan_for_pii("e2e process logs", text)
