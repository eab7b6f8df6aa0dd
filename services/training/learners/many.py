"""Registering many learners at once, set-based: what `service.register_learner` does for one item, done for a whole
`POST /v1/learners/batch` or roster import (`batch.py`) in a handful of statements — not seven per item.

docs/benchmarks.md ("Learner batch") has the figures; the steps:

1. organizations — each distinct (`org_id`, `current_org_id`) pair is checked once (`check_orgs`, cached by the
   directory), its answer applied to every item naming it;
2. keyed hashes — HMAC of every item's number under every key (current first);
3. the caller's own records — ONE statement finds each distinct (organization, number)'s record by any of its
   hashes: `existing` when the names match, `conflict` when not. An item repeating an earlier item's number (same
   organization) meets that item's record as `existing`/`conflict`, as the second of two single registrations
   would. Only the organization's own records are read: another organization's record of the person changes
   nothing (docs/learners.md);
4. persons — ONE statement finds the person of each new record's number (by any key; a hash under a previous key
   moves to the current one) `FOR SHARE` or creates it (`ON CONFLICT DO NOTHING`, in hash order so concurrent
   batches take the unique index's locks in one order); a person created concurrently after the statement's
   snapshot is read by a second statement. The statement is sent first and runs while this process does step 5;
5. encryption — the number and the phone of each new record (AES-GCM bound to the new row's id, one nonce draw for
   the batch: `FieldCipher.encrypt_many`), masks, gender and birth year, name bigrams, the audit diff;
6. records — ONE statement inserts the new records (`ON CONFLICT DO NOTHING` on the per-organization unique hash, in
   hash order) and, for exactly the rows it inserted, their audit rows (`create`, personal data redacted as in
   `service.AUDIT.snapshot`) and `learner.created` events (`seq` 1, the payload of `service._event`); the person
   reference is checked once for the statement (migration c2e4a6b8d0f1). A record another transaction of the same
   organization inserted first is read back and its items become `existing`/`conflict`.

Nothing is written for an item that failed. With `all_or_nothing`, nothing at all is written when any item failed;
with `save=False` (a dry run) nothing is written either: the results are what a save would give."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.audit import REDACTED as REDACTED_MARK
from chanjiao.batch import Timings, pg_text_array, raw_connection
from chanjiao.errors import AppError, Conflict
from chanjiao.ids import new_id, new_id_text
from chanjiao.observability import request_id_var
from chanjiao.validators import cjk_bigrams
from services.training.learners import personal
from services.training.learners.schemas import LearnerCreate
from services.training.learners.service import REDACTED, name_conflict

# Checks the organizations an item references (field → id): 422 when missing or inactive, 503 when unknown.
CheckOrgs = Callable[[dict[str, uuid.UUID | None]], Awaitable[Any]]


@dataclass(frozen=True)
class Entry:
    """A valid item and the organization it registers for."""

    data: LearnerCreate
    org_id: uuid.UUID


@dataclass(frozen=True)
class Done:
    """A registered item: its record (`id`; None when nothing was saved) and whether the item created it."""

    id: uuid.UUID | None
    created: bool


Result = Done | AppError

# The caller's own record of each (organization, number), by any of the number's hashes (current key first). Probes the
# unique index (owner_org_id, id_number_hash) once per hash; reads no other organization's record.
_OWN = """
select distinct on (k.key) k.key, l.id, l.name, l.id_number_hash
from unnest($1::int[], $2::uuid[], $3::bytea[], $4::int[]) as k(key, owner, hash, rank)
join learners l on l.owner_org_id = k.owner and l.id_number_hash = k.hash
order by k.key, k.rank
"""

# The person of each number: found by any of its hashes (locked FOR SHARE, so an erasure releasing it waits for this
# transaction), moved to the current hash when found under a previous key, else created. Returns (current hash,
# person id) for each number it found or created; a number missing from the answer was created by a concurrent
# transaction after this statement's snapshot (`_PERSONS_AGAIN` reads it).
_PERSONS = """
with keys as (
    select * from unnest($1::bytea[], $2::bytea[], $3::int[]) as k(cur, hash, rank)
), locked as (
    select p.id, p.id_number_hash from persons p where p.id_number_hash = any($2::bytea[]) order by p.id for share
), found as (
    select distinct on (k.cur) k.cur, l.id, l.id_number_hash
    from keys k join locked l on l.id_number_hash = k.hash
    order by k.cur, k.rank
), added as (
    insert into persons (id, id_number_hash, created_at)
    select n.id, n.cur, now() from unnest($4::bytea[], $5::text[]::uuid[]) as n(cur, id)
    where not exists (select from found f where f.cur = n.cur)
    order by n.cur
    on conflict (id_number_hash) do nothing
    returning id, id_number_hash
), moved as (
    update persons p set id_number_hash = f.cur from found f where p.id = f.id and f.id_number_hash <> f.cur
)
select id_number_hash as cur, id from added
union all
select cur, id from found
"""
_PERSONS_AGAIN = "select id_number_hash as cur, id from persons where id_number_hash = any($1::bytea[])"

# The new records, and — for exactly the rows inserted — their audit rows and `learner.created` events.
_INSERT = """
with staged as (
    select s.*, d.value as diff
    from unnest(
        $1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::bytea[], $9::text[],
        $10::text[], $11::int[], $12::bytea[], $13::text[], $14::text[], $15::uuid[], $16::text[]::uuid[],
        $17::text[]::uuid[]
    ) with ordinality as s(id, owner_org_id, person_id, name, bigrams, id_type, id_number_hash, id_number_ciphertext,
        id_number_masked, gender, birth_year, phone_ciphertext, phone_masked, learner_type, current_org_id, audit_id,
        event_id, ord)
    join jsonb_array_elements($18::jsonb) with ordinality as d(value, ord) on d.ord = s.ord
), inserted as (
    insert into learners (id, owner_org_id, person_id, name, name_bigrams, id_type, id_number_hash,
        id_number_ciphertext, id_number_masked, gender, birth_year, phone_ciphertext, phone_masked, learner_type,
        current_org_id, version, created_at, updated_at)
    select id, owner_org_id, person_id, name, bigrams::text[], id_type,
        id_number_hash, id_number_ciphertext, id_number_masked, gender, birth_year::smallint, phone_ciphertext,
        phone_masked, learner_type, current_org_id, 1, now(), now()
    from staged
    order by owner_org_id, id_number_hash
    on conflict (owner_org_id, id_number_hash) where id_number_hash is not null do nothing
    returning id
), audited as (
    insert into audit_log (id, entity, entity_id, action, actor, request_id, diff)
    select s.audit_id, 'learner', s.id, 'create', $19, $20, s.diff
    from staged s join inserted i on i.id = s.id
), announced as (
    insert into outbox (event_id, type, aggregate_type, aggregate_id, seq, occurred_at, actor, schema_version,
                        payload, attempts)
    select s.event_id, 'learner.created', 'learner', s.id, 1, now(), $19, 1,
        jsonb_build_object(
            'id', s.id, 'owner_org_id', s.owner_org_id, 'id_type', s.id_type, 'learner_type', s.learner_type,
            'current_org_id', s.current_org_id, 'erased', false
        ),
        0
    from staged s join inserted i on i.id = s.id
)
select id from inserted
"""

# An existing record hashed under a previous key moves to the current one (as `service._existing` does).
_REHASH = """
update learners l set id_number_hash = m.cur
from unnest($1::uuid[], $2::bytea[]) as m(id, cur) where l.id = m.id
"""

Key = tuple[uuid.UUID, bytes]  # (organization, current hash of the number)


@dataclass
class _Found:
    id: uuid.UUID
    name: str
    hash: bytes


def _meet(found: _Found, data: LearnerCreate) -> Result:
    """An item whose number the organization holds: its record when the names match, else the conflict."""
    return Done(found.id, created=False) if personal.names_match(found.name, data.name) else name_conflict()


def _create_diff(data: LearnerCreate, number_hash: bytes, gender: str | None, birth_year: int | None) -> dict:
    """The audit diff of a create, exactly what `chanjiao.audit.diff(None, service.AUDIT.snapshot(learner), redact=
    service.REDACTED)` gives (`{field: [null, value]}`, sorted, the fields that are set; personal data redacted) —
    built directly: `diff` walks two dicts through `to_jsonable_python`, which cost as much as the encryption."""
    after = {
        "birth_year": birth_year,
        "current_org_id": None if data.current_org_id is None else str(data.current_org_id),
        "gender": gender,
        "id_number": number_hash.hex(),
        "id_type": data.id_type.value,
        "learner_type": data.learner_type.value,
        "name": data.name,
        "phone": "set" if data.phone is not None else None,
    }
    return {
        k: [REDACTED_MARK, REDACTED_MARK] if k in REDACTED else [None, v] for k, v in after.items() if v is not None
    }


async def _own(apg: Any, keys: Sequence[Key], hashes: dict[Key, list[bytes]]) -> dict[Key, _Found]:
    """The organization's own record of each key (by any of its hashes), if it holds one."""
    if not keys:
        return {}
    flat = [(k, key[0], h, rank) for k, key in enumerate(keys) for rank, h in enumerate(hashes[key])]
    rows = await apg.fetch(_OWN, *(list(c) for c in zip(*flat, strict=True)))
    return {keys[r["key"]]: _Found(r["id"], r["name"], bytes(r["id_number_hash"])) for r in rows}


