"""`make bench`: the same one-row read, straight to the membership service and through the gateway.

Starts everything itself in a temp dir (embedded PostgreSQL without fsync, migrations, the membership
service with 2 uvicorn workers, the gateway with 1) on free loopback ports, creates one alliance
through the gateway, and then runs interleaved rounds of `GET /v1/alliances/{id}` (a public read):

    round k:  direct @64 conn, gateway @64 conn, direct @4 conn, gateway @4 conn

Direct requests carry an internal token minted with the same key the gateway uses, so the service
does exactly the same work either way. The load generator is `wrk` (installed quietly with apt when
missing and running as root), else the bundled `bench/loadgen.py`, always in its own process. The
gateway's CPU time is read from /proc/<pid>/stat around each gateway run and divided by the
requests served. Prints a table and the verdict on each target, writes
`bench/results/gateway-<timestamp>.json`, and stops every process and PostgreSQL at the end (also
on Ctrl-C or an error).
"""

from __future__ import annotations

import argparse
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
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
# Run as `python bench/gateway.py`, sys.path[0] is bench/ — where this file would shadow the
# `gateway` package. The repository root is what every process of the platform runs from.
if sys.path and Path(sys.path[0] or ".").resolve() == BENCH:
    sys.path[0] = str(REPO)

import httpx  # noqa: E402

from chanjiao import migrate  # noqa: E402
from chanjiao.auth import ANONYMOUS, INTERNAL_TOKEN_HEADER, InternalTokenSigner  # noqa: E402
from chanjiao.pg_embedded import EmbeddedPostgres, free_port  # noqa: E402
from chanjiao.settings import SERVICES  # noqa: E402

ALLIANCE = {"name": "山东化工职业教育集团（基准）", "kind": "vocational_education_group", "level": "provincial"}
# Rate limits far above what the machine can serve: the buckets are still checked on every request.
HIGH_LIMITS = {
    "CHANJIAO_GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
    "CHANJIAO_GATEWAY_RATE_LIMIT_BURST": "1000000",
    "CHANJIAO_GATEWAY_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000000",
    "CHANJIAO_GATEWAY_RATE_LIMIT_ANONYMOUS_BURST": "1000000",
}
CLK_TCK = os.sysconf("SC_CLK_TCK")

TARGET_RATIO = 0.8
TARGET_ADDED_P50_MS = 1.0
TARGET_GATEWAY_CPU_MS = 0.3

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


# ---- the measurement ---------------------------------------------------------------------------
@dataclass
class Run:
    round: int
    path: str  # "direct" | "gateway"
    connections: int
    result: dict[str, Any]
    gateway_cpu_s: float
    upstream_cpu_s: float
    machine_busy: float  # share of all CPUs busy during the run, 0..1

    @property
    def gateway_cpu_ms_per_req(self) -> float | None:
        n = self.result["requests"]
        return self.gateway_cpu_s * 1000 / n if self.path == "gateway" and n else None

    @property
    def upstream_cpu_ms_per_req(self) -> float | None:
        n = self.result["requests"]
        return self.upstream_cpu_s * 1000 / n if n else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "path": self.path,
            "connections": self.connections,
            **self.result,
            "gateway_cpu_s": round(self.gateway_cpu_s, 3),
            "upstream_cpu_s": round(self.upstream_cpu_s, 3),
            "machine_busy": round(self.machine_busy, 3),
            "gateway_cpu_ms_per_req": self.gateway_cpu_ms_per_req,
            "upstream_cpu_ms_per_req": self.upstream_cpu_ms_per_req,
        }


