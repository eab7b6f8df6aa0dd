"""`make bench`: public certificate verification through the gateway against the plain authenticated certificate
read, in the same run (target: verification ≥ 1.5× the read's requests per second; docs/benchmarks.md).

Run from the repository root: `python -m bench.certificate_verify` (its harness: bench/harness.py). Starts
everything itself in a temp dir — embedded PostgreSQL without fsync, migrations, membership and training (2 uvicorn
workers each), the gateway (1 worker) with rate limits far above what the machine serves (the verification bucket
too, raised by its settings `rate_limit_verify_per_minute` / `_burst`) — creates an organization through the
gateway and `--certificates` certificates of it straight in training's database (a certificate row and its
verification record, as the certificates noun's creating transaction writes them), verifies each once (so every
answer is signed and stored), and then runs interleaved rounds through the gateway:

    round k:  GET /v1/certificates/verify?code=…  (anonymous)   @C conn
              GET /v1/certificates/{id}           (bearer token) @C conn

Prints both rates and their ratio, writes `bench/results/certificate-verify-<timestamp>.json`, and stops every
process and PostgreSQL at the end (also on Ctrl-C or an error). The authenticated read is the certificates noun's
route: where it is missing (a branch without it: 404 or 405), only the verification is measured and the ratio is
reported as not measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shlex
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.harness import (
    BENCH,
    REPO,
    WRK_REPORT,
    LoadGenerator,
    PythonLoad,
    Setup,
    Stack,
    Wrk,
    explain_dead_processes,
    find_wrk,
    machine,
    median,
    shutdown,
)
from chanjiao import migrate
from chanjiao.pg_embedded import EmbeddedPostgres, free_port
from chanjiao.settings import SERVICES

TARGET_RATIO = 1.5
VERIFY_LIMITS = {
    "CHANJIAO_GATEWAY_RATE_LIMIT_VERIFY_PER_MINUTE": "100000000",
    "CHANJIAO_GATEWAY_RATE_LIMIT_VERIFY_BURST": "1000000",
}


@dataclass
class CertificateStack(Stack):
    """The harness's stack with the training service too (the gateway routes `/v1/certificates` to it)."""

    training_url: str = ""

    def start(self) -> None:
        if os.geteuid() == 0:
            self.workdir.chmod(0o711)
        self.pg = EmbeddedPostgres(self.workdir / "pgdata", password=secrets.token_urlsafe(24), durable=False)
        self.pg.start()
        passwords = {s: secrets.token_urlsafe(24) for s in SERVICES}
        result = asyncio.run(migrate.bootstrap(self.pg.url, passwords, database="chanjiao"))
        migrate.upgrade(result.service_urls)
        self.training_url = result.service_urls["training"]
        base = {
            **os.environ,
            "CHANJIAO_ENVIRONMENT": "development",
            "CHANJIAO_INTERNAL_TOKEN_KEY": self.key,
            "CHANJIAO_LOG_LEVEL": os.environ.get("CHANJIAO_LOG_LEVEL", "WARNING"),
        }
        ports = {name: free_port() for name in ("membership", "training", "gateway")}
        self.spawn(
            "membership",
            ports["membership"],
            self.upstream_workers,
            {**base, "CHANJIAO_MEMBERSHIP_DATABASE_URL": result.service_urls["membership"]},
        )
        self.spawn(
            "training",
            ports["training"],
            self.upstream_workers,
            {
                **base,
                "CHANJIAO_TRAINING_DATABASE_URL": self.training_url,
                "CHANJIAO_TRAINING_GATEWAY_URL": f"http://{self.host}:{ports['gateway']}",
            },
        )
        self.spawn(
            "gateway",
            ports["gateway"],
            1,
            {
                **base,
                **VERIFY_LIMITS,
                "CHANJIAO_GATEWAY_MEMBERSHIP_URL": f"http://{self.host}:{ports['membership']}",
                "CHANJIAO_GATEWAY_TRAINING_URL": f"http://{self.host}:{ports['training']}",
                "CHANJIAO_GATEWAY_MATCHING_URL": f"http://{self.host}:{free_port()}",
            },
        )
        self.wait_healthy(120)


async def seed_certificates(database_url: str, key: str, holder_org_id: str, n: int) -> list[tuple[str, str]]:
    """`n` certificates of `holder_org_id` with their verification records, as the creating transaction writes
    them (services/training/certificates/verification.py); (id, clear code) of each."""
    from chanjiao.db import create_engine, make_sessionmaker
    from services.training.certificates import verification
    from services.training.certificates.models import Certificate
    from services.training.settings import TrainingSettings

    settings = TrainingSettings(internal_token_key=key, database_url=database_url)
    engine = create_engine(database_url, schema="training", pool_size=2, max_overflow=0)
    out = []
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            now = datetime.now(UTC)
            for i in range(n):
                cert = Certificate(
                    id=uuid.uuid4(),
                    kind="special_operations",
                    number=f"BENCH{i:08d}",
                    number_key=f"BENCH{i:08d}",
                    recorded=False,
                    issuer_authority="platform_org",
                    issuer_org_id=uuid.UUID(holder_org_id),
                    issuer_name="基准职业学院",
                    holder_org_id=uuid.UUID(holder_org_id),
                    person_id=uuid.uuid4(),
                    holder_name=f"基准学员{i}",
                    occupation_name="低压电工作业",
                    issued_on=date(2025, 3, 1),
                    valid_until=date(2031, 3, 1),
                    next_review_on=date(2028, 3, 1),
                    status="active",
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                session.add(cert)
                await session.flush()
                out.append((str(cert.id), await verification.publish(session, cert, settings=settings)))
    finally:
        await engine.dispose()
    return out


@dataclass
class Run:
    round: int
    what: str  # "verify" | "read"
    connections: int
    result: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"round": self.round, "what": self.what, "connections": self.connections, **self.result}


