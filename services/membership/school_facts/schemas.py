"""Bodies and answers of a school's yearly facts (`/v1/organizations/{org_id}/school-years`), and `render`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chanjiao.validators.errors import CodeError
from services.membership.school_facts.models import (
    GROUP_DESIGNATION_LABELS,
    INTAKE_CHANNEL_LABELS,
    GroupDesignation,
    IntakeChannel,
    SchoolIntake,
    SchoolMajorGroup,
    SchoolYearFacts,
)
from services.membership.yearly_facts import Wan

MajorCode = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{6}K?$",
        description="专业代码（职业教育专业目录，6 位数字，可带 K） — major code, 6 digits with an optional K",
        examples=["260201"],
    ),
]
Count = Annotated[int, Field(ge=0, le=10_000_000)]

SCALARS = (
    "full_time_students",
    "classroom_area_m2",
    "laboratories",
    "training_rooms",
    "training_bases",
    "equipment_value_wan",
)


class IntakeLine(BaseModel):
    """Planned and actual intake of one major through one channel (招生年度 = the facts' year)."""

    model_config = ConfigDict(extra="forbid")

    major_code: MajorCode
    channel: IntakeChannel = Field(
        description="招生渠道 — intake channel: " + "、".join(INTAKE_CHANNEL_LABELS.values())
    )
    planned: Count | None = Field(default=None, description="计划招生人数 — planned intake")
    actual: Count | None = Field(default=None, description="实际招生（录取报到）人数 — actual intake")


class MajorGroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="专业群名称 — name of the major group")
    designation: GroupDesignation = Field(
        default=GroupDesignation.none,
        description="认定 — designation: national_double_high 国家“双高”专业群, "
        "provincial_high_level 省级高水平专业群, brand 品牌专业群, none 未获认定",
    )
    major_codes: list[MajorCode] = Field(min_length=1, max_length=30, description="群内专业 — majors in the group")

    @field_validator("name")
    @classmethod
    def _trim(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise CodeError("length", "名称不能为空", "The name may not be blank")
        return v


def _unique_lines(intakes: list[IntakeLine] | None, groups: list[MajorGroupIn] | None) -> None:
    if intakes is not None:
        seen: set[tuple[str, str]] = set()
        for line in intakes:
            key = (line.major_code, line.channel.value)
            if key in seen:
                raise CodeError(
                    "duplicate", "同一专业同一招生渠道只能有一行", "Each major and channel appears in one line only"
                )
            seen.add(key)
    if groups is not None and len({g.name for g in groups}) != len(groups):
        raise CodeError("duplicate", "专业群名称不能重复", "Each major group name appears once")


class Facilities(BaseModel):
    full_time_students: Count | None = Field(
        default=None, description="全日制在校生（人，该年统计时点） — full-time students enrolled (the year's count)"
    )
    classroom_area_m2: Count | None = Field(default=None, description="教室面积（平方米） — classroom area, m²")
    laboratories: Count | None = Field(default=None, description="实验室（个） — laboratories")
    training_rooms: Count | None = Field(default=None, description="校内实训室（个） — training rooms on campus")
    training_bases: Count | None = Field(default=None, description="实习实训基地（个） — practice and training bases")
    equipment_value_wan: Wan | None = Field(
        default=None, description="教学仪器设备值（万元） — teaching equipment value"
    )


class SchoolYearPut(Facilities):
    """A year's facts as a whole: omitted figures are not recorded (null); the lists replace the year's lists."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "full_time_students": 12800,
                    "classroom_area_m2": 48000,
                    "laboratories": 55,
                    "training_bases": 189,
                    "intakes": [{"major_code": "470201", "channel": "three_two", "planned": 120, "actual": 118}],
                    "major_groups": [
                        {"name": "应用化工技术专业群", "designation": "national_double_high", "major_codes": ["470201"]}
                    ],
                }
            ]
        },
    )

    intakes: list[IntakeLine] = Field(default_factory=list, max_length=2000, description="分专业分渠道招生")
    major_groups: list[MajorGroupIn] = Field(default_factory=list, max_length=200, description="专业群")

    @model_validator(mode="after")
    def _unique(self) -> SchoolYearPut:
        _unique_lines(self.intakes, self.major_groups)
        return self


class SchoolYearPatch(Facilities):
    """Only the fields sent change: a figure sent as null is cleared; a list sent replaces the year's list."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"full_time_students": 13200}]})

    intakes: list[IntakeLine] | None = Field(default=None, max_length=2000, description="分专业分渠道招生（整体替换）")
    major_groups: list[MajorGroupIn] | None = Field(default=None, max_length=200, description="专业群（整体替换）")

    @field_validator("intakes", "major_groups", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError(
                "not_null", "该字段不能为 null（清空请发送空列表）", "This field cannot be null (send [] to empty it)"
            )
        return v

    @model_validator(mode="after")
    def _unique(self) -> SchoolYearPatch:
        _unique_lines(self.intakes, self.major_groups)
        return self


class IntakePublic(IntakeLine):
    channel_label: str


class MajorGroupPublic(MajorGroupIn):
    designation_label: str


class SchoolYearPublic(Facilities):
    id: uuid.UUID
    org_id: uuid.UUID
    year: int = Field(description="公历年；招生按招生年度（当年秋季入学） — calendar year; intake by 招生年度")
    intakes: list[IntakePublic]
    major_groups: list[MajorGroupPublic]
    version: int
    created_at: datetime
    updated_at: datetime


class SchoolYearList(BaseModel):
    org_id: uuid.UUID
    items: list[SchoolYearPublic]


def render(row: SchoolYearFacts, intakes: list[SchoolIntake], groups: list[SchoolMajorGroup]) -> SchoolYearPublic:
    values: dict[str, Any] = {k: getattr(row, k) for k in SCALARS}
    return SchoolYearPublic(
        id=row.id,
        org_id=row.org_id,
        year=row.year,
        **values,
        intakes=[
            IntakePublic(
                major_code=i.major_code,
                channel=IntakeChannel(i.channel),
                channel_label=INTAKE_CHANNEL_LABELS[i.channel],
                planned=i.planned,
                actual=i.actual,
            )
            for i in intakes
        ],
        major_groups=[
            MajorGroupPublic(
                name=g.name,
                designation=GroupDesignation(g.designation),
                designation_label=GROUP_DESIGNATION_LABELS[g.designation],
                major_codes=list(g.major_codes),
            )
            for g in groups
        ],
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
