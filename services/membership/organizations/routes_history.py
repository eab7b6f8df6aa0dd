"""`/v1/organizations/{id}/changes` — the dated history of an organization's type and region."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import recorded
from chanjiao.sync import SYNC_DOC, Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.membership import tenancy
from services.membership.organizations import history, service
from services.membership.organizations.access import ORG_WRITE, READ, WHO_EDITS
from services.membership.organizations.schemas_history import ChangeCreate, ChangePage, ChangePublic, render_change

router = APIRouter()

_EXAMPLE = {
    "id": "019abf30-0000-7000-8000-000000000002",
    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "from_org_type": "technical_school",
    "from_org_type_label": "技工学校(含高级技工学校)",
    "to_org_type": "technician_college",
    "to_org_type_label": "技师学院",
    "from_region_code": "370702",
    "to_region_code": "370702",
    "effective_on": "2024-09-01",
    "reason": "技工学校升格为技师学院",
    "actor": "user:secretariat",
    "recorded_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


@router.post(
    "/{org_id}/changes",
    status_code=201,
    response_model=ChangePublic,
    dependencies=[ORG_WRITE],
    summary="变更单位类型或行政区划 Record a dated change of type or region",
    description="记录单位类型或行政区划的一次带日期变更（如技工学校升格为技师学院），按日期查询的结构与名单使用当日的"
    "类型和区划。生效日期默认今天，不得晚于今天，也不得早于上一次变更；变更记录永久保存。\n\n"
    "Records a dated change of `org_type` and/or `region_code` (a field left out keeps its value) — e.g. a 技工学校 "
    "upgraded to 技师学院. As-of queries (`/v1/alliances/{id}/structure`, `/members?as_of=`) read the value on their "
    "day. `effective_on` defaults to today (Asia/Shanghai), may not be in the future (422) nor before the latest "
    "change (409). The rules of an update hold (a sponsor only on schools, a region only in China, name + region "
    "unique); a body that changes nothing is 422. A PATCH of `org_type` or `region_code` records the same change "
    "effective today. Send `Idempotency-Key` so a retry never records twice.\n\n" + WHO_EDITS,
    responses={
        201: {"content": {"application/json": {"example": _EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def create_change(
    org_id: uuid.UUID,
    body: ChangeCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    await tenancy.ensure_org_writer(session, principal, org_id)
    change = await service.change_type_or_region(
        session,
        org_id=org_id,
        org_type=body.org_type.value if body.org_type else None,
        region_code=body.region_code,
        effective_on=body.effective_on,
        reason=body.reason,
        actor=principal.actor,
    )
    response = JSONResponse(
        render_change(change).model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/v1/organizations/{org_id}/changes"},
    )
    return await recorded(session, idem, response)


@router.get(
    "/{org_id}/changes",
    response_model=ChangePage,
    dependencies=[READ],
    summary="单位类型与区划变更记录 List an organization's type and region changes",
    description="单位类型与行政区划的全部变更，按记录先后（键集分页），支持增量同步；没有变更的单位自登记起一直是当前的"
    "类型和区划。\n\n"
    "Every change of type and region, oldest recorded first (keyset-paginated: `limit`, `cursor` → `next_cursor`). "
    "An organization without changes had its current type and region all along." + SYNC_DOC + "`include_deleted` "
    "is accepted for uniformity: the history is append-only, so there are no tombstones.",
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(404, 422),
    },
)
async def list_changes(
    org_id: uuid.UUID,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（变更记录只增不删）", "none (the history is append-only)")
    ] = False,
) -> JSONResponse:
    await service.get_organization(session, org_id)
    page = await history.list_changes(
        session, org_id=org_id, since=Since.of(since_token, updated_since), cursor=cursor, limit=limit
    )
    result = ChangePage(
        items=[render_change(c) for c in page.rows], next_cursor=page.next_cursor, sync_token=page.sync_token
    )
    return JSONResponse(result.model_dump(mode="json"))