class Bench:
    def __init__(self, stack: Stack, gen: LoadGenerator, token: str) -> None:
        self.stack, self.gen = stack, gen
        self.direct_headers = {INTERNAL_TOKEN_HEADER: token}
        self.runs: list[Run] = []

    def urls(self, path: str) -> tuple[str, str]:
        return self.stack.url("membership") + path, self.stack.url("gateway") + path

    def measure(self, round_no: int, which: str, url: str, connections: int, duration: float) -> Run:
        headers = self.direct_headers if which == "direct" else {}
        gw_pid = self.stack.procs["gateway"].popen.pid
        up_pid = self.stack.procs["membership"].popen.pid
        g0, u0, (b0, t0) = cpu_seconds(gw_pid), tree_cpu_seconds(up_pid), machine_ticks()
        result = self.gen.run(url, connections, duration, headers)
        g1, u1, (b1, t1) = cpu_seconds(gw_pid), tree_cpu_seconds(up_pid), machine_ticks()
        run = Run(round_no, which, connections, result, g1 - g0, u1 - u0, (b1 - b0) / max(1, t1 - t0))
        if round_no > 0:
            self.runs.append(run)
        flag = ""
        if result["errors"] or result["status_errors"]:
            flag = f"  (!) {result['errors']} socket errors, {result['status_errors']} non-2xx/3xx"
        cpu = f"  gateway CPU {run.gateway_cpu_ms_per_req:.3f} ms/req" if run.gateway_cpu_ms_per_req else ""
        label = f"round {round_no}" if round_no > 0 else ("warm-up" if round_no == 0 else "trivial")
        print(
            f"  {label:8} {which:7} c={connections:<3} {result['rps']:9.1f} req/s"
            f"  p50 {result['p50_us'] / 1000:6.2f} ms"
            f"  p99 {result['p99_us'] / 1000:7.2f} ms  machine {run.machine_busy:4.0%} busy{cpu}{flag}",
            flush=True,
        )
        return run


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(runs: list[Run], connections: int, low: int, single: int | None) -> dict[str, Any]:
    def pick(path: str, c: int) -> dict[int, Run]:
        return {r.round: r for r in runs if r.path == path and r.connections == c}

    def latency(c: int) -> dict[str, Any]:
        d, g = pick("direct", c), pick("gateway", c)
        ks = sorted(set(d) & set(g))
        rows = [
            {
                "round": k,
                "direct_p50_ms": d[k].result["p50_us"] / 1000,
                "gateway_p50_ms": g[k].result["p50_us"] / 1000,
                "added_p50_ms": (g[k].result["p50_us"] - d[k].result["p50_us"]) / 1000,
                "direct_p99_ms": d[k].result["p99_us"] / 1000,
                "gateway_p99_ms": g[k].result["p99_us"] / 1000,
                "direct_rps": d[k].result["rps"],
                "gateway_rps": g[k].result["rps"],
                "direct_machine_busy": d[k].machine_busy,
                "gateway_machine_busy": g[k].machine_busy,
                "gateway_cpu_ms_per_req": g[k].gateway_cpu_ms_per_req,
            }
            for k in ks
        ]
        return {
            "connections": c,
            "rounds": rows,
            **{
                f"median_{key}": median([r[key] for r in rows if r[key] is not None])
                for key in (
                    "direct_p50_ms",
                    "gateway_p50_ms",
                    "added_p50_ms",
                    "direct_machine_busy",
                    "gateway_machine_busy",
                    "gateway_cpu_ms_per_req",
                )
            },
        }

    d_hi, g_hi = pick("direct", connections), pick("gateway", connections)
    rounds = sorted(set(d_hi) & set(g_hi))
    throughput = [
        {
            "round": k,
            "direct_rps": d_hi[k].result["rps"],
            "gateway_rps": g_hi[k].result["rps"],
            "ratio": g_hi[k].result["rps"] / d_hi[k].result["rps"],
            "gateway_cpu_ms_per_req": g_hi[k].gateway_cpu_ms_per_req,
            "direct_machine_busy": d_hi[k].machine_busy,
            "gateway_machine_busy": g_hi[k].machine_busy,
            "upstream_cpu_ms_per_req_direct": d_hi[k].upstream_cpu_ms_per_req,
            "upstream_cpu_ms_per_req_gateway": g_hi[k].upstream_cpu_ms_per_req,
        }
        for k in rounds
    ]
    low_load = latency(low)
    return {
        "throughput": throughput,
        "median_direct_rps": median([t["direct_rps"] for t in throughput]),
        "median_gateway_rps": median([t["gateway_rps"] for t in throughput]),
        "median_ratio": median([t["ratio"] for t in throughput]),
        "median_gateway_cpu_ms_per_req": median(
            [t["gateway_cpu_ms_per_req"] for t in throughput if t["gateway_cpu_ms_per_req"] is not None]
        ),
        "median_upstream_cpu_ms_per_req": median(
            [t["upstream_cpu_ms_per_req_direct"] for t in throughput if t["upstream_cpu_ms_per_req_direct"] is not None]
        ),
        "low_load": low_load,
        "single_connection": latency(single) if single else None,
        "median_added_p50_ms": low_load["median_added_p50_ms"],
        "errors": sum(r.result["errors"] + r.result["status_errors"] for r in runs),
    }