async def _persons(apg: Any, wanted: dict[bytes, list[bytes]]) -> dict[bytes, uuid.UUID]:
    """The person of each number (current hash → every hash), found or created."""
    current = sorted(wanted)
    cur, hs, ranks = [], [], []
    for c in current:
        for rank, h in enumerate(wanted[c]):
            cur.append(c)
            hs.append(h)
            ranks.append(rank)
    if not current:
        return {}
    rows = await apg.fetch(_PERSONS, cur, hs, ranks, current, [new_id_text() for _ in current])
    out = {bytes(r["cur"]): r["id"] for r in rows}
    missing = [c for c in current if c not in out]
    if missing:  # created by a concurrent registration after the statement's snapshot (and committed)
        out |= {bytes(r["cur"]): r["id"] for r in await apg.fetch(_PERSONS_AGAIN, missing)}
        if any(c not in out for c in missing):  # pragma: no cover - created and erased between the two statements
            raise Conflict(detail_zh="请重试", detail_en="Please retry", headers={"Retry-After": "1"})
    return out


def _new_rows(
    entries: Sequence[Entry | None], creators: dict[Key, int], new_ids: dict[int, uuid.UUID], pd: personal.PersonalData
) -> tuple[list[list[Any]], list[dict[str, Any]]]:
    """The rows of the new records (in `creators` order; the person, column 2, is filled in later) and their audit
    diffs: ciphertexts bound to each new row's id (one `encrypt_many` for all numbers and phones), masks, gender and
    birth year."""
    rows: list[list[Any]] = []
    diffs: list[dict[str, Any]] = []
    plaintexts: list[tuple[str, str]] = []
    for key, i in creators.items():
        entry = entries[i]
        assert entry is not None
        data, lid = entry.data, new_ids[i]
        id_type, number, phone = data.id_type.value, data.id_number, data.phone
        gender, birth_year = personal.gender_and_birth_year(id_type, number)
        row_id = str(lid)  # the contexts' row id, made once
        plaintexts.append((number, personal.id_number_context(row_id)))
        if phone is not None:
            plaintexts.append((phone, personal.phone_context(row_id)))
        rows.append(
            [
                lid,
                entry.org_id,
                None,
                data.name,
                pg_text_array(cjk_bigrams(data.name)),
                id_type,
                key[1],
                None,  # the number's ciphertext: below
                personal.mask_number(number),
                gender,
                birth_year,
                phone,  # → its ciphertext: below
                None if phone is None else f"{phone[:3]}****{phone[-4:]}",  # `mask_phone` of the clean number
                data.learner_type.value,
                data.current_org_id,
                new_id_text(),  # its audit row's id (uuidv7() in SQL costs ≈ 24 µs a call: docs/benchmarks.md)
                new_id_text(),  # its event's id
            ]
        )
        diffs.append(_create_diff(data, key[1], gender, birth_year))
    sealed = iter(pd.cipher.encrypt_many(plaintexts))
    for row in rows:
        row[7] = next(sealed)
        if row[11] is not None:
            row[11] = next(sealed)
    return rows, diffs


