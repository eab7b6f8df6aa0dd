"""Organization request/response models: OrganizationCreate / OrganizationUpdate / OrganizationPublic."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from chanjiao import refdata
from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import (
    CodeError,
    normalize_code,
    normalize_credit_code,
    normalize_name,
    validate_credit_code,
    validate_industry_code,
    validate_major_code,
    validate_region_code,
)
from services.membership.organizations import countries
from services.membership.organizations.models import ORG_TYPE_LABELS, HonourLevel, OrgStatus, OrgType

FIRST_YEAR, LAST_YEAR = 1949, 2100
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR, description="年份 Year", examples=[2025])]
Count = Annotated[int, Field(ge=0, le=10_000_000)]


def _credit_code(value: str | None) -> str | None:
    if value is None:
        return None
    code = normalize_credit_code(value)
    validate_credit_code(code)
    return code


def _no_controls(value: str) -> str:
    if any(unicodedata.category(ch) == "Cc" and not ch.isspace() for ch in value):
        raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
    return value


def _optional_text(value: str | None) -> str | None:
    return None if value is None else (_no_controls(value).strip() or None)


def _name(value: str) -> str:
    name = normalize_name(_no_controls(value))
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
    Field(
        min_length=2,
        max_length=200,
        description="单位名称 (2–100 characters after trimming)",
        examples=["山东工业职业学院"],
    ),
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
CountryCode = Annotated[
    str,
    Field(
        max_length=8,
        description="国家代码 ISO 3166-1 alpha-2 (default CN); a foreign organization has no region code and no "
        "credit code",
        examples=["DE"],
    ),
    AfterValidator(countries.validate),
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


def _short_text(value: str) -> str:
    text = normalize_name(_no_controls(value))
    if not 1 <= len(text) <= 100:
        raise CodeError("length", "长度应为 1–100 个字符", "1–100 characters long")
    return text


def _major_code(value: str) -> str:
    code = normalize_code(value)
    validate_major_code(code)
    return code


ShortText = Annotated[str, Field(max_length=200), AfterValidator(_short_text)]
MajorCode = Annotated[
    str,
    Field(
        max_length=20,
        description="专业代码 (职业教育专业目录 2021): 6 digits, optionally followed by K; unknown codes are "
        "accepted and flagged `code_known: false`",
        examples=["460104"],
    ),
    AfterValidator(_major_code),
]


class Honour(BaseModel):
    """One recognition: 产教融合型企业, 高技能人才培养基地, 技能大师工作室, 示范职教集团 …"""

    model_config = ConfigDict(extra="forbid")

    title: ShortText = Field(description="荣誉/认定名称", examples=["产教融合型企业"])
    level: HonourLevel = Field(
        description="级别 national 国家级 · provincial 省级 · municipal 市级 · industry 行业 · international 国际 "
        "(an entry of the designation register, /v1/designations)"
    )
    year: Year
    issuer: ShortText | None = Field(default=None, description="认定/授予单位", examples=["山东省发展和改革委员会"])


def _honours(values: list[Honour]) -> list[Honour]:
    seen: set[tuple[str, str, int]] = set()
    for h in values:
        key = (h.title, h.level.value, h.year)
        if key in seen:
            raise CodeError(
                "duplicate", "同一年份同一级别的荣誉重复", "The same honour (title, level, year) appears twice"
            )
        seen.add(key)
    return values


Honours = Annotated[list[Honour], Field(max_length=50, description="荣誉与认定 (at most 50)"), AfterValidator(_honours)]
ParentId = Annotated[
    uuid.UUID | None,
    Field(description="上级单位 — an existing organization (group structure, e.g. 山钢集团 → 济钢); no cycles"),
]
SponsorOrgId = Annotated[
    uuid.UUID | None,
    Field(
        description="举办单位 — only on schools (undergraduate, higher_vocational, secondary_vocational, "
        "technical_school, technician_college): the existing organization that runs it"
    ),
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
    country_code: CountryCode = countries.HOME
    region_code: RegionCode | None = Field(
        default=None, description="行政区划代码: required for an organization in China (CN), refused for others"
    )
    credit_code: CreditCode = None
    industry_codes: IndustryCodes = Field(default_factory=list)
    parent_id: ParentId = None
    sponsor_org_id: SponsorOrgId = None
    honours: Honours = Field(default_factory=list)


class OrganizationUpdate(BaseModel):
    """Partial update: only the fields sent are changed; `null` clears `credit_code`, `parent_id` and
    `sponsor_org_id`; `honours` replaces the entries written through it, held in the designation register
    (`[]` clears them; entries recorded at `/v1/designations` stay)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "山东工业职业学院（新校区）"}]})

    name: Name | None = None
    org_type: OrgType | None = None
    region_code: RegionCode | None = None
    credit_code: CreditCode = None
    industry_codes: IndustryCodes | None = None
    parent_id: ParentId = None
    sponsor_org_id: SponsorOrgId = None
    honours: Honours | None = None

    @field_validator("name", "org_type", "region_code", "industry_codes", "honours", mode="before")
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
    org_type_label: str = Field(description="单位类型的中文名称 (today's type; `/changes` has its history)")
    country_code: str = Field(description="国家代码 ISO 3166-1 alpha-2")
    country_name: str | None = Field(description="国家名称 (Chinese)")
    region_code: str | None = Field(description="行政区划代码 (null for a foreign organization)")
    region: RegionRef | None
    credit_code: str | None
    industry_codes: list[str]
    industries: list[CodeRef]
    parent_id: uuid.UUID | None = Field(description="上级单位")
    sponsor_org_id: uuid.UUID | None = Field(description="举办单位 (schools only)")
    honours: list[Honour]
    registered_by_alliance_id: uuid.UUID | None = Field(
        default=None,
        description="登记联盟: the alliance whose admin registered the organization (null: registered by a platform "
        "admin). Until the organization's own org admin claims it, that alliance keeps its record and records its "
        "memberships directly; every other alliance invites it.",
    )
    status: OrgStatus = Field(description="active / inactive — the `to` of the latest status change")
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


