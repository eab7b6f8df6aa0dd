"""`POST /v1/organizations/batch`: up to 1000 creates, each in its own SAVEPOINT, answered per item.

A failed item rolls back to its savepoint and touches nothing; the valid ones stay in the caller's
transaction. In an atomic batch the caller rolls everything back when any item failed. Knows nothing
of HTTP beyond the problem+json shape of an item's error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import AppError, FieldError, ValidationFailed, problem_body, translate_validation_error
from services.membership.organizations import service
from services.membership.organizations.schemas import BatchItemResult, OrganizationCreate

# An item that was valid but not kept because another item of an atomic batch failed.
NOT_COMMITTED = 424


class BatchRejected(ValidationFailed):
    slug = "batch-rejected"
    title_zh, title_en = "批量登记未通过，未保存任何数据", "Batch rejected; nothing was saved"


@dataclass
class BatchOutcome:
    results: list[BatchItemResult] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.status >= 400 and r.status != NOT_COMMITTED)

    @property
    def created(self) -> int:
        return sum(1 for r in self.results if r.status == 201)


def item_problem(exc: AppError, *, english: bool, instance: str, request_id: str | None) -> dict[str, Any]:
    return problem_body(
        slug=exc.slug,
        title=exc.title_en if english else exc.title_zh,
        status=exc.status,
        detail=(exc.detail_en if english else exc.detail_zh) or (exc.title_en if english else exc.title_zh),
        instance=instance,
        request_id=request_id,
        errors=[e.render(english) for e in exc.errors],
        extra=exc.extra,
    )


def validation_failure(exc: ValidationError, prefix: list[str | int]) -> ValidationFailed:
    errors = []
    for e in exc.errors():
        fe = translate_validation_error(e)
        errors.append(FieldError(loc=[*prefix, *fe.loc], msg_zh=fe.msg_zh, msg_en=fe.msg_en, type=fe.type))
    names = "、".join(".".join(str(p) for p in e.loc[len(prefix) :]) or "item" for e in errors)
    names_en = ", ".join(".".join(str(p) for p in e.loc[len(prefix) :]) or "item" for e in errors)
    return ValidationFailed(
        detail_zh=f"以下字段未通过校验：{names}", detail_en=f"These fields failed validation: {names_en}", errors=errors
    )


async def create_many(
    session: AsyncSession,
    *,
    items: list[Any],
    actor: str,
    english: bool,
    instance: str,
    request_id: str | None,
) -> BatchOutcome:
    outcome = BatchOutcome()
    for index, raw in enumerate(items):
        error: AppError
        try:
            data = OrganizationCreate.model_validate(raw)
        except ValidationError as exc:
            error = validation_failure(exc, ["body", "items", index])
        else:
            try:
                async with session.begin_nested():
                    org = await service.create_organization(session, data=data, actor=actor)
            except AppError as exc:
                error = exc
            else:
                outcome.results.append(BatchItemResult(index=index, status=201, id=org.id))
                continue
        outcome.results.append(
            BatchItemResult(
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
    results = [
        r.model_copy(update={"status": NOT_COMMITTED, "id": None}) if r.status == 201 else r for r in outcome.results
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
