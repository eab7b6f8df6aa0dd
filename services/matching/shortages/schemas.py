"""Shortage occupation bodies and answers: the flag to create, the flag as read, a page of flags."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chanjiao import refdata
from chanjiao.dates import IsoDate
from chanjiao.validators import CodeError, normalize_code, validate_occupation_code


def _occupation(value: str) -> str:
    code = normalize_code(value)
    validate_occupation_code(code)
    return code


def _note(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
    return text or None


class ShortageOccupationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "alliance_id": "019abf2e-0000-7000-8000-000000000010",
                    "occupation_code": "6-18-01-01",
                    "period_start": "2027-01-01",
                    "period_end": "2027-12-31",
                    "note": "2027 年急需紧缺职业目录",
                }
            ]
        },
    )

    alliance_id: uuid.UUID = Field(description="联盟 — the alliance that flags the occupation")
    occupation_code: Annotated[
        str,
        Field(
            max_length=20,
            description="职业代码 — occupation code (职业分类大典 2022, any level: a group code such as `6-18` flags "
            "every occupation under it)",
            examples=["6-18-01-01"],
        ),
        AfterValidator(_occupation),
    ]
    period_start: IsoDate = Field(description="急需紧缺期间起（含） — first day of the period")
    period_end: IsoDate = Field(description="急需紧缺期间止（含） — last day of the period")
    note: Annotated[
        str | None,
        Field(default=None, max_length=500, description="说明 — note (e.g. the list it comes from)"),
        AfterValidator(_note),
    ] = None


class ShortageOccupationPublic(BaseModel):
    id: uuid.UUID
    alliance_id: uuid.UUID
    occupation_code: str
    occupation_name: str | None = Field(
        description="职业名称（参考表） — name from the reference table (null: unknown)"
    )
    period_start: IsoDate
    period_end: IsoDate
    note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ShortageOccupationList(BaseModel):
    """An alliance's live flags, all of them (at most services/matching/shortages/service.py `MAX_PER_ALLIANCE`)."""

    items: list[ShortageOccupationPublic]


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in refdata.occupations()}


def render(row: Any) -> ShortageOccupationPublic:
    return ShortageOccupationPublic(
        id=row.id,
        alliance_id=row.alliance_id,
        occupation_code=row.occupation_code,
        occupation_name=_names().get(row.occupation_code),
        period_start=row.period_start,
        period_end=row.period_end,
        note=row.note,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


EXAMPLE = {
    "id": "019abf70-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "alliance_id": "019abf2e-0000-7000-8000-000000000010",
    "occupation_code": "6-18-01-01",
    "occupation_name": "车工",
    "period_start": "2027-01-01",
    "period_end": "2027-12-31",
    "note": "2027 年急需紧缺职业目录",
    "version": 1,
    "created_at": "2026-12-03T09:00:00+08:00",
    "updated_at": "2026-12-03T09:00:00+08:00",
}
