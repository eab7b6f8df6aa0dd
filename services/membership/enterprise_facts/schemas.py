"""Bodies and answers of an enterprise's yearly facts (`/v1/organizations/{org_id}/enterprise-years`), and `render`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.membership.enterprise_facts.models import (
    OWNERSHIP_LABELS,
    SIZE_CLASS_LABELS,
    EnterpriseYearFacts,
    Ownership,
    SizeClass,
)
from services.membership.yearly_facts import Wan

Count = Annotated[int, Field(ge=0, le=10_000_000)]

FIELDS = (
    "staff",
    "frontline_technical_staff",
    "rd_staff",
    "revenue_wan",
    "size_class",
    "ownership",
    "cooperation_spending_wan",
    "cooperation_investment_wan",
    "outside_agreements_wan",
    "pe_office",
    "pe_office_staff",
)
_EXAMPLE = {
    "staff": 42000,
    "frontline_technical_staff": 6657,
    "rd_staff": 312,
    "revenue_wan": "18920000.00",
    "ownership": "state_owned",
    "cooperation_spending_wan": "3000.00",
    "pe_office": "产教融合办公室",
    "pe_office_staff": 6,
}


class EnterpriseYearBody(BaseModel):
    """The figures of an enterprise's year; any may be left out (not recorded)."""

    staff: Count | None = Field(default=None, description="在岗职工（人） — staff on the payroll")
    frontline_technical_staff: Count | None = Field(
        default=None, description="一线技术（和管理）人员（人） — front-line technical and management staff"
    )
    rd_staff: Count | None = Field(default=None, description="专职研发人员（人） — full-time R&D staff")
    revenue_wan: Wan | None = Field(default=None, description="营业收入（万元） — revenue")
    size_class: SizeClass | None = Field(
        default=None,
        description="企业规模 — size class: large 大型, medium 中型, small 小型, micro 微型. Left out, it is derived "
        "from `staff` and `revenue_wan` when both are given (docs/domain.md)",
    )
    ownership: Ownership | None = Field(
        default=None,
        description="所有制 — ownership: state_owned 国有, private 民营, foreign 外资, hk_macao_taiwan 港澳台资, "
        "mixed 混合所有制, collective 集体",
    )
    cooperation_spending_wan: Wan | None = Field(
        default=None,
        description="校企合作经费支出（万元，含平台协议以外的支出） — cooperation spending with schools in the year, "
        "money outside the platform's agreements included",
    )
    cooperation_investment_wan: Wan | None = Field(
        default=None,
        description="校企合作投入（万元，设备、基地等投资，含平台协议以外） — investment in cooperation (equipment, "
        "bases), outside the platform's agreements included",
    )
    outside_agreements_wan: Wan | None = Field(
        default=None,
        description="其中平台协议以外（万元） — of spending and investment, the part outside the platform's agreements",
    )
    pe_office: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="产教融合工作机构名称 — the enterprise's 产教融合 office",
    )
    pe_office_staff: Count | None = Field(default=None, description="产教融合专职人员（人） — staff of that office")

    @field_validator("pe_office")
    @classmethod
    def _trim(cls, v: str | None) -> str | None:
        return v.strip() or None if v is not None else None


class EnterpriseYearPut(EnterpriseYearBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})


class EnterpriseYearPatch(EnterpriseYearBody):
    """Only the fields sent change; a field sent as null is cleared."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"rd_staff": 330}]})


class EnterpriseYearPublic(EnterpriseYearBody):
    id: uuid.UUID
    org_id: uuid.UUID
    year: int = Field(description="公历年 — calendar year")
    size_class_label: str | None
    size_class_derived: bool = Field(
        description="规模由在岗职工与营业收入推算（未登记） — the size class was derived, not recorded"
    )
    ownership_label: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class EnterpriseYearList(BaseModel):
    org_id: uuid.UUID
    items: list[EnterpriseYearPublic]


def render(row: EnterpriseYearFacts, *, derived: str | None) -> EnterpriseYearPublic:
    values: dict[str, Any] = {k: getattr(row, k) for k in FIELDS}
    size = row.size_class or derived
    values["size_class"] = size
    return EnterpriseYearPublic(
        id=row.id,
        org_id=row.org_id,
        year=row.year,
        **values,
        size_class_label=SIZE_CLASS_LABELS[size] if size else None,
        size_class_derived=row.size_class is None and derived is not None,
        ownership_label=OWNERSHIP_LABELS[row.ownership] if row.ownership else None,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
