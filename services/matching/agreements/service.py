"""Agreement rules (校企合作协议): its terms, parties and lifecycle — create, read, list, update and transitions,
each write with an audit row and an outbox event in the caller's transaction (chanjiao/resources.py). Knows
nothing of HTTP: the router checks the caller and the membership facts (services/matching/agreements/references.py)
first. The funding ledger is services/matching/agreements/ledger.py, milestones milestones.py."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.dates import today
from chanjiao.errors import Conflict, FieldError, NotFound, ValidationFailed, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load_kept, now, record_named
from chanjiao.sync import Since, SyncPage, sync_page
from chanjiao.transitions import StateMachine
from services.matching.agreements.access import can_read, visible_filter
from services.matching.agreements.models import (
    EDITABLE,
    LIFECYCLE,
    Agreement,
    AgreementEvent,
    AgreementParty,
)
from services.matching.agreements.schemas import AgreementCreate, AgreementTransitionCreate, AgreementUpdate
from services.matching.db import kernel

ENTITY = "agreement"
AUDIT = Audit(kernel, ENTITY)


class AgreementNotFound(NotFound):
    slug = "agreement-not-found"
    title_zh, title_en = "合作协议不存在", "Agreement not found"


class AgreementClosed(Conflict):
    slug = "agreement-closed"
    title_zh, title_en = "合作协议已结束", "Agreement closed"


def not_found() -> AgreementNotFound:
    return AgreementNotFound(detail_zh="没有该合作协议", detail_en="No such agreement")


# ---- terms ---------------------------------------------------------------------------------------------------------
def not_future(day: date, loc: list[str | int]) -> None:
    if day > today():
        raise field_error(
            loc, "not_in_future", "日期不能晚于今天（北京时间）", "The date cannot be after today (Asia/Shanghai)"
        )


def check_period(start: date, end: date | None) -> None:
    if end is not None and end < start:
        raise field_error(
            ["body", "period_end"], "period", "协议期结束不能早于开始", "period_end is before period_start"
        )


def check_payer(payer: uuid.UUID | None, committed: Any, party_ids: Iterable[uuid.UUID]) -> None:
    if payer is not None and payer not in set(party_ids):
        raise field_error(
            ["body", "payer_org_id"], "not_a_party", "出资单位须是协议的一方", "The payer must be one of the parties"
        )
    if payer is None and committed > 0:
        raise field_error(
            ["body", "payer_org_id"],
            "required",
            "承诺金额大于 0 时须填写出资单位",
            "A payer is required when committed_amount is above 0",
        )


def check_create(data: AgreementCreate) -> None:
    """The rules of a new agreement that need no other service: distinct parties with a school and an enterprise,
    the period, the payer, and appointments exactly for `dual_appointment`."""
    errors: list[FieldError] = []
    seen: set[uuid.UUID] = set()
    for i, p in enumerate(data.parties):
        if p.org_id in seen:
            errors.append(
                FieldError(
                    ["body", "parties", i, "org_id"], "同一单位出现多次", "An organization appears twice", "duplicate"
                )
            )
        seen.add(p.org_id)
    roles = {p.role.value for p in data.parties}
    if not {"school", "enterprise"} <= roles:
        errors.append(
            FieldError(
                ["body", "parties"],
                "协议须至少有一所学校（school）和一家企业（enterprise）",
                "An agreement needs at least one school and one enterprise party",
                "school_and_enterprise",
            )
        )
    if data.kind.value == "dual_appointment" and not data.appointment_ids:
        errors.append(
            FieldError(
                ["body", "appointment_ids"],
                "双栖双聘协议须列出至少一项聘任",
                "A dual_appointment agreement names at least one appointment",
                "required",
            )
        )
    if data.kind.value != "dual_appointment" and data.appointment_ids:
        errors.append(
            FieldError(
                ["body", "appointment_ids"],
                "只有双栖双聘（dual_appointment）协议列出聘任",
                "Only dual_appointment agreements name appointments",
                "kind",
            )
        )
    if len(set(data.appointment_ids)) != len(data.appointment_ids):
        errors.append(FieldError(["body", "appointment_ids"], "聘任重复", "An appointment appears twice", "duplicate"))
    if errors:
        raise ValidationFailed(
            detail_zh="合作协议未通过校验", detail_en="The agreement failed validation", errors=errors
        )
    check_period(data.period_start, data.period_end)
    check_payer(data.payer_org_id, data.committed_amount, seen)


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get(session: AsyncSession, agreement_id: uuid.UUID, *, for_update: bool = False) -> Agreement:
    return await load_kept(session, Agreement, agreement_id, not_found=not_found, for_update=for_update)


async def parties_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[AgreementParty]]:
    out: dict[uuid.UUID, list[AgreementParty]] = defaultdict(list)
    if ids:
        p: Any = AgreementParty
        for row in (await session.execute(sa.select(p).where(p.agreement_id.in_(ids)))).scalars():
            out[row.agreement_id].append(row)
    return out


async def events_of(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[AgreementEvent]]:
    out: dict[uuid.UUID, list[AgreementEvent]] = defaultdict(list)
    if ids:
        e: Any = AgreementEvent
        for row in (await session.execute(sa.select(e).where(e.agreement_id.in_(ids)))).scalars():
            out[row.agreement_id].append(row)
    return out


async def party_ids(session: AsyncSession, agreement_id: uuid.UUID) -> list[uuid.UUID]:
    return [p.org_id for p in (await parties_of(session, [agreement_id]))[agreement_id]]


async def get_visible(
    session: AsyncSession, principal: Principal, agreement_id: uuid.UUID, *, for_update: bool = False
) -> Agreement:
    """An agreement the caller may read; 404 for anyone else, as if it did not exist."""
    row = await get(session, agreement_id, for_update=for_update)
    if not can_read(principal, row.alliance_id, await party_ids(session, row.id)):
        raise not_found()
    return row


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    where: Iterable[sa.ColumnElement[bool]],
    since: Since,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    a: Any = Agreement
    stmt = sa.select(a)
    visible = visible_filter(principal, a)
    if visible is not None:
        stmt = stmt.where(visible)
    for clause in where:
        stmt = stmt.where(clause)
    return await sync_page(session, stmt, a, since=since, cursor=cursor, limit=limit)


# ---- writes --------------------------------------------------------------------------------------------------------
def _parties_snapshot(data: AgreementCreate) -> list[dict[str, Any]]:
    return [{"org_id": p.org_id, "role": p.role.value} for p in data.parties]


async def create_agreement(
    session: AsyncSession,
    data: AgreementCreate,
    actor: str,
    proposal_id: uuid.UUID | None = None,
    demand_id: uuid.UUID | None = None,
    offer_id: uuid.UUID | None = None,
) -> Agreement:
    """A new draft agreement with its parties and its first dated event, audited, in the caller's transaction (the
    caller commits). The membership facts it names were checked by the caller (references.check_references);
    a proposal's acceptance passes its own `proposal_id`, `demand_id` and `offer_id`."""
    check_create(data)
    stamp = now()
    row = Agreement(
        id=new_id(),
        kind=data.kind.value,
        title=data.title,
        alliance_id=data.alliance_id,
        period_start=data.period_start,
        period_end=data.period_end,
        planned_students=data.planned_students,
        status="draft",
        signed_on=None,
        latest_effective_on=None,  # a transition may be dated back to before the record was made
        committed_amount=data.committed_amount,
        payer_org_id=data.payer_org_id,
        paid_total=Decimal("0.00"),
        appointment_ids=list(data.appointment_ids),
        proposal_id=proposal_id,
        demand_id=demand_id,
        offer_id=offer_id,
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    await session.flush()
    for i, p in enumerate(data.parties):
        session.add(AgreementParty(agreement_id=row.id, org_id=p.org_id, role=p.role.value, position=i))
    session.add(
        AgreementEvent(
            agreement_id=row.id,
            seq=1,
            from_status=None,
            to_status="draft",
            effective_on=today(),
            reason=None,
            actor=actor,
            recorded_at=stamp,
        )
    )
    await session.flush()
    after = {**AUDIT.snapshot(row), "parties": _parties_snapshot(data)}
    await AUDIT.record(session, row, action="create", actor=actor, before=None, after=after, payload=after)
    return row


def ensure_editable(row: Agreement, what: tuple[str, str]) -> None:
    if row.status not in EDITABLE:
        raise AgreementClosed(
            detail_zh=f"合作协议已{'完成' if row.status == 'completed' else '终止'}，不能再{what[0]}",
            detail_en=f"The agreement is {row.status}; {what[1]} is no longer possible",
            extra={"status": row.status},
        )


async def update(
    session: AsyncSession, *, row: Agreement, changes: AgreementUpdate, if_match: str | None, actor: str
) -> Agreement:
    """`row` is locked by the caller (`get(for_update=True)`)."""
    check_if_match(if_match, row.version)
    ensure_editable(row, ("修改", "changing its terms"))
    data = changes.model_dump(exclude_unset=True)
    for name in ("title", "period_start", "committed_amount"):
        if name in data and data[name] is None:
            raise field_error(["body", name], "not_null", "该字段不能为 null", "This field cannot be null")
    before = AUDIT.snapshot(row)
    merged = {**before, **data}
    check_period(merged["period_start"], merged["period_end"])
    check_payer(merged["payer_org_id"], merged["committed_amount"], await party_ids(session, row.id))
    if merged["committed_amount"] < row.paid_total:
        raise field_error(
            ["body", "committed_amount"],
            "below_paid",
            f"承诺金额不能低于已到位金额 {row.paid_total:.2f} 元",
            f"committed_amount cannot be below the {row.paid_total:.2f} already paid",
        )
    for key, value in data.items():
        setattr(row, key, value)
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row


async def transition(
    session: AsyncSession, *, row: Agreement, data: AgreementTransitionCreate, actor: str
) -> Agreement:
    """One lifecycle step on a locked agreement: legal move (409 otherwise), dated not before the latest event nor
    in the future; `signed_on` is the date it was signed."""
    to = data.to.value
    LIFECYCLE.check(row.status, to)
    effective_on = data.effective_on or today()
    not_future(effective_on, ["body", "effective_on"])
    StateMachine.check_effective_on(row.latest_effective_on, effective_on)
    before = AUDIT.snapshot(row)
    from_status = row.status
    row.status = to
    if to == "signed":
        row.signed_on = effective_on
    row.latest_effective_on = effective_on
    row.version += 1
    row.updated_at = now()
    e: Any = AgreementEvent
    seq = (await session.execute(sa.select(sa.func.max(e.seq)).where(e.agreement_id == row.id))).scalar_one() + 1
    session.add(
        AgreementEvent(
            agreement_id=row.id,
            seq=seq,
            from_status=from_status,
            to_status=to,
            effective_on=effective_on,
            reason=data.reason,
            actor=actor,
            recorded_at=row.updated_at,
        )
    )
    await session.flush()
    await record_named(
        AUDIT,
        session,
        row,
        action="transition",
        event="transitioned",
        actor=actor,
        before=before,
        after=AUDIT.snapshot(row),
        payload={"from": from_status, "to": to, "effective_on": effective_on, "reason": data.reason},
    )
    return row
