"""Outside expert request/response models."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from chanjiao.dates import IsoDate
from chanjiao.validators import CodeError

EXAMPLE_BODY = {
    "name": "李振华",
    "affiliation": "天津职业技术师范大学",
    "title": "教授",
    "field": "技工教育一体化课程",
    "engaged_on": "2020-01-10",
}


def _not_null(v: object) -> object:
    if v is None:
        raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
    return v


class OutsideExpertCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_BODY]})

    name: str = Field(min_length=2, max_length=50, description="姓名")
    affiliation: str | None = Field(default=None, max_length=200, description="工作单位 (text, not a member unit)")
    title: str | None = Field(default=None, max_length=100, description="职称/职务")
    field: str | None = Field(default=None, max_length=200, description="专业领域")
    engaged_on: IsoDate | None = Field(default=None, description="聘请日期")
    ended_on: IsoDate | None = Field(default=None, description="解聘日期 (last day in the pool)")

    @field_validator("ended_on")
    @classmethod
    def _order(cls, ended_on: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("engaged_on")
        if start is not None and ended_on is not None and ended_on < start:
            raise CodeError("period_order", "解聘日期不能早于聘请日期", "ended_on is before engaged_on")
        return ended_on


class OutsideExpertUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"ended_on": "2025-12-31"}]})

    name: str | None = Field(default=None, min_length=2, max_length=50)
    affiliation: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=100)
    field: str | None = Field(default=None, max_length=200)
    engaged_on: IsoDate | None = None
    ended_on: IsoDate | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, v: object) -> object:
        return _not_null(v)


class OutsideExpertPublic(BaseModel):
    id: uuid.UUID
    alliance_id: uuid.UUID
    name: str
    affiliation: str | None
    title: str | None
    field: str | None
    engaged_on: IsoDate | None
    ended_on: IsoDate | None
    version: int
    created_at: datetime
    updated_at: datetime


def render(row: Any) -> OutsideExpertPublic:
    """The public form of an outside expert row."""
    return OutsideExpertPublic.model_validate(row, from_attributes=True)
