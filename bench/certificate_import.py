"""`make bench` (part): importing 100,000 certificates through the gateway (`POST /v1/certificates/batch`, 1000 per
request), next to asyncpg's binary COPY of the same rows in the same run — docs/benchmarks.md, "Certificate import".

Starts the stack as `bench/ingest.py` does (embedded PostgreSQL without fsync, migrations, membership and training
as `chanjiao.serve` processes, the gateway with 1 worker, a bootstrap platform admin), then:

1. setup: one school through the API; `--certificates` learners of it straight into `training.learners` with asyncpg
   COPY (`bench.ingest.seed_learners`: valid rows, made with the service's own keys);
2. **the measured import**: one certificate per learner (issued by the school: kind `completion`, a unique number),
   `POST /v1/certificates/batch` with `--batch` items per request from `--clients` concurrent clients through the
   gateway (a platform admin's access token; JSON bodies encoded before the clock starts) — wall-clock rows/s, and
   the server's phases from `Server-Timing`. Each certificate gets its verification record (code hash, ciphertext,
   snapshot), audit row and event in the same statement; the signed answer is left for the first verification;
3. **COPY**: the same rows with asyncpg `copy_records_to_table` (binary) into two scratch tables of the
   certificates' shape — a bare one (`LIKE training.certificates INCLUDING DEFAULTS`: the sync column `txid` is
   filled by its default; no indexes) and an indexed one (`… INCLUDING ALL`: the same checks and unique indexes)
   → rows/s each. COPY writes the certificate rows only: no verification records, audit rows or events.

Target: import ≥ 0.1 × the bare COPY. Prints the table and the machine's load average (1 min) before and after,
writes bench/results/certificate-import-<timestamp>.json, stops everything.

    python -m bench.certificate_import [--certificates 100000] [--batch 1000] [--clients 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.harness import BENCH, REPO, Setup, copy_baseline, machine
from bench.ingest import IngestStack, asyncpg_url, seed_learners
from chanjiao.ids import new_id

TARGET_RATIO = 0.1
ISSUED_ON = "2025-06-30"
COPY_COLUMNS = [
    "id",
    "kind",
    "number",
    "number_key",
    "recorded",
    "issuer_authority",
    "issuer_org_id",
    "issuer_name",
    "holder_org_id",
    "learner_id",
    "holder_name",
    "occupation_name",
    "issued_on",
    "status",
    "version",
    "created_at",
    "updated_at",
]


async def import_batches(
    gateway: str, token: str, items: list[dict[str, Any]], batch: int, clients: int
) -> dict[str, Any]:
    batches = [json.dumps({"items": items[i : i + batch]}).encode() for i in range(0, len(items), batch)]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)
    phases: dict[str, list[float]] = {}
    latencies: list[float] = []
    created = 0

    async def client() -> None:
        nonlocal created
        async with httpx.AsyncClient(
            base_url=gateway,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=300,
        ) as http:
            while not queue.empty():
                b = queue.get_nowait()
                t = time.perf_counter()
                r = await http.post("/v1/certificates/batch", content=b)
                latencies.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200 or r.json()["failed"]:
                    raise RuntimeError(f"batch failed: {r.status_code} {r.text[:800]}")
                created += r.json()["created"]
                for part in r.headers.get("server-timing", "").split(","):
                    name, _, dur = part.strip().partition(";dur=")
                    if dur:
                        phases.setdefault(name, []).append(float(dur))

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - t0
    return {
        "rows": len(items),
        "created": created,
        "seconds": wall,
        "rows_per_s": len(items) / wall,
        "requests": len(batches),
        "latency_ms_median": statistics.median(latencies),
        "phases_ms_median": {k: statistics.median(v) for k, v in phases.items()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--certificates", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--upstream-workers", type=int, default=2)
    args = ap.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="chanjiao-bench-certificates-"))
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
        name = "基准职业技术学院"
        org = setup.create(
            "/v1/organizations", {"name": name, "org_type": "higher_vocational", "region_code": "370303"}
        )
        training_url = asyncpg_url(stack.service_urls["training"])
        print(f"seeding {args.certificates:,} learners (COPY) …", flush=True)
        learners = asyncio.run(seed_learners(training_url, stack.key, args.certificates, uuid.UUID(org["id"])))
        items = [
            {
                "kind": "completion",
                "number": f"JZ{i:08d}",
                "learner_id": str(lid),
                "issuer_org_id": org["id"],
                "occupation_name": "数控车工",
                "issued_on": ISSUED_ON,
            }
            for i, lid in enumerate(learners)
        ]
        load_before = os.getloadavg()[0]
        print(
            f"importing {len(items):,} certificates through the gateway ({args.batch}/request, {args.clients} "
            f"clients; load average {load_before:.2f}) …",
            flush=True,
        )
        result = asyncio.run(import_batches(gateway, setup.refresh(), items, args.batch, args.clients))
        load_after = os.getloadavg()[0]
        assert result["created"] == len(items), result
        now = datetime.now(UTC)
        day = date.fromisoformat(ISSUED_ON)
        holder = uuid.UUID(org["id"])
        records = [
            (
                new_id(),
                "completion",
                f"CP{i:08d}",
                f"CP{i:08d}",
                False,
                "platform_org",
                holder,
                name,
                holder,
                uuid.UUID(it["learner_id"]),
                "基准学员",
                "数控车工",
                day,
                "active",
                1,
                now,
                now,
            )
            for i, it in enumerate(items)
        ]
        indexed = asyncio.run(copy_baseline(training_url, "certificates", COPY_COLUMNS, records, indexed=True))
        bare = asyncio.run(copy_baseline(training_url, "certificates", COPY_COLUMNS, records, indexed=False))
        ratio = result["rows_per_s"] / bare["rows_per_s"]
        ratio_indexed = result["rows_per_s"] / indexed["rows_per_s"]

        def row(label: str, r: dict[str, Any]) -> str:
            return (
                f"{label:<62}{r['rows']:>9,}{r['seconds']:>9.2f}{r['rows_per_s']:>10,.0f}"
                f"{r['rows_per_s'] / bare['rows_per_s']:>8.3f}{r['rows_per_s'] / indexed['rows_per_s']:>10.3f}"
            )

        lines = [
            f"{'path':<62}{'rows':>9}{'seconds':>9}{'rows/s':>10}{'× bare':>8}{'× indexed':>10}",
            row(f"POST /v1/certificates/batch via gateway ({args.clients} clients)", result),
            row("asyncpg COPY (binary) into a bare table (defaults, no indexes)", bare),
            row("asyncpg COPY (binary) into LIKE … INCLUDING ALL", indexed),
            "",
            f"client latency per {args.batch}-item batch: median {result['latency_ms_median']:.0f} ms",
            "  phases (median ms): " + ", ".join(f"{k} {v:.1f}" for k, v in result["phases_ms_median"].items()),
            f"machine: {os.cpu_count()} cores, load average (1 min) {load_before:.2f} before the import, "
            f"{load_after:.2f} after",
            "",
            f"Target  certificate import >= {TARGET_RATIO}x bare COPY   {ratio:.3f}x   "
            + ("met" if ratio >= TARGET_RATIO else "NOT met")
            + f"   (against the indexed COPY: {ratio_indexed:.3f}x)",
        ]
        print("\n".join(lines), flush=True)
        out = BENCH / "results" / f"certificate-import-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "machine": {**machine(), "load_before": load_before, "load_after": load_after},
                    "args": vars(args),
                    "import": result,
                    "copy_bare": bare,
                    "copy_indexed": indexed,
                    "ratio": ratio,
                    "ratio_indexed": ratio_indexed,
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
