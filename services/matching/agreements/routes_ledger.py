"""`/v1/agreements/{agreement_id}/payments` — the funding ledger: record a dated payment, list the payments with the
totals (services/matching/agreements/ledger.py has the rules)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from starlette.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import recorded
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.matching.agreements import ledger, service
from services.matching.agreements.access import READ, VISIBLE, WHO, WRITE, AgreementId, ensure_party
from services.matching.agreements.schemas import PaymentCreate, PaymentPage, PaymentPublic, funding, render_payment

router = APIRouter(prefix="/v1/agreements", tags=["agreements"])

_PAYMENT = {
    "id": "019ac0b2-3c4d-7e5f-8a6b-7c8d9e0f1a2b",
    "agreement_id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f1a",
    "amount": "300000.00",
    "paid_on": "2025-09-30",
    "payer_org_id": "019abf2e-0000-7000-8000-000000000002",
    "note": "首期设备投入",
    "recorded_by": "user:u-1",
    "created_at": "2025-09-30T02:00:00+00:00",
}
_FUNDING = {"committed": "1200000.00", "paid": "300000.00", "outstanding": "900000.00"}


@router.post(
    "/{agreement_id}/payments",
    status_code=201,
    response_model=PaymentPublic,
    dependencies=[WRITE],
    summary="登记资金到位 Record a payment",
    description="登记一笔到位资金（金额为字符串形式的元，精确到分）；累计到位金额不能超过承诺金额。\n\n"
    "A dated payment against the agreement's commitment: `amount` a decimal string (元, > 0, ≤ 2 places, "
    "≤ 10000000000.00; a JSON number is refused), `paid_on` not in the future, `payer_org_id` one of the parties. "
    "Only a signed, active or completed agreement takes payments (409 `agreement-not-payable`). The payments never "
    "exceed the commitment: 409 `over-commitment` naming the outstanding amount — enforced by the database, so two "
    "concurrent payments that together exceed cannot both succeed. The answer carries the new totals in `funding`. "
    "Payments are append-only. Send `Idempotency-Key` so a retry never pays twice." + WHO,
    responses={
        201: {"content": {"application/json": {"example": {**_PAYMENT, "funding": _FUNDING}}}},
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
)
async def create_payment(
    agreement_id: AgreementId,
    body: PaymentCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    row = await service.get_visible(session, principal, agreement_id, for_update=True)
    parties = await service.party_ids(session, row.id)
    ensure_party(principal, parties)
    payment = await ledger.record_payment(session, row=row, party_ids=parties, data=body, actor=principal.actor)
    public = render_payment(payment, funding(row.committed_amount, row.paid_total))
    answer = JSONResponse(
        public.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"{router.prefix}/{row.id}/payments"},
    )
    return await recorded(session, idem, answer)


@router.get(
    "/{agreement_id}/payments",
    response_model=PaymentPage,
    dependencies=[READ],
    summary="资金到位明细 List an agreement's payments",
    description="合作协议的到位资金明细与合计（承诺、已到位、未到位）。\n\n"
    "The agreement's payments (keyset by id: `limit`, `cursor` → `next_cursor`) and its totals in `funding`: "
    "committed, paid, outstanding — decimal strings. Payments are append-only; incremental sync with `since_token` "
    "(docs/sync.md)." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_PAYMENT], "funding": _FUNDING}}}},
        **problem_responses(400, 401, 403, 404, 422),
    },
)
async def list_payments(
    agreement_id: AgreementId,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（付款记录不会删除）", "none (payments are never deleted)")
    ] = False,
) -> PaymentPage:
    row = await service.get_visible(session, principal, agreement_id)
    page = await ledger.payments(
        session, row.id, since=Since.of(since_token, updated_since), cursor=cursor, limit=limit
    )
    return PaymentPage(
        items=[render_payment(p) for p in page.rows],
        next_cursor=page.next_cursor,
        sync_token=page.sync_token,
        funding=funding(row.committed_amount, row.paid_total),
    )
