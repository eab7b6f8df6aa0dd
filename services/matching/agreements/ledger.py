"""The funding ledger of an agreement: dated payments against its committed amount.

A payment locks the agreement row (`SELECT … FOR UPDATE`), checks that the new total stays within the commitment,
inserts the payment and raises `paid_total` in the same transaction; the table's
`CHECK (paid_total <= committed_amount)` (services/matching/agreements/models.py) is the last word, so two
concurrent payments that together exceed cannot both commit — the second waits for the first's lock, sees its
total and gets 409 `over-commitment`. Payments are append-only."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import Conflict, field_error
from chanjiao.ids import new_id
from chanjiao.resources import Audit, now, record_on, snapshot
from chanjiao.sync import Since, SyncPage, sync_page
from services.matching.agreements.models import PAYABLE, Agreement, AgreementPayment
from services.matching.agreements.schemas import PaymentCreate
from services.matching.agreements.service import AUDIT as AGREEMENT_AUDIT
from services.matching.agreements.service import not_future
from services.matching.db import kernel

PAYMENT_AUDIT = Audit(kernel, "agreement_payment")


class OverCommitment(Conflict):
    slug = "over-commitment"
    title_zh, title_en = "付款超出承诺金额", "Payment exceeds the commitment"


class NotPayable(Conflict):
    slug = "agreement-not-payable"
    title_zh, title_en = "合作协议当前状态不能登记付款", "Agreement not payable in its status"


def _over(committed: Decimal, paid: Decimal, amount: Decimal) -> OverCommitment:
    left = committed - paid
    return OverCommitment(
        detail_zh=f"付款 {amount:.2f} 元超出尚未到位的承诺金额 {left:.2f} 元"
        f"（承诺 {committed:.2f}，已到位 {paid:.2f}）",
        detail_en=f"The payment of {amount:.2f} exceeds the outstanding commitment of {left:.2f} (committed "
        f"{committed:.2f}, paid {paid:.2f})",
        extra={"outstanding": f"{left:.2f}", "field": "amount"},
    )


async def record_payment(
    session: AsyncSession, *, row: Agreement, party_ids: list[uuid.UUID], data: PaymentCreate, actor: str
) -> AgreementPayment:
    """`row` is locked by the caller (`service.get(for_update=True)`)."""
    if row.status not in PAYABLE:
        raise NotPayable(
            detail_zh=f"合作协议状态为 {row.status}，只有已签署、执行中或已完成的协议可登记付款",
            detail_en=f"The agreement is {row.status}; payments are recorded once signed (signed, active, completed)",
            extra={"status": row.status},
        )
    if data.payer_org_id not in set(party_ids):
        raise field_error(
            ["body", "payer_org_id"], "not_a_party", "付款单位须是协议的一方", "The payer must be one of the parties"
        )
    not_future(data.paid_on, ["body", "paid_on"])
    if row.paid_total + data.amount > row.committed_amount:
        raise _over(row.committed_amount, row.paid_total, data.amount)
    before = AGREEMENT_AUDIT.snapshot(row)
    stamp = now()
    payment = AgreementPayment(
        id=new_id(),
        agreement_id=row.id,
        amount=data.amount,
        paid_on=data.paid_on,
        payer_org_id=data.payer_org_id,
        note=data.note,
        recorded_by=actor,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(payment)
    # Raised in SQL (`paid_total = paid_total + amount`), not set from what this transaction read: whatever got
    # past the row lock, the database adds to the committed total and its CHECK has the last word.
    a: Any = Agreement
    row.paid_total = a.paid_total + data.amount
    row.version += 1
    row.updated_at = stamp
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        committed, paid = (
            await session.execute(sa.select(a.committed_amount, a.paid_total).where(a.id == payment.agreement_id))
        ).one()
        raise _over(committed, paid, data.amount) from exc
    await session.refresh(row, ["paid_total"])
    values = snapshot(payment, exclude=("recorded_by",))
    await record_on(
        PAYMENT_AUDIT,
        session,
        payment.id,
        aggregate=("agreement", row.id),
        action="create",
        event="recorded",
        actor=actor,
        before=None,
        after=values,
        payload={**values, "paid_total": row.paid_total, "committed_amount": row.committed_amount},
    )
    await AGREEMENT_AUDIT.record(
        session,
        row,
        action="update",
        actor=actor,
        before=before,
        after=AGREEMENT_AUDIT.snapshot(row),
        payload={"changed": {"paid_total": row.paid_total}},
    )
    return payment


async def payments(
    session: AsyncSession, agreement_id: uuid.UUID, *, since: Since, cursor: str | None, limit: int
) -> SyncPage:
    p: Any = AgreementPayment
    stmt = sa.select(p).where(p.agreement_id == agreement_id)
    return await sync_page(session, stmt, p, since=since, cursor=cursor, limit=limit)
