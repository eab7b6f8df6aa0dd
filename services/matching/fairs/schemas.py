"""Fair request/response models: FairCreate / FairTransitionCreate / FairPublic / FairPage, registrations and the
fair's figures, with one `render(row)` each (docs/matching-fairs-allocations.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from services.matching.fairs.models import LIFECYCLE, STATUS_LABELS, Fair, FairRegistration, FairStatus
from services.matching.fields import RegionCode, Title

EXAMPLE_IN: dict[str, Any] = {
    "organizer_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "alliance_id": "019abf2e-0000-7000-8000-00000000a11a",
    "title": "2027届数控技术专业双选会",
    "held_on": "2027-03-15",
    "period_end": "2027-03-16",
    "region_code": "370702",
}


class FairCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_IN]})

    organizer_org_id: uuid.UUID = Field(description="主办单位 — the organizing organization (membership)")
    alliance_id: uuid.UUID | None = Field(default=None, description="所属联盟 — the alliance holding the fair")
    title: Title
    held_on: IsoDate = Field(description="举办日期 — the (first) day of the fair")
    period_end: IsoDate | None = Field(default=None, description="结束日期 — the last day (≥ held_on)")
    region_code: RegionCode = None


class FairTransitionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"to": "open"}]})

    to: FairStatus = Field(description="目标状态 — planned 筹备中 → open 进行中 → closed 已结束")


class FairPublic(BaseModel):
    id: uuid.UUID
    organizer_org_id: uuid.UUID
    alliance_id: uuid.UUID | None
    title: str
    held_on: date
    period_end: date | None
    region_code: str | None
    status: FairStatus
    status_label: str = Field(description="状态名称 — the status in Chinese")
    allowed_transitions: list[FairStatus]
    version: int
    created_at: datetime
    updated_at: datetime


class FairPage(Page[FairPublic]):
    pass


def render(row: Fair) -> FairPublic:
    return FairPublic(
        id=row.id,
        organizer_org_id=row.organizer_org_id,
        alliance_id=row.alliance_id,
        title=row.title,
        held_on=row.held_on,
        period_end=row.period_end,
        region_code=row.region_code,
        status=FairStatus(row.status),
        status_label=STATUS_LABELS[row.status],
        allowed_transitions=[FairStatus(s) for s in LIFECYCLE.allowed_from(row.status)],
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class FairRegistrationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"demand_id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f1a"}]}
    )

    demand_id: uuid.UUID | None = Field(default=None, description="报名的需求 — the demand to register")
    offer_id: uuid.UUID | None = Field(default=None, description="报名的供给 — the offer to register")


class FairRegistrationPublic(BaseModel):
    id: uuid.UUID
    fair_id: uuid.UUID
    demand_id: uuid.UUID | None
    offer_id: uuid.UUID | None
    org_id: uuid.UUID = Field(description="报名单位 — the posting's organization")
    registered_at: datetime
    withdrawn_at: datetime | None = Field(description="撤回时间 — null while registered")
    updated_at: datetime = Field(description="最后变更 — registered or withdrawn")


class FairRegistrationPage(Page[FairRegistrationPublic]):
    pass


def render_registration(row: FairRegistration) -> FairRegistrationPublic:
    return FairRegistrationPublic.model_validate(row, from_attributes=True)


class FairFigures(BaseModel):
    fair_id: uuid.UUID
    participants: int = Field(description="参会单位数 — organizations with a registered demand or offer")
    demands: int = Field(description="报名需求数 — registered demands")
    offers: int = Field(description="报名供给数 — registered offers")
    headcount: int = Field(description="需求人数合计 — headcount of the registered demands")
    places: int = Field(description="供给名额合计 — count of the registered offers")
    proposals: int = Field(description="对接意向数 — proposals naming a registered demand or offer (any outcome)")
    agreements: int = Field(description="达成协议数 — agreements naming a registered demand or offer")
