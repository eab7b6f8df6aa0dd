"""Person request/response models: PersonCreate / PersonUpdate / PersonPublic / PersonPage, and `render` (a row's
public form).

`phone` is write-only: it is validated, encrypted and read back only as `phone_masked`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from chanjiao.pagination import Page
from chanjiao.sync_exits import ExitTombstone
from chanjiao.validators import CodeError, normalize_name, normalize_phone, validate_phone
from services.membership.people.models import SKILL_LEVEL_LABELS, TAG_LABELS, PersonTag, SkillLevel


def _no_control_characters(text: str) -> None:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")


def _name(value: str) -> str:
    name = normalize_name(value)
    _no_control_characters(name)
    if not 2 <= len(name) <= 50:
        raise CodeError("length", "姓名长度应为 2–50 个字符", "A name is 2–50 characters long")
    return name


def _title(value: str | None) -> str | None:
    if value is None:
        return None
    title = normalize_name(value)
    _no_control_characters(title)
    if len(title) > 50:
        raise CodeError("length", "职称长度至多为 50 个字符", "A title is at most 50 characters long")
    return title or None


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    phone = normalize_phone(value)
    validate_phone(phone)
    return phone


def _tags(values: list[PersonTag]) -> list[PersonTag]:
    order = list(PersonTag)
    return sorted(set(values), key=order.index)


Name = Annotated[
    str,
    Field(min_length=2, max_length=200, description="姓名 (2–50 characters after trimming)", examples=["王建华"]),
    AfterValidator(_name),
]
Title = Annotated[
    str | None,
    Field(max_length=200, description="职称, free text up to 50 characters (e.g. 高级工程师, 正高级讲师)"),
    AfterValidator(_title),
]
Phone = Annotated[
    str | None,
    Field(
        max_length=40,
        description="手机号码, write-only: an 11-digit mainland mobile number (spaces, hyphens, +86 and "
        "full-width digits are normalised). Stored encrypted; read back only as `phone_masked`.",
        examples=["13812345678"],
    ),
    AfterValidator(_phone),
]
Tags = Annotated[
    list[PersonTag],
    Field(
        max_length=10,
        description="人才标签 (closed set): dual_qualified 双师型 · skill_master 技能大师 · craftsman 工匠 · "
        "expert 专家; duplicates are dropped",
        examples=[["dual_qualified", "skill_master"]],
    ),
    AfterValidator(_tags),
]
SKILL_LEVEL_DESCRIPTION = (
    "职业技能等级 (closed list): level_5 五级/初级工 · level_4 四级/中级工 · level_3 三级/高级工 · "
    "level_2 二级/技师 · level_1 一级/高级技师 · special_technician 特级技师 · chief_technician 首席技师"
)


class PersonCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "王建华",
                    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "title": "高级工程师",
                    "skill_level": "level_1",
                    "tags": ["skill_master", "craftsman"],
                    "phone": "13812345678",
                }
            ]
        },
    )

    name: Name
    org_id: uuid.UUID = Field(description="所在单位: an existing, active organization")
    title: Title = None
    skill_level: SkillLevel | None = Field(default=None, description=SKILL_LEVEL_DESCRIPTION)
    tags: Tags = Field(default_factory=list)
    phone: Phone = None


class PersonUpdate(BaseModel):
    """Partial update: only the fields sent change; `null` clears `title`, `skill_level` and `phone`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"title": "正高级工程师"}]})

    name: Name | None = None
    org_id: uuid.UUID | None = None
    title: Title = None
    skill_level: SkillLevel | None = Field(default=None, description=SKILL_LEVEL_DESCRIPTION)
    tags: Tags | None = None
    phone: Phone = None

    @field_validator("name", "org_id", "tags", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class PersonPublic(BaseModel):
    id: uuid.UUID
    name: str
    org_id: uuid.UUID
    title: str | None
    skill_level: SkillLevel | None
    skill_level_label: str | None = Field(description="职业技能等级的中文名称")
    tags: list[PersonTag]
    tag_labels: list[str] = Field(description="标签的中文名称, in the order of `tags`")
    phone_masked: str | None = Field(description="手机号码 masked as 138****5678; the full number is never returned")
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class PersonTombstone(BaseModel):
    """Returned in lists with `include_deleted=true` for people deleted since `updated_since`."""

    id: uuid.UUID
    deleted: bool = True
    deleted_at: datetime


class PersonPage(Page[PersonPublic | PersonTombstone | ExitTombstone]):
    pass


def render(row: Any) -> PersonPublic:
    """The public form of a person row: the Chinese names of the skill level and tags, the phone only masked."""
    return PersonPublic(
        id=row.id,
        name=row.name,
        org_id=row.org_id,
        title=row.title,
        skill_level=row.skill_level,
        skill_level_label=SKILL_LEVEL_LABELS[row.skill_level] if row.skill_level else None,
        tags=row.tags,
        tag_labels=[TAG_LABELS[t] for t in row.tags],
        phone_masked=row.phone_masked,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
