"""Organization request/response models: OrganizationCreate / OrganizationUpdate / OrganizationPublic."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from chanjiao import refdata
from chanjiao.pagination import Page
from chanjiao.validators import (
    CodeError,
    normalize_code,
    normalize_credit_code,
    normalize_name,
    validate_credit_code,
    validate_industry_code,
    validate_region_code,
)
from services.membership.organizations.models import OrgStatus, OrgType


def _credit_code(value: str | None) -> str | None:
    if value is None:
        return None
    code = normalize_credit_code(value)
    validate_credit_code(code)
    return code


def _name(value: str) -> str:
    name = normalize_name(value)
    if not 2 <= len(name) <= 100:
        raise CodeError("length", "名称长度应为 2–100 个字符", "A name is 2–100 characters long")
    return name


def _industry_codes(values: list[str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        code = normalize_code(raw)
        validate_industry_code(code)
        if code not in out:
            out.append(code)
    return out


def _region(value: str) -> str:
    code = normalize_code(value)
    validate_region_code(code, province_codes=refdata.province_codes())
    return code


Name = Annotated[
    str,
    Field(max_length=200, description="单位名称 (2–100 characters after trimming)", examples=["山东工业职业学院"]),
    AfterValidator(_name),
]
CreditCode = Annotated[
    str | None,
    Field(
        max_length=40,
        description="统一社会信用代码 GB 32100-2015 (18 characters, "
        "check character verified; full-width and lower-case input normalised)",
        examples=["91350100M000100Y43"],
    ),
    AfterValidator(_credit_code),
]
RegionCode = Annotated[
    str,
    Field(
        max_length=12,
        description="6-digit administrative division code 行政区划代码; the "
        "province part must exist, unknown codes are accepted and flagged",
        examples=["370303"],
    ),
    AfterValidator(_region),
]
IndustryCodes = Annotated[
    list[str],
    Field(
        max_length=20,
        description="GB/T 4754-2017 国民经济行业分类 codes (section letter or 2–4 digits)",
        examples=[["3311"]],
    ),
    AfterValidator(_industry_codes),
]


class OrganizationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "山东工业职业学院",
                    "org_type": "higher_vocational",
                    "region_code": "370303",
                    "credit_code": "12370000495571208J",
                }
            ]
        },
    )

    name: Name
    org_type: OrgType = Field(description="单位类型 (closed list)")
    region_code: RegionCode
    credit_code: CreditCode = None
    industry_codes: IndustryCodes = Field(default_factory=list)


class OrganizationUpdate(BaseModel):
    """Partial update: only the fields sent are changed; `null` clears `credit_code`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "山东工业职业学院（新校区）"}]})

    name: Name | None = None
    org_type: OrgType | None = None
    region_code: RegionCode | None = None
    credit_code: CreditCode = None
    industry_codes: IndustryCodes | None = None

    @field_validator("name", "org_type", "region_code", "industry_codes", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class CodeRef(BaseModel):
    code: str
    name: str | None = Field(default=None, description="Name from the reference table (null when unknown)")
    code_known: bool = Field(description="false when the code is well-formed but not in the shipped table")


class RegionRef(CodeRef):
    province: str | None = None
    city: str | None = None


class OrganizationPublic(BaseModel):
    id: uuid.UUID
    name: str
    org_type: OrgType
    org_type_label: str = Field(description="单位类型的中文名称")
    region_code: str
    region: RegionRef
    credit_code: str | None
    industry_codes: list[str]
    industries: list[CodeRef]
    status: OrgStatus
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class OrganizationTombstone(BaseModel):
    """Returned in lists with `include_deleted=true` for organizations deleted since `updated_since`."""

    id: uuid.UUID
    deleted: bool = True
    deleted_at: datetime


class OrganizationPage(Page[OrganizationPublic | OrganizationTombstone]):
    pass
