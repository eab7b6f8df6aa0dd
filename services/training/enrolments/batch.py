"""`POST /v1/enrolments/batch`: up to 1000 enrolments, checked and written set-based.

Built for speed (issue 5, "Batch ingestion of 100 k enrolments"): no ORM objects and no statement per item.

1. Each item is validated with pydantic on its own (an invalid item fails alone).
2. The programmes named by the valid items are read once: each must be the caller's (any other organization's
   programme makes the whole batch 403 — nothing is written); their providers must be active (the organization
   directory, before anything is written; 503 past the cache TTL when membership is down).
3. The valid items are COPYed (asyncpg `copy_records_to_table`, binary) into a temporary staging table on the
   session's own connection (`ON COMMIT DELETE ROWS`, created once per connection).
4. The programmes are locked (`FOR UPDATE`, in id order), then ONE statement gives every staged row its verdict:
   learner exists and programme exists, not already enrolled (a `LATERAL … LIMIT 1` probe of the partial unique
   index per staged row — never a scan of all enrolments), not twice in the batch, and a seat left —
   `row_number()` over the programme's valid rows in item order against `capacity − enrolled_count`, so the
   remaining seats go to the first items.
5. ONE statement (data-modifying CTEs over the accepted rows) writes the enrolments, raises `enrolled_count` per
   programme, links the learners to the provider organization (`ON CONFLICT DO NOTHING`), adds one
   `enrolment.created` outbox event per enrolment (the same envelope as a single create, built in SQL) and ONE
   audit row for the batch (entity `enrolment_batch`, listing the ids created; its diff built in SQL).

Valid items commit, invalid ones touch nothing; with `atomic=true` any failure rolls everything back. The
phases are timed for the `Server-Timing` header."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal, ensure_org
from chanjiao.batch import BatchCounts, item_problem, not_committed, validation_failure
from chanjiao.dates import today
from chanjiao.errors import (
    AppError,
    ValidationFailed,
    field_error,
)
from chanjiao.ids import new_id
from chanjiao.observability import request_id_var
from services.training.enrolments import service
from services.training.enrolments.schemas import BatchItemResult, EnrolmentCreate
from services.training.learners.service import not_found as learner_not_found
from services.training.orgs import OrgDirectory

STAGING = "enrolment_staging"
_COLUMNS = ("idx", "id", "learner_id", "programme_id", "enrolled_on")

_CREATE_STAGING = sa.text(
    f"""create temporary table if not exists {STAGING} (
        idx int primary key, id uuid not null, learner_id uuid not null, programme_id uuid not null,
        enrolled_on date not null, problem text, existing_id uuid
    ) on commit delete rows"""
)

_VERDICT = sa.text(
    f"""
    with v as (
        select s.idx, s.programme_id, e.id as existing_id,
            case
                when l.id is null then 'learner_not_found'
                when l.erased_at is not null then 'learner_erased'
                when p.id is null then 'programme_not_found'
                when e.id is not null then 'duplicate'
                when row_number() over (partition by s.learner_id, s.programme_id order by s.idx) > 1
                    then 'duplicate_in_batch'
            end as problem
        from {STAGING} s
        left join lateral (
            select l.id, l.erased_at from learners l where l.id = s.learner_id and l.deleted_at is null limit 1
        ) l on true
        left join programmes p on p.id = s.programme_id and p.deleted_at is null
        left join lateral (
            select e.id from enrolments e
            where e.learner_id = s.learner_id and e.programme_id = s.programme_id
                and e.status <> 'dropped' and e.deleted_at is null
            limit 1
        ) e on true
    ), seated as (
        select v.idx, v.existing_id,
            case
                when v.problem is null and p.capacity is not null
                    and row_number() over (partition by v.programme_id, v.problem is null order by v.idx)
                        > p.capacity - p.enrolled_count
                    then 'programme_full'
                else v.problem
            end as problem
        from v left join programmes p on p.id = v.programme_id
    )
    update {STAGING} t set problem = seated.problem, existing_id = seated.existing_id
    from seated where t.idx = seated.idx and seated.problem is not null
    returning t.idx, t.problem, t.existing_id
    """
)

# Everything a batch writes, in ONE statement (data-modifying CTEs, all fed by the staged rows that passed): the
# enrolments in item order, `enrolled_count` per programme, the learners' links to the provider organization, one
# `enrolment.created` event per enrolment (its envelope built in SQL), and the batch's audit row — whose `diff` is
# what `chanjiao.audit.diff(None, after)` gives for a create: `{field: [null, value]}`.
_WRITE = sa.text(
    f"""
    with accepted as materialized (
        select s.idx, s.id, s.learner_id, s.programme_id, s.enrolled_on, p.provider_org_id
        from {STAGING} s join programmes p on p.id = s.programme_id
        where s.problem is null
    ), enrolled as (
        insert into enrolments (id, learner_id, programme_id, status, enrolled_on, status_changed_on, version,
                                created_at, updated_at)
        select id, learner_id, programme_id, 'enrolled', enrolled_on, enrolled_on, 1, now(), now()
        from accepted order by idx
    ), counted as (
        update programmes p set enrolled_count = p.enrolled_count + c.n
        from (select programme_id, count(*) as n from accepted group by programme_id) c
        where p.id = c.programme_id
    ), linked as (
        insert into learner_orgs (learner_id, org_id, via, linked_at)
        select distinct learner_id, provider_org_id, 'enrolment', now() from accepted
        on conflict do nothing
    ), events as (
        insert into outbox (event_id, type, aggregate_type, aggregate_id, seq, occurred_at, actor, schema_version,
                            payload, attempts)
        select uuidv7(), 'enrolment.created', 'enrolment', a.id, 1, now(), :actor, 1,
            jsonb_build_object('id', a.id, 'learner_id', a.learner_id, 'programme_id', a.programme_id,
                               'status', 'enrolled', 'enrolled_on', a.enrolled_on,
                               'status_changed_on', a.enrolled_on, 'provider_org_id', a.provider_org_id,
                               'batch_id', cast(:batch_id as uuid)),
            0
        from accepted a order by a.idx
    )
    insert into audit_log (id, entity, entity_id, action, actor, request_id, diff)
    select cast(:audit_id as uuid), 'enrolment_batch', cast(:batch_id as uuid), 'create', :actor, :request_id,
        jsonb_build_object(
            'created', jsonb_build_array(null, count(*)),
            'enrolment_ids', jsonb_build_array(null, jsonb_agg(cast(a.id as text) order by a.idx)),
            'programme_ids', jsonb_build_array(null, cast(:programme_ids as jsonb))
        )
    from accepted a
    """
)


class BatchRejected(ValidationFailed):
    slug = "batch-rejected"
    title_zh, title_en = "批量报名未通过，未保存任何数据", "Batch rejected; nothing was saved"


@dataclass
class Timings:
    """Phases of one batch, in milliseconds, for `Server-Timing`."""

    marks: dict[str, float] = field(default_factory=dict)
    _t: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.marks[name] = self.marks.get(name, 0.0) + (now - self._t) * 1000
        self._t = now

    def header(self) -> str:
        total = sum(self.marks.values())
        parts = [f"{k};dur={v:.1f}" for k, v in self.marks.items()]
        return ", ".join([*parts, f"batch;dur={total:.1f}"])


@dataclass
class BatchOutcome(BatchCounts):
    results: list[BatchItemResult]
    timings: Timings
    batch_id: uuid.UUID | None = None


def _problem_error(problem: str, index: int, existing_id: uuid.UUID | None) -> AppError:
    loc: list[str | int] = ["body", "items", index]
    if problem == "learner_not_found":
        return learner_not_found()
    if problem == "learner_erased":
        return service.erased()
    if problem == "programme_not_found":
        return service.programme_not_found([*loc, "programme_id"])
    if problem == "duplicate":
        return service.duplicate(existing_id)
    if problem == "duplicate_in_batch":
        return service.DuplicateEnrolment(
            detail_zh="同一学员与项目在本批中出现了两次",
            detail_en="The same learner and programme appear twice in this batch",
        )
    return service.programme_full()


async def raw_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under the session (same transaction)."""
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    return raw.driver_connection


