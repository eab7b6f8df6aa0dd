"""Learner request/response models.

`id_number` and `phone` are write-only: validated (per `id_type`, see `personal.py`), encrypted, and read back
only as `id_number_masked` / `phone_masked`. The full number leaves the service only through the audited
reveal (`LearnerRevealed`)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from chanjiao.pagination import Page
from chanjiao.validators import CodeError, normalize_name
from services.training.learners import personal
from services.training.learners.models import ID_TYPE_LABELS, LEARNER_TYPE_LABELS, IdType, LearnerType

_EXAMPLE_ORG = "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b"
# Documentation examples must be nobody's number: valid under our rules (no age check), born in 1880.
EXAMPLE_ID_NUMBER = "110105188001010017"


def _no_control_characters(text: str) -> None:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")


def _name(value: str) -> str:
    name = normalize_name(value)
    _no_control_characters(name)
    if not 2 <= len(name) <= 50:
        raise CodeError("length", "姓名长度应为 2–50 个字符", "A name is 2–50 characters long")
    return name


def _phone(value: str | None) -> str | None:
    return None if value is None else personal.clean_phone(value)


def _raw_number(value: str) -> str:
    number = personal.normalize_number(value)
    if not number:
        raise CodeError("missing", "证件号码不能为空", "The ID number is required")
    return number


Name = Annotated[
    str,
    Field(min_length=2, max_length=200, description="姓名 (2–50 characters after trimming)", examples=["张三"]),
    AfterValidator(_name),
]
Phone = Annotated[
    str | None,
    Field(
        max_length=40,
        description="手机号码, write-only: an 11-digit mainland mobile number (spaces, hyphens, +86 and full-width "
        "digits are normalised). Stored encrypted; read back only as `phone_masked`.",
        examples=["13812345678"],
    ),
    AfterValidator(_phone),
]
IdNumber = Annotated[
    str,
    Field(
        max_length=40,
        description="证件号码, write-only. Normalised (full-width → ASCII, `x` → `X`, spaces removed) and validated "
        "for `id_type` (resident IDs: 18 characters, a real date, the GB 11643 check digit — no region or age "
        "check). Stored encrypted with a keyed hash for de-duplication; read back only as `id_number_masked`. "
        "Never echoed in an error.",
        examples=[EXAMPLE_ID_NUMBER],
    ),
    AfterValidator(_raw_number),
]
ID_TYPE_DESCRIPTION = (
    "证件类型: resident_id 居民身份证 (default) · passport 护照 · hk_macau_permit 港澳居民来往内地通行证/居住证 · "
    "taiwan_permit 台湾居民来往大陆通行证/居住证 · foreigner_permanent 外国人永久居留身份证"
)
LEARNER_TYPE_DESCRIPTION = "学员类型: student 学生 · employee 企业职工 · teacher 教师 · social 社会人员"


def _check_number_for_type(value: str | None, info: ValidationInfo) -> str | None:
    """`id_number` against the `id_type` validated before it (a field validator, so errors name `id_number`)."""
    id_type = info.data.get("id_type")  # absent when it failed its own validation: nothing to check against
    if value is not None and id_type is not None:
        personal.validate_number(IdType(id_type).value, value)
    return value


class LearnerCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "张三",
                    "id_type": "resident_id",
                    "id_number": EXAMPLE_ID_NUMBER,
                    "phone": "13812345678",
                    "learner_type": "student",
                    "current_org_id": _EXAMPLE_ORG,
                }
            ]
        },
    )

    name: Name
    id_type: IdType = Field(default=IdType.resident_id, description=ID_TYPE_DESCRIPTION)
    id_number: IdNumber
    phone: Phone = None
    learner_type: LearnerType = Field(description=LEARNER_TYPE_DESCRIPTION)
    current_org_id: uuid.UUID | None = Field(
        default=None,
        description="当前所在单位 (school of a student, employer of an employee): an existing, active organization; "
        "an attribute of the record — it gives that organization no sight of it",
    )
    org_id: uuid.UUID | None = Field(
        default=None,
        description="登记单位: the organization registering — and owning — the learner record. An organization's "
        "principal registers for its own organization (omit it, or send its own id); a platform admin must name one.",
    )

    _number = field_validator("id_number")(_check_number_for_type)


MEMBERSHIP_PERSON_DESCRIPTION = (
    "成员服务人员: the membership person (`/v1/people/{id}`) this record is — a teacher's record names the person of "
    "the school, so the teacher figures (`/v1/training-stats/teachers`) count the teacher once across 双师培训, "
    "企业实践 and 兼职授课; a person of the record's owner or of its `current_org_id` (else 422 "
    "`person_not_found`); `null` clears it"
)


class LearnerUpdate(BaseModel):
    """Partial update: only the fields sent change; `null` clears `phone` and `current_org_id`. Correcting the ID
    number needs `id_number` (with `id_type` when the document type changes too)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"learner_type": "employee"}]})

    name: Name | None = None
    id_type: IdType | None = Field(default=None, description=ID_TYPE_DESCRIPTION + "; only with `id_number`")
    id_number: IdNumber | None = None
    phone: Phone = None
    learner_type: LearnerType | None = Field(default=None, description=LEARNER_TYPE_DESCRIPTION)
    current_org_id: uuid.UUID | None = None
    membership_person_id: uuid.UUID | None = Field(default=None, description=MEMBERSHIP_PERSON_DESCRIPTION)

    @field_validator("name", "learner_type", "id_number", "id_type", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v

    @field_validator("id_number")
    @classmethod
    def _number(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Without `id_type` the learner's stored type applies: the service checks it.
        if value is not None and info.data.get("id_type") is not None:
            personal.validate_number(IdType(info.data["id_type"]).value, value)
        return value

    @model_validator(mode="after")
    def _check_number(self) -> LearnerUpdate:
        if self.id_type is not None and self.id_number is None:
            raise CodeError(
                "requires_id_number", "修改证件类型时须同时提供证件号码", "Changing id_type needs id_number too"
            )
        return self


class LearnerSearch(BaseModel):
    """Look-up by the full ID number — a POST body, so the number never lands in a URL or an access log."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"id_type": "resident_id", "id_number": EXAMPLE_ID_NUMBER}]}
    )

    id_type: IdType = Field(default=IdType.resident_id, description=ID_TYPE_DESCRIPTION)
    id_number: IdNumber

    _number = field_validator("id_number")(_check_number_for_type)


_ID_LIKE = re.compile(r"[0-9]{8,}")


def _reason(value: str) -> str:
    text = normalize_name(value)
    _no_control_characters(text)
    if not 2 <= len(text) <= 200:
        raise CodeError("length", "事由长度应为 2–200 个字符", "A reason is 2–200 characters long")
    if _ID_LIKE.search(text):
        raise CodeError(
            "contains_number",
            "事由中不能包含证件号码、手机号码等长数字",
            "A reason may not contain long numbers (ID or phone numbers)",
        )
    return text


Reason = Annotated[
    str,
    Field(
        min_length=2,
        max_length=400,
        description="事由 (2–200 characters, kept in the audit log; no long numbers)",
        examples=["向人社部门报送职业技能等级认定名单"],
    ),
    AfterValidator(_reason),
]


class RevealRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "向人社部门报送鉴定名单"}]})
    reason: Reason


class ErasureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "本人申请删除个人信息"}]})
    reason: Reason


class LearnerPublic(BaseModel):
    id: uuid.UUID
    name: str = Field(description="姓名; 已注销 once erased")
    id_type: IdType
    id_type_label: str
    id_number_masked: str | None = Field(
        description="证件号码 masked (`3701************34` for 18 characters); null once erased"
    )
    gender: str | None = Field(description="male | female, derived from a resident ID (else null)")
    birth_year: int | None = Field(description="出生年份, derived from a resident ID (never the full date)")
    phone_masked: str | None = Field(description="手机号码 masked as 138****5678; the full number is never returned")
    learner_type: LearnerType
    learner_type_label: str
    current_org_id: uuid.UUID | None
    membership_person_id: uuid.UUID | None = Field(default=None, description=MEMBERSHIP_PERSON_DESCRIPTION)
    erased: bool = Field(description="True once erased (anonymised): the record stays so figures do not change")
    erased_at: datetime | None
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class LearnerSummary(BaseModel):
    """What a record that references a learner shows of it to every party of that record (an enrolment's provider
    and partners, an internship's host): enough to run a roster, never the learner record itself."""

    name: str = Field(description="姓名 as the owning organization recorded it; 已注销 once erased")
    id_number_masked: str | None = Field(description="证件号码 masked (`3701************34`); null once erased")


class LearnerTombstone(BaseModel):
    """Returned in lists with `include_deleted=true` for learners erased (anonymised) or deleted."""

    id: uuid.UUID
    deleted: bool = True
    deleted_at: datetime = Field(description="When the learner was erased or deleted")


class LearnerPage(Page[LearnerPublic | LearnerTombstone]):
    pass


class LearnerRevealed(BaseModel):
    id: uuid.UUID
    id_type: IdType
    id_number: str = Field(description="The full number — handle as personal data; this reveal is audited")
    revealed_at: datetime


# ---- batch and import ----------------------------------------------------------------------------------
# The example body of `POST /v1/learners/batch` (`{"items": [...]}`, each item a `LearnerCreate`; parsed by
# `chanjiao.batch.BatchBody`).
BATCH_EXAMPLE: dict[str, Any] = {
    "items": [
        {
            "name": "张三",
            "id_number": EXAMPLE_ID_NUMBER,
            "learner_type": "student",
        }
    ]
}


class LearnerBatchItemResult(BaseModel):
    index: int = Field(description="Position of the item in `items` (from 0)")
    status: int = Field(
        description="201 created; 200 existing (your organization registered the document "
        "already: your record); 4xx the item's problem (409 name conflict, 422 invalid); 424 valid but not "
        "committed (atomic "
        "batch with errors)"
    )
    outcome: str = Field(description="created · existing · conflict · invalid · error · not_committed")
    id: uuid.UUID | None = None
    problem: dict[str, Any] | None = Field(default=None, description="RFC 9457 problem of a failed item")


class LearnerBatchResult(BaseModel):
    committed: bool
    created: int
    existing: int
    failed: int
    results: list[LearnerBatchItemResult]


class LearnerImportRejection(BaseModel):
    row: int = Field(description="Spreadsheet row number (the heading row is 1)")
    field: str | None = Field(description="Field name, e.g. id_number")
    column: str | None = Field(description="Column heading, e.g. 证件号码")
    rule: str = Field(description="The rule broken, e.g. check_digit, missing, learner-name-conflict")
    message: str


class LearnerImportReport(BaseModel):
    dry_run: bool
    rows: int = Field(description="Data rows read (blank rows are not counted)")
    created: int
    existing: int = Field(description="Rows your organization had registered already (its own records)")
    rejected: list[LearnerImportRejection] = Field(
        description="拒绝的行：每行违反的每条规则各一条，按行号排列 One entry per rule a rejected row breaks (a row "
        "with three bad cells has three), in row order; never a cell's value"
    )
    ignored_columns: list[str] = Field(description="Letters of columns whose heading is not in the table")


def render(r: Any) -> LearnerPublic:
    """The public form of a learner record: the number and phone masked, never in clear."""
    return LearnerPublic(
        id=r.id,
        name=r.name,
        id_type=r.id_type,
        id_type_label=ID_TYPE_LABELS[r.id_type],
        id_number_masked=r.id_number_masked,
        gender=r.gender,
        birth_year=r.birth_year,
        phone_masked=r.phone_masked,
        learner_type=r.learner_type,
        learner_type_label=LEARNER_TYPE_LABELS[r.learner_type],
        current_org_id=r.current_org_id,
        membership_person_id=r.membership_person_id,
        erased=r.erased_at is not None,
        erased_at=r.erased_at,
        version=r.version,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def render_page(rows: list[Any]) -> list[LearnerPublic | LearnerTombstone]:
    """A list page: a deleted or an erased record is a tombstone."""
    out: list[LearnerPublic | LearnerTombstone] = []
    for r in rows:
        gone = r.deleted_at or r.erased_at
        out.append(LearnerTombstone(id=r.id, deleted_at=gone) if gone is not None else render(r))
    return out
