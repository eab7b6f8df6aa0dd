"""The parts every batch endpoint shares (API.md: "Batch endpoints answer 200 with per-item results;
valid items commit, invalid ones touch nothing; `?atomic=true` makes it all-or-nothing").

Each item's result carries its own status and, when it failed, a problem body of its own; in an
atomic batch that failed, the items that were valid are reported as 424 (`NOT_COMMITTED`) and the
whole request is a 422 `batch-rejected`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from chanjiao.errors import AppError, FieldError, ValidationFailed, problem_body, translate_validation_error

# An item that was valid but not kept because another item of an atomic batch failed.
NOT_COMMITTED = 424


class BatchRejected(ValidationFailed):
    slug = "batch-rejected"
    title_zh, title_en = "批量登记未通过，未保存任何数据", "Batch rejected; nothing was saved"


class ItemResult(Protocol):
    status: int

    def model_copy(self, *, update: dict[str, Any]) -> Any: ...


R = TypeVar("R", bound=ItemResult)


class BatchCounts:
    """`failed` and `created` over `self.results` (mixed into each service's outcome dataclass)."""

    results: Sequence[ItemResult]

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.status >= 400 and r.status != NOT_COMMITTED)

    @property
    def created(self) -> int:
        return sum(1 for r in self.results if r.status == 201)


def not_committed(results: Sequence[R]) -> list[R]:
    """An atomic batch that failed: the items that had been created are reported as not kept."""
    return [r.model_copy(update={"status": NOT_COMMITTED, "id": None}) if r.status == 201 else r for r in results]


def item_problem(exc: AppError, *, english: bool, instance: str, request_id: str | None) -> dict[str, Any]:
    """One item's problem body (the same envelope as a request's)."""
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
    """A pydantic error of one item as a 422 naming each field (under `prefix`, e.g. `body.items.3`) and
    its rule; the rejected input is never echoed."""
    errors = []
    for e in exc.errors():
        fe = translate_validation_error(e)
        errors.append(FieldError(loc=[*prefix, *fe.loc], msg_zh=fe.msg_zh, msg_en=fe.msg_en, type=fe.type))
    names = "、".join(".".join(str(p) for p in e.loc[len(prefix) :]) or "item" for e in errors)
    names_en = ", ".join(".".join(str(p) for p in e.loc[len(prefix) :]) or "item" for e in errors)
    return ValidationFailed(
        detail_zh=f"以下字段未通过校验：{names}", detail_en=f"These fields failed validation: {names_en}", errors=errors
    )
