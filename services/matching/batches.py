"""`POST /v1/{demands|offers|hires}/batch`: up to 1000 creates answered per item.

Demands and offers (`build` given): each item's rules are checked in Python (a draft posting has no rule that needs
the database), the valid rows are added at once and written with ONE flush, and their audit rows and events in two
statements (`Audit.created_many`) — a 1000-item batch is a handful of statements, not thousands. Hires (`create`
given), whose rules ask the database (duplicates, the demand or agreement named), are created each in its own
SAVEPOINT (the shape of services/training/internships/batch.py).

Tenancy is checked for the batch as a whole first: an item posting for another organization than the caller's makes
the whole batch 403 (nothing touched). Then each item is checked (shape → 422 naming `body.items.<i>.<field>`,
rules → 422) and created as a draft in a savepoint: a failed item touches nothing, the valid ones stay in the
caller's transaction. In an atomic batch the caller rolls everything back when any item failed."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.batch import BatchCounts, BatchRejected, ParsedBatch, item_problem, not_committed
from chanjiao.errors import AppError, Forbidden
from chanjiao.resources import Audit
from services.matching.market import ORG_ROLES

BATCH_EXAMPLE: dict[str, Any] = {
    "committed": True,
    "created": 1,
    "failed": 1,
    "results": [
        {"index": 0, "status": 201, "id": "019abf60-1a2b-7c3d-8e4f-5a6b7c8d9e0f"},
        {
            "index": 1,
            "status": 422,
            "problem": {
                "type": "urn:chanjiao:problem:validation-error",
                "title": "输入校验未通过",
                "status": 422,
                "detail": "以下字段未通过校验：major_codes",
                "errors": [
                    {"loc": ["body", "items", 1, "major_codes"], "msg": "专业代码应为6位数字", "type": "format"}
                ],
            },
        },
    ],
}


class PostingBatchItemResult(BaseModel):
    index: int = Field(description="Position of the item in `items` (from 0)")
    status: int = Field(description="201 created; 4xx the item's problem; 424 valid but not saved (atomic batch)")
    id: uuid.UUID | None = None
    problem: dict[str, Any] | None = Field(default=None, description="problem+json of a rejected item")


class PostingBatchResult(BaseModel):
    committed: bool
    created: int
    failed: int
    results: list[PostingBatchItemResult]


@dataclass
class BatchOutcome(BatchCounts):
    results: list[PostingBatchItemResult] = field(default_factory=list)


def _prefixed(exc: AppError, index: int) -> AppError:
    """Field errors located in the item (`body.items.<i>.<field>`) rather than the body."""
    for e in exc.errors:
        if e.loc and e.loc[0] == "body":
            e.loc = ["body", "items", index, *e.loc[1:]]
    return exc


async def create_many(
    session: AsyncSession,
    *,
    parsed: ParsedBatch[Any],
    principal: Principal,
    create: Callable[[AsyncSession, Any], Awaitable[Any]] | None = None,
    build: Callable[[Any], Any] | None = None,
    audit: Audit | None = None,
    english: bool,
    instance: str,
    request_id: str | None,
) -> BatchOutcome:
    foreign = [
        i for i, p in enumerate(parsed.items) if p is not None and not principal.acts_for_org(p.org_id, ORG_ROLES)
    ]
    if foreign:
        raise Forbidden(
            detail_zh=f"批量中第 {', '.join(map(str, foreign))} 项不是本单位发布的，整批未保存",
            detail_en=f"Items {', '.join(map(str, foreign))} post for another organization; nothing was saved",
            extra={"items": foreign},
        )
    outcome = BatchOutcome()
    built: list[Any] = []
    for index, item in enumerate(parsed.items):
        error: AppError
        if item is None:
            error = parsed.errors[index]
        elif build is not None:
            try:
                row = build(item)
            except AppError as exc:
                error = _prefixed(exc, index)
            else:
                built.append(row)
                outcome.results.append(PostingBatchItemResult(index=index, status=201, id=row.id))
                continue
        else:
            assert create is not None
            try:
                async with session.begin_nested():
                    row = await create(session, item)
            except AppError as exc:
                if exc.status >= 500:
                    raise
                error = _prefixed(exc, index)
            else:
                outcome.results.append(PostingBatchItemResult(index=index, status=201, id=row.id))
                continue
        outcome.results.append(
            PostingBatchItemResult(
                index=index,
                status=error.status,
                problem=item_problem(
                    error, english=english, instance=f"{instance}#/items/{index}", request_id=request_id
                ),
            )
        )
    if built:
        assert audit is not None
        session.add_all(built)
        await audit.created_many(session, built, actor=principal.actor)
    return outcome


def reject_atomic(outcome: BatchOutcome) -> BatchRejected:
    """The 422 of an atomic batch with errors: every item's result, valid ones as 424 (not committed)."""
    return BatchRejected(
        detail_zh=f"{outcome.failed} 项未通过，整批未保存（atomic=true）",
        detail_en=f"{outcome.failed} item(s) failed; with atomic=true nothing was saved",
        extra={
            "committed": False,
            "created": 0,
            "failed": outcome.failed,
            "results": [r.model_dump(mode="json", exclude_none=True) for r in not_committed(outcome.results)],
        },
    )
