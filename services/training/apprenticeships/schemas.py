"""Apprenticeship request/response models: ApprenticeshipCreate / ApprenticeshipUpdate / ApprenticeshipPublic /
ApprenticeshipPage and `render(row)`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.sync_exits import ExitTombstone
from services.training.apprenticeships.models import ApprenticeshipStatus, ContractKind, ContractParty
from services.training.parties import Tombstone, not_null, short_text

CONTRACT_KIND = "合同类型: tripartite 三方协议 · labour 劳动合同 · apprenticeship 学徒合同"
CONTRACT_PARTIES = (
    "合同签约方 school 学校 · enterprise 企业 · apprentice 学徒本人 · guardian 监护人; a 三方协议 names school, "
    "enterprise and apprentice, a 劳动合同 or 学徒合同 at least enterprise and apprentice"
)
STATUS = "状态: active 在培 → completed 已出师 | ended_early 提前终止 (with `ended_on`; final)"
ContractNumber = short_text("合同编号 Contract number", 64, "XTHT-2024-0012")
EndReason = short_text("终止原因 Why it ended early", 200, "学生转专业")

_EXAMPLE_IN = {
    "learner_id": "019abf40-0000-7000-8000-000000000001",
    "school_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "enterprise_org_id": "019abf2e-0000-7000-8000-000000000002",
    "programme_id": "019abf41-0000-7000-8000-000000000003",
    "school_mentor_person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d",
    "enterprise_mentor_person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c2e",
    "start_on": "2024-09-01",
    "recruited_on": "2024-09-01",
    "contract_kind": "tripartite",
    "contract_number": "XTHT-2024-0012",
    "contract_signed_on": "2024-09-05",
    "contract_parties": ["school", "enterprise", "apprentice"],
}


class ApprenticeshipCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE_IN]})

    learner_id: uuid.UUID = Field(description="学徒: a learner record the school registered (`/v1/learners`)")
    school_org_id: uuid.UUID = Field(description="学校: an existing, active organization; the learner's owner")
    enterprise_org_id: uuid.UUID = Field(description="合作企业: an existing, active organization")
    programme_id: uuid.UUID = Field(
        description="现代学徒制班: a programme of kind `modern_apprenticeship` or `enterprise_apprenticeship` that the "
        "school or the enterprise provides or partners in"
    )
    school_mentor_person_id: uuid.UUID = Field(
        description="学校导师: a person of the membership service (`/v1/people/{id}`) of the school"
    )
    enterprise_mentor_person_id: uuid.UUID | None = Field(
        default=None, description="企业导师（师傅）: a person of the membership service of the enterprise"
    )
    start_on: IsoDate = Field(description="学徒培养开始日期")
    recruited_on: IsoDate | None = Field(default=None, description="招工日期: the day the enterprise took them on")
    contract_kind: ContractKind | None = Field(default=None, description=CONTRACT_KIND)
    contract_number: ContractNumber = None
    contract_signed_on: IsoDate | None = Field(default=None, description="签订日期: required with `contract_kind`")
    contract_parties: list[ContractParty] = Field(default_factory=list, max_length=4, description=CONTRACT_PARTIES)


class ApprenticeshipUpdate(BaseModel):
    """Partial update: only the fields sent change. The enterprise may send only `enterprise_mentor_person_id`;
    the learner, the school and the enterprise never change."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "completed", "ended_on": "2027-06-30"}]},
    )

    programme_id: uuid.UUID | None = None
    school_mentor_person_id: uuid.UUID | None = None
    enterprise_mentor_person_id: uuid.UUID | None = Field(
        default=None, description="企业导师（师傅）: a person of the enterprise; `null` clears it"
    )
    start_on: IsoDate | None = None
    recruited_on: IsoDate | None = None
    contract_kind: ContractKind | None = Field(default=None, description=CONTRACT_KIND + "; `null` clears the contract")
    contract_number: ContractNumber = None
    contract_signed_on: IsoDate | None = None
    contract_parties: list[ContractParty] | None = Field(default=None, max_length=4, description=CONTRACT_PARTIES)
    status: ApprenticeshipStatus | None = Field(default=None, description=STATUS)
    ended_on: IsoDate | None = Field(default=None, description="结束日期: required when the status leaves `active`")
    end_reason: EndReason = None

    _not_null = not_null("programme_id", "school_mentor_person_id", "start_on", "status", "contract_parties")


class ApprenticeshipPublic(BaseModel):
    id: uuid.UUID
    learner_id: uuid.UUID
    learner_name: str = Field(description="学徒姓名: the learner record's current name")
    school_org_id: uuid.UUID
    enterprise_org_id: uuid.UUID
    programme_id: uuid.UUID
    school_mentor_person_id: uuid.UUID
    school_mentor_name: str = Field(description="学校导师姓名 as it was when recorded")
    enterprise_mentor_person_id: uuid.UUID | None
    enterprise_mentor_name: str | None = Field(description="企业导师姓名 as it was when recorded")
    start_on: IsoDate
    recruited_on: IsoDate | None
    contract_kind: ContractKind | None = Field(description=CONTRACT_KIND)
    contract_number: str | None
    contract_signed_on: IsoDate | None
    contract_parties: list[ContractParty]
    status: ApprenticeshipStatus = Field(description=STATUS)
    ended_on: IsoDate | None
    end_reason: str | None
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class ApprenticeshipPage(Page[ApprenticeshipPublic | Tombstone | ExitTombstone]):
    pass


def render(row: Any) -> ApprenticeshipPublic:
    return ApprenticeshipPublic(
        id=row.id,
        learner_id=row.learner_id,
        learner_name=row.learner_name,
        school_org_id=row.school_org_id,
        enterprise_org_id=row.enterprise_org_id,
        programme_id=row.programme_id,
        school_mentor_person_id=row.school_mentor_person_id,
        school_mentor_name=row.school_mentor_name,
        enterprise_mentor_person_id=row.enterprise_mentor_person_id,
        enterprise_mentor_name=row.enterprise_mentor_name,
        start_on=row.start_on,
        recruited_on=row.recruited_on,
        contract_kind=row.contract_kind,
        contract_number=row.contract_number,
        contract_signed_on=row.contract_signed_on,
        contract_parties=list(row.contract_parties or []),
        status=row.status,
        ended_on=row.ended_on,
        end_reason=row.end_reason,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
