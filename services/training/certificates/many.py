"""Writing many certificates at once, set-based: what `service.create` does for one certificate, done for a whole
`POST /v1/certificates/batch` or spreadsheet import (`batch.py`, `imports.py`) in ONE statement — not a handful
per item.

The items arrive checked (holder, organizations, programme, the body's own rules: `batch.py`); `_WRITE` then

1. gives every item its verdict on the number, unique per issuer (the partial unique indexes of
   `models.Certificate`): `number_taken` when the table has it (a `LATERAL … LIMIT 1` probe of the index per item,
   never a scan), `number_twice` when an earlier item of the batch has the same issuer and number;
2. inserts the accepted items (none at all when `atomic` and any item failed) with `ON CONFLICT DO NOTHING`, so a
   concurrent twin that committed after the snapshot makes its item `number_taken` rather than the batch a 500;
3. for exactly the rows inserted: the verification record (code hash, code ciphertext, snapshot — the signed body
   stays NULL and is signed on the first verification, `routes_verify.py`), the audit row (`create`, the diff of
   `chanjiao.audit.diff(None, after)`) and the event `certificate.issued` / `certificate.recorded` (`seq` 1, the
   payload of `service.create`: the id and the audited values).

Nothing is written for an item that failed; with `save=False` (a dry run) nothing at all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.batch import pg_text_array, raw_connection
from chanjiao.ids import new_id
from chanjiao.observability import request_id_var
from chanjiao.resources import BOOKKEEPING
from services.training.certificates import verification
from services.training.certificates.models import Certificate
from services.training.certificates.numbers import Numbers
from services.training.certificates.service import AUDIT
from services.training.settings import TrainingSettings

# The audited columns, in the order of the table (what `service.AUDIT.snapshot` gives for a row), and what a new
# certificate holds in those the items do not carry.
AUDITED = [
    a.key for a in sa.inspect(Certificate).column_attrs if a.key not in BOOKKEEPING and a.key not in AUDIT.exclude
]
_NEW = {"status": "'active'", "status_reason": "null", "status_changed_on": "null", "replaces_id": "null"}
_NEW |= {"appraisal_id": "null"}


def _value(column: str) -> str:
    return _NEW.get(column, f"a.{column}")


# Built in SQL from the columns, as the single create builds them in Python: the audited values (the event's
# payload), the audit diff of a create (`chanjiao.audit.diff(None, after)`: `[null, value]` for every value that is
# not null) and the verification snapshot (`verification.snapshot`).
_AFTER = ", ".join(f"'{c}', {_value(c)}" for c in AUDITED)
_DIFF = ", ".join(
    f"'{c}', case when {_value(c)} is null then null else jsonb_build_array(null, {_value(c)}) end" for c in AUDITED
)
_SNAPSHOT = (
    "'certificate_id', a.id, 'kind', a.kind, 'number', a.number, 'recorded', a.recorded, 'issuer_name', "
    "a.issuer_name, 'issuer_authority', a.issuer_authority, 'issuer_org_id', a.issuer_org_id, 'holder_name_masked', "
    "a.holder_name_masked, 'occupation_name', a.occupation_name, 'occupation_code', a.occupation_code, 'level', "
    "a.level, 'issued_on', a.issued_on"
)

_WRITE = f"""
with staged as (
    select * from unnest(
        $1::int[], $2::uuid[], $3::text[], $4::text[], $5::bool[], $6::text[], $7::uuid[], $8::text[], $9::uuid[],
        $10::uuid[], $11::uuid[], $12::text[], $13::text[], $14::text[], $15::text[], $16::date[], $17::date[],
        $18::date[], $19::uuid[], $20::text[], $21::bytea[], $22::bytea[], $23::text[], $28::text[], $29::text[],
        $30::bytea[]
    ) as s(idx, id, kind, number, recorded, issuer_authority, issuer_org_id, issuer_name, holder_org_id, learner_id,
        person_id, holder_name, occupation_name, occupation_code, level, issued_on, valid_until, next_review_on,
        programme_id, evidence, code_hash, code_ciphertext, holder_name_masked, number_key, number_keys,
        number_ciphertext)
), verdict as materialized (
    select s.*,
        case
            when e.id is not null then 'number_taken'
            when row_number() over (
                partition by s.recorded, case when s.recorded then s.holder_org_id else s.issuer_org_id end,
                    case when s.recorded then s.issuer_name end, s.number_key
                order by s.idx
            ) > 1 then 'number_twice'
        end as problem
    from staged s
    left join lateral (
        select c.id from certificates c
        where not s.recorded and not c.recorded and c.issuer_org_id = s.issuer_org_id
            and c.number_key = any(s.number_keys::text[])
        union all
        select c.id from certificates c
        where s.recorded and c.recorded and c.holder_org_id = s.holder_org_id and c.issuer_name = s.issuer_name
            and c.number_key = any(s.number_keys::text[])
        limit 1
    ) e on true
), accepted as materialized (
    select * from verdict
    where problem is null and $24::bool
        and (not $25::bool or not exists (select from verdict where problem is not null))
), inserted as (
    insert into certificates (id, kind, number, number_key, number_ciphertext, recorded, issuer_authority,
        issuer_org_id, issuer_name, holder_org_id, learner_id, person_id, holder_name, occupation_name,
        occupation_code, level, issued_on, valid_until, next_review_on, programme_id, status, evidence, version,
        created_at, updated_at)
    select id, kind, number, number_key, number_ciphertext, recorded, issuer_authority, issuer_org_id, issuer_name,
        holder_org_id, learner_id, person_id, holder_name, occupation_name, occupation_code, level, issued_on,
        valid_until, next_review_on, programme_id, 'active', evidence, 1, now(), now()
    from accepted
    order by idx
    on conflict do nothing
    returning id
), written as materialized (
    select a.* from accepted a join inserted i on i.id = a.id
), published as (
    insert into certificate_verifications (certificate_id, code_hash, code_ciphertext, snapshot)
    select a.id, a.code_hash, a.code_ciphertext, jsonb_build_object({_SNAPSHOT})
    from written a
), audited as (
    insert into audit_log (id, entity, entity_id, action, actor, request_id, diff)
    select uuidv7(), 'certificate', a.id, 'create', $26, $27, jsonb_strip_nulls(jsonb_build_object({_DIFF}))
    from written a
), announced as (
    insert into outbox (event_id, type, aggregate_type, aggregate_id, seq, occurred_at, actor, schema_version,
                        payload, attempts)
    select uuidv7(), case when a.recorded then 'certificate.recorded' else 'certificate.issued' end,
        'certificate', a.id, 1, now(), $26, 1, jsonb_build_object('id', a.id, {_AFTER}), 0
    from written a
)
select v.idx, coalesce(v.problem, 'number_taken') as problem
from verdict v
where v.problem is not null
    or ($24::bool and not ($25::bool and exists (select from verdict where problem is not null))
        and not exists (select from inserted i where i.id = v.id))
