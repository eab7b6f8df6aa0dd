"""Certified post request/response models: the post (create, update, public, page), a holder (create, public, list)
and the compliance answer (持证上岗率)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import normalize_code, validate_occupation_code
from services.training.certificates.rules import KINDS, CertificateKind
from services.training.parties import Tombstone, not_null, required_text, short_text

KIND_DESCRIPTION = "要求的证书种类 The certificate the post requires: " + " · ".join(
    f"`{k.value}` {r.label}" for k, r in KINDS.items()
)
LEVEL_RULE = (
    "`min_level` is one of the required kind's levels (skill_level / vocational_qualification: "
    + " · ".join(KINDS[CertificateKind.skill_level].levels or ())
    + "; skill_level_1x: "
    + " · ".join(KINDS[CertificateKind.skill_level_1x].levels or ())
    + "), listed lowest first: a certificate of that level or a higher one satisfies the post. A kind without levels "
    "takes no `min_level` (422 `no_levels`); another value is 422 `level` listing the allowed ones."
)
PostName = required_text("岗位名称", 100, "天车工")
OccupationName = short_text("职业（工种）名称", 100, "起重机司机")


def _occupation(value: str | None) -> str | None:
    if value is None:
        return None
    code = normalize_code(value)
    validate_occupation_code(code)
    return code


OccupationCode = Annotated[
    str | None,
    Field(
        max_length=40,
        description="职业代码 (CSCO 2022: X, X-XX, X-XX-XX or X-XX-XX-XX); when given, a certificate satisfies the "
        "post only with the same code (or, a certificate without a code, the same occupation name)",
        examples=["6-29-03-01"],
    ),
    AfterValidator(_occupation),
]
Headcount = Annotated[int | None, Field(ge=1, le=1_000_000, description="定岗人数 Planned positions (≥ 1)")]
MinLevel = Annotated[str | None, Field(max_length=50, description="最低等级 " + LEVEL_RULE)]


class CertifiedPostCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "org_id": "019abf2e-0000-7000-8000-000000000002",
                    "name": "天车工",
                    "required_kind": "special_equipment",
                    "occupation_name": "起重机司机",
                    "headcount": 12,
                }
            ]
        },
    )

    org_id: uuid.UUID = Field(description="单位: the caller's own organization (an enterprise or a school)")
    name: PostName
    required_kind: CertificateKind = Field(description=KIND_DESCRIPTION)
    occupation_name: OccupationName = None
    occupation_code: OccupationCode = None
    min_level: MinLevel = None
    headcount: Headcount = None


class CertifiedPostUpdate(BaseModel):
    """Partial update: only the fields sent change; `null` clears the occupation, `min_level` and `headcount`. The
    organization never changes."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"headcount": 14}]})

    name: PostName | None = None
    required_kind: CertificateKind | None = Field(default=None, description=KIND_DESCRIPTION)
    occupation_name: OccupationName = None
    occupation_code: OccupationCode = None
    min_level: MinLevel = None
    headcount: Headcount = None

    _not_null = not_null("name", "required_kind")


