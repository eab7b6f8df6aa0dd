"""Organization name search on 100,000 organizations: the bigram GIN index vs a full scan.

Trigram indexes see nothing in CJK text under the C collation, so names are indexed as arrays of
overlapping two-character pieces (`name_bigrams`, GIN) and the query rechecks the exact substring.
This seeds N organizations with realistic Chinese names at COPY speed, then times the list query the
service runs (`GET /v1/organizations?q=…`, through the app in process: `Server-Timing`-free, so wall
time around the ASGI call) and the bare SQL with EXPLAIN ANALYZE, with the index and with it
disabled. Writes bench/results/search-<timestamp>.json.

    python -m bench.search [--orgs 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from bench.harness import REPO
from chanjiao import migrate, refdata
from chanjiao.auth import ALL_SCOPES, INTERNAL_TOKEN_HEADER, InternalTokenSigner, Principal
from chanjiao.ids import new_id
from chanjiao.pg_embedded import EmbeddedPostgres
from chanjiao.settings import SERVICES
from chanjiao.validators import cjk_bigrams
from services.membership.settings import MembershipSettings

PLACES = [
    "山东",
    "济南",
    "青岛",
    "淄博",
    "潍坊",
    "烟台",
    "临沂",
    "济宁",
    "泰安",
    "威海",
    "日照",
    "滨州",
    "德州",
    "聊城",
    "菏泽",
    "枣庄",
    "东营",
    "江苏",
    "南京",
    "苏州",
    "河南",
    "郑州",
    "河北",
    "石家庄",
    "浙江",
    "杭州",
]
TRADES = [
    "化工",
    "机械",
    "电子",
    "信息",
    "汽车",
    "纺织",
    "食品",
    "建筑",
    "医药",
    "物流",
    "能源",
    "材料",
    "农业",
    "旅游",
    "商贸",
    "交通",
    "海洋",
    "冶金",
    "智能制造",
    "数字科技",
]
KINDS = [
    "职业学院",
    "职业技术学院",
    "技师学院",
    "工业学校",
    "职业中等专业学校",
    "有限公司",
    "股份有限公司",
    "集团有限公司",
    "研究院",
    "行业协会",
    "培训学校",
]
QUERIES = ["潍坊化工", "职业技术学院", "智能制造", "淄博", "海洋化工集团", "不存在的名字"]


def names(n: int, rnd: random.Random) -> list[str]:
    out = set()
    while len(out) < n:
        out.add(
            f"{rnd.choice(PLACES)}{rnd.choice(['', '市', '省'])}{rnd.choice(TRADES)}{rnd.choice(KINDS)}"
            f"{rnd.randrange(1, 999) if rnd.random() < 0.6 else ''}"
        )
    return sorted(out, key=lambda _: rnd.random())


async def seed(url: str, n: int) -> None:
    rnd = random.Random(11)
    counties = [r["code"] for r in refdata.regions() if r["level"] == "county"]
    now = datetime.now(UTC)
    records = [
        (
            new_id(),
            name,
            cjk_bigrams(name),
            rnd.choice(["enterprise", "higher_vocational", "other"]),
            rnd.choice(counties),
            [],
            "active",
            1,
            now,
            now,
        )
        for name in names(n, rnd)
    ]
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.copy_records_to_table(
            "organizations",
            schema_name="membership",
            records=records,
            columns=[
                "id",
                "name",
                "name_bigrams",
                "org_type",
                "region_code",
                "industry_codes",
                "status",
                "version",
                "created_at",
                "updated_at",
            ],
        )
        await conn.execute("analyze membership.organizations")
    finally:
        await conn.close()


SQL = """select id, name from membership.organizations
         where deleted_at is null and name_bigrams @> $1::text[] and name like $2
         order by id limit 51"""


async def explain(url: str) -> dict[str, dict[str, float]]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    out: dict[str, dict[str, float]] = {}
    try:
        for q in QUERIES:
            row = {}
            for label, setting in (("gin", "on"), ("scan", "off")):
                await conn.execute(f"set enable_bitmapscan = {setting}")
                times = []
                for _ in range(3):
                    plan = await conn.fetchval("explain (analyze, format json) " + SQL, cjk_bigrams(q), f"%{q}%")
                    times.append(json.loads(plan)[0]["Execution Time"])
                row[label] = statistics.median(times)
            out[q] = row
    finally:
        await conn.close()
    return out


async def through_app(url: str, key: str) -> dict[str, float]:
    from services.membership.main import create_app

    app = create_app(MembershipSettings(database_url=url, internal_token_key=key, environment="development"))
    # Organization search is for signed-in callers: a platform admin sees every organization.
    admin = Principal(kind="user", subject="bench-platform-admin", roles=("platform_admin",), scopes=ALL_SCOPES)
    token = InternalTokenSigner(key, ttl_seconds=3600).token_for(admin).decode()
    out = {}
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://m", headers={INTERNAL_TOKEN_HEADER: token}
        ) as client:
            for q in QUERIES:
                times = []
                for _ in range(5):
                    t0 = time.perf_counter()
                    r = await client.get("/v1/organizations", params={"q": q, "limit": 50})
                    assert r.status_code == 200
                    times.append((time.perf_counter() - t0) * 1000)
                out[q] = statistics.median(times)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orgs", type=int, default=100_000)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="chanjiao-bench-search-"))
    tmp.chmod(0o755)
    pg = EmbeddedPostgres(tmp / "pgdata", password=secrets.token_urlsafe(16), durable=False)
    key = secrets.token_urlsafe(32)
    try:
        pg.start()
        res = asyncio.run(
            migrate.bootstrap(pg.url, {s: secrets.token_urlsafe(16) for s in SERVICES}, database="chanjiao")
        )
        migrate.upgrade(res.service_urls)
        url = res.service_urls["membership"]
        t0 = time.perf_counter()
        asyncio.run(seed(url, args.orgs))
        seeded = time.perf_counter() - t0
        sql = asyncio.run(explain(url))
        app = asyncio.run(through_app(url, key))
    finally:
        pg.stop()
    print(f"{args.orgs} organizations (seeded in {seeded:.1f} s)")
    print(f"{'q':<14} {'SQL with GIN ms':>16} {'SQL full scan ms':>17} {'speed-up':>9} {'GET ?q= wall ms':>16}")
    for q in QUERIES:
        gin, scan = sql[q]["gin"], sql[q]["scan"]
        print(f"{q:<14} {gin:>16.2f} {scan:>17.2f} {scan / max(gin, 0.001):>8.0f}x {app[q]:>16.1f}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results = REPO / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"search-{stamp}.json").write_text(
        json.dumps(
            {"orgs": args.orgs, "seed_seconds": seeded, "sql_ms": sql, "app_wall_ms": app}, indent=2, ensure_ascii=False
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
