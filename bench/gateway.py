"""`make bench`: the same one-row read, straight to the membership service and through the gateway.

Run from the repository root: `python -m bench.gateway` (its harness: bench/harness.py). Starts
everything itself in a temp dir (embedded PostgreSQL without fsync, migrations, the membership
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
import json
import secrets
import shlex
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.harness import (
    ALLIANCE,
    BENCH,
    REPO,
    WRK_REPORT,
    LoadGenerator,
    PythonLoad,
    Setup,
    Stack,
    Wrk,
    cpu_seconds,
    explain_dead_processes,
    find_wrk,
    machine,
    machine_ticks,
    median,
    shutdown,
    tree_cpu_seconds,
)
from chanjiao.auth import ANONYMOUS, INTERNAL_TOKEN_HEADER, InternalTokenSigner

TARGET_RATIO = 0.8
TARGET_ADDED_P50_MS = 1.0
TARGET_GATEWAY_CPU_MS = 0.3


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gateway", description=__doc__.split("\n\n")[0])
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
