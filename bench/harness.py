"""What the benchmarks share (run them from the repository root as modules: `python -m bench.gateway`, see
`make bench`): the platform's processes on free loopback ports (`Stack`: embedded PostgreSQL without fsync,
migrations, membership, the gateway), logging in and creating records through the gateway (`Setup`), the load
generators (`wrk`, else bench/loadgen.py) and the CPU accounting read from /proc."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import secrets
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from chanjiao import migrate
from chanjiao.auth import INTERNAL_TOKEN_HEADER
from chanjiao.pg_embedded import EmbeddedPostgres, free_port
from chanjiao.settings import SERVICES

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"

ALLIANCE = {"name": "山东化工职业教育集团（基准）", "kind": "vocational_education_group", "level": "provincial"}
# Rate limits far above what the machine can serve: the buckets are still checked on every request.
HIGH_LIMITS = {
    "CHANJIAO_GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
    "CHANJIAO_GATEWAY_RATE_LIMIT_BURST": "1000000",
    "CHANJIAO_GATEWAY_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000000",
    "CHANJIAO_GATEWAY_RATE_LIMIT_ANONYMOUS_BURST": "1000000",
}
CLK_TCK = os.sysconf("SC_CLK_TCK")

# wrk prints its summary for humans; this prints the same numbers as one JSON line (latencies in µs).
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
    '"status_errors":%d,"timeout_errors":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
"""


# ---- machine and processes ----------------------------------------------------------------------
def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "mem_gib": mem_gib,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "python_impl": platform.python_implementation(),
        "user": "root" if os.geteuid() == 0 else "non-root",
    }


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (not its children), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from the first line of /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user/nice
    return total - idle, total


def process_tree(pid: int) -> list[int]:
    out = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for c in children:
        out.extend(process_tree(int(c)))
    return out


def tree_cpu_seconds(pid: int) -> float:
    total = 0.0
    for p in process_tree(pid):
        try:
            total += cpu_seconds(p)
        except (OSError, IndexError, ValueError):
            pass
    return total


@dataclass
class Proc:
    name: str
    port: int
    popen: subprocess.Popen[bytes]
    log_path: Path

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


class Setup:
    """Logs in and creates what the read needs, through the gateway."""

    def __init__(self, gateway_url: str, admin: tuple[str, str]) -> None:
        self.http = httpx.Client(base_url=gateway_url, timeout=30)
        r = self.http.post(
            "/v1/auth/token", data={"grant_type": "password", "username": admin[0], "password": admin[1]}
        )
        if r.status_code != 200:
            raise RuntimeError(f"login failed: {r.status_code} {r.text[:500]}")
        self.refresh_token = r.json()["refresh_token"]
        self.access_token = r.json()["access_token"]

    def refresh(self) -> str:
        """A fresh access token (15-minute tokens; a long run renews it every round)."""
        r = self.http.post("/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": self.refresh_token})
        if r.status_code != 200:
            raise RuntimeError(f"refresh failed: {r.status_code} {r.text[:500]}")
        self.refresh_token = r.json()["refresh_token"]
        self.access_token = r.json()["access_token"]
        return self.access_token

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.http.post(path, json=body, headers={"Authorization": f"Bearer {self.access_token}"})
        if r.status_code != 201:
            raise RuntimeError(f"POST {path} failed: {r.status_code} {r.text[:500]}")
        return r.json()


