"""`POST /v1/organizations/batch`: up to 1000 creates, each in its own SAVEPOINT, answered per item.

A failed item rolls back to its savepoint and touches nothing; the valid ones stay in the caller's
transaction. In an atomic batch the caller rolls everything back when any item failed. Knows nothing
of HTTP beyond the problem+json shape of an item's error."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.batch import BatchCounts, BatchRejected, ParsedBatch, item_problem, not_committed
from chanjiao.errors import AppError
from services.membership.organizations import service
from services.membership.organizations.schemas import OrganizationCreate
from services.membership.organizations.schemas_batch import OrganizationBatchItemResult


@dataclass
class BatchOutcome(BatchCounts):
    results: list[OrganizationBatchItemResult] = field(default_factory=list)


async def create_many(
    session: AsyncSession,
    *,
    parsed: ParsedBatch[OrganizationCreate],
    actor: str,
    english: bool,
    instance: str,
    request_id: str | None,
    registered_by: uuid.UUID | None = None,
) -> BatchOutcome:
    outcome = BatchOutcome()
    for index, data in enumerate(parsed.items):
        error: AppError
        if data is None:
            error = parsed.errors[index]
        else:
            try:
                async with session.begin_nested():
                    org = await service.create_organization(
                        session, data=data, actor=actor, registered_by=registered_by
                    )
            except AppError as exc:
                error = exc
            else:
                outcome.results.append(OrganizationBatchItemResult(index=index, status=201, id=org.id))
                continue
        outcome.results.append(
            OrganizationBatchItemResult(
                index=index,
                status=error.status,
                existing_id=error.extra.get("existing_id"),
                problem=item_problem(
                    error, english=english, instance=f"{instance}#/items/{index}", request_id=request_id
                ),
            )
        )
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