def print_report(
    summary: dict[str, Any], trivial: dict[str, Any] | None, c: int, dur: float, low_dur: float
) -> list[str]:
    lines = [
        f"Throughput — GET /v1/alliances/{{id}}, {c} connections, {dur:g} s per run",
        f"  {'round':<7}{'direct req/s':>14}{'gateway req/s':>15}{'ratio':>8}{'gateway CPU ms/req':>20}"
        f"{'machine busy d/g':>18}",
    ]
    for t in summary["throughput"]:
        lines.append(
            f"  {t['round']:<7}{t['direct_rps']:>14.1f}{t['gateway_rps']:>15.1f}{t['ratio']:>8.3f}"
            f"{t['gateway_cpu_ms_per_req']:>20.3f}"
            f"{t['direct_machine_busy'] * 100:>12.0f}% /{t['gateway_machine_busy'] * 100:>3.0f}%"
        )
    lines.append(
        f"  {'median':<7}{summary['median_direct_rps']:>14.1f}{summary['median_gateway_rps']:>15.1f}"
        f"{summary['median_ratio']:>8.3f}{summary['median_gateway_cpu_ms_per_req']:>20.3f}"
    )
    for key, title in (
        ("low_load", "Latency at low load"),
        ("single_connection", "Latency, one connection (diagnostic)"),
    ):
        block = summary.get(key)
        if not block:
            continue
        lines += [
            "",
            f"{title} — {block['connections']} connection{'s' if block['connections'] > 1 else ''}, "
            f"{low_dur:g} s per run",
            f"  {'round':<7}{'direct p50 ms':>15}{'gateway p50 ms':>16}{'added ms':>10}{'direct p99':>12}"
            f"{'gateway p99':>13}{'gw CPU ms/req':>15}{'machine busy d/g':>18}",
        ]
        for t in block["rounds"]:
            lines.append(
                f"  {t['round']:<7}{t['direct_p50_ms']:>15.3f}{t['gateway_p50_ms']:>16.3f}{t['added_p50_ms']:>10.3f}"
                f"{t['direct_p99_ms']:>12.2f}{t['gateway_p99_ms']:>13.2f}{t['gateway_cpu_ms_per_req']:>15.3f}"
                f"{t['direct_machine_busy'] * 100:>12.0f}% /{t['gateway_machine_busy'] * 100:>3.0f}%"
            )
        lines.append(
            f"  {'median':<7}{block['median_direct_p50_ms']:>15.3f}{block['median_gateway_p50_ms']:>16.3f}"
            f"{block['median_added_p50_ms']:>10.3f}{'':>12}{'':>13}{block['median_gateway_cpu_ms_per_req']:>15.3f}"
        )
    if trivial:
        lines += [
            "",
            f"Trivial proxied route — {trivial['path']} (the service's own 404: token check, no database), "
            f"{trivial['connections']} connections, {trivial['duration']:g} s",
            f"  direct {trivial['direct_rps']:.1f} req/s, gateway {trivial['gateway_rps']:.1f} req/s, "
            f"ratio {trivial['ratio']:.3f}, gateway CPU {trivial['gateway_cpu_ms_per_req']:.3f} ms/req",
        ]

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    low = summary["low_load"]
    lines += [
        "",
        "Targets",
        f"  throughput   gateway/direct >= {TARGET_RATIO:.2f}x @{c} conn      median {summary['median_ratio']:.3f}x    "
        f"{verdict(summary['median_ratio'] >= TARGET_RATIO)}",
        f"  latency      added p50 <= {TARGET_ADDED_P50_MS:.1f} ms @{low['connections']} conn       "
        f"median {low['median_added_p50_ms']:.3f} ms  {verdict(low['median_added_p50_ms'] <= TARGET_ADDED_P50_MS)}",
        f"  gateway CPU  <= {TARGET_GATEWAY_CPU_MS:.2f} ms/request @{c} conn    "
        f"median {summary['median_gateway_cpu_ms_per_req']:.3f} ms  "
        f"{verdict(summary['median_gateway_cpu_ms_per_req'] <= TARGET_GATEWAY_CPU_MS)}",
    ]
    if summary["errors"]:
        lines.append(f"  WARNING: {summary['errors']} failed or non-2xx/3xx requests in the measured runs")
    return lines


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/gateway.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10, help="seconds per throughput run (default 10)")
    parser.add_argument("--low-duration", type=float, default=5, help="seconds per low-load run (default 5)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--low-connections", type=int, default=4)
    parser.add_argument(
        "--single",
        type=int,
        default=1,
        metavar="C",
        help="connections of the diagnostic latency run (0 skips it; default 1)",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of unrecorded load per path first")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--upstream-workers", type=int, default=2)
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="keep uvicorn's per-request access log in both processes (off by default)",
    )
    parser.add_argument("--no-trivial", action="store_true", help="skip the trivial-route comparison")
    parser.add_argument("--results-dir", type=Path, default=BENCH / "results")
    args = parser.parse_args(argv)

    info = machine()
    command = shlex.join([sys.executable, *sys.argv])
    print(
        f"Machine: {info['nproc']} CPU ({info['cpu_model']}), {info['mem_gib']} GiB, Linux {info['kernel']}, "
        f"Python {info['python']}, running as {info['user']}"
    )
    print(f"Command: {command}", flush=True)

    gen: LoadGenerator
    wrk = None if args.loadgen == "python" else find_wrk(allow_install=True)
    if args.loadgen == "wrk" and wrk is None:
        print("wrk is not installed (and could not be installed)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="chanjiao-bench-"))
    if wrk:
        script = workdir / "report.lua"
        script.write_text(WRK_REPORT)
        gen = Wrk(wrk, script, args.threads)
    else:
        gen = PythonLoad()
    print(f"Load generator: {gen.name}" + ("" if wrk else " (wrk not installed)"), flush=True)

    def _sigterm(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored
    admin = ("bench.admin", "Bench-" + secrets.token_urlsafe(18))
    stack = Stack(workdir, admin=admin, upstream_workers=args.upstream_workers, access_log=args.access_log)
    started = time.monotonic()
    try:
        print(
            f"Starting PostgreSQL, membership ({args.upstream_workers} workers) and the gateway (1 worker) "
            f"in {workdir} …",
            flush=True,
        )
        stack.start()
        gw, mb = stack.url("gateway"), stack.url("membership")
        # A public read (anonymous callers may read the alliance directory): the gateway's own overhead, without
        # authentication (bench/auth.py measures that).
        alliance_id = Setup(gw, admin).create("/v1/alliances", ALLIANCE)["id"]
        path = f"/v1/alliances/{alliance_id}"
        token = InternalTokenSigner(stack.key, ttl_seconds=3600).token_for(ANONYMOUS).decode()
        bench = Bench(stack, gen, token)
        direct_url, gateway_url = bench.urls(path)
        rd = httpx.get(direct_url, headers=bench.direct_headers, timeout=10)
        rg = httpx.get(gateway_url, timeout=10)
        if rd.status_code != 200 or rg.status_code != 200 or rd.json() != rg.json():
            raise RuntimeError(f"direct and gateway answers differ: {rd.status_code} {rg.status_code}")
        print(f"Upstream: membership {mb} · gateway {gw} · one-row read GET {path} ({len(rg.content)} bytes)")
        print(f"Load: {gen.display(direct_url, args.connections, args.duration, bench.direct_headers)}")
        print(f"      {gen.display(gateway_url, args.connections, args.duration, {})}")
        low = f"-c{args.low_connections}" + (f" and -c{args.single}" if args.single else "")
        print(f"      (and the same with {low}, {args.low_duration:g} s each)", flush=True)

        if args.warmup > 0:
            bench.measure(0, "direct", direct_url, args.connections, args.warmup)
            bench.measure(0, "gateway", gateway_url, args.connections, args.warmup)
        for k in range(1, args.rounds + 1):
            bench.measure(k, "direct", direct_url, args.connections, args.duration)
            bench.measure(k, "gateway", gateway_url, args.connections, args.duration)
            bench.measure(k, "direct", direct_url, args.low_connections, args.low_duration)
            bench.measure(k, "gateway", gateway_url, args.low_connections, args.low_duration)
            if args.single:
                bench.measure(k, "direct", direct_url, args.single, args.low_duration)
                bench.measure(k, "gateway", gateway_url, args.single, args.low_duration)

        trivial = None
        if not args.no_trivial:
            # `/v1/alliances/…` routes to membership; an unknown sub-path is the service's own 404
            # after the token check — the cheapest proxied request there is.
            tpath = f"{path}/no-such-route"
            td, tg = bench.urls(tpath)
            tdur = min(args.low_duration, args.duration)
            a = bench.measure(-1, "direct", td, args.connections, tdur)
            b = bench.measure(-1, "gateway", tg, args.connections, tdur)
            trivial = {
                "path": "/v1/alliances/{id}/no-such-route",
                "duration": tdur,
                "connections": args.connections,
                "direct_rps": a.result["rps"],
                "gateway_rps": b.result["rps"],
                "ratio": b.result["rps"] / a.result["rps"],
                "gateway_cpu_ms_per_req": b.gateway_cpu_ms_per_req,
                "direct": a.as_dict(),
                "gateway": b.as_dict(),
            }

        summary = summarize(bench.runs, args.connections, args.low_connections, args.single or None)
        print()
        lines = print_report(summary, trivial, args.connections, args.duration, args.low_duration)
        print("\n".join(lines), flush=True)

        args.results_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = args.results_dir / f"gateway-{stamp}.json"
        out.write_text(
            json.dumps(
                {
                    "timestamp": stamp,
                    "machine": info,
                    "command": command,
                    "load_generator": gen.name,
                    "config": {
                        "rounds": args.rounds,
                        "duration_s": args.duration,
                        "low_duration_s": args.low_duration,
                        "connections": args.connections,
                        "low_connections": args.low_connections,
                        "single_connections": args.single,
                        "wrk_threads": args.threads if wrk else None,
                        "upstream_workers": args.upstream_workers,
                        "gateway_workers": 1,
                        "access_log": args.access_log,
                        "warmup_s": args.warmup,
                        "path": "/v1/alliances/{id}",
                    },
                    "targets": {
                        "ratio_min": TARGET_RATIO,
                        "added_p50_ms_max": TARGET_ADDED_P50_MS,
                        "gateway_cpu_ms_per_req_max": TARGET_GATEWAY_CPU_MS,
                    },
                    "summary": summary,
                    "trivial": trivial,
                    "runs": [r.as_dict() for r in bench.runs],
                    "table": lines,
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
        if summary["errors"]:
            # Keep the processes' logs (warnings and errors only, unless --access-log) to explain them.
            logs = args.results_dir / f"gateway-{stamp}-logs"
            logs.mkdir()
            for p in stack.procs.values():
                shutil.copy(p.log_path, logs / p.log_path.name)
            print(f"Failed requests: the processes' logs are kept in {logs}")
        print(
            f"\nResults: {out.relative_to(REPO) if out.is_relative_to(REPO) else out} "
            f"(total {time.monotonic() - started:.0f} s)"
        )
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception:
        explain_dead_processes(stack)
        raise
    finally:
        shutdown(stack, workdir)


if __name__ == "__main__":
    sys.exit(main())
