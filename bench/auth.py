"""`make bench` (part): what authentication at the gateway costs — the same public read with no
credentials, with an API key, and with an access token (JWT), in interleaved rounds of one run.

Starts the stack as `bench/gateway.py` does (embedded PostgreSQL without fsync, migrations, the
membership service with 2 uvicorn workers, the gateway with 1, on free loopback ports), with a
bootstrap platform admin (`CHANJIAO_BOOTSTRAP_ADMIN`, random password). Through the gateway's real
API it logs in (`POST /v1/auth/token`), creates an organization, an alliance and an API key of the
organization (`membership:read`), and then runs rounds of the public read `GET /v1/alliances/{id}`:

    round k:  none @64, key @64, jwt @64, none @4, key @4, jwt @4   (the order rotating each round)

Rate limiting stays on (every variant pays for its bucket), but with limits far above what the
machine can serve, so no request is refused: a 429 would be a cheap answer and flatter a variant.
The API key is checked as in production: introspected by membership on a cache miss, then from the
gateway's cache (`api_key_cache_ttl_seconds`, default 30 s, so a run includes a few re-checks). The
JWT is verified once and then found in the verified-token cache. Prints the table and the verdict on
the target (API key / none ≥ 0.9 × requests/s at 64 connections, median of the rounds' ratios),
writes `bench/results/auth-<timestamp>.json`, and stops everything at the end.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shlex
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
    HIGH_LIMITS,
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
)

TARGET_RATIO = 0.9
VARIANTS = ("none", "key", "jwt")
ORG = {"name": "山东工业职业学院（基准）", "org_type": "higher_vocational", "region_code": "370303"}


@dataclass
class Run:
    round: int
    variant: str
    connections: int
    result: dict[str, Any]
    gateway_cpu_s: float
    machine_busy: float

    @property
    def cpu_ms_per_req(self) -> float | None:
        n = self.result["requests"]
        return self.gateway_cpu_s * 1000 / n if n else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "variant": self.variant,
            "connections": self.connections,
            **self.result,
            "gateway_cpu_s": round(self.gateway_cpu_s, 3),
            "gateway_cpu_ms_per_req": self.cpu_ms_per_req,
            "machine_busy": round(self.machine_busy, 3),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.auth", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10, help="seconds per run at --connections (default 10)")
    parser.add_argument("--low-duration", type=float, default=5, help="seconds per run at --low-connections")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--low-connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of unrecorded load per variant first")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--upstream-workers", type=int, default=2)
    parser.add_argument("--results-dir", type=Path, default=BENCH / "results")
    args = parser.parse_args(argv)

    info = machine()
    command = shlex.join([sys.executable, *sys.argv])
    print(
        f"Machine: {info['nproc']} CPU ({info['cpu_model']}), {info['mem_gib']} GiB, Linux {info['kernel']}, "
        f"Python {info['python']}, running as {info['user']}"
    )
    print(f"Command: {command}", flush=True)
    wrk = None if args.loadgen == "python" else find_wrk(allow_install=True)
    if args.loadgen == "wrk" and wrk is None:
        print("wrk is not installed (and could not be installed)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="chanjiao-bench-auth-"))
    gen: LoadGenerator
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
    signal.signal(signal.SIGINT, signal.default_int_handler)
    admin = ("bench.admin", "Bench-" + secrets.token_urlsafe(18))
    stack = Stack(workdir, admin=admin, upstream_workers=args.upstream_workers)
    started = time.monotonic()
    runs: list[Run] = []
    try:
        print(f"Starting PostgreSQL, membership ({args.upstream_workers} workers) and the gateway in {workdir} …")
        stack.start()
        gw = stack.url("gateway")
        setup = Setup(gw, admin)
        alliance = setup.create("/v1/alliances", ALLIANCE)
        org = setup.create("/v1/organizations", ORG)
        key = setup.create("/v1/api-keys", {"name": "基准测试", "org_id": org["id"], "scopes": ["membership:read"]})
        path = f"/v1/alliances/{alliance['id']}"
        url = gw + path

        def headers(variant: str) -> dict[str, str]:
            if variant == "key":
                return {"X-API-Key": key["key"]}
            if variant == "jwt":
                return {"Authorization": f"Bearer {setup.access_token}"}
            return {}

        answers = {v: httpx.get(url, headers=headers(v), timeout=10) for v in VARIANTS}
        if any(r.status_code != 200 for r in answers.values()) or len({r.content for r in answers.values()}) != 1:
            raise RuntimeError(f"the variants' answers differ: {[r.status_code for r in answers.values()]}")
        print(f"Read: GET {path} (public; {len(answers['none'].content)} bytes), identical for all three variants")
        for v in VARIANTS:
            shown = {k: "<key>" if k == "X-API-Key" else "Bearer <jwt>" for k in headers(v)}
            print(f"  {v:5} {gen.display(url, args.connections, args.duration, shown)}")
        print("Rate limits: on, at 100,000,000/min and bursts of 1,000,000 (never refusing)", flush=True)
        gw_pid = stack.procs["gateway"].popen.pid

        def measure(round_no: int, variant: str, connections: int, duration: float) -> None:
            g0, (b0, t0) = cpu_seconds(gw_pid), machine_ticks()
            result = gen.run(url, connections, duration, headers(variant))
            g1, (b1, t1) = cpu_seconds(gw_pid), machine_ticks()
            run = Run(round_no, variant, connections, result, g1 - g0, (b1 - b0) / max(1, t1 - t0))
            if round_no > 0:
                runs.append(run)
            flag = ""
            if result["errors"] or result["status_errors"]:
                flag = f"  (!) {result['errors']} socket errors, {result['status_errors']} non-2xx/3xx"
            label = f"round {round_no}" if round_no else "warm-up"
            print(
                f"  {label:8} {variant:5} c={connections:<3} {result['rps']:9.1f} req/s"
                f"  p50 {result['p50_us'] / 1000:6.2f} ms  p99 {result['p99_us'] / 1000:7.2f} ms"
                f"  gateway CPU {run.cpu_ms_per_req or 0:.3f} ms/req  machine {run.machine_busy:4.0%} busy{flag}",
                flush=True,
            )

        if args.warmup > 0:
            for v in VARIANTS:
                measure(0, v, args.connections, args.warmup)
        for k in range(1, args.rounds + 1):
            setup.refresh()
            # The order rotates from round to round, so no variant always runs first (or after a pause).
            order = VARIANTS[(k - 1) % 3 :] + VARIANTS[: (k - 1) % 3]
            for c, d in ((args.connections, args.duration), (args.low_connections, args.low_duration)):
                for v in order:
                    measure(k, v, c, d)

        summary = summarize(runs, args.connections, args.low_connections)
        lines = report(summary, args)
        print()
        print("\n".join(lines), flush=True)
        args.results_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = args.results_dir / f"auth-{stamp}.json"
        out.write_text(
            json.dumps(
                {
                    "timestamp": stamp,
                    "machine": info,
                    "command": command,
                    "load_generator": gen.name,
                    "config": {
                        **{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                        "path": "/v1/alliances/{id}",
                        "rate_limits": HIGH_LIMITS,
                    },
                    "target_ratio": TARGET_RATIO,
                    "summary": summary,
                    "runs": [r.as_dict() for r in runs],
                    "table": lines,
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
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


def summarize(runs: list[Run], connections: int, low: int) -> dict[str, Any]:
    def block(c: int) -> dict[str, Any]:
        by = {v: {r.round: r for r in runs if r.variant == v and r.connections == c} for v in VARIANTS}
        rounds = sorted(set.intersection(*(set(x) for x in by.values())))
        rows = []
        for k in rounds:
            none, key, jwt = by["none"][k], by["key"][k], by["jwt"][k]
            rows.append(
                {
                    "round": k,
                    **{f"{v}_rps": by[v][k].result["rps"] for v in VARIANTS},
                    **{f"{v}_p50_ms": by[v][k].result["p50_us"] / 1000 for v in VARIANTS},
                    **{f"{v}_cpu_ms_per_req": by[v][k].cpu_ms_per_req for v in VARIANTS},
                    "key_ratio": key.result["rps"] / none.result["rps"],
                    "jwt_ratio": jwt.result["rps"] / none.result["rps"],
                }
            )
        keys = [k for k in (rows[0] if rows else {}) if k != "round"]
        return {"connections": c, "rounds": rows, **{f"median_{k}": median([r[k] for r in rows]) for k in keys}}

    return {
        "high": block(connections),
        "low": block(low),
        "errors": sum(r.result["errors"] + r.result["status_errors"] for r in runs),
    }


def report(summary: dict[str, Any], args: argparse.Namespace) -> list[str]:
    lines: list[str] = []
    for name, dur in (("high", args.duration), ("low", args.low_duration)):
        b = summary[name]
        lines += [
            f"GET /v1/alliances/{{id}} (public), {b['connections']} connections, {dur:g} s per run",
            f"  {'round':<7}{'none req/s':>11}{'key req/s':>11}{'jwt req/s':>11}{'key/none':>10}{'jwt/none':>10}"
            f"{'p50 none/key/jwt ms':>24}{'gw CPU ms/req none/key/jwt':>29}",
        ]
        for r in [*b["rounds"], {"round": "median", **{k[7:]: v for k, v in b.items() if k.startswith("median_")}}]:
            lines.append(
                f"  {r['round']!s:<7}{r['none_rps']:>11.1f}{r['key_rps']:>11.1f}{r['jwt_rps']:>11.1f}"
                f"{r['key_ratio']:>10.3f}{r['jwt_ratio']:>10.3f}"
                f"{r['none_p50_ms']:>10.2f} /{r['key_p50_ms']:>5.2f} /{r['jwt_p50_ms']:>5.2f}"
                f"{r['none_cpu_ms_per_req']:>13.3f} /{r['key_cpu_ms_per_req']:>6.3f} /{r['jwt_cpu_ms_per_req']:>6.3f}"
            )
        lines.append("")
    high = summary["high"]
    ok = high["median_key_ratio"] >= TARGET_RATIO
    lines += [
        "Target",
        f"  API key / no auth >= {TARGET_RATIO:.2f}x req/s @{high['connections']} conn   "
        f"median {high['median_key_ratio']:.3f}x   {'met' if ok else 'MISSED'}",
        f"  (JWT / no auth: median {high['median_jwt_ratio']:.3f}x)",
    ]
    if summary["errors"]:
        lines.append(f"  WARNING: {summary['errors']} failed or non-2xx/3xx requests in the measured runs")
    return lines


if __name__ == "__main__":
    sys.exit(main())
