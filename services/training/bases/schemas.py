"""Training base request/response models."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chanjiao import refdata
from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import normalize_code, validate_major_code
from services.training.bases.models import KIND_LABELS, LEVEL_LABELS, BaseKind, BaseLevel
from services.training.parties import Tombstone, not_null, required_text

KIND_DESCRIPTION = (
    "基地类型: on_campus 校内 · off_campus 校外 · public 公共实训基地 · productive 生产性 · virtual 虚拟仿真"
)
LEVEL_DESCRIPTION = "级别: national 国家级 · provincial 省级 · municipal 市级 · school 校级"
SHARED_DESCRIPTION = (
    "开放共享: the owner opens the base to the members of the alliances it belongs to (counted as a shared base "
    "in the figures). It does not change who may read the record: training bases are a directory, readable by "
    "every authenticated caller with `training:read`; only the owner's principals write it."
)


def _major_codes(values: list[str]) -> list[str]:
    out: list[str] = []
    for raw in values:
        code = normalize_code(raw)
        validate_major_code(code)
        if code not in out:
            out.append(code)
    return out


Name = required_text("基地名称", 100, "智能制造产教融合实训基地")
MajorCodes = Annotated[
    list[Annotated[str, Field(max_length=20)]],
    Field(
        max_length=100,
        description="服务专业: vocational major codes (6 digits, optional K). A well-formed code missing from the "
        "shipped catalogue is accepted and shown with `code_known: false`; duplicates are dropped.",
        examples=[["460103", "460104"]],
    ),
    AfterValidator(_major_codes),
]
Count = Annotated[int | None, Field(ge=0, le=1_000_000)]
ESTABLISHED_DESCRIPTION = (
    "建成/启用日期: the base counts in the figures of periods ending on or after it (unknown: it counts for every "
    "period, as a base reported after the fact)"
)
CLOSED_DESCRIPTION = (
    "停用日期: from this day the base no longer counts (a period ending on or after it leaves it out); after "
    "`established_on`"
)


class TrainingBaseCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "owner_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "name": "智能制造产教融合实训基地",
                    "kind": "productive",
                    "level": "provincial",
                    "stations": 120,
                    "persons_per_day": 300,
                    "major_codes": ["460103", "460104"],
                    "shared": True,
                    "established_on": "2019-09-01",
                }
            ]
        },
    )

    owner_org_id: uuid.UUID = Field(description="所属单位: an existing, active organization")
    name: Name
    kind: BaseKind = Field(description=KIND_DESCRIPTION)
    level: BaseLevel | None = Field(default=None, description=LEVEL_DESCRIPTION)
    stations: Count = Field(default=None, description="工位数")
    persons_per_day: Count = Field(default=None, description="日均可容纳人数")
    major_codes: MajorCodes = Field(default_factory=list)
    shared: bool = Field(default=False, description=SHARED_DESCRIPTION)
    established_on: IsoDate | None = Field(default=None, description=ESTABLISHED_DESCRIPTION)
    closed_on: IsoDate | None = Field(default=None, description=CLOSED_DESCRIPTION)


class TrainingBaseUpdate(BaseModel):
    """Partial update: only the fields sent change; `null` clears `level`, `stations`, `persons_per_day`,
    `established_on`, `closed_on`. The owner cannot change."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"shared": True, "stations": 150}, {"closed_on": "2025-07-01"}]},
    )

    name: Name | None = None
    kind: BaseKind | None = Field(default=None, description=KIND_DESCRIPTION)
    level: BaseLevel | None = Field(default=None, description=LEVEL_DESCRIPTION)
    stations: Count = None
    persons_per_day: Count = None
    major_codes: MajorCodes | None = None
    shared: bool | None = None
    established_on: IsoDate | None = Field(default=None, description=ESTABLISHED_DESCRIPTION)
    closed_on: IsoDate | None = Field(default=None, description=CLOSED_DESCRIPTION)

    _not_null = not_null("name", "kind", "major_codes", "shared")


class MajorRef(BaseModel):
    code: str
    name: str | None = Field(description="专业名称 from the shipped catalogue (null when unknown)")
    code_known: bool = Field(description="false when the code is well-formed but not in the shipped catalogue")


class TrainingBasePublic(BaseModel):
    id: uuid.UUID
    owner_org_id: uuid.UUID
    name: str
    kind: BaseKind
    kind_label: str
    level: BaseLevel | None
    level_label: str | None
    stations: int | None
    persons_per_day: int | None
    major_codes: list[str]
    majors: list[MajorRef] = Field(description="`major_codes` with names, in the same order")
    shared: bool = Field(description=SHARED_DESCRIPTION)
    established_on: IsoDate | None = Field(description=ESTABLISHED_DESCRIPTION)
    closed_on: IsoDate | None = Field(description=CLOSED_DESCRIPTION)
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class TrainingBasePage(Page[TrainingBasePublic | Tombstone]):
    pass


class Utilisation(BaseModel):
    training_base_id: uuid.UUID
    period_start: IsoDate
    period_end: IsoDate
    programmes: int = Field(description="Programmes held at the base whose `end_on` falls in the period")
    person_times: int = Field(description="人次: their enrolments (not deleted) except dropped ones")
    person_days: Decimal = Field(
        description="人日: Σ `days_attended` of their enrolments (not deleted), dropped ones included "
        "(a decimal string)"
    )


@lru_cache(maxsize=1)
def _major_names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in refdata.majors()}


def render(row: Any) -> TrainingBasePublic:
    """The public form of a training base row: its labels, and its majors named from the shipped catalogue."""
    names = _major_names()
    return TrainingBasePublic(
        id=row.id,
        owner_org_id=row.owner_org_id,
        name=row.name,
        kind=row.kind,
        kind_label=KIND_LABELS[row.kind],
        level=row.level,
        level_label=LEVEL_LABELS[row.level] if row.level else None,
        stations=row.stations,
        persons_per_day=row.persons_per_day,
        major_codes=list(row.major_codes),
        majors=[MajorRef(code=c, name=names.get(c), code_known=c in names) for c in row.major_codes],
        shared=row.shared,
        established_on=row.established_on,
        closed_on=row.closed_on,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
