"""Agreement request/response models: the agreement with its parties, dated history and funding totals; its
lifecycle transition; milestones and payments (services/matching/agreements/money.py has the amount type)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from chanjiao.validators import CodeError
from services.matching.agreements.models import (
    KIND_LABELS,
    LIFECYCLE,
    AgreementKind,
    AgreementStatus,
    PartyRole,
)
from services.matching.agreements.money import Amount, Commitment

MAX_PARTIES = 20
MAX_APPOINTMENTS = 50


def _text(value: str | None, max_len: int, required: bool) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
    if len(text) > max_len:
        raise CodeError("length", f"长度至多为 {max_len} 个字符", f"At most {max_len} characters")
    if not text and required:
        raise CodeError("required", "不能为空", "May not be empty")
    return text or None


Title = Annotated[
    str,
    Field(max_length=800, description="协议名称 — title", examples=["数控技术订单班合作协议"]),
    AfterValidator(lambda v: _text(v, 200, True)),
]
Note = Annotated[
    str | None,
    Field(default=None, max_length=2000, description="备注 — note"),
    AfterValidator(lambda v: _text(v, 500, False)),
]


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_id: uuid.UUID = Field(description="参与单位: an existing, active organization of the membership service")
    role: PartyRole = Field(
        description="school (a school type: undergraduate, higher_vocational, secondary_vocational, "
        "technical_school, technician_college) / enterprise (an enterprise) / other (an association, a government "
        "body …)"
    )


class PartyPublic(BaseModel):
    org_id: uuid.UUID
    role: PartyRole


_CREATE_EXAMPLE: dict[str, Any] = {
    "kind": "order_class",
    "title": "数控技术订单班合作协议",
    "parties": [
        {"org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b", "role": "school"},
        {"org_id": "019abf2e-0000-7000-8000-000000000002", "role": "enterprise"},
    ],
    "alliance_id": None,
    "period_start": "2025-09-01",
    "period_end": "2028-06-30",
    "planned_students": 40,
    "committed_amount": "1200000.00",
    "payer_org_id": "019abf2e-0000-7000-8000-000000000002",
}


class AgreementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_CREATE_EXAMPLE]})

    kind: AgreementKind = Field(description="协议类型 — " + ", ".join(f"{k} {v}" for k, v in KIND_LABELS.items()))
    title: Title
    parties: list[PartyIn] = Field(
        min_length=2,
        max_length=MAX_PARTIES,
        description="参与单位: at least two distinct organizations, at least one `school` and one `enterprise` "
        "(a 产业学院 may have several enterprises)",
    )
    alliance_id: uuid.UUID | None = Field(
        default=None, description="所属联盟 (optional): its admins may read the agreement"
    )
    period_start: IsoDate = Field(description="协议期开始 — start of the agreement's period")
    period_end: IsoDate | None = Field(default=None, description="协议期结束 (≥ period_start; null: open-ended)")
    planned_students: int | None = Field(default=None, ge=0, le=100_000, description="计划培养人数 — planned students")
    committed_amount: Commitment = Field(default=Decimal("0.00"), description="承诺投入金额（元） — committed CNY")
    payer_org_id: uuid.UUID | None = Field(
        default=None, description="出资单位: one of the parties (required when `committed_amount` > 0)"
    )
    appointment_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_APPOINTMENTS,
        description="双栖双聘 (only and required for kind `dual_appointment`): membership appointments "
        "(`/v1/appointments/{id}`), each held at one party by a person of another party",
    )


class AgreementUpdate(BaseModel):
    """Partial update of the agreement's own terms while it is draft, signed or active; parties and kind are fixed."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"committed_amount": "1500000.00", "planned_students": 45}]}
    )

    title: Title | None = None
    period_start: IsoDate | None = None
    period_end: IsoDate | None = None
    planned_students: int | None = Field(default=None, ge=0, le=100_000)
    committed_amount: Commitment | None = Field(default=None, description="≥ the amount already paid")
    payer_org_id: uuid.UUID | None = Field(default=None, description="one of the parties")


class AgreementTransitionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"to": "signed", "effective_on": "2025-08-20", "reason": "双方盖章"}]},
    )

    to: AgreementStatus = Field(description="目标状态 — the new status")
    effective_on: IsoDate | None = Field(
        default=None, description="生效日期 (default today, Asia/Shanghai); not before the latest event, not future"
    )
    reason: Note = None


class AgreementEventPublic(BaseModel):
    seq: int
    from_status: AgreementStatus | None = Field(serialization_alias="from")
    to_status: AgreementStatus = Field(serialization_alias="to")
    effective_on: IsoDate
    reason: str | None
    actor: str
    recorded_at: datetime


class Funding(BaseModel):
    committed: Commitment = Field(description="承诺金额 — committed")
    paid: Commitment = Field(description="已到位 — paid so far")
    outstanding: Commitment = Field(description="未到位 — committed − paid")