class CertifiedPostPublic(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    name: str
    required_kind: CertificateKind
    required_kind_label: str = Field(description="证书种类名称 (Chinese)")
    occupation_name: str | None
    occupation_code: str | None
    min_level: str | None
    headcount: int | None
    version: int = Field(description="Incremented on every change (adding or ending a holder too); the ETag")
    created_at: datetime
    updated_at: datetime


class CertifiedPostPage(Page[CertifiedPostPublic | Tombstone]):
    pass


def render(row: Any) -> CertifiedPostPublic:
    """The public form of a certified post row."""
    return CertifiedPostPublic(
        id=row.id,
        org_id=row.org_id,
        name=row.name,
        required_kind=row.required_kind,
        required_kind_label=KINDS[CertificateKind(row.required_kind)].label,
        occupation_name=row.occupation_name,
        occupation_code=row.occupation_code,
        min_level=row.min_level,
        headcount=row.headcount,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# ---- holders ---------------------------------------------------------------------------------------------------
class HolderCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d", "since": "2024-03-01"}]},
    )

    person_id: uuid.UUID | None = Field(
        default=None,
        description="在岗人员: a person of the membership service (`/v1/people/{id}`) of the post's organization; "
        "exactly one of `person_id` and `learner_id`",
    )
    learner_id: uuid.UUID | None = Field(
        default=None,
        description="在岗人员: a learner record the post's organization owns (an employee learner); exactly one of "
        "`person_id` and `learner_id`",
    )
    since: IsoDate | None = Field(default=None, description="上岗日期 First day on the post (default today; not later)")


class HolderPublic(BaseModel):
    id: uuid.UUID
    post_id: uuid.UUID
    org_id: uuid.UUID
    person_id: uuid.UUID | None
    learner_id: uuid.UUID | None
    name: str | None = Field(
        description="姓名: a person's name when added to the post; a learner record's current name (已注销 once erased)"
    )
    since: IsoDate
    until: IsoDate | None = Field(description="离岗日期: the first day no longer on the post; null while on it")
    version: int = Field(description="1, then 2 once ended; the ETag")
    created_at: datetime
    updated_at: datetime


class HolderList(BaseModel):
    items: list[HolderPublic]


def render_holder(row: Any, learner_name: str | None = None) -> HolderPublic:
    """A holding's public form; `learner_name`: the learner record's current name for a learner holder."""
    return HolderPublic(
        id=row.id,
        post_id=row.post_id,
        org_id=row.org_id,
        person_id=row.person_id,
        learner_id=row.learner_id,
        name=row.holder_name if row.person_id is not None else learner_name,
        since=row.since,
        until=row.until,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# ---- compliance ------------------------------------------------------------------------------------------------
class MissingWhy(StrEnum):
    """Why a holder does not count as certified on the day asked, from the closest certificate it has."""

    level_too_low = "level_too_low"  # 等级不足: a valid certificate of the kind, below `min_level`
    suspended = "suspended"  # 证书暂停
    expired = "expired"  # 证书过期
    revoked = "revoked"  # 证书撤销
    none = "none"  # 无证: no certificate of the kind (and occupation) issued by that day


WHY_LABELS = {
    "level_too_low": "等级不足",
    "suspended": "证书已暂停",
    "expired": "证书已过期",
    "revoked": "证书已撤销",
    "none": "无证",
}


class MissingHolder(BaseModel):
    holder_id: uuid.UUID
    person_id: uuid.UUID | None
    learner_id: uuid.UUID | None
    name: str | None
    why: MissingWhy
    why_label: str
    certificate_id: uuid.UUID | None = Field(description="The certificate the reason is about (null for `none`)")


class PostCompliance(BaseModel):
    post_id: uuid.UUID
    name: str
    required_kind: CertificateKind
    required_kind_label: str
    occupation_name: str | None
    occupation_code: str | None
    min_level: str | None
    headcount: int | None
    holders: int = Field(description="在岗人数: holders of the post on `as_of` (the number required to be certified)")
    certified: int = Field(description="持证人数: holders with a certificate that satisfies the post on `as_of`")
    rate: float | None = Field(description="持证上岗率 certified ÷ holders (4 places); null without holders")
    vacancies: int | None = Field(description="空缺 headcount − holders when positive (0 otherwise); null without it")
    missing: list[MissingHolder] = Field(description="未持有效证书的在岗人员 Holders not certified, with why")


class ComplianceTotal(BaseModel):
    posts: int
    holders: int = Field(description="Σ holders of every post (a person on two posts counts on each)")
    certified: int
    rate: float | None
    missing: int


class CertificateCompliance(BaseModel):
    org_id: uuid.UUID
    as_of: date
    posts: list[PostCompliance]
    total: ComplianceTotal


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
