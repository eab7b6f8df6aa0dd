"""Internship request/response models: InternshipCreate / InternshipUpdate / InternshipPublic / InternshipPage,
and the batch envelope."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.sync_exits import ExitTombstone
from services.training.internships.models import KIND_ALIASES, KIND_LABELS, InternshipKind
from services.training.internships.months import RULE_DESCRIPTION
from services.training.learners.schemas import LearnerSummary
from services.training.parties import Tombstone, not_null, short_text

KIND_DESCRIPTION = (
    "实习类型: cognitive 认识实习 · shadow 跟岗实习 · post 岗位实习 (needs liability insurance); the Chinese names "
    "are accepted too (认识实习, 跟岗实习, 岗位实习, and 顶岗实习 — the older name of 岗位实习 — as `post`), as "
    "spreadsheet rows give them"
)


def _kind_alias(value: object) -> object:
    """A Chinese kind name (a spreadsheet row's 实习类型) becomes its code; anything else is checked as sent."""
    if isinstance(value, str):
        return KIND_ALIASES.get(value.strip(), value)
    return value


Kind = Annotated[InternshipKind, BeforeValidator(_kind_alias)]
Position = short_text("实习岗位", 100, "数控车工")
MentorName = short_text("企业指导教师（师傅）姓名", 50, "王建华")
PolicyNo = short_text(
    "实习责任保险保单号 — required (with `insured: true`) for `post` internships", 64, "PICC2024370700123"
)
Stipend = Annotated[
    Decimal | None,
    Field(
        ge=0,
        max_digits=12,
        decimal_places=2,
        description="实习报酬（元/月）: a decimal string with at most 2 places, ≥ 0",
        examples=["2500.00"],
    ),
    AfterValidator(lambda v: v.quantize(Decimal("0.01")) if v is not None else None),
]
MentorPerson = Annotated[
    uuid.UUID | None,
    Field(description="The mentor as a person of the membership service (`/v1/people/{id}`), if registered"),
]

_EXAMPLE_IN = {
    "learner_id": "019abf40-0000-7000-8000-000000000001",
    "school_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "host_org_id": "019abf2e-0000-7000-8000-000000000002",
    "kind": "post",
    "start_on": "2024-03-01",
    "end_on": "2024-08-31",
    "position": "数控车工",
    "mentor_name": "王建华",
    "insured": True,
    "insurance_policy_no": "PICC2024370700123",
    "stipend_monthly_cny": "2500.00",
}


class InternshipCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE_IN]})

    learner_id: uuid.UUID = Field(
        description="学生: the school's learner record (one the school registered; the school records the "
        "internship) — another organization's record is 404"
    )
    school_org_id: uuid.UUID = Field(description="学校: an existing, active organization")
    host_org_id: uuid.UUID = Field(description="实习单位: an existing, active organization")
    kind: Kind = Field(description=KIND_DESCRIPTION)
    start_on: IsoDate = Field(description="开始日期")
    end_on: IsoDate = Field(description="结束日期 (≥ start_on; both days count)")
    position: Position = None
    mentor_name: MentorName = None
    mentor_person_id: MentorPerson = None
    insured: bool = Field(default=False, description="已投保实习责任保险 (required for `post`)")
    insurance_policy_no: PolicyNo = None
    stipend_monthly_cny: Stipend = None


class InternshipUpdate(BaseModel):
    """Partial update: only the fields sent change; `null` clears the optional ones. The student cannot change
    (record a new internship instead)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"end_on": "2024-09-30"}]})

    school_org_id: uuid.UUID | None = None
    host_org_id: uuid.UUID | None = None
    kind: Kind | None = Field(default=None, description=KIND_DESCRIPTION)
    start_on: IsoDate | None = None
    end_on: IsoDate | None = None
    position: Position = None
    mentor_name: MentorName = None
    mentor_person_id: MentorPerson = None
    insured: bool | None = None
    insurance_policy_no: PolicyNo = None
    stipend_monthly_cny: Stipend = None

    _not_null = not_null("school_org_id", "host_org_id", "kind", "start_on", "end_on", "insured")


class InternshipPublic(BaseModel):
    id: uuid.UUID
    learner_id: uuid.UUID
    learner: LearnerSummary = Field(
        description="The student as the school's record shows it (name, masked number) — what the host sees of the "
        "student; the record itself stays the school's"
    )
    school_org_id: uuid.UUID
    host_org_id: uuid.UUID
    kind: InternshipKind
    kind_label: str = Field(description="实习类型的中文名称")
    start_on: IsoDate
    end_on: IsoDate
    days: int = Field(description="实习天数: end_on − start_on + 1")
    three_months_or_more: bool = Field(description=RULE_DESCRIPTION)
    position: str | None
    mentor_name: str | None
    mentor_person_id: uuid.UUID | None
    insured: bool
    insurance_policy_no: str | None
    stipend_monthly_cny: Decimal | None = Field(description="实习报酬（元/月）, a decimal string")
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class InternshipPage(Page[InternshipPublic | Tombstone | ExitTombstone]):
    pass


# ---- batch -------------------------------------------------------------------------------------------------------
# The example body of `POST /v1/internships/batch` (`{"items": [...]}`, each item an `InternshipCreate`; parsed
# by `chanjiao.batch.BatchBody`).
BATCH_EXAMPLE: dict[str, Any] = {"items": [_EXAMPLE_IN]}


class InternshipBatchItemResult(BaseModel):
    index: int = Field(description="Position of the item in `items` (from 0)")
    status: int = Field(description="201 created; 4xx the item's problem; 424 valid but not saved (atomic batch)")
    id: uuid.UUID | None = None
    three_months_or_more: bool | None = None
    problem: dict[str, Any] | None = Field(default=None, description="problem+json of a rejected item")


class InternshipBatchResult(BaseModel):
    committed: bool
    created: int
    failed: int
    results: list[InternshipBatchItemResult]


def render(row: Any) -> InternshipPublic:
    """The public form of an internship row: its kind's label, its days, and the learner as a summary (the name and
    masked number read with the row), never the learner record."""
    return InternshipPublic(
        id=row.id,
        learner_id=row.learner_id,
        learner=LearnerSummary(name=row.learner_name, id_number_masked=row.learner_id_number_masked),
        school_org_id=row.school_org_id,
        host_org_id=row.host_org_id,
        kind=row.kind,
        kind_label=KIND_LABELS[row.kind],
        start_on=row.start_on,
        end_on=row.end_on,
        days=(row.end_on - row.start_on).days + 1,
        three_months_or_more=row.three_months_or_more,
        position=row.position,
        mentor_name=row.mentor_name,
        mentor_person_id=row.mentor_person_id,
        insured=row.insured,
        insurance_policy_no=row.insurance_policy_no,
        stipend_monthly_cny=row.stipend_monthly_cny,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