@dataclass
class Stack:
    """PostgreSQL + membership (2 workers) + gateway, each its own process, on free loopback ports; membership
    creates `admin` (login, password) as its bootstrap platform admin, the gateway runs with `HIGH_LIMITS`."""

    workdir: Path
    admin: tuple[str, str] | None = None
    upstream_workers: int = 2
    access_log: bool = False
    host: str = "127.0.0.1"
    key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    pg: EmbeddedPostgres | None = None
    procs: dict[str, Proc] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.procs[name].port}"

    def argv(self, name: str, port: int, workers: int) -> list[str]:
        argv = [
            sys.executable,
            "-m",
            "chanjiao.serve",
            name,
            "--host",
            self.host,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
        return argv if self.access_log else [*argv, "--no-access-log"]

    def start(self) -> None:
        if os.geteuid() == 0:
            # PostgreSQL runs as `nobody` under root: it must be able to reach its data dir in here.
            self.workdir.chmod(0o711)
        # Assigned before start(): an interrupt during start-up still stops what was started.
        self.pg = EmbeddedPostgres(self.workdir / "pgdata", password=secrets.token_urlsafe(24), durable=False)
        self.pg.start()
        passwords = {s: secrets.token_urlsafe(24) for s in SERVICES}
        result = asyncio.run(migrate.bootstrap(self.pg.url, passwords, database="chanjiao"))
        migrate.upgrade(result.service_urls)
        base = {
            **os.environ,
            "CHANJIAO_ENVIRONMENT": "development",
            "CHANJIAO_INTERNAL_TOKEN_KEY": self.key,
            "CHANJIAO_LOG_LEVEL": os.environ.get("CHANJIAO_LOG_LEVEL", "INFO"),
        }
        membership_port, gateway_port = free_port(), free_port()
        # Only membership answers in this benchmark; training and matching point at unused ports
        # (the gateway opens upstream connections lazily, so it starts without them).
        self.spawn(
            "membership",
            membership_port,
            self.upstream_workers,
            {**base, "CHANJIAO_MEMBERSHIP_DATABASE_URL": result.service_urls["membership"]},
        )
        self.spawn(
            "gateway",
            gateway_port,
            1,
            {
                **base,
                "CHANJIAO_GATEWAY_MEMBERSHIP_URL": f"http://{self.host}:{membership_port}",
                "CHANJIAO_GATEWAY_TRAINING_URL": f"http://{self.host}:{free_port()}",
                "CHANJIAO_GATEWAY_MATCHING_URL": f"http://{self.host}:{free_port()}",
            },
        )
        self.wait_healthy(90)

    def spawn(self, name: str, port: int, workers: int, env: dict[str, str]) -> None:
        if name == "membership" and self.admin is not None:
            env = {**env, "CHANJIAO_MEMBERSHIP_BOOTSTRAP_ADMIN": f"{self.admin[0]}:{self.admin[1]}"}
        elif name == "gateway":
            env = {**env, **HIGH_LIMITS}
        log_path = self.workdir / f"{name}.log"
        with open(log_path, "wb") as log:
            popen = subprocess.Popen(
                self.argv(name, port, workers),
                env=env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.procs[name] = Proc(name, port, popen, log_path)

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = set(self.procs)
        while pending and time.monotonic() < deadline:
            for name in sorted(pending):
                p = self.procs[name]
                if p.popen.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {p.popen.returncode} during start-up:\n{p.tail()}")
                try:
                    r = httpx.get(f"{self.url(name)}/health", timeout=2)
                except httpx.HTTPError:
                    continue
                body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
                ok = (
                    (r.status_code == 200 and body.get("status") == "ok")
                    if name != "gateway"
                    else (r.status_code == 200 and body.get("services", {}).get("membership", {}).get("status") == "ok")
                )
                if ok:
                    pending.discard(name)
            time.sleep(0.2)
        if pending:
            raise RuntimeError(f"not healthy after {timeout:.0f}s: {', '.join(sorted(pending))}")

    def stop(self) -> None:
        for p in self.procs.values():
            if p.popen.poll() is None:
                p.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for p in self.procs.values():
            try:
                p.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.popen.pid, signal.SIGKILL)  # its own session: the uvicorn workers too
                except ProcessLookupError:
                    pass
                p.popen.wait()
        self.procs.clear()
        if self.pg is not None:
            self.pg.stop()
            self.pg = None


# ---- load generators ---------------------------------------------------------------------------
class LoadGenerator:
    name: str

    def command(self, url: str, connections: int, duration: float, headers: dict[str, str]) -> list[str]:
        raise NotImplementedError

    def parse(self, stdout: str) -> dict[str, Any]:
        raise NotImplementedError

    def run(self, url: str, connections: int, duration: float, headers: dict[str, str]) -> dict[str, Any]:
        cmd = self.command(url, connections, duration, headers)
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
        if res.returncode != 0:
            raise RuntimeError(f"{self.name} failed ({res.returncode}): {res.stderr.strip()[-2000:]}")
        out = self.parse(res.stdout)
        out["rps"] = out["requests"] / (out["duration_us"] / 1e6)
        out["errors"] = sum(out[k] for k in ("connect_errors", "read_errors", "write_errors", "timeout_errors"))
        return out

    def display(self, url: str, connections: int, duration: float, headers: dict[str, str]) -> str:
        shown = {k: ("<token>" if k == INTERNAL_TOKEN_HEADER else v) for k, v in headers.items()}
        return shlex.join(self.command(url, connections, duration, shown))


class Wrk(LoadGenerator):
    name = "wrk"

    def __init__(self, binary: str, script: Path, threads: int) -> None:
        self.binary, self.script, self.threads = binary, script, threads

    def command(self, url: str, connections: int, duration: float, headers: dict[str, str]) -> list[str]:
        cmd = [
            self.binary,
            f"-t{min(self.threads, connections)}",
            f"-c{connections}",
            f"-d{int(duration)}s",
            "--latency",
            "--timeout",
            "5s",
            "-s",
            str(self.script),
        ]
        for k, v in headers.items():
            cmd += ["-H", f"{k}: {v}"]
        return [*cmd, url]

    def parse(self, stdout: str) -> dict[str, Any]:
        for line in stdout.splitlines():
            if line.startswith("BENCHJSON "):
                return json.loads(line[len("BENCHJSON ") :])
        raise RuntimeError(f"no summary in wrk output:\n{stdout[-2000:]}")


class PythonLoad(LoadGenerator):
    name = "bench/loadgen.py"

    def command(self, url: str, connections: int, duration: float, headers: dict[str, str]) -> list[str]:
        cmd = [sys.executable, str(BENCH / "loadgen.py"), "--url", url, "-c", str(connections), "-d", str(duration)]
        for k, v in headers.items():
            cmd += ["-H", f"{k}: {v}"]
        return cmd

    def parse(self, stdout: str) -> dict[str, Any]:
        return json.loads(stdout.strip().splitlines()[-1])


def find_wrk(allow_install: bool) -> str | None:
    found = shutil.which("wrk")
    if found or not allow_install or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("wrk not found; trying `apt-get install -y wrk` …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        ok = (
            subprocess.run(
                ["apt-get", "install", "-y", "-q", "wrk"], capture_output=True, env=env, timeout=180
            ).returncode
            == 0
        )
        if not ok:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env, timeout=180)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True, env=env, timeout=180)
    except (OSError, subprocess.SubprocessError):
        pass
    return shutil.which("wrk")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def explain_dead_processes(stack: Any) -> None:
    """A bench failed: show the log tail of every process that had already exited."""
    for p in stack.procs.values():
        if p.popen.poll() is not None:
            print(f"--- {p.name} exited with {p.popen.returncode}; log tail:\n{p.tail()}", file=sys.stderr)


def shutdown(stack: Any, workdir: Path) -> None:
    """Stop every process and remove the work dir; Ctrl-C is ignored while stopping."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("stopping …", flush=True)
    try:
        stack.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


async def copy_baseline(url: str, table: str, columns: list[str], records: list[tuple], *, indexed: bool) -> dict:
    """The floor an import is measured against: asyncpg's binary COPY of `records` into a scratch copy of the
    training table `table` — with every index, constraint and default (`indexed`) or with its defaults only — timed,
    then dropped."""
    import asyncpg

    scratch = f"bench_{table}_copy"
    like = f"like training.{table} including all" if indexed else f"like training.{table} including defaults"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"drop table if exists training.{scratch}")
        await conn.execute(f"create table training.{scratch} ({like})")
        t = time.perf_counter()
        await conn.copy_records_to_table(scratch, schema_name="training", records=records, columns=columns)
        seconds = time.perf_counter() - t
        await conn.execute(f"drop table training.{scratch}")
    finally:
        await conn.close()
    return {"rows": len(records), "seconds": seconds, "rows_per_s": len(records) / seconds}
