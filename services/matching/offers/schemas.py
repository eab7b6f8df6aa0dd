"""Offer request/response models: OfferCreate / OfferUpdate / OfferPublic / OfferPage and one `render(row)`
(docs/matching-core.md, "Offers")."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError
from services.matching.fields import (
    Description,
    MajorCodes,
    OccupationCodes,
    PostingCodeRef,
    RegionCode,
    Title,
    majors,
    occupations,
    region,
    unknown_codes,
)
from services.matching.offers.models import KIND_LABELS, OfferKind
from services.matching.postings import EDUCATION_LABELS, STATUS_LABELS, EducationLevel, PostingStatus

KIND_DESCRIPTION = (
    "供给类型 — graduates 毕业生 · interns 实习生 · training_capacity 培训能力 · rnd_expertise 研发能力 · "
    "base_capacity 实训基地容量"
)
EDUCATION_DESCRIPTION = (
    "学历层次 — any 不限 · junior_secondary 初中及以下 · voc_secondary 中职 · voc_associate 高职专科 · "
    "voc_bachelor 职业本科 · bachelor 普通本科 · postgraduate 研究生"
)
Count = Annotated[
    int, Field(ge=1, le=100_000, description="人数或容量 — people (graduates, interns) or places offered (1–100000)")
]
CohortYear = Annotated[int, Field(ge=1949, le=2100, description="届别 — the cohort's graduating year, e.g. 2027")]

EXAMPLE_IN: dict[str, Any] = {
    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "kind": "graduates",
    "title": "数控技术专业2027届毕业生",
    "description": "数控技术专业应届毕业生，持四级/中级工证书。",
    "major_codes": ["460103"],
    "occupation_codes": ["6-18-01-01"],
    "cohort_year": 2027,
    "count": 40,
    "education_level": "voc_associate",
    "region_code": "370702",
    "period_start": "2027-07-01",
    "period_end": "2027-12-31",
    "alliance_id": None,
}


class OfferCreate(BaseModel):
    """A new offer, saved as a draft (only its organization sees it) until it is opened by a transition."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_IN]})

    org_id: uuid.UUID = Field(description="发布单位 — the school posting it: the caller's own organization")
    kind: OfferKind = Field(description=KIND_DESCRIPTION)
    title: Title
    description: Description = None
    major_codes: MajorCodes = Field(default_factory=list)
    occupation_codes: OccupationCodes = Field(default_factory=list)
    cohort_year: CohortYear | None = None
    count: Count
    education_level: EducationLevel = Field(default=EducationLevel.any, description=EDUCATION_DESCRIPTION)
    region_code: RegionCode = None
    period_start: IsoDate | None = Field(default=None, description="开始日期 — start of the period")
    period_end: IsoDate | None = Field(default=None, description="结束日期 — end of the period (≥ period_start)")
    alliance_id: uuid.UUID | None = Field(default=None, description="发布于联盟 — the alliance it is posted in")


class OfferUpdate(BaseModel):
    """Partial update: only the fields sent change; `null` clears the optional ones. The organization and the
    status do not change here (status: `POST …/transitions`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"count": 45}]})

    kind: OfferKind | None = Field(default=None, description=KIND_DESCRIPTION)
    title: Title | None = None
    description: Description = None
    major_codes: MajorCodes | None = None
    occupation_codes: OccupationCodes | None = None
    cohort_year: CohortYear | None = None
    count: Count | None = None
    education_level: EducationLevel | None = Field(default=None, description=EDUCATION_DESCRIPTION)
    region_code: RegionCode = None
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None
    alliance_id: uuid.UUID | None = None

    @field_validator("kind", "title", "major_codes", "occupation_codes", "count", "education_level", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class OfferPublic(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    kind: OfferKind
    kind_label: str = Field(description="供给类型的中文名称")
    title: str
    description: str | None
    major_codes: list[str]
    majors: list[PostingCodeRef] = Field(description="专业代码及名称（职业教育专业目录）")
    occupation_codes: list[str]
    occupations: list[PostingCodeRef] = Field(description="职业代码及名称（职业分类大典 2022）")
    cohort_year: int | None
    count: int
    education_level: EducationLevel
    education_label: str = Field(description="学历层次的中文名称")
    region_code: str | None
    region: PostingCodeRef | None
    period_start: date | None
    period_end: date | None
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


class OfferPage(Page[OfferPublic]):
    pass


def render(row: Any) -> OfferPublic:
    """The public form of an offer row: labels, codes named from the shipped tables, unknown codes flagged."""
    major_refs, occupation_refs, region_ref = (
        majors(row.major_codes),
        occupations(row.occupation_codes),
        region(row.region_code),
    )
    return OfferPublic(
        id=row.id,
        org_id=row.org_id,
        kind=row.kind,
        kind_label=KIND_LABELS[row.kind],
        title=row.title,
        description=row.description,
        major_codes=list(row.major_codes),
        majors=major_refs,
        occupation_codes=list(row.occupation_codes),
        occupations=occupation_refs,
        cohort_year=row.cohort_year,
        count=row.count,
        education_level=row.education_level,
        education_label=EDUCATION_LABELS[row.education_level],
        region_code=row.region_code,
        region=region_ref,
        period_start=row.period_start,
        period_end=row.period_end,
        alliance_id=row.alliance_id,
        status=row.status,
        status_label=STATUS_LABELS[row.status],
        status_changed_on=row.status_changed_on,
        unknown_codes=unknown_codes(major_refs, occupation_refs, region_ref),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