"""


@dataclass(frozen=True)
class Item:
    """One checked certificate to write (its defaults applied: `valid_until`, `next_review_on`)."""

    index: int
    kind: str
    number: str
    recorded: bool
    issuer_authority: str
    issuer_org_id: uuid.UUID | None
    issuer_name: str
    holder_org_id: uuid.UUID
    learner_id: uuid.UUID | None
    person_id: uuid.UUID | None
    holder_name: str
    occupation_name: str
    occupation_code: str | None
    level: str | None
    issued_on: date
    valid_until: date | None
    next_review_on: date | None
    programme_id: uuid.UUID | None
    evidence: str | None


async def write_many(
    session: AsyncSession,
    items: list[Item],
    *,
    settings: TrainingSettings,
    actor: str,
    save: bool,
    all_or_nothing: bool,
) -> tuple[dict[int, uuid.UUID], dict[int, str]]:
    """Write `items` in one statement: (the ids of the items written, by index; the problem of each item that was
    not: `number_taken` or `number_twice`). With `save=False` nothing is written and the ids are what a save would
    give; with `all_or_nothing`, nothing is written when any item failed."""
    if not items:
        return {}, {}
    ids = [new_id() for _ in items]
    apg = await raw_connection(session)
    failed = await apg.fetch(
        _WRITE, *statement_args(items, ids, settings=settings, actor=actor, save=save, all_or_nothing=all_or_nothing)
    )
    problems = {r["idx"]: r["problem"] for r in failed}
    written = {i.index: cid for i, cid in zip(items, ids, strict=True) if i.index not in problems}
    return written, problems


def statement_args(
    items: list[Item], ids: list[uuid.UUID], *, settings: TrainingSettings, actor: str, save: bool, all_or_nothing: bool
) -> list[Any]:
    """The arguments of `_WRITE` for `items` with their new `ids`: the columns as arrays, each item's verification
    code (hash, ciphertext bound to the id), verification snapshot and audited values, and each number as it is kept
    (`numbers.py`: shown, unique by — with every key's form for the probe — and sealed when it carries an ID number)."""
    codes = [verification.new_code() for _ in items]
    sealed = verification.cipher(settings).encrypt_many(
        [(code, verification.code_context(cid)) for code, cid in zip(codes, ids, strict=True)]
    )
    numbers = Numbers(settings)
    kept = [numbers.keep(i.number) for i in items]
    to_seal = [(i.number, cid) for i, cid, k in zip(items, ids, kept, strict=True) if k.sealed]
    seals = iter(numbers.seal_many(to_seal) if to_seal else [])
    return [
        [i.index for i in items],
        ids,
        [i.kind for i in items],
        [k.number for k in kept],
        [i.recorded for i in items],
        [i.issuer_authority for i in items],
        [i.issuer_org_id for i in items],
        [i.issuer_name for i in items],
        [i.holder_org_id for i in items],
        [i.learner_id for i in items],
        [i.person_id for i in items],
        [i.holder_name for i in items],
        [i.occupation_name for i in items],
        [i.occupation_code for i in items],
        [i.level for i in items],
        [i.issued_on for i in items],
        [i.valid_until for i in items],
        [i.next_review_on for i in items],
        [i.programme_id for i in items],
        [i.evidence for i in items],
        [verification.code_hash(c) for c in codes],
        sealed,
        [verification.mask_name(i.holder_name) for i in items],
        save,
        all_or_nothing,
        actor,
        request_id_var.get(),
        [k.key for k in kept],
        [pg_text_array(numbers.keys(i.number)) for i in items],
        [next(seals) if k.sealed else None for k in kept],
    ]
