"""Designation request/response models: DesignationCreate / DesignationUpdate / StageCreate / DesignationPublic,
and `render` (an entry's public form with its steps)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError, normalize_name
from services.membership.designations.models import (
    LEVEL_LABELS,
    STAGE_LABELS,
    SUBJECT_KIND_LABELS,
    DesignationLevel,
    Stage,
    SubjectKind,
)

FIRST_YEAR, LAST_YEAR = 1949, 2100
LEVEL_DESCRIPTION = (
    "级别 (required, no default): national 国家级 · provincial 省级 · municipal 市级 · industry 行业 · "
    "international 国际"
)
STAGE_DESCRIPTION = (
    "阶段: applied 申报 · selected 立项/入选 · building 培育/建设 · recommended 推荐 · recognised 验收/认定 · "
    "withdrawn 撤销"
)
KIND_DESCRIPTION = (
    "对象类型: organization 单位 · alliance 联盟 · person 人员 · training_base 实训基地 (by `subject_id`); "
    "course 课程 · major 专业 · major_group 专业群 · project 项目 (by `subject_name`, optional `subject_code`)"
)


def _text(limit: int, shortest: int = 1):
    def check(value: str | None) -> str | None:
        if value is None:
            return None
        if any((ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7F for c in value):
            raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
        text = normalize_name(value)
        if not shortest <= len(text) <= limit:
            raise CodeError("length", f"长度应为 {shortest}–{limit} 个字符", f"{shortest}–{limit} characters long")
        return text

    return check


# Programme and body names fit the `honours`/`recognitions` lists they are shown in (2–100 and 1–100 characters).
Name = Annotated[str, Field(max_length=200), AfterValidator(_text(100, 2))]
OptionalName = Annotated[str | None, Field(max_length=200), AfterValidator(_text(100))]
Short = Annotated[str | None, Field(max_length=100), AfterValidator(_text(50))]
Note = Annotated[
    str | None, Field(max_length=2000, description="备注, up to 500 characters"), AfterValidator(_text(500))
]
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR, description="年份 Year", examples=[2024])]


def _day(value: date | None) -> date | None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise CodeError("date_range", "日期应在 1949–2100 年之间", "Dates lie between 1949 and 2100")
    return value


Day = Annotated[IsoDate | None, AfterValidator(_day)]


class StepFields(BaseModel):
    on: Day = Field(default=None, description="该阶段的日期 The step's date (YYYY-MM-DD); or give `year` alone")
    year: Year | None = Field(default=None, description="该阶段的年份 The step's year, when the date is unknown")


class DesignationCreate(StepFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "programme_name": "全国示范性职业教育集团",
                    "level": "national",
                    "batch": "第一批",
                    "stage": "building",
                    "year": 2020,
                    "recognising_body": "教育部",
                    "subject_kind": "alliance",
                    "subject_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                }
            ]
        },
    )

    programme_name: Name = Field(description="项目或名单 e.g. 全国示范性职业教育集团, 山东省技术技能大师")
    level: DesignationLevel = Field(description=LEVEL_DESCRIPTION)
    batch: Short = Field(default=None, description="批次 e.g. 第一批")
    stage: Stage = Field(description=STAGE_DESCRIPTION + " — the stage the entry starts at (not withdrawn)")
    recognising_body: OptionalName = Field(default=None, description="认定/批准单位 e.g. 教育部")
    recognising_org_id: uuid.UUID | None = Field(default=None, description="认定单位 on the platform, if any")
    subject_kind: SubjectKind = Field(description=KIND_DESCRIPTION)
    subject_id: uuid.UUID | None = Field(default=None, description="对象 id (organization, alliance, person, base)")
    subject_name: OptionalName = Field(default=None, description="对象名称 (course, major, 专业群, project)")
    subject_code: Short = Field(default=None, description="对象代码, e.g. a major's code")
    org_id: uuid.UUID | None = Field(
        default=None,
        description="所属单位: the organization holding a base, course, major, 专业群 or project (required for those); "
        "for an organization or a person it is the organization itself or the person's",
    )
    alliance_id: uuid.UUID | None = Field(
        default=None, description="登记联盟: the alliance recording the entry for its member (its admins then write it)"
    )
    note: Note = None


class DesignationUpdate(BaseModel):
    """Partial update of the entry's facts; the subject is fixed and the stage moves through `/stages`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"batch": "第二批"}]})

    programme_name: Name | None = None
    level: DesignationLevel | None = Field(default=None, description=LEVEL_DESCRIPTION)
    batch: Short = None
    recognising_body: OptionalName = None
    recognising_org_id: uuid.UUID | None = None
    subject_name: OptionalName = None
    subject_code: Short = None
    note: Note = None

    @field_validator("programme_name", "level", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class StageCreate(StepFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"stage": "recognised", "on": "2024-12-20", "note": "教职成厅函〔2024〕30号"}]},
    )

    stage: Stage = Field(description=STAGE_DESCRIPTION)
    note: Note = None
    correction: bool = Field(
        default=False,
        description="更正: replaces the latest step (kept, marked `corrected`); the new stage then follows the step "
        "before it, so an entry recorded a stage too far goes back",
    )


class DesignationStep(BaseModel):
    stage: Stage
    stage_label: str
    on: IsoDate | None
    year: int
    note: str | None
    corrected: bool
    recorded_at: datetime


class DesignationPublic(BaseModel):
    id: uuid.UUID
    programme_name: str
    level: DesignationLevel
    level_label: str
    batch: str | None
    stage: Stage = Field(description="当前阶段: the latest step not corrected")
    stage_label: str
    stage_on: IsoDate | None
    stage_year: int
    recognising_body: str | None
    recognising_org_id: uuid.UUID | None
    subject_kind: SubjectKind
    subject_kind_label: str
    subject_id: uuid.UUID | None
    subject_name: str | None
    subject_code: str | None
    org_id: uuid.UUID | None
    alliance_id: uuid.UUID | None
    note: str | None
    steps: list[DesignationStep] = Field(description="阶段记录, oldest first (corrected steps included, marked)")
    version: int
    created_at: datetime
    updated_at: datetime


class DesignationPage(Page[DesignationPublic]):
    pass


def render(row: Any, steps: list[Any]) -> DesignationPublic:
    return DesignationPublic(
        id=row.id,
        programme_name=row.programme_name,
        level=row.level,
        level_label=LEVEL_LABELS[row.level],
        batch=row.batch,
        stage=row.stage,
        stage_label=STAGE_LABELS[row.stage],
        stage_on=row.stage_on,
        stage_year=row.stage_year,
        recognising_body=row.recognising_body,
        recognising_org_id=row.recognising_org_id,
        subject_kind=row.subject_kind,
        subject_kind_label=SUBJECT_KIND_LABELS[row.subject_kind],
        subject_id=row.subject_id,
        subject_name=row.subject_name,
        subject_code=row.subject_code,
        org_id=row.org_id,
        alliance_id=row.alliance_id,
        note=row.note,
        steps=[
            DesignationStep(
                stage=s.stage,
                stage_label=STAGE_LABELS[s.stage],
                on=s.on_date,
                year=s.year,
                note=s.note,
                corrected=s.corrected,
                recorded_at=s.recorded_at,
            )
            for s in steps
        ],
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
