"""`/v1/appointments` — thin endpoints: resolve dependencies, call one service function, commit once
(chanjiao/resources.py)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from chanjiao.app import SessionDep
from chanjiao.auth import ORG_ADMIN, ORG_STAFF, PrincipalDep, allow
from chanjiao.dates import AwareDatetime, IsoDate
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, render_rows
from chanjiao.sync import Since, SinceTokenQuery
from services.membership import tenancy
from services.membership.appointments import service
from services.membership.appointments.models import Appointment, AppointmentType
from services.membership.appointments.schemas import (
    AppointmentCreate,
    AppointmentPage,
    AppointmentPublic,
    AppointmentTombstone,
    AppointmentUpdate,
    render,
)

router = APIRouter(prefix="/v1/appointments", tags=["appointments"])

READ = allow(scopes=("membership:read",))
# Who may write (services/membership/tenancy.py): principals (org_admin, org_staff, or an org API key) of the
# person's organization or of the host, and platform admins. Appointments are private like people.
WRITE = allow(roles=(ORG_ADMIN, ORG_STAFF), scopes=("membership:write",), tenant="organization")
WHO = (
    "\n\n**谁可以 Who:** the person's own organization or the host (its org_admin or org_staff, or its API key) "
    "and platform admins; changing the host needs the person's organization or both hosts. Anyone else gets 403."
)
PRIVATE = (
    "\n\nAppointments are private: readable by principals of the person's organization and of the host, by "
    "services and platform admins; to anyone else — the admins of an alliance either belongs to included — 404 "
    "and absent from lists."
)


_EXAMPLE = {
    "id": "019abf31-2e3f-7b5c-9d6e-7f8a9b0c1d2e",
    "person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d",
    "host_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "appointment_type": "industry_professor",
    "appointment_type_label": "产业教授",
    "start_on": "2026-09-01",
    "end_on": "2029-08-31",
    "note": "鲁教职字〔2026〕12号",
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


@router.post(
    "",
    status_code=201,
    response_model=AppointmentPublic,
    dependencies=[WRITE],
    summary="登记聘任 Create an appointment (双栖双聘)",
    description="登记一个人在另一单位的聘任（双栖双聘），例如产业教授或企业导师；聘用单位类型须与聘任类型相符，"
    "同类聘任期间不得重叠。\n\n"
    "Appoints a person at another organization for a period. The host (`host_org_id`) must be an "
    "existing, active organization other than the person's own: a school (undergraduate, higher_vocational, "
    "secondary_vocational, technical_school, technician_college) for industry_professor, guest_professor, "
    "enterprise_mentor, "
    "part_time_teacher and off_campus_counsellor; an enterprise for research_assistant (else 422 naming "
    "host_org_id). `end_on` ≥ `start_on` (both inclusive; omitted = open-ended). An appointment of the same "
    "person, host and type whose period overlaps a live one is 409. Send `Idempotency-Key` so a retry never "
    "creates a duplicate." + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422),
    },
)
async def create_appointment(
    body: AppointmentCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    tenancy.ensure_appointment_writer(
        principal, person_org=await tenancy.person_org(session, body.person_id), hosts=[body.host_org_id]
    )
    appointment = await service.create_appointment(session, data=body, actor=principal.actor)
    return await created(session, idem, render(appointment), location=f"{router.prefix}/{appointment.id}")


@router.get(
    "",
    response_model=AppointmentPage,
    dependencies=[READ],
    summary="查询聘任 List appointments",
    description="按人员、聘用单位、聘任类型和在任日期筛选聘任，游标分页；支持用 `since_token` 增量同步。"
    "聘任只对双方单位可见。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `person_id`, `host_org_id`, "
    "`appointment_type`, `active_on=YYYY-MM-DD` (periods containing that day, ends inclusive). Incremental "
    "sync: pass the `sync_token` of your last pull as `since_token` (docs/sync.md; `updated_since` still works); "
    '`include_deleted=true` adds tombstones — with `since_token`, also one with `"reason": "not_visible"` for '
    "an appointment whose host or person moved to another organization / "
    "增量同步时，已不可见的记录以 reason=not_visible 的墓碑返回." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(422),
    },
)
async def list_appointments(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    person_id: Annotated[uuid.UUID | None, Query(description="受聘人员 Appointed person")] = None,
    host_org_id: Annotated[uuid.UUID | None, Query(description="聘任单位 Appointing organization")] = None,
    appointment_type: Annotated[AppointmentType | None, Query(description="聘任类型 Appointment type")] = None,
    active_on: Annotated[
        IsoDate | None, Query(description="在聘日期: appointments whose period contains this day")
    ] = None,
    updated_since: Annotated[
        AwareDatetime | None,
        Query(description="增量同步：只返回此时刻之后变更的记录 Only records changed after this timestamp"),
    ] = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, Query(description="包含已删除聘任记录的墓碑 Include tombstones of deleted appointments")
    ] = False,
) -> AppointmentPage:
    visible = tenancy.appointment_filter(principal, Appointment.host_org_id, Appointment.person_id)
    page = await service.list_appointments(
        session,
        person_id=person_id,
        host_org_id=host_org_id,
        appointment_type=appointment_type.value if appointment_type else None,
        active_on=active_on,
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
        visible=visible,
        exits=service.exit_query(principal, visible),
    )
    items = render_rows(page.rows, render, AppointmentTombstone)
    return AppointmentPage(items=items, next_cursor=page.next_cursor, sync_token=page.sync_token)


@router.get(
    "/{appointment_id}",
    response_model=AppointmentPublic,
    dependencies=[READ],
    summary="聘任详情 Get an appointment",
    description="聘任详情，带 `ETag` 与 `Last-Modified`。聘任只对人员所在单位和聘用单位可见，其他调用方得到 404。"
    "\n\n"
    "Carries an `ETag`; send it back as `If-None-Match` for a cheap 304, or as `If-Match` when you PATCH." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(404, 422),
    },
)
async def get_appointment(
    appointment_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    appointment = await service.get_appointment(session, appointment_id)
    owners = [await tenancy.person_org(session, appointment.person_id, deleted=True), appointment.host_org_id]
    if not await tenancy.can_read_private(session, principal, [o for o in owners if o is not None]):
        raise service.not_found()
    return not_modified(if_none_match, appointment.version) or one(render(appointment))


@router.patch(
    "/{appointment_id}",
    response_model=AppointmentPublic,
    dependencies=[WRITE],
    summary="修改聘任 Update an appointment",
    description="部分更新聘任（人员不可更改），更新后的结果仍须符合登记时的规则；请带上 `If-Match`（过期则 412）。"
    "\n\n"
    "Partial update (the person cannot change): `null` clears `end_on` (open-ended) or `note`. The "
    "rules of create apply to the result (period, host type, overlap → 409). Send `If-Match` with the ETag you "
    "read (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "end_on": "2027-06-30", "version": 2}}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def update_appointment(
    appointment_id: uuid.UUID,
    body: AppointmentUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    current = await service.get_appointment(session, appointment_id, for_update=True)
    tenancy.ensure_appointment_writer(
        principal,
        person_org=await tenancy.person_org(session, current.person_id, deleted=True),
        hosts=[current.host_org_id, body.host_org_id],
    )
    await service.update_appointment(
        session, appointment=current, changes=body, if_match=if_match, actor=principal.actor
    )
    response = one(render(current))
    await session.commit()
    return response


@router.delete(
    "/{appointment_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除聘任 Delete an appointment",
    description="软删除误录的聘任；正常结束聘任请修改其结束日期。\n\n"
    "Soft delete: for records entered by mistake (to end an appointment, PATCH its `end_on`). It "
    "disappears from reads and lists, appears as a tombstone in `include_deleted=true` syncs, and no longer "
    "blocks an overlapping appointment." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_appointment(
    appointment_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    current = await service.get_appointment(session, appointment_id, for_update=True)
    tenancy.ensure_appointment_writer(
        principal,
        person_org=await tenancy.person_org(session, current.person_id, deleted=True),
        hosts=[current.host_org_id],
    )
    await service.delete_appointment(session, appointment=current, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
