"""`/v1/people/{person_id}/outside-posts` — a person's posts in outside bodies (社会兼职): thin endpoints."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.app import SessionDep
from chanjiao.auth import ORG_ADMIN, ORG_STAFF, Principal, PrincipalDep, allow
from chanjiao.dates import IsoDate
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, one
from services.membership import tenancy
from services.membership.people import service as people
from services.membership.person_posts import service
from services.membership.person_posts.schemas import (
    PersonPostCreate,
    PersonPostPage,
    PersonPostPublic,
    PersonPostUpdate,
    render,
)

router = APIRouter(prefix="/v1/people/{person_id}/outside-posts", tags=["people"])
PostId = Annotated[uuid.UUID, Path(description="社会兼职记录 ID — the outside post's id")]

READ = allow(scopes=("membership:read",))
WRITE = allow(roles=(ORG_ADMIN, ORG_STAFF), scopes=("membership:write",), tenant="organization")
WHO = (
    "\n\n**谁可以 Who:** 人员所在单位的 org_admin、org_staff 或其 API 密钥，以及平台管理员。 The person's organization "
    "(its org_admin or org_staff, or its API key) and platform admins; anyone else gets 403 (404 when they may not "
    "read the person)."
)
PRIVATE = (
    "\n\n社会兼职与人员一样不公开。 Private like the person: readable by the person's organization, services and "
    "platform admins; anyone else gets 404. Alliances see them only as counts (`/v1/designations/stats`)."
)

_EXAMPLE = {
    "id": "019abf31-2e3f-7b5c-9d6e-7f8a9b0c1d2e",
    "person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d",
    "body_name": "全国石油和化工职业教育教学指导委员会",
    "post_kind": "member",
    "post_kind_label": "委员",
    "post_title": "化工技术类专业委员会委员",
    "level": "national",
    "level_label": "国家级",
    "since": "2023-06-01",
    "until": None,
    "note": None,
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


async def _person_org(session: AsyncSession, principal: Principal, person_id: uuid.UUID) -> uuid.UUID:
    """The person's organization, when the caller may read the person (else the person's 404)."""
    org_id = await tenancy.person_org(session, person_id)
    if org_id is None or not await tenancy.can_read_private(session, principal, [org_id]):
        raise people.not_found()
    return org_id


@router.post(
    "",
    status_code=201,
    response_model=PersonPostPublic,
    dependencies=[WRITE],
    summary="登记社会兼职 Record an outside post",
    description="登记人员在外部机构（行指委、行业协会、学会等）的任职：机构名称、职务类别、级别与任期。\n\n"
    "Records the person's post in an outside body (a 行业职业教育教学指导委员会, an association, a society): "
    "`body_name`, `post_kind`, `post_title`, `level` (required, no default), `since`, `until` (≥ since; null = "
    "current). Send `Idempotency-Key` so a retry never records twice." + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
)
async def create_person_post(
    person_id: uuid.UUID,
    body: PersonPostCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    org_id = await _person_org(session, principal, person_id)
    tenancy.ensure_org_member(principal, org_id)
    row = await service.create(session, person_id=person_id, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"/v1/people/{person_id}/outside-posts/{row.id}")


@router.get(
    "",
    response_model=PersonPostPage,
    dependencies=[READ],
    summary="人员的社会兼职 List a person's outside posts",
    description="列出人员在外部机构的任职，可按在任日期筛选，游标分页。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`); `held_on=YYYY-MM-DD` keeps the posts held that day "
    "(ends inclusive)." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(404, 422),
    },
)
async def list_person_posts(
    person_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    held_on: Annotated[IsoDate | None, Query(description="在任日期 — posts held on this day")] = None,
) -> PersonPostPage:
    await _person_org(session, principal, person_id)
    rows, next_cursor = await service.list_posts(
        session, person_id=person_id, held_on=held_on, cursor=cursor, limit=limit
    )
    return PersonPostPage(items=[render(r) for r in rows], next_cursor=next_cursor)


@router.patch(
    "/{post_id}",
    response_model=PersonPostPublic,
    dependencies=[WRITE],
    summary="修改社会兼职 Update an outside post",
    description="部分更新任职记录；`null` 清除结束日期、职务全称或备注。\n\n"
    "Partial update; `null` clears `until`, `post_title` and `note`; the period rule applies to the result. Send "
    "`If-Match` (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_person_post(
    person_id: uuid.UUID,
    post_id: PostId,
    body: PersonPostUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    org_id = await _person_org(session, principal, person_id)
    tenancy.ensure_org_member(principal, org_id)
    row = await service.get(session, person_id, post_id)
    await service.update(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    "/{post_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除社会兼职 Delete an outside post",
    description="软删除误录的任职记录；正常离任请修改结束日期。\n\n"
    "Soft delete, for posts recorded by mistake (a post that ended gets its `until`)." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_person_post(
    person_id: uuid.UUID, post_id: PostId, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    org_id = await _person_org(session, principal, person_id)
    tenancy.ensure_org_member(principal, org_id)
    row = await service.get(session, person_id, post_id)
    await service.delete(session, row=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
