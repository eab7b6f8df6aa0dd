"""Hire request/response models: HireCreate / HireAnswer / HirePublic / HirePage / `render(row)`, the graduate count
and the yearly figures (docs/matching-hires.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError, normalize_name
from services.matching.fields import Reason
from services.matching.hires.models import CHANNEL_LABELS, STATUS_LABELS, HireChannel, HireStatus


def _text(max_len: int) -> Any:
    def check(value: str) -> str:
        text = normalize_name(value)
        if not text:
            raise CodeError("required", "不能为空", "May not be empty")
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
            raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
        if len(text) > max_len:
            raise CodeError("length", f"长度至多为 {max_len} 个字符", f"At most {max_len} characters")
        return text

    return AfterValidator(check)


PersonName = Annotated[
    str, Field(min_length=1, max_length=200, description="姓名 — the person's name (1–50 characters)"), _text(50)
]
Post = Annotated[str, Field(min_length=1, max_length=400, description="岗位 — the post (1–100 characters)"), _text(100)]

EXAMPLE_IN: dict[str, Any] = {
    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "person_name": "李明",
    "learner_id": None,
    "school_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "employer_org_id": "019abf2e-0000-7000-8000-000000000002",
    "hired_on": "2026-07-01",
    "post": "数控车工",
    "channel": "order_class",
    "demand_id": None,
    "agreement_id": None,
}
EXAMPLE: dict[str, Any] = {
    "id": "019ac0d3-4e5f-7a6b-8c7d-8e9f0a1b2c3d",
    **{k: v for k, v in EXAMPLE_IN.items() if k != "org_id"},
    "recorded_by_org_id": EXAMPLE_IN["org_id"],
    "channel_label": "订单班",
    "status": "recorded",
    "status_label": "待确认",
    "answered_at": None,
    "answered_by": None,
    "reason": None,
    "version": 1,
    "created_at": "2026-12-03T08:00:00+00:00",
    "updated_at": "2026-12-03T08:00:00+00:00",
}


class HireCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_IN]})

    org_id: uuid.UUID = Field(description="登记单位 — the recording organization: the school or the employer")
    person_name: PersonName
    learner_id: uuid.UUID | None = Field(
        default=None, description="学员 ID (optional) — the school's training learner record; never an ID number"
    )
    school_org_id: uuid.UUID = Field(description="毕业学校 — the school the person comes from")
    employer_org_id: uuid.UUID = Field(description="用人单位 — the employer")
    hired_on: IsoDate = Field(description="入职日期 — date taken on (not in the future)")
    post: Post
    channel: HireChannel = Field(
        description="渠道 — order_class 订单班 · apprenticeship 学徒制 · agreement 合作协议 · demand 平台需求 · "
        "other 其他"
    )
    demand_id: uuid.UUID | None = Field(default=None, description="需求 (required for channel `demand`)")
    agreement_id: uuid.UUID | None = Field(default=None, description="合作协议 (required for channel `agreement`)")


class HireAnswer(BaseModel):
    """The body of a confirmation or a dispute."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "入职日期有误"}]})

    reason: Reason = None


class HirePublic(BaseModel):
    id: uuid.UUID
    person_name: str
    learner_id: uuid.UUID | None
    school_org_id: uuid.UUID
    employer_org_id: uuid.UUID
    recorded_by_org_id: uuid.UUID = Field(description="登记单位 — the party that recorded it")
    hired_on: date
    post: str
    channel: HireChannel
    channel_label: str = Field(description="渠道的中文名称")
    demand_id: uuid.UUID | None
    agreement_id: uuid.UUID | None
    status: HireStatus
    status_label: str = Field(description="状态的中文名称")
    answered_at: datetime | None
    answered_by: str | None
    reason: str | None
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class HirePage(Page[HirePublic]):
    pass


def render(row: Any) -> HirePublic:
    return HirePublic(
        id=row.id,
        person_name=row.person_name,
        learner_id=row.learner_id,
        school_org_id=row.school_org_id,
        employer_org_id=row.employer_org_id,
        recorded_by_org_id=row.recorded_by_org_id,
        hired_on=row.hired_on,
        post=row.post,
        channel=row.channel,
        channel_label=CHANNEL_LABELS[row.channel],
        demand_id=row.demand_id,
        agreement_id=row.agreement_id,
        status=row.status,
        status_label=STATUS_LABELS[row.status],
        answered_at=row.answered_at,
        answered_by=row.answered_by,
        reason=row.reason,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# ---- graduate counts and figures -----------------------------------------------------------------------------------
class HireGraduateCountIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"graduates": 1200, "in_field": 950}]})

    graduates: int = Field(ge=0, le=1_000_000, description="毕业生数 — the school's graduates of the year")
    in_field: int | None = Field(
        default=None, ge=0, le=1_000_000, description="对口就业人数 (optional, ≤ graduates) — employed in their field"
    )


class HireGraduateCountPublic(BaseModel):
    org_id: uuid.UUID
    year: int
    graduates: int
    in_field: int | None
    version: int
    updated_at: datetime


class HireSchoolFigures(BaseModel):
    graduates_hired: int = Field(description="已确认的本校毕业生招录数 — confirmed hires of its graduates")
    from_order_classes: int = Field(description="其中经订单班 — through order classes")
    from_apprenticeships: int = Field(description="其中经学徒制 — through apprenticeships")
    unconfirmed: int = Field(description="待确认或有异议（不计入） — recorded or disputed, not counted")
    graduates: int | None = Field(description="学校填报的毕业生数 — the school's graduate count (null: not supplied)")
    in_field: int | None = Field(description="学校填报的对口就业人数")
    employment_rate: float | None = Field(description="就业率 = graduates_hired / graduates (null without graduates)")
    in_field_rate: float | None = Field(description="对口率 = in_field / graduates_hired (null without both)")


class HireEmployerFigures(BaseModel):
    hires: int = Field(description="已确认的招录数 — confirmed hires")
    from_order_classes: int
    from_apprenticeships: int
    unconfirmed: int
    schools: int = Field(description="来源学校数 — distinct schools hired from")


class HireFigures(BaseModel):
    org_id: uuid.UUID
    year: int
    as_school: HireSchoolFigures = Field(description="作为学校 — the organization's graduates taken on")
    as_employer: HireEmployerFigures = Field(description="作为用人单位 — the people the organization took on")
