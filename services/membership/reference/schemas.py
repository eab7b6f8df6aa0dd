from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanjiao.pagination import Page


class ReferenceCodePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    level: str
    parent_code: str | None
    attributes: dict[str, Any] = Field(description="Kind-specific columns of the source table")
    source: str = Field(description="`shipped` (from the source file) or `override` (added by a platform admin)")
    added_at: datetime | None = None
    updated_at: datetime = Field(
        description="最后变更时间（代码写入后不再改变）— When the code was written: loaded with the shipped table, or "
        "added by a platform admin (= `added_at`)"
    )


class ReferenceCodePage(Page[ReferenceCodePublic]):
    pass


class ReferenceCodeCreate(BaseModel):
    """A code missing from the shipped table (e.g. a 2022–2024 增补 major), added by a platform admin."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"code": "410306", "name": "动物防疫与检疫", "level": "major", "parent_code": "4103"}]
        },
    )

    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=200)
    level: str = Field(min_length=1, max_length=20)
    parent_code: str | None = Field(default=None, max_length=20)
    attributes: dict[str, Any] = Field(default_factory=dict)


def render(row: Any) -> ReferenceCodePublic:
    """The public form of a reference code row."""
    return ReferenceCodePublic.model_validate(row)
