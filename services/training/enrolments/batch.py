"""`POST /v1/enrolments/batch`: up to 1000 enrolments, checked and written set-based.

Built for speed (docs/benchmarks.md, "batch ingestion"): no ORM objects and no statement per item.

1. The body is validated by `chanjiao.batch.BatchBody` (in one pydantic-core pass from the request bytes when every
   item is valid; item by item otherwise, so that an invalid item fails alone).
2. The programmes named by the valid items are read once: each must be the caller's (any other organization's
   programme makes the whole batch 403 — nothing is written); their providers must be active (the organization
   directory, before anything is written; 503 past the cache TTL when membership is down).
3. The programmes are locked (`FOR UPDATE`, in id order): concurrent batches for one programme take turns, and the
   next statement's snapshot sees what the previous one committed.
4. ONE statement (`_ENROL`, below) gives every item its verdict and writes the accepted ones.

Valid items commit, invalid ones touch nothing; with `atomic=true` any failure rolls everything back. The
phases are timed for the `Server-Timing` header."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal, ensure_org
from chanjiao.batch import ParsedBatch, Timings, item_problem, not_committed_items, raw_connection
from chanjiao.dates import today
from chanjiao.errors import (
    AppError,
    ValidationFailed,
    field_error,
)
from chanjiao.ids import new_id, new_id_text
from chanjiao.observability import request_id_var
from services.training.enrolments import service
from services.training.enrolments.schemas import EnrolmentCreate
from services.training.learners.service import not_found as learner_not_found
from services.training.learners.service import principal_org
from services.training.orgs import OrgDirectory

# ONE statement checks and writes a whole batch. The items arrive as five arrays (`unnest`: no staging table, no
# COPY, no separate round trips); every CTE sees the same snapshot, taken after the programmes were locked.
#
# verdict — per item: learner exists, is a record of the caller's organization ($12; NULL for a platform admin, who
#   may name any record — another organization's record is `learner_not_found`, exactly like a missing one) and is
#   not erased, programme exists, not already enrolled (a `LATERAL … LIMIT
#   1` probe of the partial unique index per item — never a scan of all enrolments), not twice in the batch, and a
#   seat left: `row_number()` over the programme's valid items in item order against `capacity − enrolled_count`,
#   so the remaining seats go to the first items.
# accepted — the items without a problem; none at all when `atomic` and any item failed.
# writes — the enrolments (in item order), `enrolled_count` per programme, ONE `enrolment.batch_created` outbox
#   event for the batch (its enrolments' ids in item order; docs/training.md "Events") and ONE audit row for the
#   batch, whose `diff` is what `chanjiao.audit.diff(None, after)` gives for a create: `{field: [null, value]}`.
# The statement returns the items that failed, with their problem.
_ENROL = """
with staged as (
    select * from unnest($1::int[], $2::text[]::uuid[], $3::uuid[], $4::uuid[], $5::date[])
        as s(idx, id, learner_id, programme_id, enrolled_on)
), checked as (
    select s.*, e.id as existing_id, p.provider_org_id,
        case
            when l.id is null then 'learner_not_found'
            when l.erased_at is not null then 'learner_erased'
            when p.id is null then 'programme_not_found'
            when e.id is not null then 'duplicate'
            when row_number() over (partition by s.learner_id, s.programme_id order by s.idx) > 1
                then 'duplicate_in_batch'
        end as problem
    from staged s
    left join lateral (
        select l.id, l.erased_at from learners l
        where l.id = s.learner_id and l.deleted_at is null and ($12::uuid is null or l.owner_org_id = $12::uuid)
        limit 1
    ) l on true
    left join programmes p on p.id = s.programme_id and p.deleted_at is null
    left join lateral (
        select e.id from enrolments e
        where e.learner_id = s.learner_id and e.programme_id = s.programme_id
            and e.status <> 'dropped' and e.deleted_at is null
        limit 1
    ) e on true
), verdict as materialized (
    select c.idx, c.id, c.learner_id, c.programme_id, c.enrolled_on, c.provider_org_id, c.existing_id,
        case
            when c.problem is null and p.capacity is not null
                and row_number() over (partition by c.programme_id, c.problem is null order by c.idx)
                    > p.capacity - p.enrolled_count
                then 'programme_full'
            else c.problem
        end as problem
    from checked c left join programmes p on p.id = c.programme_id
), accepted as materialized (
    select * from verdict
    where problem is null and (not $6::bool or not exists (select from verdict where problem is not null))
), enrolled as (
    insert into enrolments (id, learner_id, programme_id, status, enrolled_on, status_changed_on, version,
                            created_at, updated_at)
    select id, learner_id, programme_id, 'enrolled', enrolled_on, enrolled_on, 1, now(), now()
    from accepted order by idx
), counted as (
    update programmes p set enrolled_count = p.enrolled_count + c.n
    from (select programme_id, count(*) as n from accepted group by programme_id) c
    where p.id = c.programme_id
), announced as (
    insert into outbox (event_id, type, aggregate_type, aggregate_id, seq, occurred_at, actor, schema_version,
                        payload, attempts)
    select uuidv7(), 'enrolment.batch_created', 'enrolment_batch', $8::uuid, 1, now(), $7, 1,
        jsonb_build_object(
            'batch_id', $8::uuid,
            'created', count(*),
            'enrolment_ids', jsonb_agg(a.id order by a.idx),
            'programme_ids', jsonb_agg(distinct a.programme_id),
            'provider_org_ids', jsonb_agg(distinct a.provider_org_id)
        ),
        0
    from accepted a
    having count(*) > 0
), audited as (
    insert into audit_log (id, entity, entity_id, action, actor, request_id, diff)
    select $9::uuid, 'enrolment_batch', $8::uuid, 'create', $7, $10,
        jsonb_build_object(
            'created', jsonb_build_array(null, count(*)),
            'enrolment_ids', jsonb_build_array(null, jsonb_agg(cast(a.id as text) order by a.idx)),
            'programme_ids', jsonb_build_array(null, $11::jsonb)
        )
    from accepted a
    having count(*) > 0
)
select idx, problem, existing_id from verdict where problem is not null
"""


class BatchRejected(ValidationFailed):
    slug = "batch-rejected"
    title_zh, title_en = "批量报名未通过，未保存任何数据", "Batch rejected; nothing was saved"


@dataclass
class BatchOutcome:
    """Per-item results, already in their JSON form (`EnrolmentBatchItemResult` — built as plain dicts: a thousand
    pydantic objects per batch cost more than the SQL's verdict)."""

    results: list[dict[str, Any]]
    created: int
    failed: int
    timings: Timings
    batch_id: uuid.UUID  # what the batch's event and audit row carry, when it created anything


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


def _owner(principal: Principal) -> uuid.UUID | None:
    """Whose learner records the items may name: the caller's organization's (NULL: any — platform admins only; a
    principal without an organization names none)."""
    if principal.is_platform_admin:
        return None
    return principal_org(principal) or uuid.UUID(int=0)


async def enrol_many(
    session: AsyncSession,
    *,
    parsed: ParsedBatch[EnrolmentCreate],
    principal: Principal,
    directory: OrgDirectory,
    atomic: bool,
    english: bool,
    instance: str,
    request_id: str | None,
) -> BatchOutcome:
    timings = Timings()
    if parsed.parse_ms:
        timings.marks["parse"] = parsed.parse_ms
    errors: dict[int, AppError] = dict(parsed.errors)
    day = today()
    idx: list[int] = []
    learner_ids: list[uuid.UUID] = []
    programme_of: list[uuid.UUID] = []
    enrolled_on: list[date] = []
    for index, data in enumerate(parsed.items):
        if data is None:
            continue
        if data.enrolled_on is not None and data.enrolled_on > day:
            errors[index] = field_error(
                ["body", "items", index, "enrolled_on"],
                "not_in_future",
                "日期不能晚于今天（北京时间）",
                "The date cannot be after today (Asia/Shanghai)",
            )
            continue
        idx.append(index)
        learner_ids.append(data.learner_id)
        programme_of.append(data.programme_id)
        enrolled_on.append(data.enrolled_on or day)
    timings.lap("validate")

    # The programmes: the caller's own (else 403 for the whole batch), their providers active (else 422/503).
    apg = await raw_connection(session)
    programme_ids = sorted(set(programme_of))
    programmes = {}
    if programme_ids:
        rows = await apg.fetch(
            "select id, provider_org_id from programmes where id = any($1::uuid[]) and deleted_at is null",
            programme_ids,
        )
        programmes = {r["id"]: r["provider_org_id"] for r in rows}
    for provider in set(programmes.values()):
        ensure_org(principal, provider)
    providers = sorted(set(programmes.values()))
    if providers:
        await directory.require_active({f"provider_org_id.{i}": p for i, p in enumerate(providers)})
    timings.lap("check_orgs")

    ids = [new_id_text() for _ in idx]  # as text: the response wants them so, and PostgreSQL casts them
    batch_id = new_id()
    if idx:
        if programme_ids:
            await apg.execute("select from programmes where id = any($1::uuid[]) order by id for update", programme_ids)
            timings.lap("lock")  # waiting for concurrent enrolments in the same programmes
        failed = await apg.fetch(
            _ENROL,
            idx,
            ids,
            learner_ids,
            programme_of,
            enrolled_on,
            atomic,
            principal.actor,
            batch_id,
            new_id(),
            request_id_var.get(),
            json.dumps([str(p) for p in programme_ids]),
            _owner(principal),
        )
        for r in failed:
            errors[r["idx"]] = _problem_error(r["problem"], r["idx"], r["existing_id"])
        timings.lap("enrol")
    results: list[dict[str, Any]] = []
    created = dict(zip(idx, ids, strict=True))
    for index in range(len(parsed.items)):
        exc = errors.get(index)
        if exc is None:
            results.append({"index": index, "status": 201, "id": created[index]})
            continue
        result = {
            "index": index,
            "status": exc.status,
            "problem": item_problem(exc, english=english, instance=f"{instance}#/items/{index}", request_id=request_id),
        }
        if exc.extra.get("existing_id") is not None:
            result["existing_id"] = str(exc.extra["existing_id"])
        results.append(result)
    timings.lap("results")
    return BatchOutcome(
        results=results,
        created=len(results) - len(errors),
        failed=len(errors),
        timings=timings,
        batch_id=batch_id,
    )


def reject_atomic(outcome: BatchOutcome) -> BatchRejected:
    """The 422 of an atomic batch with errors: every item's result, valid ones as 424 (not committed)."""
    results = not_committed_items(outcome.results)
    return BatchRejected(
        detail_zh=f"{outcome.failed} 项未通过，整批未保存（atomic=true）",
        detail_en=f"{outcome.failed} item(s) failed; with atomic=true nothing was saved",
        extra={
            "committed": False,
            "created": 0,
            "failed": outcome.failed,
            "results": results,
        },
    )
