"""Bodies and public forms of alliance relations (`/v1/alliances/{id}/relations`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError
from services.membership.alliances.models import RELATION_KIND_LABELS, RelationKind
from services.membership.tombstone import ListTombstone

Note = Annotated[str | None, Field(max_length=500, description="说明 Note")]


def check_period(since: Any, until: Any) -> None:
    if since is not None and until is not None and until < since:
        raise CodeError("period", "结束日期不能早于开始日期", "until cannot be before since")


class RelationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "related_alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7d",
                    "kind": "community_led_by_member",
                    "lead_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "since": "2023-12-09",
                }
            ]
        },
    )

    related_alliance_id: uuid.UUID = Field(description="关联联盟 — the other alliance (a live alliance, not this one)")
    kind: RelationKind = Field(
        description="关系 sub_alliance 下设联盟 · community_led_by_member 成员单位牵头组建的共同体/联合体 · "
        "cooperation 合作联盟"
    )
    lead_org_id: uuid.UUID | None = Field(
        default=None, description="牵头成员单位 — the member that leads it (community_led_by_member only)"
    )
    since: IsoDate | None = Field(default=None, description="开始日期")
    until: IsoDate | None = Field(default=None, description="结束日期 (null: ongoing)")
    note: Note = None

    @model_validator(mode="after")
    def _rules(self) -> RelationCreate:
        check_period(self.since, self.until)
        if self.lead_org_id is not None and self.kind != RelationKind.community_led_by_member:
            raise CodeError(
                "lead_only_for_community",
                "只有“成员单位牵头组建”的关系可以填写牵头单位",
                "Only a community_led_by_member relation names a leading member",
            )
        return self


class RelationUpdate(BaseModel):
    """Partial update: only the fields sent change; `null` clears them."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"until": "2026-06-30"}]})

    lead_org_id: uuid.UUID | None = None
    since: IsoDate | None = None
    until: IsoDate | None = None
    note: Note = None

    @field_validator("note")
    @classmethod
    def _strip(cls, v: str | None) -> str | None:
        return None if v is None else (v.strip() or None)


class RelationPublic(BaseModel):
    id: uuid.UUID
    alliance_id: uuid.UUID = Field(description="关系的起点联盟 — the alliance that recorded it")
    alliance_name: str
    related_alliance_id: uuid.UUID
    related_alliance_name: str
    direction: Literal["outgoing", "incoming"] = Field(
        description="outgoing: this alliance → the related one; incoming: another alliance names this one"
    )
    kind: RelationKind
    kind_label: str
    lead_org_id: uuid.UUID | None
    since: IsoDate | None
    until: IsoDate | None
    note: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class RelationPage(Page[RelationPublic | ListTombstone]):
    pass


def render(row: Any, *, names: dict[uuid.UUID, str], seen_from: uuid.UUID) -> RelationPublic:
    return RelationPublic(
        id=row.id,
        alliance_id=row.alliance_id,
        alliance_name=names.get(row.alliance_id, ""),
        related_alliance_id=row.related_alliance_id,
        related_alliance_name=names.get(row.related_alliance_id, ""),
        direction="outgoing" if row.alliance_id == seen_from else "incoming",
        kind=row.kind,
        kind_label=RELATION_KIND_LABELS[row.kind],
        lead_org_id=row.lead_org_id,
        since=row.since,
        until=row.until,
        note=row.note,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