def measure(gen: LoadGenerator, runs: list[Run], k: int, what: str, url: str, c: int, d: float, h: dict) -> Run:
    result = gen.run(url, c, d, h)
    run = Run(k, what, c, result)
    if k > 0:
        runs.append(run)
    flag = ""
    if result["errors"] or result["status_errors"]:
        flag = f"  (!) {result['errors']} socket errors, {result['status_errors']} non-2xx/3xx"
    label = f"round {k}" if k > 0 else "warm-up"
    print(
        f"  {label:8} {what:7} c={c:<3} {result['rps']:9.1f} req/s  p50 {result['p50_us'] / 1000:6.2f} ms"
        f"  p99 {result['p99_us'] / 1000:7.2f} ms{flag}",
        flush=True,
    )
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.certificate_verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10, help="seconds per run (default 10)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--certificates", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of unrecorded load per route first")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--upstream-workers", type=int, default=2)
    parser.add_argument("--results-dir", type=Path, default=BENCH / "results")
    args = parser.parse_args(argv)

    info = machine()
    command = shlex.join([sys.executable, *sys.argv])
    print(f"Machine: {info['nproc']} CPU ({info['cpu_model']}), Python {info['python']}")
    print(f"Command: {command}", flush=True)
    wrk = None if args.loadgen == "python" else find_wrk(allow_install=True)
    if args.loadgen == "wrk" and wrk is None:
        print("wrk is not installed (and could not be installed)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="chanjiao-bench-"))
    gen: LoadGenerator
    if wrk:
        script = workdir / "report.lua"
        script.write_text(WRK_REPORT)
        gen = Wrk(wrk, script, args.threads)
    else:
        gen = PythonLoad()
    print(f"Load generator: {gen.name}", flush=True)

    def _sigterm(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    admin = ("bench.admin", "Bench-" + secrets.token_urlsafe(18))
    stack = CertificateStack(workdir, admin=admin, upstream_workers=args.upstream_workers)
    started = time.monotonic()
    try:
        print(f"Starting PostgreSQL, membership, training and the gateway in {workdir} …", flush=True)
        stack.start()
        gw = stack.url("gateway")
        setup = Setup(gw, admin)
        org = setup.create(
            "/v1/organizations", {"name": "基准职业学院", "org_type": "higher_vocational", "region_code": "370702"}
        )
        certs = asyncio.run(seed_certificates(stack.training_url, stack.key, org["id"], args.certificates))
        for _, code in certs:  # every answer signed and stored once, as after its first verification
            r = httpx.get(f"{gw}/v1/certificates/verify", params={"code": code}, timeout=10)
            if r.status_code != 200:
                raise RuntimeError(f"verification failed: {r.status_code} {r.text[:500]}")
        cert_id, code = certs[len(certs) // 2]
        verify_url = f"{gw}/v1/certificates/verify?code={code}"
        read_url = f"{gw}/v1/certificates/{cert_id}"
        bearer = {"Authorization": f"Bearer {setup.access_token}"}
        probe = httpx.get(read_url, headers=bearer, timeout=10)
        read_available = probe.status_code == 200
        if not read_available:
            print(
                f"GET /v1/certificates/{{id}} answers {probe.status_code}: the certificates noun's read is not here; "
                "only the verification is measured",
                flush=True,
            )
        print(f"Verify: {gen.display(verify_url, args.connections, args.duration, {})}")
        runs: list[Run] = []
        if args.warmup > 0:
            measure(gen, runs, 0, "verify", verify_url, args.connections, args.warmup, {})
            if read_available:
                measure(gen, runs, 0, "read", read_url, args.connections, args.warmup, bearer)
        for k in range(1, args.rounds + 1):
            measure(gen, runs, k, "verify", verify_url, args.connections, args.duration, {})
            if read_available:
                bearer = {"Authorization": f"Bearer {setup.refresh()}"}
                measure(gen, runs, k, "read", read_url, args.connections, args.duration, bearer)

        verify_rps = median([r.result["rps"] for r in runs if r.what == "verify"])
        read_rps = median([r.result["rps"] for r in runs if r.what == "read"]) if read_available else None
        ratio = verify_rps / read_rps if read_rps else None
        errors = sum(r.result["errors"] + r.result["status_errors"] for r in runs)
        print()
        print(f"verification (anonymous, through the gateway)  median {verify_rps:9.1f} req/s")
        if read_rps is not None and ratio is not None:
            print(f"authenticated read GET /v1/certificates/{{id}}  median {read_rps:9.1f} req/s")
            verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
            print(f"ratio verification / read: {ratio:.2f}× (target ≥ {TARGET_RATIO}×: {verdict})")
        else:
            print("ratio verification / read: not measured (no authenticated certificate read on this build)")
        if errors:
            print(f"(!) {errors} failed requests")

        args.results_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = args.results_dir / f"certificate-verify-{stamp}.json"
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
                        "connections": args.connections,
                        "certificates": args.certificates,
                        "upstream_workers": args.upstream_workers,
                        "gateway_workers": 1,
                    },
                    "target_ratio_min": TARGET_RATIO,
                    "verify_rps": verify_rps,
                    "read_rps": read_rps,
                    "ratio": ratio,
                    "errors": errors,
                    "runs": [r.as_dict() for r in runs],
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


if __name__ == "__main__":
    sys.exit(main())
