"""`POST /v1/internships/batch`: up to 1000 creates, each in its own SAVEPOINT, answered per item (the shape of
services/membership/organizations/batch.py).

Before anything is written, every organization named by a well-formed item is looked up in membership at once
(one call per distinct organization, cached): if membership cannot answer, the whole batch is 503 and nothing
is saved. Tenancy is checked for the batch as a whole first: an item naming neither of the caller's organizations
makes the whole batch 403 (nothing touched). Then each item is checked (shape, organizations → 422, learner →
404, rules → 422)
and created in a savepoint: a failed item touches nothing, the valid ones stay in the caller's transaction.
In an atomic batch the caller rolls everything back when any item failed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.batch import NOT_COMMITTED, BatchCounts, BatchRejected, ParsedBatch, item_problem
from chanjiao.errors import AppError, Forbidden
from services.training.internships import service
from services.training.internships.schemas import InternshipBatchItemResult, InternshipCreate
from services.training.orgs import OrgDirectory
from services.training.parties import acts_for_any


@dataclass
class BatchOutcome(BatchCounts):
    results: list[InternshipBatchItemResult] = field(default_factory=list)


def _prefixed(exc: AppError, index: int) -> AppError:
    """Field errors located in the item (`body.items.<i>.<field>`) rather than the body."""
    for e in exc.errors:
        if e.loc and e.loc[0] == "body":
            e.loc = ["body", "items", index, *e.loc[1:]]
    return exc


async def create_many(
    session: AsyncSession,
    *,
    parsed: ParsedBatch[InternshipCreate],
    principal: Principal,
    directory: OrgDirectory,
    english: bool,
    instance: str,
    request_id: str | None,
) -> BatchOutcome:
    # Tenancy of the batch as a whole, before anything is touched: every well-formed item must name one of the
    # caller's organizations (school or host), else the whole batch is 403 naming the items.
    foreign = [
        i
        for i, p in enumerate(parsed.items)
        if p is not None and not acts_for_any(principal, (p.school_org_id, p.host_org_id))
    ]
    if foreign:
        raise Forbidden(
            detail_zh=f"批量中第 {', '.join(map(str, foreign))} 项不涉及本单位（学校或实习单位），整批未保存",
            detail_en=f"Items {', '.join(map(str, foreign))} name neither of your organizations; nothing was saved",
            extra={"items": foreign},
        )
    # Every organization at once, before any write: a membership outage fails the batch (503) here.
    org_ids = {o for p in parsed.items if p is not None for o in (p.school_org_id, p.host_org_id)}
    await asyncio.gather(*(directory.get(o) for o in org_ids))

    outcome = BatchOutcome()
    for index, item in enumerate(parsed.items):
        error: AppError
        if item is None:
            error = parsed.errors[index]
        else:
            try:
                await directory.require_active({"school_org_id": item.school_org_id, "host_org_id": item.host_org_id})
                async with session.begin_nested():
                    await service.check_learner(session, principal, item.learner_id, item.school_org_id)
                    row = await service.create(session, data=item, actor=principal.actor)
            except AppError as exc:
                if exc.status >= 500:
                    raise
                error = _prefixed(exc, index)
            else:
                outcome.results.append(
                    InternshipBatchItemResult(
                        index=index, status=201, id=row.id, three_months_or_more=row.three_months_or_more
                    )
                )
                continue
        outcome.results.append(
            InternshipBatchItemResult(
                index=index,
                status=error.status,
                problem=item_problem(
                    error, english=english, instance=f"{instance}#/items/{index}", request_id=request_id
                ),
            )
        )
    return outcome


def reject_atomic(outcome: BatchOutcome) -> BatchRejected:
    """The 422 of an atomic batch with errors: every item's result, valid ones as 424 (not committed)."""
    results = [
        r.model_copy(update={"status": NOT_COMMITTED, "id": None, "three_months_or_more": None})
        if r.status == 201
        else r
        for r in outcome.results
    ]
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
