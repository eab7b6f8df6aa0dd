"""Proposal request/response models: ProposalCreate / ProposalAnswer / ProposalPublic / ProposalPage and one
`render(row)` (docs/matching-proposals.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanjiao.pagination import Page
from services.matching.fields import Description, Reason
from services.matching.proposals.models import STATUS_LABELS, ProposalStatus

EXAMPLE: dict[str, Any] = {
    "id": "019ac0c2-3d4e-7f5a-8b6c-7d8e9f0a1b2c",
    "demand_id": "019abf60-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "offer_id": "019abf61-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "demand_org_id": "019abf2e-0000-7000-8000-000000000002",
    "offer_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "proposer_org_id": "019abf2e-0000-7000-8000-000000000002",
    "alliance_id": None,
    "message": "贵校数控技术专业与我公司订单班需求契合，盼合作。",
    "status": "pending",
    "status_label": "待答复",
    "answered_at": None,
    "answered_by": None,
    "reason": None,
    "agreement_id": None,
    "version": 1,
    "created_at": "2026-12-03T08:00:00+00:00",
    "updated_at": "2026-12-03T08:00:00+00:00",
}


class ProposalCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{k: EXAMPLE[k] for k in ("demand_id", "offer_id", "message")}],
        },
    )

    demand_id: uuid.UUID = Field(description="需求 — an open demand")
    offer_id: uuid.UUID = Field(description="供给 — an open offer of a kind compatible with the demand's")
    message: Description = None


class ProposalAnswer(BaseModel):
    """The body of an acceptance, a declination or a withdrawal."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "名额已满"}]})

    reason: Reason = None


class ProposalPublic(BaseModel):
    id: uuid.UUID
    demand_id: uuid.UUID
    offer_id: uuid.UUID
    demand_org_id: uuid.UUID = Field(description="需求方（企业） — the demand's organization")
    offer_org_id: uuid.UUID = Field(description="供给方（学校） — the offer's organization")
    proposer_org_id: uuid.UUID = Field(description="提出方 — the party that made the proposal")
    alliance_id: uuid.UUID | None = Field(description="需求所属联盟 — the demand's alliance")
    message: str | None
    status: ProposalStatus
    status_label: str = Field(description="状态的中文名称")
    answered_at: datetime | None = Field(description="答复、撤回或过期的时间 — when it left pending")
    answered_by: str | None
    reason: str | None
    agreement_id: uuid.UUID | None = Field(description="接受时创建的合作协议 — the agreement its acceptance created")
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class ProposalPage(Page[ProposalPublic]):
    pass


def render(row: Any) -> ProposalPublic:
    return ProposalPublic(
        id=row.id,
        demand_id=row.demand_id,
        offer_id=row.offer_id,
        demand_org_id=row.demand_org_id,
        offer_org_id=row.offer_org_id,
        proposer_org_id=row.proposer_org_id,
        alliance_id=row.alliance_id,
        message=row.message,
        status=row.status,
        status_label=STATUS_LABELS[row.status],
        answered_at=row.answered_at,
        answered_by=row.answered_by,
        reason=row.reason,
        agreement_id=row.agreement_id,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