async def enrol_many(
    session: AsyncSession,
    *,
    items: list[Any],
    principal: Principal,
    directory: OrgDirectory,
    atomic: bool,
    english: bool,
    instance: str,
    request_id: str | None,
) -> BatchOutcome:
    timings = Timings()
    errors: dict[int, AppError] = {}
    valid: list[tuple[int, EnrolmentCreate]] = []
    day = today()
    for index, raw in enumerate(items):
        try:
            data = EnrolmentCreate.model_validate(raw)
        except ValidationError as exc:
            errors[index] = validation_failure(exc, ["body", "items", index])
            continue
        if data.enrolled_on is not None and data.enrolled_on > day:
            errors[index] = field_error(
                ["body", "items", index, "enrolled_on"],
                "not_in_future",
                "日期不能晚于今天（北京时间）",
                "The date cannot be after today (Asia/Shanghai)",
            )
            continue
        valid.append((index, data))
    timings.lap("validate")

    # The programmes: the caller's own (else 403 for the whole batch), their providers active (else 422/503).
    programme_ids = sorted({d.programme_id for _, d in valid})
    programmes = {}
    if programme_ids:
        rows = await session.execute(
            sa.text("select id, provider_org_id from programmes where id = any(:ids) and deleted_at is null"),
            {"ids": programme_ids},
        )
        programmes = {r.id: r.provider_org_id for r in rows}
    for provider in set(programmes.values()):
        ensure_org(principal, provider)
    providers = sorted(set(programmes.values()))
    if providers:
        await directory.require_active({f"provider_org_id.{i}": p for i, p in enumerate(providers)})
    timings.lap("check_orgs")

    staged = [(i, d) for i, d in valid]
    ids: dict[int, uuid.UUID] = {}
    results: dict[int, BatchItemResult] = {}
    batch_id = new_id()
    if staged:
        await session.execute(_CREATE_STAGING)
        records = []
        for index, d in staged:
            ids[index] = new_id()
            records.append((index, ids[index], d.learner_id, d.programme_id, d.enrolled_on or day))
        apg = await raw_connection(session)
        await apg.copy_records_to_table(STAGING, records=records, columns=_COLUMNS)
        # Temporary tables are never auto-analysed: without statistics the planner guesses badly and hash-joins
        # whole tables; with them the verdict is index look-ups per staged row.
        await apg.execute(f"analyze {STAGING}")
        timings.lap("copy")
        if programme_ids:
            await session.execute(
                sa.text("select id from programmes where id = any(:ids) order by id for update"), {"ids": programme_ids}
            )
            timings.lap("lock")  # waiting for concurrent enrolments in the same programmes
        for r in (await session.execute(_VERDICT)).all():
            errors[r.idx] = _problem_error(r.problem, r.idx, r.existing_id)
        timings.lap("check")
    for index in range(len(items)):
        if index in errors:
            exc = errors[index]
            results[index] = BatchItemResult(
                index=index,
                status=exc.status,
                existing_id=exc.extra.get("existing_id"),
                problem=item_problem(
                    exc, english=english, instance=f"{instance}#/items/{index}", request_id=request_id
                ),
            )
        else:
            results[index] = BatchItemResult(index=index, status=201, id=ids[index])
    outcome = BatchOutcome(results=[results[i] for i in range(len(items))], timings=timings, batch_id=batch_id)
    if (atomic and errors) or outcome.created == 0:
        return outcome
    await session.execute(
        _WRITE,
        {
            "actor": principal.actor,
            "batch_id": str(batch_id),
            "audit_id": str(new_id()),
            "request_id": request_id_var.get(),
            "programme_ids": json.dumps([str(p) for p in programme_ids]),
        },
    )
    timings.lap("write")
    return outcome


def reject_atomic(outcome: BatchOutcome) -> BatchRejected:
    """The 422 of an atomic batch with errors: every item's result, valid ones as 424 (not committed)."""
    results = not_committed(outcome.results)
    return BatchRejected(
        detail_zh=f"{outcome.failed} 项未通过，整批未保存（atomic=true）",
        detail_en=f"{outcome.failed} item(s) failed; with atomic=true nothing was saved",
        extra={
            "committed": False,
            "created": 0,
            "failed": outcome.failed,
            "results": [r.model_dump(mode="json", exclude_none=True) for r in results],
        },
    )
