"""Programme request/response models: ProgrammeCreate / ProgrammeUpdate / ProgrammePublic / ProgrammePage."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from chanjiao import refdata
from chanjiao.dates import IsoDate
from chanjiao.errors import field_error
from chanjiao.pagination import Page
from chanjiao.sync_exits import ExitTombstone
from chanjiao.validators import (
    CodeError,
    normalize_code,
    normalize_name,
    validate_major_code,
    validate_occupation_code,
)
from services.training.programmes.models import (
    DELIVERY_LABELS,
    FUNDING_SOURCE_LABELS,
    KIND_LABELS,
    PROJECT_LEVEL_LABELS,
    TARGET_GROUP_LABELS,
    Delivery,
    FundingSource,
    ProgrammeKind,
    ProjectLevel,
    TargetGroup,
)


def _name(value: str) -> str:
    name = normalize_name(value)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
    if not 2 <= len(name) <= 100:
        raise CodeError("length", "项目名称长度应为 2–100 个字符", "A programme name is 2–100 characters long")
    return name


def _occupation(value: str | None) -> str | None:
    if value is None:
        return None
    code = normalize_code(value)
    validate_occupation_code(code)
    return code


def _major(value: str | None) -> str | None:
    if value is None:
        return None
    code = normalize_code(value)
    validate_major_code(code)
    return code


def _partners(values: list[uuid.UUID]) -> list[uuid.UUID]:
    if len(set(values)) != len(values):
        raise CodeError("duplicate", "同一合作单位出现了两次", "A partner organization appears twice")
    return values


def _commissioner(value: str | None) -> str | None:
    if value is None:
        return None
    name = normalize_name(value)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
    if not 2 <= len(name) <= 100:
        raise CodeError("length", "委托单位名称长度应为 2–100 个字符", "A commissioning body is 2–100 characters long")
    return name


def _groups(values: list[TargetGroup]) -> list[TargetGroup]:
    return list(dict.fromkeys(values))


def _labelled(labels: dict[str, str]) -> str:
    return " · ".join(f"{code} {label}" for code, label in labels.items())


KIND_DESCRIPTION = "培训类型 Programme kind (closed list): " + _labelled(KIND_LABELS)
PROJECT_LEVEL_DESCRIPTION = (
    "项目级别 Level of the commissioned project (国家/省/市级培养培训项目): " + _labelled(PROJECT_LEVEL_LABELS) + "; "
    "any level but `none` needs `commissioned_by`"
)
FUNDING_DESCRIPTION = "经费来源 Funding source (closed list, optional): " + _labelled(FUNDING_SOURCE_LABELS)
TARGET_GROUPS_DESCRIPTION = "培训对象 Target groups (closed list; duplicates dropped): " + _labelled(
    TARGET_GROUP_LABELS
)
Commissioner = Annotated[
    str | None,
    Field(
        max_length=300,
        description="委托/下达单位 The body that commissioned the programme as its project "
        "(e.g. 山东省人力资源和社会保障厅)",
    ),
    AfterValidator(_commissioner),
]
TargetGroups = Annotated[
    list[TargetGroup], Field(max_length=20, description=TARGET_GROUPS_DESCRIPTION), AfterValidator(_groups)
]
Name = Annotated[
    str, Field(min_length=2, max_length=300, description="项目/班级名称 (2–100 characters)"), AfterValidator(_name)
]
OccupationCode = Annotated[
    str | None,
    Field(
        max_length=40,
        description="职业代码 (CSCO 2022: X, X-XX, X-XX-XX or X-XX-XX-XX); a well-formed code not in the shipped "
        "table is accepted and flagged `code_known: false`",
        examples=["6-31-01-03"],
    ),
    AfterValidator(_occupation),
]
MajorCode = Annotated[
    str | None,
    Field(
        max_length=20,
        description="专业代码 (6 digits, optionally K); a well-formed code not in the shipped table is accepted and "
        "flagged `code_known: false`",
        examples=["460104"],
    ),
    AfterValidator(_major),
]
PartnerOrgIds = Annotated[
    list[uuid.UUID],
    Field(
        max_length=20, description="合作单位 (e.g. the enterprise of an order class): existing, active organizations"
    ),
    AfterValidator(_partners),
]
Hours = Annotated[Decimal, Field(ge=0, le=100000, max_digits=8, decimal_places=1, description="计划学时 (≥ 0)")]
Capacity = Annotated[int, Field(ge=1, le=1_000_000, description="名额; null = unlimited")]

_EXAMPLE_IN = {
    "name": "2025级数控技术订单班",
    "kind": "order_class",
    "provider_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "partner_org_ids": ["019abf2e-0000-7000-8000-00000000e001"],
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "occupation_code": "6-18-01-01",
    "major_code": "460103",
    "start_on": "2025-09-01",
    "end_on": "2026-06-30",
    "planned_hours": 480,
    "capacity": 40,
    "delivery": "offline",
    "commissioned_by": "潍坊市人力资源和社会保障局",
    "project_level": "municipal",
    "funding_source": "skills_upgrade_fund",
    "target_groups": ["students"],
}


class ProgrammeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE_IN]})

    name: Name
    kind: ProgrammeKind = Field(description=KIND_DESCRIPTION)
    provider_org_id: uuid.UUID = Field(description="举办单位: the caller's own organization, existing and active")
    alliance_id: uuid.UUID | None = Field(default=None, description="所属联盟 (optional): an existing alliance")
    partner_org_ids: PartnerOrgIds = Field(default_factory=list)
    occupation_code: OccupationCode = None
    major_code: MajorCode = None
    training_base_id: uuid.UUID | None = Field(default=None, description="实训基地 (optional)")
    start_on: IsoDate = Field(description="开始日期")
    end_on: IsoDate = Field(description="结束日期 (≥ start_on)")
    planned_hours: Hours | None = None
    capacity: Capacity | None = None
    delivery: Delivery = Field(default=Delivery.offline, description="online 线上 · offline 线下 · blended 混合")
    commissioned_by: Commissioner = None
    commissioned_by_org_id: uuid.UUID | None = Field(
        default=None, description="委托单位 ID (optional): the commissioning body when it is an organization here"
    )
    project_level: ProjectLevel = Field(default=ProjectLevel.none, description=PROJECT_LEVEL_DESCRIPTION)
    funding_source: FundingSource | None = Field(default=None, description=FUNDING_DESCRIPTION)
    target_groups: TargetGroups = Field(default_factory=list)


class ProgrammeUpdate(BaseModel):
    """Partial update: only the fields sent change; `null` clears the optional ones. The provider cannot change."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"capacity": 45, "end_on": "2026-07-10"}]}
    )

    name: Name | None = None
    kind: ProgrammeKind | None = Field(default=None, description=KIND_DESCRIPTION)
    alliance_id: uuid.UUID | None = None
    partner_org_ids: PartnerOrgIds | None = None
    occupation_code: OccupationCode = None
    major_code: MajorCode = None
    training_base_id: uuid.UUID | None = None
    start_on: IsoDate | None = None
    end_on: IsoDate | None = None
    planned_hours: Hours | None = None
    capacity: Capacity | None = None
    delivery: Delivery | None = None
    commissioned_by: Commissioner = None
    commissioned_by_org_id: uuid.UUID | None = None
    project_level: ProjectLevel | None = Field(default=None, description=PROJECT_LEVEL_DESCRIPTION)
    funding_source: FundingSource | None = Field(default=None, description=FUNDING_DESCRIPTION)
    target_groups: TargetGroups | None = None

    @field_validator(
        "name",
        "kind",
        "partner_org_ids",
        "start_on",
        "end_on",
        "delivery",
        "project_level",
        "target_groups",
        mode="before",
    )
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class CodeRef(BaseModel):
    code: str
    name: str | None = Field(default=None, description="Name from the reference table (null when unknown)")
    code_known: bool = Field(description="false when the code is well-formed but not in the shipped table")