# ---- majors 专业 ------------------------------------------------------------------------------
class MajorFigures(BaseModel):
    model_config = ConfigDict(extra="forbid")

    major_code: MajorCode
    enrolment: Count = Field(description="招生人数 Enrolment that year (≥ 0)")
    graduates: Count = Field(description="毕业生人数 Graduates that year (≥ 0)")


def _unique_majors(values: list[MajorFigures]) -> list[MajorFigures]:
    codes = [m.major_code for m in values]
    if len(set(codes)) != len(codes):
        raise CodeError("duplicate", "同一专业代码出现了两次", "A major code appears twice")
    return values


class MajorsReplace(BaseModel):
    """Replaces every major of one year (an empty list removes that year)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"year": 2025, "majors": [{"major_code": "460104", "enrolment": 120, "graduates": 98}]}]
        },
    )

    year: Year
    majors: Annotated[list[MajorFigures], Field(max_length=500), AfterValidator(_unique_majors)]


class MajorPublic(BaseModel):
    year: int
    major_code: str
    major_name: str | None = Field(description="Name from the majors table (null when unknown)")
    code_known: bool = Field(description="false when the code is well-formed but not in the shipped table")
    enrolment: int
    graduates: int


class MajorList(BaseModel):
    org_id: uuid.UUID
    items: list[MajorPublic]


# ---- school statistics 办学规模 ---------------------------------------------------------------------
class SchoolStatsPut(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"full_time_enrolment": 4200, "students": 12800, "graduates": 3900}]},
    )

    full_time_enrolment: Count = Field(description="年招收全日制学生 Full-time students enrolled that year")
    students: Count = Field(description="在校生 Students in school")
    graduates: Count = Field(description="毕业生 Graduates that year")


class SchoolStatsPublic(BaseModel):
    org_id: uuid.UUID
    year: int
    full_time_enrolment: int
    students: int
    graduates: int
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    updated_at: datetime


class SchoolStatsList(BaseModel):
    org_id: uuid.UUID
    items: list[SchoolStatsPublic]


# ---- status changes 状态变更 ----------------------------------------------------------------------
class StatusChangeCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"to": "inactive", "effective_on": "2025-06-30", "reason": "企业注销"}]},
    )

    to: OrgStatus = Field(description="目标状态 active ⇄ inactive")
    effective_on: IsoDate | None = Field(
        default=None,
        description="生效日期 (default today, Asia/Shanghai); not in the future, not before the latest change",
    )
    reason: Annotated[str | None, Field(max_length=500, description="原因"), AfterValidator(_optional_text)] = None


class StatusEventPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: uuid.UUID
    org_id: uuid.UUID
    from_: OrgStatus = Field(alias="from")
    to: OrgStatus
    effective_on: IsoDate
    reason: str | None
    actor: str
    recorded_at: datetime
    updated_at: datetime = Field(
        description="最后变更时间（事件记录后不再改变，= recorded_at）— Last change: "
        "events are never changed, so it equals `recorded_at`"
    )


class StatusEventPage(Page[StatusEventPublic]):
    pass


# ---- public forms ---------------------------------------------------------------------------------------------------
def reference_keys(row: Any) -> set[tuple[str, str]]:
    """The reference codes `render` names: the region, its province and city, and the industries."""
    rc = row.region_code
    keys = set() if rc is None else {("regions", rc), ("regions", rc[:2] + "0000"), ("regions", rc[:4] + "00")}
    keys.update(("industries", c) for c in row.industry_codes)
    return keys


def render(row: Any, *, names: dict[tuple[str, str], Any]) -> OrganizationPublic:
    """The public form of an organization row; `names` are the reference rows of its `reference_keys` (a code
    missing from it is `code_known: false`)."""
    return OrganizationPublic(
        id=row.id,
        name=row.name,
        org_type=row.org_type,
        org_type_label=ORG_TYPE_LABELS[row.org_type],
        country_code=row.country_code,
        country_name=countries.name_zh(row.country_code),
        region_code=row.region_code,
        region=None if row.region_code is None else region_ref(row.region_code, names),
        credit_code=row.credit_code,
        industry_codes=row.industry_codes,
        industries=[
            CodeRef(
                code=c,
                name=names[("industries", c)].name if ("industries", c) in names else None,
                code_known=("industries", c) in names,
            )
            for c in row.industry_codes
        ],
        parent_id=row.parent_id,
        sponsor_org_id=row.sponsor_org_id,
        honours=row.honours,
        registered_by_alliance_id=row.registered_by_alliance_id,
        status=row.status,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def region_ref(rc: str, names: dict[tuple[str, str], Any]) -> RegionRef:
    """A region code with its name, province and city from `names` (the reference rows of `reference_keys`)."""
    region = names.get(("regions", rc))
    province = names.get(("regions", rc[:2] + "0000"))
    city = names.get(("regions", rc[:4] + "00")) if not rc.endswith("0000") else None
    return RegionRef(
        code=rc,
        name=region.name if region else None,
        code_known=region is not None,
        province=province.name if province else None,
        city=city.name if city else None,
    )


def render_status_event(row: Any) -> StatusEventPublic:
    return StatusEventPublic(
        id=row.id,
        org_id=row.org_id,
        from_=row.from_status,
        to=row.to_status,
        effective_on=row.effective_on,
        reason=row.reason,
        actor=row.actor,
        recorded_at=row.recorded_at,
        updated_at=row.updated_at,
    )


def render_school_stats(row: Any) -> SchoolStatsPublic:
    return SchoolStatsPublic.model_validate(row, from_attributes=True)