async def register_many(
    session: AsyncSession,
    entries: Sequence[Entry | None],
    *,
    check_orgs: CheckOrgs,
    pd: personal.PersonalData,
    actor: str,
    save: bool = True,
    all_or_nothing: bool = False,
    timings: Timings | None = None,
) -> list[Result | None]:
    """One result per entry (None where the entry is None): `Done`, or the item's 4xx problem. A 5xx (membership
    cannot answer) is raised for the whole batch."""
    timings = timings if timings is not None else Timings()
    results: list[Result | None] = [None] * len(entries)

    # 1. organizations, once per distinct pair
    verdicts: dict[tuple[uuid.UUID, uuid.UUID | None], AppError | None] = {}
    for i, entry in enumerate(entries):
        if entry is None:
            continue
        pair = (entry.org_id, entry.data.current_org_id)
        if pair not in verdicts:
            try:
                await check_orgs({"org_id": pair[0], "current_org_id": pair[1]})
                verdicts[pair] = None
            except AppError as exc:
                if exc.status >= 500:
                    raise
                verdicts[pair] = exc
        results[i] = verdicts[pair]
    timings.lap("check_orgs")

    # 2. keyed hashes (of every key: a record hashed before a rotation is found too)
    live = [i for i, e in enumerate(entries) if e is not None and results[i] is None]
    key_of: dict[int, Key] = {}
    hashes: dict[Key, list[bytes]] = {}
    for i in live:
        entry = entries[i]
        assert entry is not None
        hs = pd.hashes(entry.data.id_type.value, entry.data.id_number)
        key_of[i] = key = (entry.org_id, hs[0])
        hashes.setdefault(key, hs)
    # 3. the organization's own records
    apg = await raw_connection(session)
    own = await _own(apg, list(hashes), hashes)
    timings.lap("lookup")

    creators: dict[Key, int] = {}  # the first item of each number the organization does not hold yet
    new_ids: dict[int, uuid.UUID] = {}
    rehash: dict[uuid.UUID, bytes] = {}
    for i in live:
        entry, key = entries[i], key_of[i]
        assert entry is not None
        found = own.get(key)
        if found is not None:
            results[i] = _meet(found, entry.data)
            if isinstance(results[i], Done) and found.hash != key[1]:
                rehash[found.id] = key[1]
        elif key in creators:
            first = entries[creators[key]]
            assert first is not None
            results[i] = _meet(_Found(new_ids[creators[key]], first.data.name, key[1]), entry.data)
        else:
            creators[key] = i
            new_ids[i] = new_id()
            results[i] = Done(new_ids[i], created=True)
    failed = any(isinstance(r, AppError) for r in results)
    timings.lap("classify")
    if not save or (all_or_nothing and failed):
        return [Done(None, r.created) if isinstance(r, Done) else r for r in results]

    # 4. persons (also for existing records whose hash moves to the current key): the statement is sent now and
    # answered while step 5 runs — the database's work and this process's overlap instead of taking turns.
    wanted = {key[1]: hashes[key] for key in creators}
    for key, found in own.items():
        if found.id in rehash:
            wanted[key[1]] = hashes[key]
    persons_found = asyncio.ensure_future(_persons(apg, wanted))
    await asyncio.sleep(0)  # let it send the statement

    # 5. encryption and the rest of each new record
    try:
        rows, diffs = _new_rows(entries, creators, new_ids, pd)
    finally:
        persons = await persons_found
    for row in rows:
        row[2] = persons[row[6]]
    cols = [list(c) for c in zip(*rows, strict=True)]
    timings.lap("encrypt")

    # 6. the records, their audit rows and events; the rehashed existing records
    inserted: set[uuid.UUID] = set()
    if creators:
        written = await apg.fetch(
            _INSERT,
            *cols,
            json.dumps(diffs, ensure_ascii=False),
            actor,
            request_id_var.get(),
        )
        inserted = {r["id"] for r in written}
    if rehash:
        await apg.execute(_REHASH, list(rehash), list(rehash.values()))
    lost = [key for key, i in creators.items() if new_ids[i] not in inserted]
    if lost:  # another transaction of the same organization registered these numbers first (and has committed)
        again = await _own(apg, lost, hashes)
        for i in live:
            key = key_of[i]
            if key in again:
                entry = entries[i]
                assert entry is not None
                results[i] = _meet(again[key], entry.data)
            elif key in lost:  # pragma: no cover - erased between the two statements
                results[i] = Conflict(detail_zh="请重试", detail_en="Please retry", headers={"Retry-After": "1"})
    timings.lap("write")
    return results
