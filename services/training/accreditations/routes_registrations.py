"""`/v1/pilot-registrations` — the 1+X pilot registrations (1+X 试点证书备案) of schools: thin endpoints; the school
writes its own, every caller with `training:read` reads them."""

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, render_rows
from chanjiao.spreadsheets import EXPORT_NOTE, Export, Listing
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.accreditations import service
from services.training.accreditations.models import PilotRegistration
from services.training.accreditations.schemas import (
    PilotRegistrationCreate,
    PilotRegistrationPage,
    PilotRegistrationPublic,
    PilotRegistrationUpdate,
    render_registration,
)
from services.training.orgs import org_directory
from services.training.parties import READ, WRITE, Tombstone, ensure_party, equal, list_responses

router = APIRouter(prefix="/v1/pilot-registrations", tags=["accreditations"])
RegistrationId = Annotated[uuid.UUID, Path(description="试点备案ID — Pilot registration id")]

EXPORT = Export(
    "1+X试点证书备案",
    [
        ("证书名称", "certificate_name"),
        ("培训评价组织", "evaluation_org_name"),
        ("批次", "batch"),
        ("备案日期", "registered_on"),
        ("试点院校ID", "school_org_id"),
        ("记录ID", "id"),
    ],
    "pilot-registrations.xlsx",
    "1+X试点证书备案.xlsx",
)
WHO = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of `school_org_id` with "
    "`training:write`, and platform admins; anyone else gets 403."
)
PUBLIC = "\n\n**可见 Visible to:** every caller with `training:read`: the registrations are a public directory."
RULES = (
    '\n\nRules (docs/domain.md, "Accreditation 鉴定与考核资质"): `school_org_id` an existing, active organization; '
    "one registration per school and certificate name (compared without spaces and case; 409 "
    "`pilot-registration-taken`); `levels` among 初级, 中级, 高级 (422 `level`). Once a school has a registration, a "
    "`skill_level_1x` certificate it issues (`/v1/certificates`, batches, imports, appraisal batches) needs a "
    "registration of that certificate (`occupation_name`) for the level, made on or before the day of issue (422 "
    "`pilot_registration` naming `occupation_name`)."
)
_EXAMPLE = {
    "id": "019abf61-0000-7000-8000-000000000001",
    "school_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "certificate_name": "工业机器人操作与运维",
    "evaluation_org_name": "北京新奥时代科技有限责任公司",
    "batch": 1,
    "registered_on": "2019-06-20",
    "levels": ["初级", "中级", "高级"],
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


@router.post(
    "",
    status_code=201,
    response_model=PilotRegistrationPublic,
    dependencies=[WRITE],
    summary="登记 1+X 试点证书备案 Record a 1+X pilot registration",
    description="登记学校获教育部备案的一个 1+X 试点证书：证书名称、培训评价组织、批次、备案日期和等级。\n\n"
    "Records that a school is a registered pilot for one 1+X certificate. Send `Idempotency-Key` so a retry never "
    "records it twice." + RULES + WHO,
    responses={
        201: {"content": {"application/json": {"example": _EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422, 503),
    },
)
async def create_pilot_registration(
    request: Request,
    body: PilotRegistrationCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_party(principal, body.school_org_id)
    await org_directory(request).require_active({"school_org_id": body.school_org_id})
    row = await service.create_registration(session, data=body, actor=principal.actor)
    return await created(session, idem, render_registration(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=PilotRegistrationPage,
    dependencies=[READ],
    summary="查询 1+X 试点证书备案 List 1+X pilot registrations",
    description="按学校、证书名称和批次查询 1+X 试点备案，游标分页，可导出为 `.xlsx`。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `school_org_id`, `certificate_name` (compared "
    "without spaces and case), `batch`. Incremental sync: `updated_since` / `since_token`; `include_deleted=true` "
    "adds tombstones." + EXPORT_NOTE + PUBLIC,
    responses=list_responses(_EXAMPLE),
)
async def list_pilot_registrations(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    school_org_id: Annotated[uuid.UUID | None, Query(description="试点院校 — School")] = None,
    certificate_name: Annotated[
        str | None, Query(max_length=100, description="证书名称 — 1+X certificate name")
    ] = None,
    batch: Annotated[int | None, Query(ge=1, le=20, description="批次 — Batch")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除记录", "deleted records")] = False,
) -> Response | PilotRegistrationPage:
    listing = Listing.of(request, cursor, limit)
    t: Any = PilotRegistration
    key = service.name_key(certificate_name) if certificate_name else None
    page = await service.page(
        session,
        model=PilotRegistration,
        where=equal((t.school_org_id, school_org_id), (t.certificate_key, key), (t.batch, batch)),
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted and not listing.export,
        cursor=listing.cursor,
        limit=listing.limit,
    )
    answer = partial(PilotRegistrationPage, sync_token=page.sync_token)
    return await listing.answer(
        answer, render_rows(page.rows, render_registration, Tombstone), page.next_cursor, EXPORT
    )


@router.get(
    "/{registration_id}",
    response_model=PilotRegistrationPublic,
    dependencies=[READ],
    summary="1+X 试点备案详情 Get a 1+X pilot registration",
    description="一条 1+X 试点证书备案的详情，带有版本标记，可用于条件请求。\n\n"
    "One registration, with its `ETag` (`If-None-Match` → 304)." + PUBLIC,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_pilot_registration(
    registration_id: RegistrationId, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get_registration(session, registration_id)
    return not_modified(if_none_match, row.version) or one(render_registration(row))


@router.patch(
    "/{registration_id}",
    response_model=PilotRegistrationPublic,
    dependencies=[WRITE],
    summary="修改 1+X 试点备案 Update a 1+X pilot registration",
    description="部分更新试点备案；请带上 `If-Match`（过期则 412）。\n\n"
    "Partial update: only the fields sent change; the school never changes. Send `If-Match` with the ETag you read "
    "(stale → 412)." + RULES + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def update_pilot_registration(
    registration_id: RegistrationId,
    body: PilotRegistrationUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    row = await service.get_registration(session, registration_id, for_update=True)
    ensure_party(principal, row.school_org_id)
    row = await service.update_registration(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render_registration(row))
    await session.commit()
    return response


@router.delete(
    "/{registration_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除 1+X 试点备案 Delete a 1+X pilot registration",
    description="软删除试点备案：从读取、列表、统计和证书的核对中消失。\n\n"
    "Soft delete: gone from reads, lists, the figures and the certificate checks. Send `If-Match` with the ETag "
    "you read (stale → 412)." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_pilot_registration(
    registration_id: RegistrationId, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    row = await service.get_registration(session, registration_id, for_update=True)
    ensure_party(principal, row.school_org_id)
    await service.delete(session, row=row, if_match=if_match, actor=principal.actor, audit=service.REGISTRATION_AUDIT)
    await session.commit()
    return Response(status_code=204)