class ProgrammePublic(BaseModel):
    id: uuid.UUID
    name: str
    kind: ProgrammeKind
    kind_label: str = Field(description="培训类型的中文名称")
    provider_org_id: uuid.UUID
    alliance_id: uuid.UUID | None
    partner_org_ids: list[uuid.UUID]
    occupation_code: str | None
    occupation: CodeRef | None
    major_code: str | None
    major: CodeRef | None
    training_base_id: uuid.UUID | None
    start_on: IsoDate
    end_on: IsoDate
    planned_hours: float | None
    capacity: int | None = Field(description="名额; null = unlimited")
    enrolled_count: int = Field(description="Seats taken: enrolments that are not dropped (live, not versioned)")
    seats_left: int | None = Field(description="capacity − enrolled_count; null when unlimited")
    delivery: Delivery
    delivery_label: str
    commissioned_by: str | None = Field(description="委托/下达单位 (null: the provider's own programme)")
    commissioned_by_org_id: uuid.UUID | None
    project_level: ProjectLevel
    project_level_label: str = Field(description="项目级别的中文名称")
    funding_source: FundingSource | None
    funding_source_label: str | None
    target_groups: list[TargetGroup]
    target_group_labels: list[str] = Field(description="培训对象的中文名称, in the order of `target_groups`")
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class ProgrammeTombstone(BaseModel):
    """Returned in lists with `include_deleted=true` for programmes deleted since `updated_since`."""

    id: uuid.UUID
    deleted: bool = True
    deleted_at: datetime


