"""`make bench` (part): learner batches (`POST /v1/learners/batch`) next to enrolment batches
(`POST /v1/enrolments/batch`) of the same size, through the same running service — docs/benchmarks.md, "Learner
batch".

Starts the stack as `bench/ingest.py` does (embedded PostgreSQL without fsync, migrations, membership and training
as `chanjiao.serve` processes — `--upstream-workers` each —, the gateway with 1 worker, a bootstrap platform admin),
creates one school and one programme per batch through the API, then measures, through the gateway with a platform
admin's token, one request at a time (JSON bodies encoded before the clock starts):

1. **learners, new** and **enrolments**, interleaved — batch k of `--learners` new learners (`--batch` per request;
   valid resident ID numbers with their GB 11643 check digit, half with a phone: every item `created`), then batch k
   of enrolments of exactly those learners (one programme per batch), so both kinds meet the same load on a shared
   machine; rows/s of each is its rows over the time its own requests took (the first `--warmup` batches of each
   kind are sent but not counted: a fresh process prepares its statements);
2. **learners, again** — the learner batches once more: every item is `existing` (the look-up path).

Prints rows/s of each and the ratio learners (new) / enrolments — the target is ≥ 0.3 — and the server's phases
from the `Server-Timing` header; writes bench/results/learner-batch-<timestamp>.json; stops everything.

    python bench/learner_batch.py [--learners 10000] [--batch 1000] [--upstream-workers 1] [--warmup 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.harness import BENCH, REPO, Setup, machine
from bench.ingest import IngestStack, id_numbers

TARGET_RATIO = 0.3


class Series:
    """The answers to one kind of request: rows, the time the requests took, `Server-Timing` phases."""

    def __init__(self, expect: str) -> None:
        self.expect = expect
        self.rows = 0
        self.latencies: list[float] = []
        self.phases: dict[str, list[float]] = {}
        self.answers: list[dict[str, Any]] = []

    async def post(self, http: httpx.AsyncClient, path: str, body: bytes) -> dict[str, Any]:
        t = time.perf_counter()
        r = await http.post(path, content=body)
        self.latencies.append(time.perf_counter() - t)
        if r.status_code != 200:
            raise RuntimeError(f"{path} failed: {r.status_code} {r.text[:500]}")
        answer = r.json()
        outcomes = {x.get("outcome", "created" if x["status"] == 201 else x["status"]) for x in answer["results"]}
        if outcomes != {self.expect}:
            raise RuntimeError(f"{path}: expected every item {self.expect}, got {outcomes}")
        self.rows += len(answer["results"])
        self.answers.append(answer)
        for part in r.headers.get("server-timing", "").split(","):
            name, _, dur = part.strip().partition(";dur=")
            if dur:
                self.phases.setdefault(name, []).append(float(dur))
        return answer

    def summary(self) -> dict[str, Any]:
        seconds = sum(self.latencies)
        return {
            "rows": self.rows,
            "seconds": seconds,
            "rows_per_s": self.rows / seconds,
            "requests": len(self.latencies),
            "latency_ms_median": statistics.median(self.latencies) * 1000,
            "latency_ms_max": max(self.latencies) * 1000,
            "phases_ms_median": {k: statistics.median(v) for k, v in self.phases.items()},
        }


async def measure(
    gateway: str, token: str, learner_bodies: list[bytes], programmes: list[str], warmup: int
) -> tuple[Series, Series, Series]:
    """The first `warmup` learner and enrolment batches (and the first repeated one) are sent but not counted: the
    first statements of a fresh process are prepared and planned, its caches filled."""
    new, enrol, again = Series("created"), Series("created"), Series("existing")
    cold = Series("created"), Series("created"), Series("existing")
    async with httpx.AsyncClient(
        base_url=gateway,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=300,
    ) as http:
        for k, (body, programme) in enumerate(zip(learner_bodies, programmes, strict=True)):
            learners, enrolments = (cold[0], cold[1]) if k < warmup else (new, enrol)
            answer = await learners.post(http, "/v1/learners/batch", body)
            items = [
                {"learner_id": x["id"], "programme_id": programme, "enrolled_on": "2025-03-01"}
                for x in answer["results"]
            ]
            await enrolments.post(http, "/v1/enrolments/batch", json.dumps({"items": items}).encode())
        for k, body in enumerate(learner_bodies):
            await (cold[2] if k < warmup else again).post(http, "/v1/learners/batch", body)
    return new, enrol, again


def learner_bodies(n: int, batch: int, org_id: str) -> list[bytes]:
    """Batches of new learners for `org_id` (a platform admin names the organization in each item)."""
    items = [
        {
            "org_id": org_id,
            "name": f"基准学员{i % 100:02d}",
            "id_number": number,
            "learner_type": "student",
            **({"phone": f"139{i:08d}"} if i % 2 == 0 else {}),
        }
        for i, number in enumerate(id_numbers(n, seed=11))
    ]
    return [json.dumps({"items": items[i : i + batch]}, ensure_ascii=False).encode() for i in range(0, n, batch)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--learners", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--upstream-workers", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=1, help="batches of each kind sent first and not counted")
    args = ap.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="chanjiao-bench-learners-"))
    admin = ("bench.admin", "Bench-" + secrets.token_urlsafe(18))
    stack = IngestStack(workdir, admin, upstream_workers=args.upstream_workers)

    def _sigterm(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _sigterm)
    try:
        print(f"starting the stack in {workdir} …", flush=True)
        stack.start()
        gateway = stack.url("gateway")
        setup = Setup(gateway, admin)
        org = setup.create(
            "/v1/organizations",
            {"name": "基准职业技术学校", "org_type": "secondary_vocational", "region_code": "370303"},
        )
        school = org["id"]
        n_batches = -(-args.learners // args.batch) + args.warmup
        programmes = [
            setup.create(
                "/v1/programmes",
                {
                    "name": f"基准技能培训班{i:03d}",
                    "kind": "upskilling",
                    "provider_org_id": school,
                    "start_on": "2025-03-01",
                    "end_on": "2025-06-30",
                    "planned_hours": 120,
                    "delivery": "offline",
                },
            )["id"]
            for i in range(n_batches)
        ]
        bodies = learner_bodies(args.learners + args.warmup * args.batch, args.batch, school)
        token = setup.refresh()
        print(
            f"registering {args.learners:,} learners and enrolling them, batch by batch ({args.batch}/request), "
            "then registering them again …",
            flush=True,
        )
        series = asyncio.run(measure(gateway, token, bodies, programmes, args.warmup))
        new, enrol, again = (s.summary() for s in series)
        ratio = new["rows_per_s"] / enrol["rows_per_s"]
        ratio_again = again["rows_per_s"] / enrol["rows_per_s"]

        def row(label: str, r: dict[str, Any]) -> str:
            return (
                f"{label:<46}{r['rows']:>8,}{r['seconds']:>9.2f}{r['rows_per_s']:>10,.0f}"
                f"{r['rows_per_s'] / enrol['rows_per_s']:>9.3f}"
                f"{r['latency_ms_median']:>11.0f}{r['latency_ms_max']:>9.0f}"
            )

        def phases(label: str, r: dict[str, Any]) -> str:
            return f"  {label} phases (median ms): " + ", ".join(
                f"{k} {v:.1f}" for k, v in r["phases_ms_median"].items()
            )

        lines = [
            f"{'path':<46}{'rows':>8}{'seconds':>9}{'rows/s':>10}{'× enrol':>9}{'median ms':>11}{'max ms':>9}",
            row("POST /v1/learners/batch (new learners)", new),
            row("POST /v1/learners/batch (all existing)", again),
            row("POST /v1/enrolments/batch", enrol),
            "",
            phases("learners (new)", new),
            phases("learners (existing)", again),
            phases("enrolments", enrol),
            "",
            f"Target  learner batch >= {TARGET_RATIO}x enrolment batch rows/s   {ratio:.3f}x   "
            + ("met" if ratio >= TARGET_RATIO else "NOT met")
            + f"   (all existing: {ratio_again:.3f}x)",
        ]
        print("\n".join(lines), flush=True)
        out = BENCH / "results" / f"learner-batch-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "args": vars(args),
                    "learners_new": new,
                    "learners_existing": again,
                    "enrolments": enrol,
                    "ratio": ratio,
                    "ratio_existing": ratio_again,
                    "target_ratio": TARGET_RATIO,
                    "table": lines,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        print(f"wrote {out.relative_to(REPO)}")
        return 0 if ratio >= TARGET_RATIO else 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
