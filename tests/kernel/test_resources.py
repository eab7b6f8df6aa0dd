"""The resource kit (chanjiao/resources.py) on a real table: load-or-404 with a tenant rule, the column-driven audit
snapshot and its audit rows and events, the page items, and a create's answer recorded for its replay."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from chanjiao import resources
from chanjiao.db import soft_delete
from chanjiao.errors import NotFound
from chanjiao.idempotency import IdempotentRequest
from chanjiao.ids import new_id
from chanjiao.sync_exits import Exit, ExitTombstone
from services.training.bases.models import TrainingBase
from services.training.db import kernel
from tests.conftest import Database


class BaseGone(NotFound):
    slug = "base-gone"


def gone() -> BaseGone:
    return BaseGone(detail_zh="没有该基地", detail_en="No such base")


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    engine = create_async_engine(
        database.urls["training"], connect_args={"server_settings": {"search_path": "training"}}
    )
    async with engine.connect() as conn:
        trans = await conn.begin()
        s = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield s
        finally:
            await s.close()
            await trans.rollback()
    await engine.dispose()


AUDIT = resources.Audit(kernel, "kit_base", exclude=frozenset({"major_codes"}))


async def a_base(session: AsyncSession, owner: uuid.UUID | None = None, **values: object) -> TrainingBase:
    stamp = datetime.now(UTC)
    row = TrainingBase(
        id=new_id(),
        owner_org_id=owner or new_id(),
        name="数控实训基地",
        kind="productive",
        major_codes=["460103"],
        version=1,
        created_at=stamp,
        updated_at=stamp,
        **values,
    )
    session.add(row)
    await AUDIT.created(session, row, actor="user:tester")
    return row


async def audit_rows(session: AsyncSession, entity_id: uuid.UUID) -> dict[str, dict]:
    """The entity's audit diffs by action (one row each at most, in these tests)."""
    rows = (
        await session.execute(
            sa.select(kernel.audit.c.action, kernel.audit.c.diff).where(kernel.audit.c.entity_id == entity_id)
        )
    ).all()
    assert len({r.action for r in rows}) == len(rows)
    return {r.action: r.diff for r in rows}


async def events(session: AsyncSession, entity_id: uuid.UUID) -> list[sa.Row]:
    return list(
        (
            await session.execute(
                sa.select(kernel.outbox.c.type, kernel.outbox.c.payload, kernel.outbox.c.seq)
                .where(kernel.outbox.c.aggregate_id == entity_id)
                .order_by(kernel.outbox.c.seq)
            )
        ).all()
    )


async def test_load_answers_the_live_row_or_the_nouns_404(session: AsyncSession) -> None:
    owner = new_id()
    base = await a_base(session, owner)
    found = await resources.load(session, TrainingBase, base.id, not_found=gone)
    assert found.id == base.id
    mine = await resources.load(session, TrainingBase, base.id, not_found=gone, rule=lambda r: r.owner_org_id == owner)
    assert mine.id == base.id

    with pytest.raises(BaseGone):
        await resources.load(session, TrainingBase, new_id(), not_found=gone)
    with pytest.raises(BaseGone):  # another tenant's row answers as if it did not exist
        await resources.load(session, TrainingBase, base.id, not_found=gone, rule=lambda r: r.owner_org_id != owner)
    await soft_delete(session, base)
    with pytest.raises(BaseGone):
        await resources.load(session, TrainingBase, base.id, not_found=gone, for_update=True)


async def test_snapshot_reads_the_columns_without_bookkeeping_or_excluded_ones(session: AsyncSession) -> None:
    base = await a_base(session, stations=12)
    snap = resources.snapshot(base, exclude=("major_codes",))
    assert snap["name"] == "数控实训基地" and snap["stations"] == 12 and snap["kind"] == "productive"
    assert not {"id", "version", "created_at", "updated_at", "deleted_at", "major_codes"} & set(snap)
    assert "major_codes" in resources.snapshot(base)


