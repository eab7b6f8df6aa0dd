"""`GET /v1/demands/{id}/matches` — one demand against 10 000 open offers, through the route: the matching service
in process (ASGI) on an embedded PostgreSQL, with membership and training in process too, called as
`service:matching` exactly as the gateway would pass them (docs/matching-ranking-routes.md, "Speed").

Seeds `--offers` open offers (default 10 000) of the demand's compatible kinds from `--schools` schools (default
200), plus 10 % drafts, closed and incompatible offers that the SQL filters drop, majors from the 装备制造 and
电子与信息 大类 of the shipped catalogue, regions in three provinces, periods over two years — straight into the table
(setup only). Then asks the route as the demand's organization: one cold request (the offers' profiles read in full,
one track-record call per school, the membership calls), `--passes` warm ones (the cache checked against the ids and
versions in one statement, facts from the TTL cache), and `--passes` after `--churn` offers changed between requests
(those read again). Reports the server time (`Server-Timing: app`) p50/p95/max and writes
bench/results/matching-rank-route-<timestamp>.json. Target: p95 < 50 ms warm.

    python -m bench.matching_rank_route [--offers 10000] [--schools 200] [--passes 60] [--churn 100]
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
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

from bench.harness import BENCH, machine
from chanjiao import migrate, refdata
from chanjiao.auth import ALL_SCOPES, INTERNAL_TOKEN_HEADER, SERVICE_SCOPES, InternalTokenSigner, Principal
from chanjiao.pg_embedded import EmbeddedPostgres
from chanjiao.service_client import ServiceTokenVerifier
from chanjiao.settings import SERVICES

TARGET_P95_MS = 50.0
PROVINCES = ["37", "32", "44"]
OCCUPATIONS = ["6-18-02-04", "2-02-07-09", "6-18-01-01", "4-04-05-01"]


def generate(offers: int, schools: int, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    majors = [m["code"] for m in refdata.majors() if m["category_name"] in ("装备制造大类", "电子与信息大类")]
    counties = [r["code"] for r in refdata.regions() if r["level"] == "county" and r["code"][:2] in PROVINCES]
    school_ids = [uuid.uuid4() for _ in range(schools)]
    enterprise = uuid.uuid4()
    now = datetime.now(UTC)
    rows = []
    extra = offers // 10
    for i in range(offers + extra):
        start = date(2027, 1, 1) + timedelta(days=rnd.randrange(730))
        if i < offers:
            status, kind = "open", rnd.choice(["graduates", "interns"])
        else:
            status, kind = rnd.choice([("draft", "graduates"), ("closed", "interns"), ("open", "rnd_expertise")])
        rows.append(
            (
                uuid.uuid4(),
                rnd.choice(school_ids),
                kind,
                f"供给{i}",
                rnd.sample(majors, rnd.choice([1, 1, 2, 3])),
                [rnd.choice(OCCUPATIONS)] if rnd.random() < 0.3 else [],
                rnd.choice([2026, 2027, 2028]),
                rnd.randrange(5, 60),
                rnd.choice(["voc_associate", "voc_associate", "voc_secondary", "voc_bachelor", "any"]),
                rnd.choice(counties) if rnd.random() < 0.9 else None,
                start,
                start + timedelta(days=rnd.randrange(60, 400)),
                status,
                now.date(),
                1,
                now,
                now,
            )
        )
    return {"offers": rows, "schools": school_ids, "enterprise": enterprise, "region": rnd.choice(counties)}


OFFER_COLUMNS = (
    "id",
    "org_id",
    "kind",
    "title",
    "major_codes",
    "occupation_codes",
    "cohort_year",
    "count",
    "education_level",
    "region_code",
    "period_start",
    "period_end",
    "status",
    "status_changed_on",
    "version",
    "created_at",
    "updated_at",
)


async def seed(url: str, data: dict) -> str:
    con = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await con.copy_records_to_table("offers", schema_name="matching", records=data["offers"], columns=OFFER_COLUMNS)
        demand = uuid.uuid4()
        now = datetime.now(UTC)
        await con.execute(
            "INSERT INTO matching.demands (id, org_id, kind, title, occupation_codes, major_codes, education_level, "
            "headcount, region_code, period_start, period_end, status, status_changed_on, version, created_at, "
            "updated_at) VALUES ($1, $2, 'order_class', '数控技术订单班', $3, $4, 'voc_associate', 40, $5, $6, $7, "
            "'open', $8, 1, $9, $9)",
            demand,
            data["enterprise"],
            ["6-18-01-01"],
            ["460103"],
            data["region"],
            date(2027, 9, 1),
            date(2028, 6, 30),
            now.date(),
            now,
        )
        await con.execute("VACUUM (ANALYZE) matching.offers")
        return str(demand)
    finally:
        await con.close()


class AsGateway(httpx.AsyncBaseTransport):
    """What the gateway does for matching's service token, in process: verify it and call membership or training
    (by path) as `Principal(kind="service", subject="matching", scopes=SERVICE_SCOPES["matching"])`."""

    def __init__(self, clients: dict[str, httpx.AsyncClient], key: str) -> None:
        self.clients = clients
        self.verifier = ServiceTokenVerifier(key)
        self.signer = InternalTokenSigner(key, ttl_seconds=3600)
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        name = self.verifier.verify(request.headers["x-chanjiao-service-token"].encode())
        principal = Principal(kind="service", subject=name, scopes=SERVICE_SCOPES[name])
        upstream = "training" if request.url.path.startswith("/v1/training-") else "membership"
        self.calls += 1
        r = await self.clients[upstream].request(
            request.method,
            request.url.path,
            params=request.url.params,
            headers={INTERNAL_TOKEN_HEADER: self.signer.token_for(principal).decode()},
        )
        return httpx.Response(r.status_code, headers=r.headers, content=r.content)


def _app_ms(r: httpx.Response) -> float:
    return float(r.headers["server-timing"].split("app;dur=")[1].split(",")[0])


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[max(0, int(round(0.95 * len(ordered))) - 1)],
        "max": ordered[-1],
        "n": len(ordered),
    }


async def measure(urls: dict[str, str], key: str, data: dict, demand: str, passes: int, churn: int) -> dict:
    from services.matching.main import create_app as matching_app
    from services.matching.settings import MatchingSettings
    from services.membership.main import create_app as membership_app
    from services.membership.settings import MembershipSettings
    from services.training.main import create_app as training_app
    from services.training.settings import TrainingSettings

    common = {"internal_token_key": key, "environment": "development"}
    mapp = membership_app(MembershipSettings(database_url=urls["membership"], **common))
    tapp = training_app(TrainingSettings(database_url=urls["training"], **common))
    app = matching_app(MatchingSettings(database_url=urls["matching"], **common))
    owner = Principal(kind="user", subject="bench-owner", org_id=str(data["enterprise"]), roles=("org_admin",))
    owner = Principal(**{**owner.__dict__, "scopes": ALL_SCOPES})
    token = InternalTokenSigner(key, ttl_seconds=3600).token_for(owner).decode()
    path = f"/v1/demands/{demand}/matches"
    out: dict = {}
    async with (
        mapp.router.lifespan_context(mapp),
        tapp.router.lifespan_context(tapp),
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=mapp), base_url="http://membership") as mc,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=tapp), base_url="http://training") as tc,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://matching",
            headers={INTERNAL_TOKEN_HEADER: token},
            timeout=60,
        ) as client,
    ):
        gateway = AsGateway({"membership": mc, "training": tc}, key)
        await app.state.ranking_facts.use_transport(gateway)
        cache = app.state.ranking_caches["offers"]
        t0 = time.perf_counter()
        r = await client.get(path)
        assert r.status_code == 200, r.text
        out["cold"] = {"app_ms": _app_ms(r), "wall_ms": (time.perf_counter() - t0) * 1000, "calls": gateway.calls}
        out["candidates"] = r.json()["candidates"]
        out["top"] = [(i["offer_id"], i["points"]) for i in r.json()["items"][:5]]
        warm, wall = [], []
        calls = gateway.calls
        for _ in range(passes):
            t0 = time.perf_counter()
            r = await client.get(path)
            wall.append((time.perf_counter() - t0) * 1000)
            assert r.status_code == 200, r.text
            warm.append(_app_ms(r))
        out["warm"] = {"app_ms": summary(warm), "wall_ms": summary(wall), "calls": gateway.calls - calls}
        con = await asyncpg.connect(urls["matching"].replace("postgresql+asyncpg", "postgresql"))
        changed = []
        try:
            ids = [row[0] for row in data["offers"][: data["open"]]]
            rnd = random.Random(3)
            for _ in range(passes):
                await con.execute(
                    "UPDATE matching.offers SET version = version + 1, count = count + 1 WHERE id = any($1::uuid[])",
                    rnd.sample(ids, churn),
                )
                reads = cache.reads
                r = await client.get(path)
                assert r.status_code == 200, r.text
                assert cache.reads - reads == churn
                changed.append(_app_ms(r))
        finally:
            await con.close()
        out["churned"] = {"app_ms": summary(changed), "changed_per_request": churn}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--offers", type=int, default=10_000)
    ap.add_argument("--schools", type=int, default=200)
    ap.add_argument("--passes", type=int, default=60)
    ap.add_argument("--churn", type=int, default=100)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="chanjiao-bench-matching-rank-route-"))
    tmp.chmod(0o755)
    pg = EmbeddedPostgres(tmp / "pgdata", password=secrets.token_urlsafe(16), durable=False)
    key = secrets.token_urlsafe(32)
    try:
        pg.start()
        passwords = {s: secrets.token_urlsafe(16) for s in SERVICES}
        res = asyncio.run(migrate.bootstrap(pg.url, passwords, database="chanjiao"))
        migrate.upgrade(res.service_urls)
        data = generate(args.offers, args.schools)
        data["open"] = args.offers
        demand = asyncio.run(seed(res.service_urls["matching"], data))
        out = asyncio.run(measure(res.service_urls, key, data, demand, args.passes, args.churn))
    finally:
        pg.stop()
    report = {
        "timestamp": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "cpus": os.cpu_count(),
        "offers_open_compatible": args.offers,
        "offers_filtered_in_sql": len(data["offers"]) - args.offers,
        "schools": args.schools,
        **out,
    }
    cold, warm, churned = out["cold"], out["warm"], out["churned"]
    print(
        f"{args.offers:,} open compatible offers (+{report['offers_filtered_in_sql']:,} drafts, closed, incompatible) "
        f"from {args.schools} schools; {out['candidates']:,} candidates scored"
    )
    print(f"cold: app {cold['app_ms']:.1f} ms ({cold['calls']} calls to membership/training)")
    w = warm["app_ms"]
    print(f"warm: app p50 {w['p50']:.1f} ms, p95 {w['p95']:.1f} ms, max {w['max']:.1f} ms ({warm['calls']} calls)")
    c = churned["app_ms"]
    print(f"{args.churn} offers changed before each request: app p50 {c['p50']:.1f} ms, p95 {c['p95']:.1f} ms")
    print(f"target: warm p95 < {TARGET_P95_MS:.0f} ms: {'met' if w['p95'] < TARGET_P95_MS else 'MISSED'}")
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    (results / f"matching-rank-route-{report['timestamp']}.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False, default=str)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
