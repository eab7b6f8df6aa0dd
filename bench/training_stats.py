"""Training figures of a large alliance: 200 members, ~1,000,000 enrolments in ~20,000 programmes.

Seeds an embedded PostgreSQL at COPY speed, straight into the tables (setup only — the API is not the point
here): in membership, the alliance, 250 organizations (200 members with membership periods — some left, some
re-joined — and 50 outsiders whose records must not count) and their membership rows and events; in training,
200,000 learners, 20,000 programmes over 10 years (2016–2025, 10 % tagged with the alliance), 1,000,000
enrolments (5 % dropped), 60,000 internships, 20,000 teacher practices, 30,000 part-time teaching records and
600 training bases; then `VACUUM (FREEZE, ANALYZE)` of each table.

Then asks the **training service in process** (ASGI, real database) — not through the gateway — with an
internal token of the alliance's admin for `GET /v1/training-stats?alliance_id=…` over each year, a half year,
the whole 10 years (members scope and `scope=alliance_programmes`), and one member organization over 10 years.
Training looks the member periods up in the membership app (in process too, as `service:training`): the first
request pays for that (reported apart as "cold"), the rest use the directory's cache as in production.
Reports the server time from `Server-Timing` (`app`: the whole handler; `db`: the statement) — median and worst.
Target: < 1 s server time. Writes bench/results/training-stats-<timestamp>.json.

    python -m bench.training_stats [--members 200] [--programmes 20000] [--enrolments 1000000] [--passes 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx

from bench.harness import REPO
from chanjiao import migrate
from chanjiao.auth import (
    ALL_SCOPES,
    ALLIANCE_ADMIN,
    INTERNAL_TOKEN_HEADER,
    SERVICE_SCOPES,
    InternalTokenSigner,
    Principal,
)
from chanjiao.ids import new_id
from chanjiao.pg_embedded import EmbeddedPostgres
from chanjiao.service_client import ServiceTokenVerifier
from chanjiao.settings import SERVICES
from services.membership.settings import MembershipSettings
from services.training.settings import TrainingSettings

TARGET_MS = 1000.0
FIRST, LAST = date(2016, 1, 1), date(2025, 12, 31)
KINDS = [
    "pre_job",
    "on_job",
    "upskilling",
    "reskilling",
    "special_operations",
    "continuing_education",
    "order_class",
    "modern_apprenticeship",
    "enterprise_apprenticeship",
    "teacher_training",
    "social_training",
    "other",
]


def _day(rnd: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rnd.randrange((hi - lo).days + 1))


def generate(members: int, outsiders: int, programmes: int, enrolments: int, seed: int = 11) -> dict:
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    alliance = new_id()
    orgs, memberships, events = [], [], []
    member_ids, schools, enterprises = [], [], []
    for i in range(members + outsiders):
        oid = new_id()
        school = i % 2 == 0
        org_type = "higher_vocational" if school else "enterprise"
        name = f"基准单位{i:04d}{'职业学院' if school else '有限公司'}"
        orgs.append((oid, name, [], org_type, "370702", None, [], "active", 1, now, now, None))
        (schools if school else enterprises).append(oid)
        if i >= members:
            continue
        member_ids.append(oid)
        joined = _day(rnd, date(2010, 1, 1), date(2021, 12, 31))
        spans = []
        ended = _day(rnd, joined + timedelta(days=180), date(2026, 6, 30)) if rnd.random() < 0.3 else None
        if ended is not None and ended > LAST:
            ended = None
        spans.append((joined, ended))
        if ended is not None and rnd.random() < 0.3 and ended < date(2025, 1, 1):  # re-joined later
            spans.append((_day(rnd, ended + timedelta(days=30), date(2025, 6, 30)), None))
        for joined_on, ended_on in spans:
            mid = new_id()
            applied = joined_on - timedelta(days=20)
            status = "withdrawn" if ended_on else "active"
            role = "chair" if i == 0 else "member"
            latest = ended_on or joined_on
            memberships.append(
                (mid, alliance, oid, role, status, applied, joined_on, ended_on, latest, 3 if ended_on else 2, now, now)
            )
            evs = [(None, "pending", None, role, applied), ("pending", "active", role, role, joined_on)]
            if ended_on:
                evs.append(("active", "withdrawn", role, role, ended_on))
            for seq, (fs, ts, fr, tr, eff) in enumerate(evs, start=1):
                events.append((new_id(), mid, alliance, seq, fs, ts, fr, tr, eff, None, "bench", now))
    all_orgs = [o[0] for o in orgs]

    learners, persons = [], []
    owners = random.Random(seed + 1)  # its own sequence: the rest of the data stays what the seed always gave
    n_learners = max(1000, enrolments // 5)
    for i in range(n_learners):
        owner = owners.choice(all_orgs)
        if i % 10 == 9 and owner == learners[-1][11]:  # one record per organization and person
            owner = all_orgs[(all_orgs.index(owner) + 1) % len(all_orgs)]
        # Every tenth record is a second organization's record of the previous person (one person, two records).
        if i % 10 == 9:
            person, number_hash = persons[-1][0], persons[-1][1]
        else:
            person, number_hash = new_id(), secrets.token_bytes(32)
            persons.append((person, number_hash, now))
        learners.append(
            (
                new_id(),
                f"学员{i:06d}",
                [],
                "resident_id",
                number_hash,
                secrets.token_bytes(48),
                "3701************34",
                "student" if i % 4 else "employee",
                1,
                now,
                now,
                owner,
                person,
            )
        )
    learner_ids = [r[0] for r in learners]

    progs, enrols = [], []
    per = enrolments // programmes
    span = (LAST - FIRST).days
    for _ in range(programmes):
        pid = new_id()
        start = FIRST + timedelta(days=rnd.randrange(span - 200))
        end = start + timedelta(days=rnd.randrange(3, 200))
        kind = rnd.choice(KINDS)
        tagged = alliance if rnd.random() < 0.1 else None
        size = max(1, int(rnd.gauss(per, per / 4)))
        progs.append(
            (pid, f"基准培训班{len(progs):05d}", kind, rnd.choice(all_orgs), tagged, [], start, end, "offline", size)
        )
        first = rnd.randrange(n_learners)
        for k in range(size):
            status = rnd.choices(("completed", "enrolled", "dropped", "failed"), (80, 12, 5, 3))[0]
            days = Decimal(rnd.randrange(2, 61)) / 2
            enrols.append(
                (
                    new_id(),
                    learner_ids[(first + k) % n_learners],
                    pid,
                    status,
                    start,
                    end if status != "enrolled" else start,
                    days,
                    days * 8,
                    1,
                    now,
                    now,
                )
            )

    internships, practices, teaching, bases = [], [], [], []
    for _ in range(60_000):
        start = _day(rnd, FIRST, LAST)
        end = start + timedelta(days=rnd.randrange(14, 300))
        internships.append(
            (
                new_id(),
                rnd.choice(learner_ids),
                rnd.choice(schools),
                rnd.choice(enterprises),
                "shadow",
                start,
                end,
                end >= _three_months(start),
                1,
                now,
                now,
            )
        )
    for _ in range(20_000):
        start = _day(rnd, FIRST, LAST)
        practices.append(
            (
                new_id(),
                rnd.choice(learner_ids),
                rnd.choice(schools),
                rnd.choice(enterprises),
                start,
                start + timedelta(days=rnd.randrange(5, 180)),
                1,
                now,
                now,
            )
        )
    for _ in range(30_000):
        year = rnd.randrange(2015, 2026)
        second = rnd.random() < 0.5
        term_start = date(year + 1, 2, 20) if second else date(year, 9, 1)
        term_end = date(year + 1, 7, 10) if second else date(year + 1, 1, 20)
        teaching.append(
            (
                new_id(),
                "兼职教师",
                rnd.choice(enterprises),
                rnd.choice(schools),
                f"{year}-{year + 1}-{2 if second else 1}",
                term_start,
                term_end,
                "化工单元操作",
                Decimal(rnd.randrange(8, 64)),
                1,
                now,
                now,
            )
        )
    for i in range(600):
        created = datetime.combine(_day(rnd, date(2014, 1, 1), LAST), datetime.min.time(), tzinfo=UTC)
        bases.append(
            (new_id(), rnd.choice(all_orgs), f"实训基地{i:03d}", "on_campus", rnd.random() < 0.4, 1, created, now)
        )
    return {
        "alliance": alliance,
        "member_ids": member_ids,
        "orgs": orgs,
        "memberships": memberships,
        "events": events,
        "persons": persons,
        "learners": learners,
        "programmes": progs,
        "enrolments": enrols,
        "internships": internships,
        "practices": practices,
        "teaching": teaching,
        "bases": bases,
    }


def _three_months(start: date) -> date:
    from services.training.internships.months import threshold

    return threshold(start)


async def seed(urls: dict[str, str], data: dict) -> dict[str, float]:
    timings: dict[str, float] = {}

    def libpq(url: str) -> str:
        return url.replace("postgresql+asyncpg://", "postgresql://")

    m = await asyncpg.connect(libpq(urls["membership"]))
    try:
        now = datetime.now(UTC)
        await m.execute(
            "insert into membership.alliances (id, name, kind, level, version, created_at, updated_at) "
            "values ($1, '基准测试职业教育集团', 'vocational_education_group', 'provincial', 1, $2, $2)",
            data["alliance"],
            now,
        )
        org_cols = "id name name_bigrams org_type region_code credit_code industry_codes status version"
        await m.copy_records_to_table(
            "organizations",
            schema_name="membership",
            records=data["orgs"],
            columns=[*org_cols.split(), "created_at", "updated_at", "deleted_at"],
        )
        await m.copy_records_to_table(
            "memberships",
            schema_name="membership",
            records=data["memberships"],
            columns="id alliance_id org_id role status applied_on joined_on ended_on latest_effective_on version "
            "created_at updated_at".split(),
        )
        await m.copy_records_to_table(
            "membership_events",
            schema_name="membership",
            records=data["events"],
            columns="id membership_id alliance_id seq from_status to_status from_role to_role effective_on reason "
            "actor recorded_at".split(),
        )
        await m.execute("analyze membership.organizations, membership.memberships, membership.membership_events")
    finally:
        await m.close()

    t = await asyncpg.connect(libpq(urls["training"]))
    try:
        tables = [
            ("persons", data["persons"], "id id_number_hash created_at"),
            (
                "learners",
                data["learners"],
                "id name name_bigrams id_type id_number_hash id_number_ciphertext id_number_masked learner_type "
                "version created_at updated_at owner_org_id person_id",
            ),
            (
                "programmes",
                [(*p[:8], p[8], p[9], 1, datetime.now(UTC), datetime.now(UTC)) for p in data["programmes"]],
                "id name kind provider_org_id alliance_id partner_org_ids start_on end_on delivery enrolled_count "
                "version created_at updated_at",
            ),
            (
                "enrolments",
                data["enrolments"],
                "id learner_id programme_id status enrolled_on status_changed_on days_attended hours_attended "
                "version created_at updated_at",
            ),
            (
                "internships",
                data["internships"],
                "id learner_id school_org_id host_org_id kind start_on end_on three_months_or_more version "
                "created_at updated_at",
            ),
            (
                "teacher_practices",
                data["practices"],
                "id learner_id school_org_id enterprise_org_id start_on end_on version created_at updated_at",
            ),
            (
                "part_time_teaching",
                data["teaching"],
                "id staff_name enterprise_org_id school_org_id term term_start_on term_end_on course class_hours "
                "version created_at updated_at",
            ),
            (
                "training_bases",
                data["bases"],
                "id owner_org_id name kind shared version created_at updated_at",
            ),
        ]
        for table, records, columns in tables:
            t0 = time.perf_counter()
            await t.copy_records_to_table(table, schema_name="training", records=records, columns=columns.split())
            timings[table] = time.perf_counter() - t0
        # As autovacuum leaves a table that is no longer written to: frozen, its visibility map set (so the
        # enrolments' covering index answers without visiting the heap), statistics fresh. Without this, on
        # rows just copied in, the same requests cost up to ~2× (each index entry checks its heap row).
        t0 = time.perf_counter()
        for table, _, _ in tables:
            await t.execute(f"vacuum (freeze, analyze) training.{table}")
        timings["vacuum_freeze_analyze"] = time.perf_counter() - t0
    finally:
        await t.close()
    return timings


class MembershipAsService(httpx.AsyncBaseTransport):
    """What the gateway does for training's service token, in process: verify it and call membership as
    `Principal(kind="service", subject="training", scopes=SERVICE_SCOPES["training"])`."""

    def __init__(self, client: httpx.AsyncClient, key: str) -> None:
        self.client = client
        self.verifier = ServiceTokenVerifier(key)
        self.signer = InternalTokenSigner(key, ttl_seconds=3600)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        name = self.verifier.verify(request.headers["x-chanjiao-service-token"].encode())
        principal = Principal(kind="service", subject=name, scopes=SERVICE_SCOPES[name])
        r = await self.client.request(
            request.method,
            request.url.path,
            params=request.url.params,
            headers={INTERNAL_TOKEN_HEADER: self.signer.token_for(principal).decode()},
        )
        return httpx.Response(r.status_code, headers=r.headers, content=r.content)


def _timing(r: httpx.Response) -> dict[str, float]:
    out = {}
    for part in r.headers["server-timing"].split(","):
        name, _, dur = part.strip().partition(";dur=")
        out[name] = float(dur)
    return out


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "max": max(values), "n": len(values)}


async def measure(urls: dict[str, str], key: str, data: dict, passes: int) -> dict:
    from services.membership.main import create_app as membership_app
    from services.training.main import create_app as training_app

    msettings = MembershipSettings(database_url=urls["membership"], internal_token_key=key, environment="development")
    tsettings = TrainingSettings(database_url=urls["training"], internal_token_key=key, environment="development")
    mapp, tapp = membership_app(msettings), training_app(tsettings)
    alliance = str(data["alliance"])
    admin = Principal(
        kind="user", subject="bench-secretariat", roles=(ALLIANCE_ADMIN,), scopes=ALL_SCOPES, alliances=(alliance,)
    )
    token = InternalTokenSigner(key, ttl_seconds=3600).token_for(admin).decode()
    queries: list[tuple[str, dict[str, str]]] = []
    for year in range(FIRST.year, LAST.year + 1):
        queries.append((f"members {year}", {"period_start": f"{year}-01-01", "period_end": f"{year}-12-31"}))
    queries.append(("members 2023 H1", {"period_start": "2023-01-01", "period_end": "2023-06-30"}))
    queries.append(("members 2016-2025", {"period_start": FIRST.isoformat(), "period_end": LAST.isoformat()}))
    for label, period in (("2023", ("2023-01-01", "2023-12-31")), ("2016-2025", (FIRST.isoformat(), LAST.isoformat()))):
        queries.append(
            (
                f"alliance_programmes {label}",
                {"period_start": period[0], "period_end": period[1], "scope": "alliance_programmes"},
            )
        )
    for q in queries:
        q[1]["alliance_id"] = alliance
    big_org = str(data["member_ids"][0])
    org_token = (
        InternalTokenSigner(key, ttl_seconds=3600)
        .token_for(Principal(kind="user", subject="bench-org", org_id=big_org, roles=("org_admin",), scopes=ALL_SCOPES))
        .decode()
    )
    results: dict[str, dict[str, list[float]]] = {}
    answers: dict[str, dict] = {}
    async with mapp.router.lifespan_context(mapp), tapp.router.lifespan_context(tapp):
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=mapp), base_url="http://membership") as mclient,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=tapp),
                base_url="http://training",
                headers={INTERNAL_TOKEN_HEADER: token},
                timeout=60,
            ) as client,
        ):
            await tapp.state.org_directory.use_transport(MembershipAsService(mclient, key))
            t0 = time.perf_counter()
            r = await client.get("/v1/training-stats", params=queries[-3][1])
            assert r.status_code == 200, r.text
            cold = {"wall_ms": (time.perf_counter() - t0) * 1000, **_timing(r)}
            for _ in range(passes):
                for label, params in queries:
                    t0 = time.perf_counter()
                    r = await client.get("/v1/training-stats", params=params)
                    wall = (time.perf_counter() - t0) * 1000
                    assert r.status_code == 200, r.text
                    timing = _timing(r)
                    slot = results.setdefault(label, {"app_ms": [], "db_ms": [], "wall_ms": []})
                    slot["app_ms"].append(timing["app"])
                    slot["db_ms"].append(timing["db"])
                    slot["wall_ms"].append(wall)
                    answers[label] = r.json()
                params = {"org_id": big_org, "period_start": FIRST.isoformat(), "period_end": LAST.isoformat()}
                t0 = time.perf_counter()
                r = await client.get("/v1/training-stats", params=params, headers={INTERNAL_TOKEN_HEADER: org_token})
                assert r.status_code == 200, r.text
                timing = _timing(r)
                slot = results.setdefault("one member 2016-2025", {"app_ms": [], "db_ms": [], "wall_ms": []})
                slot["app_ms"].append(timing["app"])
                slot["db_ms"].append(timing["db"])
                slot["wall_ms"].append((time.perf_counter() - t0) * 1000)
                answers["one member 2016-2025"] = r.json()
    return {"cold": cold, "results": results, "answers": answers}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=200)
    ap.add_argument("--outsiders", type=int, default=50)
    ap.add_argument("--programmes", type=int, default=20_000)
    ap.add_argument("--enrolments", type=int, default=1_000_000)
    ap.add_argument("--passes", type=int, default=3)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="chanjiao-bench-training-stats-"))
    tmp.chmod(0o755)
    pg = EmbeddedPostgres(tmp / "pgdata", password=secrets.token_urlsafe(16), durable=False)
    key = secrets.token_urlsafe(32)
    try:
        pg.start()
        passwords = {s: secrets.token_urlsafe(16) for s in SERVICES}
        res = asyncio.run(migrate.bootstrap(pg.url, passwords, database="chanjiao"))
        migrate.upgrade(res.service_urls)
        t0 = time.perf_counter()
        data = generate(args.members, args.outsiders, args.programmes, args.enrolments)
        generated = time.perf_counter() - t0
        t0 = time.perf_counter()
        copy_timings = asyncio.run(seed(res.service_urls, data))
        seeded = time.perf_counter() - t0
        out = asyncio.run(measure(res.service_urls, key, data, args.passes))
    finally:
        pg.stop()
    rows = {label: {k: summary(v) for k, v in r.items()} for label, r in out["results"].items()}
    app_all = [x for r in out["results"].values() for x in r["app_ms"]]
    report = {
        "timestamp": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "cpus": os.cpu_count(),
        "sizes": {k: len(v) for k, v in data.items() if isinstance(v, list)},
        "generate_seconds": round(generated, 2),
        "seed_seconds": round(seeded, 2),
        "copy_seconds": {k: round(v, 2) for k, v in copy_timings.items()},
        "cold_request": out["cold"],
        "requests": rows,
        "app_ms_all": summary(app_all),
        "answers": out["answers"],
    }
    sizes = report["sizes"]
    print(
        f"alliance of {args.members} members (+{args.outsiders} outsiders), {sizes['memberships']} membership "
        f"periods; {sizes['programmes']:,} programmes, {sizes['enrolments']:,} enrolments, "
        f"{sizes['internships']:,} internships, {sizes['practices']:,} teacher practices, "
        f"{sizes['teaching']:,} part-time teaching, {sizes['bases']} bases "
        f"(generated in {generated:.1f} s, COPY + VACUUM in {seeded:.1f} s)"
    )
    cold = out["cold"]
    print(
        f"cold request (member periods fetched from membership): app {cold['app']:.1f} ms "
        f"(members {cold['members']:.1f} ms, db {cold['db']:.1f} ms)"
    )
    print(f"{'request':<34} {'counted enrolments':>18} {'app ms median':>14} {'max':>8} {'db ms median':>13}")
    for label, r in rows.items():
        counted = out["answers"][label]["person_times"] + out["answers"][label]["dropped"]
        print(
            f"{label:<34} {counted:>18,} {r['app_ms']['median']:>14.1f} {r['app_ms']['max']:>8.1f} "
            f"{r['db_ms']['median']:>13.1f}"
        )
    worst = report["app_ms_all"]["max"]
    print(
        f"target: server time < {TARGET_MS:.0f} ms — all {len(app_all)} warm requests: median "
        f"{report['app_ms_all']['median']:.1f} ms, worst {worst:.1f} ms: {'met' if worst < TARGET_MS else 'MISSED'}"
    )
    results = REPO / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"training-stats-{report['timestamp']}.json").write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