class AgreementPublic(BaseModel):
    id: uuid.UUID
    kind: AgreementKind
    kind_label: str
    title: str
    parties: list[PartyPublic]
    alliance_id: uuid.UUID | None
    period_start: IsoDate
    period_end: IsoDate | None
    planned_students: int | None
    status: AgreementStatus
    signed_on: IsoDate | None
    allowed_transitions: list[AgreementStatus]
    committed_amount: Commitment
    payer_org_id: uuid.UUID | None
    funding: Funding
    appointment_ids: list[uuid.UUID]
    proposal_id: uuid.UUID | None
    demand_id: uuid.UUID | None
    offer_id: uuid.UUID | None
    events: list[AgreementEventPublic]
    version: int
    created_at: datetime
    updated_at: datetime


class AgreementPage(Page[AgreementPublic]):
    pass


def funding(committed: Decimal, paid: Decimal) -> Funding:
    return Funding(committed=committed, paid=paid, outstanding=committed - paid)


def render(row: Any, parties: list[Any], events: list[Any]) -> AgreementPublic:
    return AgreementPublic(
        id=row.id,
        kind=row.kind,
        kind_label=KIND_LABELS[row.kind],
        title=row.title,
        parties=[PartyPublic(org_id=p.org_id, role=p.role) for p in sorted(parties, key=lambda p: p.position)],
        alliance_id=row.alliance_id,
        period_start=row.period_start,
        period_end=row.period_end,
        planned_students=row.planned_students,
        status=row.status,
        signed_on=row.signed_on,
        allowed_transitions=LIFECYCLE.allowed_from(row.status),
        committed_amount=row.committed_amount,
        payer_org_id=row.payer_org_id,
        funding=funding(row.committed_amount, row.paid_total),
        appointment_ids=list(row.appointment_ids or []),
        proposal_id=row.proposal_id,
        demand_id=row.demand_id,
        offer_id=row.offer_id,
        events=[
            AgreementEventPublic(
                seq=e.seq,
                from_status=e.from_status,
                to_status=e.to_status,
                effective_on=e.effective_on,
                reason=e.reason,
                actor=e.actor,
                recorded_at=e.recorded_at,
            )
            for e in sorted(events, key=lambda e: e.seq)
        ],
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# ---- milestones ----------------------------------------------------------------------------------------------------
class MilestoneCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"title": "首届订单班开班", "due_on": "2025-09-15"}]}
    )

    title: Title
    due_on: IsoDate | None = Field(default=None, description="计划完成日期 — due date")
    done_on: IsoDate | None = Field(default=None, description="实际完成日期 — done date (not in the future)")


class MilestoneUpdate(BaseModel):
    """Partial update; `null` clears `due_on` or `done_on` (a milestone reopened)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"done_on": "2025-09-12"}]})

    title: Title | None = None
    due_on: IsoDate | None = None
    done_on: IsoDate | None = None


class MilestonePublic(BaseModel):
    id: uuid.UUID
    agreement_id: uuid.UUID
    title: str
    due_on: IsoDate | None
    done_on: IsoDate | None
    version: int
    created_at: datetime
    updated_at: datetime


class MilestonePage(Page[MilestonePublic]):
    pass


def render_milestone(row: Any) -> MilestonePublic:
    return MilestonePublic(
        id=row.id,
        agreement_id=row.agreement_id,
        title=row.title,
        due_on=row.due_on,
        done_on=row.done_on,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# ---- payments ------------------------------------------------------------------------------------------------------
class PaymentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "amount": "300000.00",
                    "paid_on": "2025-09-30",
                    "payer_org_id": "019abf2e-0000-7000-8000-000000000002",
                    "note": "首期设备投入",
                }
            ]
        },
    )

    amount: Amount
    paid_on: IsoDate = Field(description="到账日期 — date paid (not in the future)")
    payer_org_id: uuid.UUID = Field(description="付款单位: one of the agreement's parties")
    note: Note = None


class PaymentPublic(BaseModel):
    id: uuid.UUID
    agreement_id: uuid.UUID
    amount: Amount
    paid_on: IsoDate
    payer_org_id: uuid.UUID
    note: str | None
    recorded_by: str
    created_at: datetime
    funding: Funding | None = Field(default=None, description="The agreement's totals after this payment (on create)")


class PaymentPage(Page[PaymentPublic]):
    funding: Funding = Field(description="The agreement's totals: committed, paid, outstanding")


def render_payment(row: Any, totals: Funding | None = None) -> PaymentPublic:
    return PaymentPublic(
        id=row.id,
        agreement_id=row.agreement_id,
        amount=row.amount,
        paid_on=row.paid_on,
        payer_org_id=row.payer_org_id,
        note=row.note,
        recorded_by=row.recorded_by,
        created_at=row.created_at,
        funding=totals,
    )
