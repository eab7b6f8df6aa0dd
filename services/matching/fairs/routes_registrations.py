"""`/v1/fairs/{fair_id}/registrations` and `/v1/fairs/{fair_id}/figures` — a fair's registered demands and offers
(register, list, withdraw) and its figures (services/matching/fairs/service.py has the rules)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from starlette.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import recorded
from chanjiao.sync import SYNC_DOC, Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.matching.fairs import service
from services.matching.fairs.access import READ, REGISTER, VISIBLE, WHO_MANAGE, WHO_REGISTER, FairId, RegistrationId
from services.matching.fairs.schemas import (
    FairFigures,
    FairRegistrationCreate,
    FairRegistrationPage,
    FairRegistrationPublic,
    render_registration,
)


def one(public: BaseModel, status_code: int = 200, **headers: str) -> JSONResponse:
    """The record as JSON (it has no version, so no ETag)."""
    return JSONResponse(public.model_dump(mode="json"), status_code, headers=headers or None)


router = APIRouter(prefix="/v1/fairs", tags=["fairs"])

_EXAMPLE: dict[str, Any] = {
    "id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f3c",
    "fair_id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f2b",
    "demand_id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f1a",
    "offer_id": None,
    "org_id": "019abf2e-0000-7000-8000-000000000002",
    "registered_at": "2027-03-01T02:00:00+00:00",
    "withdrawn_at": None,
}
_FIGURES: dict[str, Any] = {
    "fair_id": "019ac0a1-2b3c-7d4e-8f5a-6b7c8d9e0f2b",
    "participants": 12,
    "demands": 9,
    "offers": 6,
    "headcount": 320,
    "places": 280,
    "proposals": 7,
    "agreements": 3,
}


@router.post(
    "/{fair_id}/registrations",
    status_code=201,
    response_model=FairRegistrationPublic,
    dependencies=[REGISTER],
    summary="对接会报名 Register a demand or an offer for a fair",
    description="企业为其已发布的需求、院校为其已发布的供给报名参加对接会。\n\n"
    "Give exactly one of `demand_id` and `offer_id` (422 naming `body.demand_id` otherwise, or the field when the "
    "posting does not exist). The posting must be open (409) and the fair not closed (409 `fair-closed`); a posting "
    "is registered once at a time (409)." + WHO_REGISTER,
    responses={
        201: {"content": {"application/json": {"example": _EXAMPLE}}},
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
)
async def register(
    fair_id: FairId,
    body: FairRegistrationCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    fair = await service.get(session, fair_id, for_update=True)
    row = await service.register(session, principal, fair, body)
    response = one(render_registration(row), 201, Location=f"{router.prefix}/{fair_id}/registrations/{row.id}")
    return await recorded(session, idem, response)


@router.get(
    "/{fair_id}/registrations",
    response_model=FairRegistrationPage,
    dependencies=[READ],
    summary="对接会报名名单 List a fair's registrations",
    description="对接会已报名的需求与供给，游标分页；默认不含已撤回的报名。\n\n"
    "The fair's registered demands and offers, keyset-paginated; withdrawn ones only with "
    "`include_withdrawn=true` (a sync pull should pass it, to see withdrawals)."
    + SYNC_DOC
    + "nothing is deleted."
    + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(400, 401, 403, 404, 422),
    },
)
async def list_registrations(
    fair_id: FairId,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    include_withdrawn: Annotated[bool, Query(description="含已撤回的报名 — include withdrawn registrations")] = False,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool,
        include_deleted_query(
            "无（报名撤回后仍保留，见 include_withdrawn）", "none (a withdrawn registration is kept: include_withdrawn)"
        ),
    ] = False,
) -> FairRegistrationPage:
    await service.get(session, fair_id)
    page = await service.registrations(
        session,
        fair_id,
        include_withdrawn=include_withdrawn,
        since=Since.of(since_token, updated_since),
        cursor=cursor,
        limit=limit,
    )
    items = [render_registration(r) for r in page.rows]
    return FairRegistrationPage(items=items, next_cursor=page.next_cursor, sync_token=page.sync_token)


@router.delete(
    "/{fair_id}/registrations/{registration_id}",
    response_model=FairRegistrationPublic,
    dependencies=[REGISTER],
    summary="撤回对接会报名 Withdraw a registration",
    description="撤回一条报名（记录保留并标注撤回时间）；之后可重新报名。\n\n"
    "The registration is kept with its `withdrawn_at`; the posting may register again. Already withdrawn → 409."
    + WHO_REGISTER
    + " The fair's managers may withdraw any registration:"
    + WHO_MANAGE.removeprefix("\n\n**谁可以 Who:**"),
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "withdrawn_at": "2027-03-05T02:00:00+00:00"}}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def withdraw_registration(
    fair_id: FairId, registration_id: RegistrationId, session: SessionDep, principal: PrincipalDep
) -> Response:
    fair = await service.get(session, fair_id, for_update=True)
    row = await service.withdraw(session, principal, fair, registration_id)
    response = one(render_registration(row))
    await session.commit()
    return response


@router.get(
    "/{fair_id}/figures",
    response_model=FairFigures,
    dependencies=[READ],
    summary="对接会数据 A fair's figures",
    description="对接会的参会单位数、报名需求与供给数、需求人数、供给名额，以及由报名需求或供给达成的合作协议数。\n\n"
    "Counted in SQL over the live (not withdrawn) registrations: participating organizations, demands, offers, "
    "headcount, places, and agreements whose `demand_id` or `offer_id` is a registered one. Proposals are not "
    "counted (docs/matching-fairs-allocations.md)." + VISIBLE,
    responses={200: {"content": {"application/json": {"example": _FIGURES}}}, **problem_responses(401, 403, 404, 422)},
)
async def fair_figures(fair_id: FairId, session: SessionDep) -> FairFigures:
    await service.get(session, fair_id)
    return await service.figures(session, fair_id)
