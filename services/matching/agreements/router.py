"""`/v1/agreements` — thin endpoints: check the caller and the membership facts the agreement names, call one
service function, answer (services/matching/agreements/service.py has the rules)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request, Response
from starlette.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch, versioned_response
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import not_modified, recorded
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.matching.agreements import service
from services.matching.agreements.access import READ, VISIBLE, WHO, WRITE, AgreementId, ensure_party
from services.matching.agreements.membership import membership_directory
from services.matching.agreements.models import Agreement, AgreementKind, AgreementParty, AgreementStatus
from services.matching.agreements.references import check_references
from services.matching.agreements.schemas import (
    AgreementCreate,
    AgreementPage,
    AgreementPublic,
    AgreementTransitionCreate,
    AgreementUpdate,
    render,
)

router = APIRouter(prefix="/v1/agreements", tags=["agreements"])

_EXAMPLE: dict[str, Any] = {
    "id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f1a",
    "kind": "order_class",
    "kind_label": "订单班",
    "title": "数控技术订单班合作协议",
    "parties": [
        {"org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b", "role": "school"},
        {"org_id": "019abf2e-0000-7000-8000-000000000002", "role": "enterprise"},
    ],
    "alliance_id": None,
    "period_start": "2025-09-01",
    "period_end": "2028-06-30",
    "planned_students": 40,
    "status": "signed",
    "signed_on": "2025-08-20",
    "allowed_transitions": ["active", "terminated"],
    "committed_amount": "1200000.00",
    "payer_org_id": "019abf2e-0000-7000-8000-000000000002",
    "funding": {"committed": "1200000.00", "paid": "300000.00", "outstanding": "900000.00"},
    "appointment_ids": [],
    "proposal_id": None,
    "demand_id": None,
    "offer_id": None,
    "events": [
        {
            "seq": 1,
            "from": None,
            "to": "draft",
            "effective_on": "2025-08-01",
            "reason": None,
            "actor": "user:u-1",
            "recorded_at": "2025-08-01T02:00:00+00:00",
        },
        {
            "seq": 2,
            "from": "draft",
            "to": "signed",
            "effective_on": "2025-08-20",
            "reason": "双方盖章",
            "actor": "user:u-1",
            "recorded_at": "2025-08-20T02:00:00+00:00",
        },
    ],
    "version": 3,
    "created_at": "2025-08-01T02:00:00+00:00",
    "updated_at": "2025-09-30T02:00:00+00:00",
}
RULES = (
    "\n\nRules: at least two distinct parties, at least one `school` (an organization of a school type) and one "
    "`enterprise`; every party an existing, active organization of the membership service (422 naming "
    "`parties.<i>.org_id`; 503 with `Retry-After` when membership cannot confirm it); `alliance_id`, when given, an "
    "existing alliance; `period_end ≥ period_start`; `committed_amount` a decimal string (元, ≤ 2 places, "
    "≤ 10000000000.00) and, when above 0, a `payer_org_id` that is a party. Kind `dual_appointment` names "
    "membership appointments (双栖双聘) in `appointment_ids` — each must exist and be held at one party by a person "
    "of another party; they are stored by id only. Other kinds name none."
)


def _one(public: AgreementPublic, status_code: int = 200, **headers: str) -> JSONResponse:
    """The kit's `one` by the public field names (an event's `from` and `to`)."""
    return versioned_response(public, status_code, by_alias=True, **headers)


async def _render(session: Any, row: Agreement) -> AgreementPublic:
    parties = await service.parties_of(session, [row.id])
    events = await service.events_of(session, [row.id])
    return render(row, parties[row.id], events[row.id])


@router.post(
    "",
    status_code=201,
    response_model=AgreementPublic,
    dependencies=[WRITE],
    summary="登记合作协议 Create an agreement",
    description="登记一份校企合作协议（草拟状态），含参与单位、协议期、计划培养人数和承诺投入金额。\n\n"
    "A school-enterprise agreement (校企合作协议), created as `draft`. Send `Idempotency-Key` so a retry never "
    "creates it twice." + RULES + WHO + " On create, the caller's organization must be one of the parties.",
    responses={
        201: {"content": {"application/json": {"example": {**_EXAMPLE, "status": "draft", "signed_on": None}}}},
        **problem_responses(400, 401, 403, 409, 422, 503),
    },
)
async def create_agreement(
    request: Request,
    body: AgreementCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_party(principal, [p.org_id for p in body.parties])
    service.check_create(body)
    await check_references(membership_directory(request), body)
    row = await service.create_agreement(session, body, principal.actor)
    public = await _render(session, row)
    return await recorded(session, idem, _one(public, 201, Location=f"{router.prefix}/{row.id}"))


@router.get(
    "",
    response_model=AgreementPage,
    dependencies=[READ],
    summary="查询合作协议 List agreements",
    description="按单位、联盟、类型和状态筛选合作协议，游标分页。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `org_id` (a party), `alliance_id`, `kind`, "
    "`status`, `proposal_id`. Incremental sync: pass the `sync_token` of your last pull as `since_token` "
    "(docs/sync.md); a transition or a payment changes the agreement, so it comes again; an agreement is never "
    "deleted (it ends by a transition), so `include_deleted` adds nothing." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(400, 401, 403, 422),
    },
)
async def list_agreements(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    org_id: Annotated[uuid.UUID | None, Query(description="参与单位 — a party organization")] = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="所属联盟 — the agreement's alliance")] = None,
    kind: Annotated[AgreementKind | None, Query(description="协议类型 — kind")] = None,
    status: Annotated[AgreementStatus | None, Query(description="状态 — status")] = None,
    proposal_id: Annotated[uuid.UUID | None, Query(description="来源对接提议 — the proposal it came from")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（协议以状态变更结束，不会删除）", "none (agreements end by a transition)")
    ] = False,
) -> AgreementPage:
    a: Any = Agreement
    p: Any = AgreementParty
    where = []
    if org_id is not None:
        where.append(a.id.in_(sa.select(p.agreement_id).where(p.org_id == org_id)))
    for column, value in ((a.alliance_id, alliance_id), (a.proposal_id, proposal_id)):
        if value is not None:
            where.append(column == value)
    for column, enum_value in ((a.kind, kind), (a.status, status)):
        if enum_value is not None:
            where.append(column == enum_value.value)
    page = await service.page(
        session, principal, where=where, since=Since.of(since_token, updated_since), cursor=cursor, limit=limit
    )
    ids = [r.id for r in page.rows]
    parties = await service.parties_of(session, ids)
    events = await service.events_of(session, ids)
    return AgreementPage(
        items=[render(r, parties[r.id], events[r.id]) for r in page.rows],
        next_cursor=page.next_cursor,
        sync_token=page.sync_token,
    )


@router.get(
    "/{agreement_id}",
    response_model=AgreementPublic,
    dependencies=[READ],
    summary="合作协议详情 Get an agreement",
    description="合作协议详情：参与单位、状态历史、资金承诺与到位情况，带 `ETag`。\n\n"
    "The agreement with its parties, dated history and funding totals (committed, paid, outstanding); carries an "
    "`ETag` (`If-None-Match` → 304; `If-Match` on PATCH)." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_agreement(
    agreement_id: AgreementId, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get_visible(session, principal, agreement_id)
    return not_modified(if_none_match, row.version) or _one(await _render(session, row))


@router.patch(
    "/{agreement_id}",
    response_model=AgreementPublic,
    dependencies=[WRITE],
    summary="修改合作协议 Update an agreement",
    description="修改草拟、已签署或执行中协议的条款（名称、协议期、计划人数、承诺金额、出资单位）；"
    "请带上 `If-Match`。\n\n"
    "Partial update of the terms while the agreement is draft, signed or active (409 `agreement-closed` after); "
    "parties and kind never change. `committed_amount` may not drop below what is already paid (422 on "
    "`body.committed_amount`). Send `If-Match` with the ETag you read (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def update_agreement(
    agreement_id: AgreementId,
    body: AgreementUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    row = await service.get_visible(session, principal, agreement_id, for_update=True)
    ensure_party(principal, await service.party_ids(session, row.id))
    row = await service.update(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = _one(await _render(session, row))
    await session.commit()
    return response


@router.post(
    "/{agreement_id}/transitions",
    response_model=AgreementPublic,
    dependencies=[WRITE],
    summary="合作协议状态变更 Move an agreement through its lifecycle",
    description="合作协议状态变更：草拟 → 已签署 → 执行中 → 已完成 / 已终止；签署日期记为 `signed_on`。\n\n"
    "draft → signed | terminated; signed → active | terminated; active → completed | terminated. An illegal move is "
    "409 naming the allowed ones. `effective_on` (default today, Asia/Shanghai) is not in the future and not before "
    "the latest event (409). Moving to `signed` records `signed_on`. Each step is a dated event in `events`." + WHO,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def transition_agreement(
    agreement_id: AgreementId,
    body: AgreementTransitionCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    row = await service.get_visible(session, principal, agreement_id, for_update=True)
    ensure_party(principal, await service.party_ids(session, row.id))
    row = await service.transition(session, row=row, data=body, actor=principal.actor)
    return await recorded(session, idem, _one(await _render(session, row)))
