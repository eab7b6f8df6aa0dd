"""`make bench` (part): learner batches (`POST /v1/learners/batch`) next to enrolment batches
(`POST /v1/enrolments/batch`) of the same size, through the same running service — docs/benchmarks.md, "Learner
batch".

Starts the stack as `bench/ingest.py` does (embedded PostgreSQL without fsync, migrations, membership and training
as `chanjiao.serve` processes — `--upstream-workers` each —, the gateway with 1 worker, a bootstrap platform admin),
creates one school through the API, then measures, one after another, each through the gateway with a platform
admin's token and `--clients` concurrent clients (JSON bodies encoded before the clock starts):

1. **learners, new** — `--learners` learners in batches of `--batch` (valid resident ID numbers with their GB 11643
   check digit, half with a phone): every item is `created`;
2. **learners, again** — the same batches once more: every item is `existing` (the look-up path);
3. **enrolments** — the learners just created, enrolled in batches of `--batch` (one programme per batch).

Prints rows/s of each and the ratio learners (new) / enrolments — the target is ≥ 0.3 — and the server's phases
from the `Server-Timing` header; writes bench/results/learner-batch-<timestamp>.json; stops everything.

    python bench/learner_batch.py [--learners 5000] [--batch 1000] [--clients 1] [--upstream-workers 1]
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

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
if sys.path and Path(sys.path[0] or ".").resolve() == BENCH:
    sys.path[0] = str(REPO)

import httpx  # noqa: E402

from bench.gateway import Setup, machine  # noqa: E402
from bench.ingest import IngestStack, id_numbers  # noqa: E402

TARGET_RATIO = 0.3


async def post_batches(
    gateway: str, token: str, path: str, bodies: list[bytes], clients: int, expect: str
) -> dict[str, Any]:
    """POST every body (`clients` at a time); each answer must be 200 with every item's result `expect`."""
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for i, b in enumerate(bodies):
        queue.put_nowait((i, b))
    answers: dict[int, dict[str, Any]] = {}
    phases: dict[str, list[float]] = {}
    latencies: list[float] = []
    rows = 0

    async def client() -> None:
        nonlocal rows
        async with httpx.AsyncClient(
            base_url=gateway,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=300,
        ) as http:
            while not queue.empty():
                i, b = queue.get_nowait()
                t = time.perf_counter()
                r = await http.post(path, content=b)
                latencies.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    raise RuntimeError(f"{path} failed: {r.status_code} {r.text[:500]}")
                body = r.json()
                statuses = {x.get("outcome", "created" if x["status"] == 201 else x["status"]) for x in body["results"]}
                if statuses != {expect}:
                    raise RuntimeError(f"{path}: expected every item {expect}, got {statuses}")
                rows += len(body["results"])
                answers[i] = body
                for part in r.headers.get("server-timing", "").split(","):
                    name, _, dur = part.strip().partition(";dur=")
                    if dur:
                        phases.setdefault(name, []).append(float(dur))

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - t0
    return {
        "rows": rows,
        "seconds": wall,
        "rows_per_s": rows / wall,
        "requests": len(bodies),
        "latency_ms_median": statistics.median(latencies),
        "latency_ms_max": max(latencies),
        "phases_ms_median": {k: statistics.median(v) for k, v in phases.items()},
        "answers": [answers[i] for i in range(len(bodies))],
    }


def learner_bodies(n: int, batch: int) -> list[bytes]:
    items = [
        {
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
    ap.add_argument("--learners", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=1)
    ap.add_argument("--upstream-workers", type=int, default=1)
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
        n_batches = -(-args.learners // args.batch)
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
        bodies = [
            json.dumps({"items": [{**item, "org_id": school} for item in json.loads(b)["items"]]}).encode()
            for b in learner_bodies(args.learners, args.batch)
        ]
        token = setup.refresh()
        print(f"registering {args.learners:,} learners ({args.batch}/request, {args.clients} clients) …", flush=True)
        new = asyncio.run(post_batches(gateway, token, "/v1/learners/batch", bodies, args.clients, "created"))
        print("registering them again (every item existing) …", flush=True)
        again = asyncio.run(post_batches(gateway, token, "/v1/learners/batch", bodies, args.clients, "existing"))
        learner_ids = [x["id"] for answer in new.pop("answers") for x in answer["results"]]
        again.pop("answers")
        enrol_bodies = [
            json.dumps(
                {
                    "items": [
                        {"learner_id": lid, "programme_id": programmes[k], "enrolled_on": "2025-03-01"}
                        for lid in learner_ids[k * args.batch : (k + 1) * args.batch]
                    ]
                }
            ).encode()
            for k in range(n_batches)
        ]
        print(f"enrolling them ({args.batch}/request) …", flush=True)
        enrol = asyncio.run(post_batches(gateway, token, "/v1/enrolments/batch", enrol_bodies, args.clients, "created"))
        enrol.pop("answers")
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