async def test_audit_writes_one_row_and_one_event_per_change_and_none_for_no_change(session: AsyncSession) -> None:
    base = await a_base(session, stations=12)
    diff = (await audit_rows(session, base.id))["create"]
    assert diff["stations"] == [None, 12] and "major_codes" not in diff
    [(kind, payload, _)] = await events(session, base.id)
    assert kind == "kit_base.created" and payload["stations"] == 12 and payload["id"] == str(base.id)

    before = AUDIT.snapshot(base)
    base.major_codes = ["460104"]  # excluded: not a change the trail records
    assert await AUDIT.updated(session, base, actor="user:tester", before=before) is False
    assert base.version == 1 and len(await audit_rows(session, base.id)) == 1

    before = AUDIT.snapshot(base)
    base.stations = 20
    assert await AUDIT.updated(session, base, actor="user:tester", before=before) is True
    assert base.version == 2
    assert (await audit_rows(session, base.id))["update"] == {"stations": [12, 20]}
    kind, payload, seq = (await events(session, base.id))[-1]
    assert (kind, payload, seq) == ("kit_base.updated", {"id": str(base.id), "changed": {"stations": 20}}, 2)

    before = AUDIT.snapshot(base)
    await soft_delete(session, base)
    await AUDIT.deleted(session, base, actor="user:tester", before=before)
    assert (await audit_rows(session, base.id))["delete"]["stations"] == [20, None]
    assert [e.type for e in await events(session, base.id)][-1] == "kit_base.deleted"


class Shown(BaseModel):
    id: uuid.UUID
    name: str


class Gone(BaseModel):
    id: uuid.UUID
    deleted: bool = True
    deleted_at: datetime


async def test_render_rows_gives_items_tombstones_and_exits(session: AsyncSession) -> None:
    live, dead = await a_base(session), await a_base(session)
    await soft_delete(session, dead)
    left = Exit(id=new_id(), left_at=datetime.now(UTC))
    items = resources.render_rows([live, dead, left], lambda r: Shown(id=r.id, name=r.name), Gone)
    assert items[0] == Shown(id=live.id, name="数控实训基地")
    assert isinstance(items[1], Gone) and items[1].id == dead.id and items[1].deleted_at == dead.deleted_at
    assert items[2] == ExitTombstone.of(left)


class Versioned(BaseModel):
    id: uuid.UUID
    version: int
    updated_at: datetime


async def test_created_and_one_answer_with_the_etag_and_not_modified_on_a_matching_tag(session: AsyncSession) -> None:
    base = await a_base(session)
    body = Versioned(id=base.id, version=base.version, updated_at=base.updated_at)
    response = await resources.created(session, IdempotentRequest(), body, location=f"/v1/x/{base.id}")
    assert response.status_code == 201
    assert response.headers["location"] == f"/v1/x/{base.id}" and response.headers["etag"] == '"1"'
    assert json.loads(response.body)["id"] == str(base.id)
    assert "last-modified" in resources.one(body).headers

    hit = resources.not_modified('W/"1", "7"', 1)
    assert hit is not None and hit.status_code == 304 and hit.headers["etag"] == '"1"'
    assert resources.not_modified('"2"', 1) is None and resources.not_modified(None, 1) is None


async def test_created_records_the_replay_in_the_same_transaction(session: AsyncSession) -> None:
    table = kernel.idempotency
    scope = uuid.uuid4().bytes * 2
    await session.execute(
        sa.insert(table).values(
            scope_hash=scope, request_hmac=b"x", state="in_flight", expires_at=sa.func.now() + sa.text("interval '1 h'")
        )
    )
    base = await a_base(session)
    body = Versioned(id=base.id, version=1, updated_at=base.updated_at)
    idem = IdempotentRequest(table=table, scope_hash=scope)
    await resources.created(session, idem, body, location="/v1/x")
    stored = (await session.execute(sa.select(table).where(table.c.scope_hash == scope))).one()
    assert stored.state == "done" and stored.response_status == 201
    assert stored.response_headers["location"] == "/v1/x" and json.loads(stored.response_body)["version"] == 1


async def test_redacted_fields_say_only_that_they_changed(session: AsyncSession) -> None:
    audit = resources.Audit(kernel, "kit_named", redact=frozenset({"name"}))
    base = await a_base(session)
    before = audit.snapshot(base)
    base.name = "新名称实训基地"
    assert await audit.updated(session, base, actor="user:tester", before=before)
    diff = (await audit_rows(session, base.id))["update"]
    assert diff == {"name": ["[redacted]", "[redacted]"]}
