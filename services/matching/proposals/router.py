"""`/v1/proposals` — thin endpoints: check the caller (proposals/access.py), call one service function, answer
(services/matching/proposals/service.py has the rules; docs/matching-proposals.md)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import field_error, problem_responses
from chanjiao.etag import IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, recorded
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.matching.agreements.membership import membership_directory
from services.matching.agreements.references import check_references
from services.matching.proposals import service
from services.matching.proposals.access import READ, VISIBLE, WHO_ANSWER, WHO_PROPOSE, WRITE, ProposalId
from services.matching.proposals.models import Direction, Proposal, ProposalStatus
from services.matching.proposals.schemas import (
    EXAMPLE,
    ProposalAnswer,
    ProposalCreate,
    ProposalPage,
    ProposalPublic,
    render,
)

router = APIRouter(prefix="/v1/proposals", tags=["proposals"])

ANSWER_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)
RULES = (
    "\n\nRules: both the demand and the offer are open (409 `posting-not-open`), of compatible kinds (422 "
    '`incompatible_kinds` on `offer_id`; docs/matching-ranking.md, "Compatible kinds") and of different '
    "organizations (422 `same_organization`); one pending proposal per (demand, offer) pair (409 "
    "`proposal-pending`). An unanswered proposal expires after `proposal_expiry_days` days (default 14)."
)


@router.post(
    "",
    status_code=201,
    response_model=ProposalPublic,
    dependencies=[WRITE],
    summary="提出合作意向 Propose a demand and an offer to each other",
    description="需求方（企业）或供给方（学校）就一项已发布的需求与一项已发布的供给提出合作意向，等待对方答复。\n\n"
    "The caller's organization (the demand's or the offer's) proposes; the other is the counterparty, who accepts "
    "or declines. Send `Idempotency-Key` so a retry never proposes twice." + RULES + WHO_PROPOSE,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
)
async def create_proposal(
    body: ProposalCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    row = await service.create(session, principal=principal, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=ProposalPage,
    dependencies=[READ],
    summary="查询合作意向 List proposals",
    description="按状态、需求、供给、单位和方向（发出/收到）筛选合作意向，游标分页。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`); incremental sync with the `sync_token` of your last "
    "pull as `since_token` (docs/sync.md). Filters: `status`, `demand_id`, `offer_id`, `org_id` "
    "(either party), `direction` — `sent` (made by the organization) or `received` (made to it), relative to "
    "`org_id`, else to the caller's organization (422 when there is neither)." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [EXAMPLE], "next_cursor": None}}}},
        **problem_responses(400, 401, 403, 422),
    },
)
async def list_proposals(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    status: Annotated[ProposalStatus | None, Query(description="状态 — status")] = None,
    demand_id: Annotated[uuid.UUID | None, Query(description="需求 — the demand")] = None,
    offer_id: Annotated[uuid.UUID | None, Query(description="供给 — the offer")] = None,
    org_id: Annotated[uuid.UUID | None, Query(description="单位 — either party organization")] = None,
    direction: Annotated[
        Direction | None, Query(description="方向：sent 发出 / received 收到 — made by or to the organization")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（合作意向不会删除，以答复结束）", "none (proposals end by an answer)")
    ] = False,
) -> ProposalPage:
    p: Any = Proposal
    where: list[sa.ColumnElement[bool]] = []
    for column, value in ((p.demand_id, demand_id), (p.offer_id, offer_id)):
        if value is not None:
            where.append(column == value)
    if status is not None:
        where.append(p.status == status.value)
    if org_id is not None:
        where.append(sa.or_(p.demand_org_id == org_id, p.offer_org_id == org_id))
    if direction is not None:
        whose = org_id or (uuid.UUID(principal.org_id) if principal.org_id else None)
        if whose is None:
            raise field_error(
                ["query", "org_id"],
                "required",
                "按方向筛选须给出单位（org_id）",
                "direction needs org_id when the caller has no organization",
            )
        mine = sa.or_(p.demand_org_id == whose, p.offer_org_id == whose)
        sent = p.proposer_org_id == whose
        where.append(sa.and_(mine, sent if direction is Direction.sent else sa.not_(sent)))
    page = await service.page(
        session, principal, where=where, since=Since.of(since_token, updated_since), cursor=cursor, limit=limit
    )
    return ProposalPage(items=[render(r) for r in page.rows], next_cursor=page.next_cursor, sync_token=page.sync_token)


@router.get(
    "/{proposal_id}",
    response_model=ProposalPublic,
    dependencies=[READ],
    summary="合作意向详情 Get a proposal",
    description="合作意向详情，带 `ETag`；被接受的意向列出由它创建的合作协议。\n\n"
    "The proposal; an accepted one names the agreement its acceptance created (`agreement_id`). Carries an "
    "`ETag` (`If-None-Match` → 304)." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_proposal(
    proposal_id: ProposalId, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get_visible(session, principal, proposal_id)
    return not_modified(if_none_match, row.version) or one(render(row))


@router.post(
    "/{proposal_id}/acceptance",
    response_model=ProposalPublic,
    dependencies=[WRITE],
    summary="接受合作意向 Accept a proposal",
    description="对方接受合作意向：同一事务中创建一份草拟的合作协议（学校为供给方单位，企业为需求方单位），"
    "答复中给出协议 ID。\n\n"
    "The counterparty accepts: in the same transaction a draft agreement is created (`/v1/agreements`) — the "
    "school is the offer's organization, the enterprise the demand's; its kind follows the demand's (order_class, "
    "apprenticeship, internship → internship_base, rnd → rnd_project, training → training_service, "
    "co_built_base; employment → order_class); its period is the demand's (else the offer's, else from today); "
    "planned students = min(headcount, count). The answer is the accepted proposal with `agreement_id`. The "
    "demand and the offer must still be open (409 `posting-not-open`); a proposal no longer pending is 409 "
    "`illegal-transition`; 422 when membership says a party cannot sign (docs/matching-agreements.md), 503 when "
    "membership cannot answer." + WHO_ANSWER,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        **EXAMPLE,
                        "status": "accepted",
                        "status_label": "已接受",
                        "agreement_id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f1a",
                    }
                }
            }
        },
        **problem_responses(400, 401, 403, 404, 409, 422, 503),
    },
)
async def accept_proposal(
    request: Request,
    proposal_id: ProposalId,
    body: ProposalAnswer,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    row = await service.get_visible(session, principal, proposal_id, for_update=True)
    service.ensure_may_answer(principal, row, "accepted")
    demand, offer = await service.postings(session, row)
    service.ensure_open(demand, offer)
    terms = service.agreement_terms(demand, offer)
    await check_references(membership_directory(request), terms)
    await service.accept(session, row=row, terms=terms, reason=body.reason, actor=principal.actor)
    return await recorded(session, idem, one(render(row)))


async def _close(
    session: Any, principal: Any, idem: Any, proposal_id: uuid.UUID, body: ProposalAnswer, to: str
) -> Response:
    if idem.replay is not None:
        return idem.replay
    row = await service.get_visible(session, principal, proposal_id, for_update=True)
    service.ensure_may_answer(principal, row, to)
    row = await service.close(session, row=row, to=to, reason=body.reason, actor=principal.actor)
    return await recorded(session, idem, one(render(row)))


@router.post(
    "/{proposal_id}/declination",
    response_model=ProposalPublic,
    dependencies=[WRITE],
    summary="拒绝合作意向 Decline a proposal",
    description="对方拒绝合作意向，可附原因。\n\n"
    "The counterparty declines, with an optional `reason`; a proposal no longer pending is 409 "
    "`illegal-transition`." + WHO_ANSWER,
    responses={
        200: {
            "content": {"application/json": {"example": {**EXAMPLE, "status": "declined", "status_label": "已拒绝"}}}
        },
        **ANSWER_ERRORS,
    },
)
async def decline_proposal(
    proposal_id: ProposalId,
    body: ProposalAnswer,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    return await _close(session, principal, idem, proposal_id, body, "declined")


@router.post(
    "/{proposal_id}/withdrawal",
    response_model=ProposalPublic,
    dependencies=[WRITE],
    summary="撤回合作意向 Withdraw a proposal",
    description="提出方在对方答复前撤回合作意向，可附原因。\n\n"
    "The proposer withdraws it before it is answered, with an optional `reason`; a proposal no longer pending is "
    "409 `illegal-transition`." + WHO_ANSWER,
    responses={
        200: {
            "content": {"application/json": {"example": {**EXAMPLE, "status": "withdrawn", "status_label": "已撤回"}}}
        },
        **ANSWER_ERRORS,
    },
)
async def withdraw_proposal(
    proposal_id: ProposalId,
    body: ProposalAnswer,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    return await _close(session, principal, idem, proposal_id, body, "withdrawn")
