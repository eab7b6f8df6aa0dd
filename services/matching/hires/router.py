"""`/v1/hires` — thin endpoints: check the caller (hires/access.py), call one service function, answer
(services/matching/hires/service.py has the rules; docs/matching-hires.md)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.etag import IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, recorded
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.matching.agreements.membership import membership_directory
from services.matching.hires import service
from services.matching.hires.access import READ, VISIBLE, WHO, WHO_ANSWER, WRITE, HireId
from services.matching.hires.models import Hire, HireChannel, HireStatus
from services.matching.hires.schemas import EXAMPLE, HireAnswer, HireCreate, HirePage, HirePublic, render

router = APIRouter(prefix="/v1/hires", tags=["hires"])

RULES = (
    "\n\nRules (422 naming the field): `org_id` is the school or the employer; they differ, exist in membership, "
    "and the school is a school; `hired_on` not in the future; channel `demand` names a `demand_id` of the "
    "employer, channel `agreement` an `agreement_id` the school and the employer are parties to. The same person "
    "(name) hired by the same employer from the same school on the same day is recorded once (409 `hire-exists`). "
    "No ID number or phone is taken: name, and optionally the school's training `learner_id`."
)


@router.post(
    "",
    status_code=201,
    response_model=HirePublic,
    dependencies=[WRITE],
    summary="登记招录 Record a hire",
    description="学校或用人单位登记一名毕业生或学徒的招录（入职日期、岗位、渠道），待另一方确认。\n\n"
    "Records a graduate or apprentice taken on by an employer, by the school or the employer (`org_id`); the other "
    "party confirms or disputes it. Send `Idempotency-Key` so a retry never records it twice." + RULES + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422, 503),
    },
)
async def create_hire(
    request: Request,
    body: HireCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    service.ensure_recorder(principal, body)
    row = await service.create(session, data=body, directory=membership_directory(request), actor=principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=HirePage,
    dependencies=[READ],
    summary="查询招录 List hires",
    description="按单位、状态、渠道和入职年份筛选招录记录，游标分页。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`); incremental sync with the `sync_token` of your last "
    "pull as `since_token` (docs/sync.md). Filters: `org_id` (the school or the employer), "
    "`status`, `channel`, `year` (of `hired_on`)." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [EXAMPLE], "next_cursor": None}}}},
        **problem_responses(400, 401, 403, 422),
    },
)
async def list_hires(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    org_id: Annotated[uuid.UUID | None, Query(description="单位 — the school or the employer")] = None,
    status: Annotated[HireStatus | None, Query(description="状态 — status")] = None,
    channel: Annotated[HireChannel | None, Query(description="渠道 — channel")] = None,
    year: Annotated[int | None, Query(ge=1950, le=2100, description="入职年份 — year of hired_on")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（招录记录不会删除）", "none (hires are never deleted)")
    ] = False,
) -> HirePage:
    h: Any = Hire
    where: list[sa.ColumnElement[bool]] = []
    if org_id is not None:
        where.append(sa.or_(h.school_org_id == org_id, h.employer_org_id == org_id))
    for column, enum_value in ((h.status, status), (h.channel, channel)):
        if enum_value is not None:
            where.append(column == enum_value.value)
    if year is not None:
        where.append(sa.extract("year", h.hired_on) == year)
    page = await service.page(
        session, principal, where=where, since=Since.of(since_token, updated_since), cursor=cursor, limit=limit
    )
    return HirePage(items=[render(r) for r in page.rows], next_cursor=page.next_cursor, sync_token=page.sync_token)


@router.get(
    "/{hire_id}",
    response_model=HirePublic,
    dependencies=[READ],
    summary="招录详情 Get a hire",
    description="招录记录详情：学校、用人单位、岗位、渠道与确认状态，带 `ETag`。\n\n"
    "The hire; carries an `ETag` (`If-None-Match` → 304)." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_hire(
    hire_id: HireId, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get_visible(session, principal, hire_id)
    return not_modified(if_none_match, row.version) or one(render(row))


async def _answer(session: Any, principal: Any, idem: Any, hire_id: uuid.UUID, body: HireAnswer, to: str) -> Response:
    if idem.replay is not None:
        return idem.replay
    row = await service.get_visible(session, principal, hire_id, for_update=True)
    row = await service.answer(session, principal=principal, row=row, to=to, reason=body.reason)
    return await recorded(session, idem, one(render(row)))


ANSWER_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)


@router.post(
    "/{hire_id}/confirmation",
    response_model=HirePublic,
    dependencies=[WRITE],
    summary="确认招录 Confirm a hire",
    description="另一方确认招录记录；只有已确认的招录计入年度数据。\n\n"
    "The party that did not record the hire confirms it; only confirmed hires count in the figures. A hire "
    "already confirmed or disputed is 409 `illegal-transition`." + WHO_ANSWER,
    responses={
        200: {
            "content": {"application/json": {"example": {**EXAMPLE, "status": "confirmed", "status_label": "已确认"}}}
        },
        **ANSWER_ERRORS,
    },
)
async def confirm_hire(
    hire_id: HireId,
    body: HireAnswer,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    return await _answer(session, principal, idem, hire_id, body, "confirmed")


@router.post(
    "/{hire_id}/dispute",
    response_model=HirePublic,
    dependencies=[WRITE],
    summary="对招录提出异议 Dispute a hire",
    description="另一方对招录记录提出异议（可附原因）；有异议的招录不计入年度数据，登记方可重新登记正确的记录。\n\n"
    "The party that did not record the hire disputes it, with an optional `reason`; a disputed hire does not "
    "count, and the recorder may record a corrected one. A hire already answered is 409 `illegal-transition`."
    + WHO_ANSWER,
    responses={
        200: {
            "content": {"application/json": {"example": {**EXAMPLE, "status": "disputed", "status_label": "有异议"}}}
        },
        **ANSWER_ERRORS,
    },
)
async def dispute_hire(
    hire_id: HireId,
    body: HireAnswer,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    return await _answer(session, principal, idem, hire_id, body, "disputed")
