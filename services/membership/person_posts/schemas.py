"""Outside-post request/response models: PersonPostCreate / PersonPostUpdate / PersonPostPublic, and `render`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError, normalize_name
from services.membership.person_posts.models import LEVEL_LABELS, POST_KIND_LABELS, PostKind, PostLevel

LEVEL_DESCRIPTION = (
    "级别 (required, no default): national 国家级 · provincial 省级 · municipal 市级 · industry 行业 · "
    "international 国际"
)


def _text(limit: int):
    def check(value: str | None) -> str | None:
        if value is None:
            return None
        if any((ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7F for c in value):
            raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
        text = normalize_name(value)
        if not 1 <= len(text) <= limit:
            raise CodeError("length", f"长度应为 1–{limit} 个字符", f"1–{limit} characters long")
        return text

    return check


def _day(value: date | None) -> date | None:
    if value is not None and not 1949 <= value.year <= 2100:
        raise CodeError("date_range", "日期应在 1949–2100 年之间", "Dates lie between 1949 and 2100")
    return value


Name = Annotated[str, Field(max_length=200), AfterValidator(_text(100))]
OptionalName = Annotated[str | None, Field(max_length=200), AfterValidator(_text(100))]
Note = Annotated[
    str | None, Field(max_length=2000, description="备注, up to 500 characters"), AfterValidator(_text(500))
]
Day = Annotated[IsoDate | None, AfterValidator(_day)]

KIND_DESCRIPTION = (
    "职务类别: chair 主任委员 · vice_chair 副主任委员 · member 委员 · secretary_general 秘书长 · president 会长 · "
    "vice_president 副会长 · council_member 理事 · expert 专家 · other 其他"
)


class PersonPostCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "body_name": "全国石油和化工职业教育教学指导委员会",
                    "post_kind": "member",
                    "post_title": "化工技术类专业委员会委员",
                    "level": "national",
                    "since": "2023-06-01",
                }
            ]
        },
    )

    body_name: Name = Field(description="机构名称 e.g. 全国石油和化工职业教育教学指导委员会, 山东化学化工学会")
    post_kind: PostKind = Field(description=KIND_DESCRIPTION)
    post_title: OptionalName = Field(default=None, description="职务全称 as the body writes it")
    level: PostLevel = Field(description=LEVEL_DESCRIPTION)
    since: Day = Field(description="任职开始 (inclusive)")
    until: Day = Field(default=None, description="任职结束 (inclusive, ≥ since); null = current")
    note: Note = None

    @field_validator("since", mode="after")
    @classmethod
    def _since(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class PersonPostUpdate(BaseModel):
    """Partial update: `null` clears `until`, `post_title` and `note`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"until": "2027-05-31"}]})

    body_name: Name | None = None
    post_kind: PostKind | None = Field(default=None, description=KIND_DESCRIPTION)
    post_title: OptionalName = None
    level: PostLevel | None = Field(default=None, description=LEVEL_DESCRIPTION)
    since: Day = None
    until: Day = None
    note: Note = None

    @field_validator("body_name", "post_kind", "level", "since", mode="before")
    @classmethod
    def _not_null(cls, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v


class PersonPostPublic(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    body_name: str
    post_kind: PostKind
    post_kind_label: str
    post_title: str | None
    level: PostLevel
    level_label: str
    since: IsoDate
    until: IsoDate | None
    note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class PersonPostPage(Page[PersonPostPublic]):
    pass


def render(row: Any) -> PersonPostPublic:
    return PersonPostPublic(
        id=row.id,
        person_id=row.person_id,
        body_name=row.body_name,
        post_kind=row.post_kind,
        post_kind_label=POST_KIND_LABELS[row.post_kind],
        post_title=row.post_title,
        level=row.level,
        level_label=LEVEL_LABELS[row.level],
        since=row.since,
        until=row.until,
        note=row.note,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