class ProgrammePage(Page[ProgrammePublic | ProgrammeTombstone | ExitTombstone]):
    pass


# ---- the public form -----------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _occupation_names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in refdata.occupations()}


@lru_cache(maxsize=1)
def _major_names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in refdata.majors()}


def _ref(code: str | None, names: dict[str, str]) -> CodeRef | None:
    if code is None:
        return None
    return CodeRef(code=code, name=names.get(code), code_known=code in names)


def render(p: Any) -> ProgrammePublic:
    """The public form of a programme row: labels, codes named from the shipped catalogues, seats left."""
    return ProgrammePublic(
        id=p.id,
        name=p.name,
        kind=p.kind,
        kind_label=KIND_LABELS[p.kind],
        provider_org_id=p.provider_org_id,
        alliance_id=p.alliance_id,
        partner_org_ids=list(p.partner_org_ids or []),
        occupation_code=p.occupation_code,
        occupation=_ref(p.occupation_code, _occupation_names()),
        major_code=p.major_code,
        major=_ref(p.major_code, _major_names()),
        training_base_id=p.training_base_id,
        start_on=p.start_on,
        end_on=p.end_on,
        planned_hours=float(p.planned_hours) if p.planned_hours is not None else None,
        capacity=p.capacity,
        enrolled_count=p.enrolled_count,
        seats_left=None if p.capacity is None else p.capacity - p.enrolled_count,
        delivery=p.delivery,
        delivery_label=DELIVERY_LABELS[p.delivery],
        commissioned_by=p.commissioned_by,
        commissioned_by_org_id=p.commissioned_by_org_id,
        project_level=p.project_level,
        project_level_label=PROJECT_LEVEL_LABELS[p.project_level],
        funding_source=p.funding_source,
        funding_source_label=FUNDING_SOURCE_LABELS[p.funding_source] if p.funding_source else None,
        target_groups=list(p.target_groups or []),
        target_group_labels=[TARGET_GROUP_LABELS[g] for g in p.target_groups or []],
        version=p.version,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


# ---- query parameters shared by the lists that filter on a programme's period (programmes, enrolments) ----
PeriodStart = Annotated[IsoDate | None, Query(description="期间开始 (inclusive), on the programme's `end_on`")]
PeriodEnd = Annotated[IsoDate | None, Query(description="期间结束 (inclusive), on the programme's `end_on`")]


def check_period_query(start: date | None, end: date | None) -> tuple[date | None, date | None]:
    if start is not None and end is not None and end < start:
        raise field_error(
            ["query", "period_end"], "period_order", "结束日期不能早于开始日期", "period_end is before period_start"
        )
    return start, end
