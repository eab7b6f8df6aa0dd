"""Alliance request/response models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from chanjiao import refdata
from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError, normalize_code, normalize_name, validate_region_code
from services.membership.alliances.models import (
    KIND_LABELS,
    LEGAL_PERSON_LABELS,
    AllianceKind,
    AllianceLevel,
    LegalPersonStatus,
)
from services.membership.tombstone import ListTombstone


def _name(value: str) -> str:
    name = normalize_name(value)
    if not 2 <= len(name) <= 100:
        raise CodeError("length", "名称长度应为 2–100 个字符", "A name is 2–100 characters long")
    return name


def _region(value: str | None) -> str | None:
    if value is None:
        return None
    code = normalize_code(value)
    validate_region_code(code, province_codes=refdata.province_codes())
    return code


Name = Annotated[str, Field(max_length=200, examples=["山东化工职业教育集团"]), AfterValidator(_name)]
RegionCode = Annotated[
    str | None,
    Field(max_length=12, description="所在地 — where the body sits (6-digit region code)"),
    AfterValidator(_region),
]
OldRegionCode = Annotated[
    str | None,
    Field(max_length=12, description="The old name of `seat_region_code` (accepted; sending both, they must agree)"),
    AfterValidator(_region),
]
SeatPark = Annotated[
    str | None,
    Field(
        max_length=100,
        description="所在园区 — the park or zone the body is based on (市域产教联合体), e.g. 潍坊滨海经济技术开发区",
        examples=["潍坊滨海经济技术开发区"],
    ),
]
RegistrationNo = Annotated[
    str | None,
    Field(
        max_length=50,
        description="法人登记证号/统一社会信用代码 — only with a legal personality (`legal_person_status` not none)",
    ),
]


class _Seat(BaseModel):
    """`region_code` is the old name of `seat_region_code`: either may be sent (both: the same value)."""

    @model_validator(mode="after")
    def _one_seat(self) -> Any:
        old = self.__dict__.get("region_code")
        if "region_code" in self.model_fields_set and old is not None:
            if "seat_region_code" in self.model_fields_set and self.seat_region_code not in (None, old):
                raise CodeError(
                    "seat_mismatch",
                    "seat_region_code 与 region_code（旧名称）不一致",
                    "seat_region_code and region_code (its old name) differ",
                )
            self.seat_region_code = old
            self.model_fields_set.add("seat_region_code")
        return self


class Recognition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=2, max_length=100, examples=["全国示范性职业教育集团"])
    level: Literal["national", "provincial", "municipal", "industry", "international"] = Field(
        default="national",
        description="级别 national 国家级 · provincial 省级 · municipal 市级 · industry 行业 · international 国际 "
        "(an entry of the designation register, /v1/designations)",
    )
    year: int = Field(ge=1949, le=2100)
    issuer: str | None = Field(default=None, max_length=100, examples=["教育部"])


class AllianceBase(_Seat):
    model_config = ConfigDict(extra="forbid")

    guiding_body: str | None = Field(default=None, max_length=200, description="指导单位", examples=["山东省教育厅"])
    founded_on: IsoDate | None = Field(default=None, description="成立日期")
    seat_region_code: RegionCode = None
    seat_park: SeatPark = None
    region_code: OldRegionCode = None
    entity_run: bool = Field(default=False, description="实体化运作 — the body runs as an entity")
    legal_person_status: LegalPersonStatus = Field(
        default=LegalPersonStatus.none,
        description="法人资格 none 不具备 · public_institution 事业单位法人 · social_organization 社会团体法人 · "
        "private_non_enterprise 民办非企业单位 · enterprise 企业法人",
    )
    legal_person_registration_no: RegistrationNo = None
    lead_org_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=20, description="牵头单位 (organization ids)"
    )
    charter: str | None = Field(default=None, max_length=100_000, description="章程 text")
    membership_rules: str | None = Field(default=None, max_length=20_000, description="入会/退出规定")
    industry_focus: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        default_factory=list,
        max_length=30,
        description="产业领域, e.g. 化工, 新能源汽车",
        examples=[["化工", "新材料"]],
    )
    recognitions: list[Recognition] = Field(default_factory=list, max_length=50, description="荣誉/认定")


class AllianceCreate(AllianceBase):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "山东化工职业教育集团",
                    "kind": "vocational_education_group",
                    "level": "provincial",
                    "founded_on": "2009-06-18",
                    "seat_region_code": "370700",
                    "guiding_body": "山东省教育厅",
                    "industry_focus": ["化工"],
                }
            ]
        },
    )

    name: Name
    kind: AllianceKind = Field(description="联盟类型")
    level: AllianceLevel = Field(description="级别")


class AllianceUpdate(_Seat):
    """Partial update; only the fields sent change."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"charter": "第一章 总则 …"}]})

    name: Name | None = None
    kind: AllianceKind | None = None
    level: AllianceLevel | None = None
    guiding_body: str | None = Field(default=None, max_length=200)
    founded_on: IsoDate | None = None
    seat_region_code: RegionCode = None
    seat_park: SeatPark = None
    region_code: OldRegionCode = None
    entity_run: bool | None = None
    legal_person_status: LegalPersonStatus | None = None
    legal_person_registration_no: RegistrationNo = None
    lead_org_ids: list[uuid.UUID] | None = Field(default=None, max_length=20)
    charter: str | None = Field(default=None, max_length=100_000)
    membership_rules: str | None = Field(default=None, max_length=20_000)
    industry_focus: list[Annotated[str, Field(min_length=1, max_length=50)]] | None = Field(default=None, max_length=30)
    recognitions: list[Recognition] | None = Field(default=None, max_length=50)

    @field_validator("name", "kind", "level", "entity_run", "legal_person_status", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class AlliancePublic(BaseModel):
    id: uuid.UUID
    name: str
    kind: AllianceKind
    kind_label: str
    level: AllianceLevel = Field(description="级别 — the body's own scope, not its recogniser's level")
    founded_on: IsoDate | None
    seat_region_code: str | None = Field(description="所在地 — where the body sits")
    seat_park: str | None = Field(description="所在园区 — the park or zone it is based on")
    region_code: str | None = Field(description="The old name of `seat_region_code` (the same value)")
    entity_run: bool = Field(description="实体化运作")
    legal_person_status: LegalPersonStatus
    legal_person_status_label: str = Field(description="法人资格的中文名称")
    legal_person_registration_no: str | None
    guiding_body: str | None
    lead_org_ids: list[uuid.UUID]
    charter: str | None
    membership_rules: str | None
    industry_focus: list[str]
    recognitions: list[Recognition]
    version: int
    created_at: datetime
    updated_at: datetime


class AlliancePage(Page[AlliancePublic | ListTombstone]):
    pass


def render(row: Any) -> AlliancePublic:
    """The public form of an alliance row: its fields and its kind's label."""
    return AlliancePublic(
        id=row.id,
        name=row.name,
        kind=row.kind,
        kind_label=KIND_LABELS[row.kind],
        level=row.level,
        founded_on=row.founded_on,
        seat_region_code=row.seat_region_code,
        seat_park=row.seat_park,
        region_code=row.seat_region_code,
        entity_run=row.entity_run,
        legal_person_status=row.legal_person_status,
        legal_person_status_label=LEGAL_PERSON_LABELS[row.legal_person_status],
        legal_person_registration_no=row.legal_person_registration_no,
        guiding_body=row.guiding_body,
        lead_org_ids=row.lead_org_ids,
        charter=row.charter,
        membership_rules=row.membership_rules,
        industry_focus=row.industry_focus,
        recognitions=row.recognitions,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
