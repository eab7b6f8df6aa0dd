"""Demand request/response models: DemandCreate / DemandUpdate / DemandPublic / DemandPage and one `render(row)`
(docs/matching-core.md, "Demands")."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError
from services.matching.demands.models import KIND_LABELS, DemandKind
from services.matching.fields import (
    Description,
    MajorCodes,
    OccupationCodes,
    PostingCodeRef,
    PreferredCertificate,
    PreferredCertificates,
    RegionCode,
    Title,
    majors,
    occupations,
    region,
    unknown_codes,
)
from services.matching.postings import EDUCATION_LABELS, STATUS_LABELS, EducationLevel, PostingStatus

KIND_DESCRIPTION = (
    "需求类型 — order_class 订单班 · apprenticeship 学徒制 · internship 实习岗位 · employment 招聘 · "
    "training 员工培训 · rnd 技术研发 · co_built_base 共建基地"
)
EDUCATION_DESCRIPTION = (
    "学历层次 — any 不限 · junior_secondary 初中及以下 · voc_secondary 中职 · voc_associate 高职专科 · "
    "voc_bachelor 职业本科 · bachelor 普通本科 · postgraduate 研究生"
)
Headcount = Annotated[int, Field(ge=1, le=100_000, description="需求人数 — people wanted (1–100000)")]

EXAMPLE_IN: dict[str, Any] = {
    "org_id": "019abf2e-0000-7000-8000-000000000002",
    "kind": "order_class",
    "title": "数控技术订单班（2027届）",
    "description": "面向数控车工岗位，校企共同培养，毕业即上岗。",
    "occupation_codes": ["6-18-01-01"],
    "major_codes": ["460103"],
    "education_level": "voc_associate",
    "headcount": 40,
    "region_code": "370702",
    "period_start": "2027-09-01",
    "period_end": "2030-06-30",
    "preferred_certificates": [{"kind": "skill_level", "occupation_code": "6-18-01-01", "level": "四级/中级工"}],
    "deadline_on": "2027-06-30",
    "alliance_id": None,
}


class DemandCreate(BaseModel):
    """A new demand, saved as a draft (only its organization sees it) until it is opened by a transition."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_IN]})

    org_id: uuid.UUID = Field(description="发布单位 — the enterprise posting it: the caller's own organization")
    kind: DemandKind = Field(description=KIND_DESCRIPTION)
    title: Title
    description: Description = None
    occupation_codes: OccupationCodes = Field(default_factory=list)
    major_codes: MajorCodes = Field(default_factory=list)
    education_level: EducationLevel = Field(default=EducationLevel.any, description=EDUCATION_DESCRIPTION)
    headcount: Headcount
    region_code: RegionCode = None
    period_start: IsoDate | None = Field(default=None, description="开始日期 — start of the period")
    period_end: IsoDate | None = Field(default=None, description="结束日期 — end of the period (≥ period_start)")
    preferred_certificates: PreferredCertificates = Field(default_factory=list)
    deadline_on: IsoDate | None = Field(default=None, description="截止日期 — last day to answer")
    alliance_id: uuid.UUID | None = Field(default=None, description="发布于联盟 — the alliance it is posted in")


class DemandUpdate(BaseModel):
    """Partial update: only the fields sent change; `null` clears the optional ones. The organization and the
    status do not change here (status: `POST …/transitions`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"headcount": 45}]})

    kind: DemandKind | None = Field(default=None, description=KIND_DESCRIPTION)
    title: Title | None = None
    description: Description = None
    occupation_codes: OccupationCodes | None = None
    major_codes: MajorCodes | None = None
    education_level: EducationLevel | None = Field(default=None, description=EDUCATION_DESCRIPTION)
    headcount: Headcount | None = None
    region_code: RegionCode = None
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None
    preferred_certificates: PreferredCertificates | None = None
    deadline_on: IsoDate | None = None
    alliance_id: uuid.UUID | None = None

    @field_validator(
        "kind",
        "title",
        "occupation_codes",
        "major_codes",
        "education_level",
        "headcount",
        "preferred_certificates",
        mode="before",
    )
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class DemandPublic(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    kind: DemandKind
    kind_label: str = Field(description="需求类型的中文名称")
    title: str
    description: str | None
    occupation_codes: list[str]
    occupations: list[PostingCodeRef] = Field(description="职业代码及名称（职业分类大典 2022）")
    major_codes: list[str]
    majors: list[PostingCodeRef] = Field(description="专业代码及名称（职业教育专业目录）")
    education_level: EducationLevel
    education_label: str = Field(description="学历层次的中文名称")
    headcount: int
    region_code: str | None
    region: PostingCodeRef | None
    period_start: date | None
    period_end: date | None
    preferred_certificates: list[PreferredCertificate]
    deadline_on: date | None
    alliance_id: uuid.UUID | None
    status: PostingStatus
    status_label: str = Field(description="状态的中文名称")
    status_changed_on: date = Field(description="最近一次状态变更的生效日期 — date of the latest status change")
    unknown_codes: list[str] = Field(
        description="参考表中没有的代码 — well-formed codes the shipped tables do not know, as `field/code` "
        "(accepted and flagged; docs/reference-data.md)"
    )
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class DemandPage(Page[DemandPublic]):
    pass


def render(row: Any) -> DemandPublic:
    """The public form of a demand row: labels, codes named from the shipped tables, unknown codes flagged."""
    major_refs, occupation_refs, region_ref = (
        majors(row.major_codes),
        occupations(row.occupation_codes),
        region(row.region_code),
    )
    return DemandPublic(
        id=row.id,
        org_id=row.org_id,
        kind=row.kind,
        kind_label=KIND_LABELS[row.kind],
        title=row.title,
        description=row.description,
        occupation_codes=list(row.occupation_codes),
        occupations=occupation_refs,
        major_codes=list(row.major_codes),
        majors=major_refs,
        education_level=row.education_level,
        education_label=EDUCATION_LABELS[row.education_level],
        headcount=row.headcount,
        region_code=row.region_code,
        region=region_ref,
        period_start=row.period_start,
        period_end=row.period_end,
        preferred_certificates=row.preferred_certificates,
        deadline_on=row.deadline_on,
        alliance_id=row.alliance_id,
        status=row.status,
        status_label=STATUS_LABELS[row.status],
        status_changed_on=row.status_changed_on,
        unknown_codes=unknown_codes(major_refs, occupation_refs, region_ref),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
