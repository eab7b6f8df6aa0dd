"""Incremental sync by transaction id (chanjiao/sync.py, docs/sync.md): a pull with the `sync_token` of the last pull
misses no committed row, even one written by a transaction that was still running — and started earlier — when a
faster one committed; the old `updated_since` = max(`updated_at` seen) does miss such rows."""

from __future__ import annotations

import asyncio
import itertools
import uuid

import asyncpg
import pytest

from tests.training.test_learners_api import register, resident_id

BATCH = 1000


@pytest.fixture(autouse=True)
def patient_gateway(tp):
    """A 1000-learner batch takes longer than the test gateway's 5 s upstream read timeout on a busy machine."""
    pool = tp.platform.gateway.upstreams["training"].pool
    before, pool.read_timeout = pool.read_timeout, 120.0
    yield
    pool.read_timeout = before


async def pull(client, **params) -> tuple[list[dict], str]:
    """Every page of one walk of `/v1/learners` with `params`; the walk's `sync_token` (the same on every page)."""
    items: list[dict] = []
    tokens: set[str] = set()
    cursor = None
    while True:
        query = {"limit": 500, **params, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/v1/learners", params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        tokens.add(body["sync_token"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(tokens) == 1, tokens  # the token of the walk's first page, carried by its cursor
    return items, tokens.pop()


def batch_items(n: int, prefix: str) -> list[dict]:
    return [{"name": f"{prefix}{i:04d}", "id_number": resident_id(), "learner_type": "student"} for i in range(n)]


async def committed_versions(database, org_id: str) -> set[tuple[str, int]]:
    conn = await asyncpg.connect(database.admin_url)
    try:
        rows = await conn.fetch("SELECT id, version FROM training.learners WHERE owner_org_id = $1", uuid.UUID(org_id))
    finally:
        await conn.close()
    return {(str(r["id"]), r["version"]) for r in rows}


def versions(items: list[dict]) -> set[tuple[str, int]]:
    return {(i["id"], i["version"]) for i in items}


async def test_a_slow_transaction_committing_after_a_fast_one_is_not_skipped(tp, database):
    """Two connections, a fixed order: the long transaction writes 1000 rows, a fast PATCH commits, the client pulls,
    then the long transaction commits. The token pull after it returns all 1000; the timestamp pull returns none."""
    school = await tp.new_org()
    client = tp.as_org(school)
    r = await client.post("/v1/learners/batch", json={"items": batch_items(BATCH, "批量学员")})
    assert r.status_code == 200 and r.json()["created"] == BATCH, r.text
    batch_ids = [x["id"] for x in r.json()["results"]]
    fast = (await register(client, id_number=resident_id(), name="快速学员")).json()

    items, token = await pull(client)  # the first full pull
    assert len(items) == BATCH + 1
    watermark = max(i["updated_at"] for i in items)  # what a client of `updated_since` keeps

    conn = await asyncpg.connect(database.admin_url)
    try:
        slow = conn.transaction()
        await slow.start()
        # A long write (as a batch import does): its rows' updated_at is its start, long before it commits.
        await conn.execute(
            "UPDATE training.learners SET learner_type = 'employee', version = version + 1, updated_at = now() "
            "WHERE id = any($1::uuid[])",
            [uuid.UUID(i) for i in batch_ids],
        )
        r = await client.patch(f"/v1/learners/{fast['id']}", json={"name": "快速改名"})
        assert r.status_code == 200, r.text
        by_token, token = await pull(client, since_token=token)
        by_time, _ = await pull(client, updated_since=watermark)
        assert {i["id"] for i in by_token} == {i["id"] for i in by_time} == {fast["id"]}
        watermark = max(i["updated_at"] for i in by_time)
        await slow.commit()
    finally:
        await conn.close()

    by_token, _ = await pull(client, since_token=token)
    assert versions(by_token) >= {(i, 2) for i in batch_ids}  # every row of the slow transaction, as committed
    assert all(i["learner_type"] == "employee" for i in by_token if i["id"] in set(batch_ids))
    by_time, _ = await pull(client, updated_since=watermark)
    missed = set(batch_ids) - {i["id"] for i in by_time}
    assert len(missed) == BATCH  # the timestamp method never sees the slow transaction's rows


async def test_a_client_syncing_in_a_loop_during_a_batch_and_concurrent_writes_misses_nothing(tp, database):
    """A 1000-learner batch in one task, single PATCHes and POSTs in another, a client pulling with its token in a
    loop in a third — all through the service. After a final pull, every committed row was seen at its committed
    version."""
    school = await tp.new_org()
    client = tp.as_org(school)
    seeds = []
    for n in range(5):
        r = await register(client, id_number=resident_id(), name=f"种子学员{n}")
        assert r.status_code == 201, r.text
        seeds.append(r.json()["id"])
    items, token = await pull(client)
    seen = versions(items)
    done = asyncio.Event()
    pulls_during_batch = 0

    async def batch() -> None:
        try:
            r = await tp.as_org(school).post("/v1/learners/batch", json={"items": batch_items(BATCH, "并发批量")})
            assert r.status_code == 200 and r.json()["created"] == BATCH, r.text
        finally:
            done.set()

    async def writer() -> None:
        writes = tp.as_org(school, "org_staff")
        for n in itertools.count():
            if done.is_set() and n >= 6:
                return
            r = await writes.patch(f"/v1/learners/{seeds[n % len(seeds)]}", json={"name": f"改名学员{n}"})
            assert r.status_code == 200, r.text
            r = await register(writes, id_number=resident_id(), name=f"单个学员{n}")
            assert r.status_code == 201, r.text
            await asyncio.sleep(0.01)

    async def syncer() -> None:
        nonlocal token, seen, pulls_during_batch
        while not done.is_set():
            got, token = await pull(client, since_token=token)
            seen |= versions(got)
            pulls_during_batch += 1
            await asyncio.sleep(0.01)

    await asyncio.gather(batch(), writer(), syncer())
    got, token = await pull(client, since_token=token)  # after everything committed
    seen |= versions(got)

    committed = await committed_versions(database, school)
    assert len(committed) >= BATCH + len(seeds) + 6
    assert committed - seen == set()  # every committed row, at its committed version, was seen at least once
    assert pulls_during_batch >= 1


async def test_tokens_are_carried_by_the_walk_and_tombstones_ride_on_them(tp):
    school = await tp.new_org()
    client = tp.as_org(school)
    ids = []
    for n in range(3):
        r = await register(client, id_number=resident_id(), name=f"翻页学员{n}")
        ids.append(r.json()["id"])
    first = (await client.get("/v1/learners", params={"limit": 2})).json()
    assert first["sync_token"].isdigit() and first["next_cursor"]
    # A write between two pages of a walk: the rest of the walk answers the first page's token.
    later = await register(client, id_number=resident_id(), name="翻页后学员")
    second = (await client.get("/v1/learners", params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert second["sync_token"] == first["sync_token"]
    token = first["sync_token"]
    # Erasing a learner is an update: its tombstone comes with the next token pull.
    r = await client.post(f"/v1/learners/{ids[0]}/erasure", json={"reason": "本人申请注销"})
    assert r.status_code == 200, r.text
    got, _ = await pull(client, since_token=token, include_deleted="true")
    by_id = {i["id"]: i for i in got}
    assert by_id[ids[0]]["deleted"] is True
    assert later.json()["id"] in by_id
    live, _ = await pull(client, since_token=token)
    assert ids[0] not in {i["id"] for i in live}


@pytest.mark.parametrize(
    ("params", "rule"),
    [
        ({"since_token": "abc"}, "since_token_invalid"),
        ({"since_token": "-1"}, "since_token_invalid"),
        ({"since_token": str(2**63)}, "since_token_invalid"),
        ({"since_token": "1", "updated_since": "2026-01-01T00:00:00+08:00"}, "since_token_conflict"),
    ],
)
async def test_a_bad_token_is_a_400_naming_it(tp, params, rule):
    school = await tp.new_org()
    r = await tp.as_org(school).get("/v1/learners", params=params, headers={"Accept-Language": "en"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    errors = r.json()["errors"]
    assert [(e["loc"], e["type"]) for e in errors] == [(["query", "since_token"], rule)]
    assert "since_token" in r.json()["detail"]
