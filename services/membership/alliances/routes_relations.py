"""`/v1/alliances/{id}/relations` — an alliance's relations to other alliances (sub-alliances, communities and
consortia its members lead, cooperations): thin handlers over `relations.py`."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep, ensure_alliance_admin
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, one, render_rows
from chanjiao.sync import SYNC_DOC, Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.membership.alliances import relations
from services.membership.alliances.access import ALLIANCE_WRITE, PUBLIC, WHO_ALLIANCE
from services.membership.alliances.schemas_relations import RelationCreate, RelationPage, RelationPublic, RelationUpdate
from services.membership.alliances.schemas_relations import render as render_relation
from services.membership.tombstone import ListTombstone

router = APIRouter(prefix="/v1/alliances", tags=["alliances"])
RelationId = Annotated[uuid.UUID, Path(description="联盟关系 ID The relation's id")]

EXAMPLE = {
    "id": "019abf31-0000-7000-8000-000000000001",
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "alliance_name": "聊城市技工教育产教集团",
    "related_alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7d",
    "related_alliance_name": "聊城市轴承产业产教联合体",
    "direction": "outgoing",
    "kind": "community_led_by_member",
    "kind_label": "成员单位牵头组建的共同体/联合体",
    "lead_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "since": "2024-03-01",
    "until": None,
    "note": None,
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}
RULES = (
    "A relation starts from the alliance that records it (`alliance_id`) and names another live alliance "
    "(`related_alliance_id`, not itself): `sub_alliance` — the related alliance sits inside this one; "
    "`community_led_by_member` — a community or consortium that a member of this alliance leads (`lead_org_id`, "
    "that kind only); `cooperation`. One live relation per pair and kind (409); `until` not before `since` (422)."
)


async def _public(session, rows, alliance_id: uuid.UUID) -> list:
    names = await relations.names_of(session, [r for r in rows if r.deleted_at is None])
    return render_rows(rows, partial(render_relation, names=names, seen_from=alliance_id), ListTombstone)


@router.post(
    "/{alliance_id}/relations",
    status_code=201,
    response_model=RelationPublic,
    dependencies=[ALLIANCE_WRITE],
    summary="登记联盟关系 Record a relation to another alliance",
    description="登记本联盟与另一联盟的关系：下设联盟、成员单位牵头组建的共同体/联合体（可填牵头单位）、合作联盟。\n\n"
    + RULES
    + " Send `Idempotency-Key` so a retry never records twice.\n\n"
    + WHO_ALLIANCE,
    responses={
        201: {"content": {"application/json": {"example": EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def create_relation(
    alliance_id: uuid.UUID,
    body: RelationCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_alliance_admin(principal, alliance_id)
    row = await relations.create(session, alliance_id=alliance_id, data=body, actor=principal.actor)
    public = (await _public(session, [row], alliance_id))[0]
    return await created(session, idem, public, location=f"/v1/alliances/{alliance_id}/relations/{row.id}")


@router.get(
    "/{alliance_id}/relations",
    response_model=RelationPage,
    dependencies=[PUBLIC],
    summary="联盟关系 An alliance's relations (public)",
    description="本联盟登记的关系（outgoing）和其他联盟指向本联盟的关系（incoming），公开可读，按记录先后，"
    "支持增量同步。\n\n"
    "Relations from this alliance (`direction: outgoing`) and to it (`incoming`), public like the directory, oldest "
    "first (keyset-paginated)." + SYNC_DOC + "`include_deleted=true` adds tombstones of deleted relations.",
    responses={
        200: {"content": {"application/json": {"example": {"items": [EXAMPLE], "next_cursor": None}}}},
        **problem_responses(404, 422),
    },
)
async def list_relations(
    alliance_id: uuid.UUID,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除的联盟关系", "deleted relations")] = False,
) -> JSONResponse:
    page = await relations.list_page(
        session,
        alliance_id=alliance_id,
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
    )
    items = await _public(session, page.rows, alliance_id)
    result = RelationPage(items=items, next_cursor=page.next_cursor, sync_token=page.sync_token)
    return JSONResponse(result.model_dump(mode="json"))


@router.patch(
    "/{alliance_id}/relations/{relation_id}",
    response_model=RelationPublic,
    dependencies=[ALLIANCE_WRITE],
    summary="修改联盟关系 Update a relation",
    description="修改关系的起止日期、牵头单位或说明（如写入结束日期），可带 `If-Match`（过期则 412）。\n\n"
    "Partial update of `since`, `until`, `lead_org_id` and `note` (`null` clears); optional `If-Match` (stale → "
    "412). Only the alliance that recorded the relation edits it (another alliance's id in the path: 404).\n\n"
    + WHO_ALLIANCE,
    responses={
        200: {"content": {"application/json": {"example": {**EXAMPLE, "version": 2, "until": "2026-06-30"}}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_relation(
    alliance_id: uuid.UUID,
    relation_id: RelationId,
    body: RelationUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    ensure_alliance_admin(principal, alliance_id)
    row = await relations.update(
        session,
        alliance_id=alliance_id,
        relation_id=relation_id,
        changes=body,
        if_match=if_match,
        actor=principal.actor,
    )
    response = one((await _public(session, [row], alliance_id))[0])
    await session.commit()
    return response


@router.delete(
    "/{alliance_id}/relations/{relation_id}",
    status_code=204,
    dependencies=[ALLIANCE_WRITE],
    summary="删除联盟关系 Delete a relation",
    description="软删除联盟关系（增量同步中以墓碑出现）。\n\n"
    "Soft delete: the relation leaves the list and comes as a tombstone in `include_deleted=true` pulls.\n\n"
    + WHO_ALLIANCE,
    responses=problem_responses(401, 403, 404, 412),
)
async def delete_relation(
    alliance_id: uuid.UUID,
    relation_id: RelationId,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    ensure_alliance_admin(principal, alliance_id)
    await relations.delete(
        session, alliance_id=alliance_id, relation_id=relation_id, if_match=if_match, actor=principal.actor
    )
    await session.commit()
    return Response(status_code=204)
