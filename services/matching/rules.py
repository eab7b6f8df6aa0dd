"""The cross-field rules of a posting, checked on the record as it would be saved (docs/matching-core.md)."""

from __future__ import annotations

from typing import Any

from chanjiao.errors import FieldError, ValidationFailed


def check_period(values: dict[str, Any]) -> None:
    """`period_end ≥ period_start` when both are given (422 naming `period_end`)."""
    start, end = values.get("period_start"), values.get("period_end")
    if start is not None and end is not None and end < start:
        raise ValidationFailed(
            detail_zh="以下字段未通过校验：period_end",
            detail_en="These fields failed validation: period_end",
            errors=[
                FieldError(
                    ["body", "period_end"], "结束日期不能早于开始日期", "period_end is before period_start", "period"
                )
            ],
        )
