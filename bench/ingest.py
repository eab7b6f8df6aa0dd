"""`make bench` (part): batch ingestion of 100,000 enrolments through the gateway, next to asyncpg's binary COPY
of the same rows (and the ORM's `add_all`) in the same run.

Starts the stack as `bench/auth.py` does (embedded PostgreSQL without fsync, migrations, membership and training
with 2 uvicorn workers each, the gateway with 1, a bootstrap platform admin, rate limits far above what the
machine can serve), then:

1. setup through the gateway's API: login, one provider organization, `--programmes` programmes (unlimited
   capacity); 100,000 learners straight into `training.learners` with asyncpg COPY — valid rows: GB 11643 ID
   numbers with their check digit, AES-GCM ciphertexts and keyed hashes made with the service's own keys — owned
   by the provider, each with its person (`training.persons`), as `POST /v1/learners` writes them;
2. **the measured ingest**: `POST /v1/enrolments/batch` with 1000 items per request from `--clients` concurrent
   clients through the gateway (a platform admin's access token; the JSON bodies encoded before the clock
   starts) — wall-clock rows/s, and the server's own time per batch from the `Server-Timing` header;
3. **COPY**: the same 100,000 rows with asyncpg `copy_records_to_table` (binary) into two scratch tables of the
   enrolments' shape — a bare one (`LIKE training.enrolments`: no indexes, no constraints; the ≈ 400 k rows/s
   yardstick) and an indexed one (`LIKE training.enrolments INCLUDING ALL`: same columns, checks and indexes)
   → rows/s each;
4. **ORM**: `--orm-rows` rows with SQLAlchemy `session.add_all` + commit into `training.enrolments` → rows/s.

Target: ingest ≥ 0.1 × the bare COPY (docs/benchmarks.md; the ratio to the indexed COPY is shown too). Prints
the table, writes bench/results/ingest-<timestamp>.json, stops everything.

    python -m bench.ingest [--enrolments 100000] [--batch 1000] [--clients 4] [--programmes 100] [--orm-rows 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench.harness import BENCH, REPO, Setup, Stack, copy_baseline, free_port, machine
from chanjiao import migrate
from chanjiao.ids import new_id
from chanjiao.settings import SERVICES
from chanjiao.validators import compute_check_digit

TARGET_RATIO = 0.1


class IngestStack(Stack):
    """PostgreSQL + membership (2 workers) + training (2 workers) + gateway (1 worker), a bootstrap admin."""

    def __init__(self, workdir: Path, admin: tuple[str, str], **kwargs: Any) -> None:
        super().__init__(workdir, admin=admin, **kwargs)
        self.service_urls: dict[str, str] = {}

    def start(self) -> None:
        from chanjiao.pg_embedded import EmbeddedPostgres

        if os.geteuid() == 0:
            self.workdir.chmod(0o711)
        self.pg = EmbeddedPostgres(self.workdir / "pgdata", password=secrets.token_urlsafe(24), durable=False)
        self.pg.start()
        passwords = {s: secrets.token_urlsafe(24) for s in SERVICES}
        result = asyncio.run(migrate.bootstrap(self.pg.url, passwords, database="chanjiao"))
        migrate.upgrade(result.service_urls)
        self.service_urls = result.service_urls
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
        gateway_url = f"http://{self.host}:{ports['gateway']}"
        self.spawn(
            "training",
            ports["training"],
            self.upstream_workers,
            {
                **base,
                "CHANJIAO_TRAINING_DATABASE_URL": result.service_urls["training"],
                "CHANJIAO_TRAINING_GATEWAY_URL": gateway_url,  # training asks membership through the gateway
            },
        )
        self.spawn(
            "gateway",
            ports["gateway"],
            1,
            {
                **base,
                "CHANJIAO_GATEWAY_MEMBERSHIP_URL": f"http://{self.host}:{ports['membership']}",
                "CHANJIAO_GATEWAY_TRAINING_URL": f"http://{self.host}:{ports['training']}",
                "CHANJIAO_GATEWAY_MATCHING_URL": f"http://{self.host}:{free_port()}",
            },
        )
        self.wait_healthy(120)


def asyncpg_url(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


# ---- setup ------------------------------------------------------------------------------------------------------
def id_numbers(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        born = f"{rnd.randrange(1960, 2008)}{rnd.randrange(1, 13):02d}{rnd.randrange(1, 29):02d}"
        body = f"370{rnd.randrange(100, 999)}{born}{rnd.randrange(0, 1000):03d}"
        number = body + compute_check_digit(body)
        if number not in seen:
            seen.add(number)
            out.append(number)
    return out


async def seed_learners(url: str, key: str, n: int, org_id: uuid.UUID) -> list[uuid.UUID]:
    from services.training.learners.personal import PersonalData, id_number_context, mask_number

    pd = PersonalData(key)
    now = datetime.now(UTC)
    rows, ids = [], []
    persons = []
    for number in id_numbers(n):
        lid = new_id()
        ids.append(lid)
        person = new_id()
        persons.append((person, pd.hash("resident_id", number), now))
        gender = "male" if int(number[16]) % 2 else "female"
        rows.append(
            (
                lid,
                "基准学员",
                ["基准", "准学", "学员"],
                "resident_id",
                pd.hash("resident_id", number),
                pd.cipher.encrypt(number, context=id_number_context(lid)),
                mask_number(number),
                gender,
                int(number[6:10]),
                "student",
                org_id,
                1,
                now,
                now,
                org_id,
                person,
            )
        )
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table(
            "persons", schema_name="training", records=persons, columns=["id", "id_number_hash", "created_at"]
        )
        await conn.copy_records_to_table(
            "learners",
            schema_name="training",
            records=rows,
            columns=[
                "id",
                "name",
                "name_bigrams",
                "id_type",
                "id_number_hash",
                "id_number_ciphertext",
                "id_number_masked",
                "gender",
                "birth_year",
                "learner_type",
                "current_org_id",
                "version",
                "created_at",
                "updated_at",
                "owner_org_id",
                "person_id",
            ],
        )
        await conn.execute("analyze training.persons")
        await conn.execute("analyze training.learners")
    finally:
        await conn.close()
    return ids


# ---- the measured parts -------------------------------------------------------------------------------------------
async def ingest(gateway: str, token: str, items: list[dict[str, Any]], batch: int, clients: int) -> dict[str, Any]:
    # Bodies are encoded before the clock starts: the load generator shares the 2 cores with the system it measures,
    # and a real client's JSON encoding happens on its own machine.
    batches = [json.dumps({"items": items[i : i + batch]}).encode() for i in range(0, len(items), batch)]
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)
    server_ms: list[float] = []
    phases: dict[str, list[float]] = {}
    latencies: list[float] = []
    created = 0

    async def client() -> None:
        nonlocal created
        async with httpx.AsyncClient(
            base_url=gateway,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=120,
        ) as http:
            while not queue.empty():
                b = queue.get_nowait()
                t = time.perf_counter()
                r = await http.post("/v1/enrolments/batch", content=b)
                latencies.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    raise RuntimeError(f"batch failed: {r.status_code} {r.text[:500]}")
                created += r.json()["created"]
                for part in r.headers.get("server-timing", "").split(","):
                    name, _, dur = part.strip().partition(";dur=")
                    if dur:
                        phases.setdefault(name, []).append(float(dur))
                server_ms.append(phases.get("batch", [0])[-1] + phases.get("commit", [0])[-1])

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
        "server_ms_median": statistics.median(server_ms),
        "server_ms_p90": sorted(server_ms)[int(0.9 * (len(server_ms) - 1))],
        "phases_ms_median": {k: statistics.median(v) for k, v in phases.items()},
    }


ENROLMENT_COPY_COLUMNS = [
    "id",
    "learner_id",
    "programme_id",
    "status",
    "enrolled_on",
    "status_changed_on",
    "version",
    "created_at",
    "updated_at",
]


async def orm_baseline(sqlalchemy_url: str, learners: list[uuid.UUID], programme_id: uuid.UUID, n: int) -> dict:
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    import services.training.models  # noqa: F401 - every mapper
    from services.training.enrolments.models import Enrolment

    engine = create_async_engine(sqlalchemy_url)
    now = datetime.now(UTC)
    day = date.today()
    rows = [
        Enrolment(
            id=new_id(),
            learner_id=lid,
            programme_id=programme_id,
            status="enrolled",
            enrolled_on=day,
            status_changed_on=day,
            version=1,
            created_at=now,
            updated_at=now,
        )
        for lid in learners[:n]
    ]
    try:
        async with AsyncSession(engine) as session:
            t = time.perf_counter()
            session.add_all(rows)
            await session.commit()
            seconds = time.perf_counter() - t
    finally:
        await engine.dispose()
    return {"rows": len(rows), "seconds": seconds, "rows_per_s": len(rows) / seconds}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--enrolments", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--programmes", type=int, default=100)
    ap.add_argument("--orm-rows", type=int, default=10_000)
    ap.add_argument("--upstream-workers", type=int, default=2)
    args = ap.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="chanjiao-bench-ingest-"))
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
            {"name": "基准职业技能培训学校", "org_type": "training_company", "region_code": "370303"},
        )
        programmes = [
            setup.create(
                "/v1/programmes",
                {
                    "name": f"基准技能提升培训班{i:03d}",
                    "kind": "upskilling",
                    "provider_org_id": org["id"],
                    "start_on": "2025-03-01",
                    "end_on": "2025-06-30",
                    "planned_hours": 120,
                    "delivery": "offline",
                },
            )["id"]
            for i in range(args.programmes + 1)  # the last one takes the ORM rows
        ]
        training_url = asyncpg_url(stack.service_urls["training"])
        print(f"seeding {args.enrolments:,} learners (COPY) …", flush=True)
        t = time.perf_counter()
        learners = asyncio.run(seed_learners(training_url, stack.key, args.enrolments, uuid.UUID(org["id"])))
        print(f"  {time.perf_counter() - t:.1f} s", flush=True)
        # A batch is one class's roster (as schools send them): consecutive batches go to different programmes, so
        # concurrent batches do not wait for each other's programme locks.
        items = [
            {
                "learner_id": str(lid),
                "programme_id": programmes[(i // args.batch) % args.programmes],
                "enrolled_on": "2025-03-01",
            }
            for i, lid in enumerate(learners)
        ]
        print(
            f"ingesting {len(items):,} enrolments through the gateway ({args.batch}/request, {args.clients} clients) …",
            flush=True,
        )
        result = asyncio.run(ingest(gateway, setup.refresh(), items, args.batch, args.clients))
        assert result["created"] == len(items), result
        now = datetime.now(UTC)
        day = date(2025, 3, 1)
        records = [
            (new_id(), uuid.UUID(it["learner_id"]), uuid.UUID(it["programme_id"]), "enrolled", day, day, 1, now, now)
            for it in items
        ]
        copy = asyncio.run(copy_baseline(training_url, "enrolments", ENROLMENT_COPY_COLUMNS, records, indexed=True))
        bare = asyncio.run(copy_baseline(training_url, "enrolments", ENROLMENT_COPY_COLUMNS, records, indexed=False))
        orm = asyncio.run(
            orm_baseline(stack.service_urls["training"], learners, uuid.UUID(programmes[-1]), args.orm_rows)
        )
        ratio = result["rows_per_s"] / bare["rows_per_s"]  # the target: ≥ 0.1 × the bare COPY (docs/benchmarks.md)
        ratio_indexed = result["rows_per_s"] / copy["rows_per_s"]

        def row(label: str, r: dict[str, Any]) -> str:
            return (
                f"{label:<58}{r['rows']:>9,}{r['seconds']:>9.2f}{r['rows_per_s']:>10,.0f}"
                f"{r['rows_per_s'] / bare['rows_per_s']:>8.3f}{r['rows_per_s'] / copy['rows_per_s']:>10.3f}"
            )

        lines = [
            f"{'path':<58}{'rows':>9}{'seconds':>9}{'rows/s':>10}{'× bare':>8}{'× indexed':>10}",
            row(f"POST /v1/enrolments/batch via gateway ({args.clients} clients)", result),
            row("asyncpg COPY (binary) into a bare table (no indexes)", bare),
            row("asyncpg COPY (binary) into LIKE … INCLUDING ALL", copy),
            row("SQLAlchemy ORM session.add_all + commit", orm),
            "",
            f"server time per 1000-row batch (Server-Timing): median {result['server_ms_median']:.1f} ms, "
            f"p90 {result['server_ms_p90']:.1f} ms; client latency median {result['latency_ms_median']:.1f} ms",
            "  phases (median ms): " + ", ".join(f"{k} {v:.1f}" for k, v in result["phases_ms_median"].items()),
            "",
            f"Target  batch ingest >= {TARGET_RATIO}x bare COPY   {ratio:.3f}x   "
            + ("met" if ratio >= TARGET_RATIO else "NOT met")
            + f"   (against the indexed COPY: {ratio_indexed:.3f}x)",
        ]
        print("\n".join(lines), flush=True)
        out = BENCH / "results" / f"ingest-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "args": vars(args),
                    "ingest": result,
                    "copy": copy,
                    "copy_bare": bare,
                    "orm": orm,
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
