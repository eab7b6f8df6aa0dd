"""`/v1/designations` — the register of designations and titles: thin endpoints (chanjiao/resources.py)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from chanjiao.app import SessionDep
from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF, PrincipalDep, allow
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one
from services.membership.designations import access, service
from services.membership.designations.models import DesignationLevel, Stage, SubjectKind
from services.membership.designations.schemas import (
    DesignationCreate,
    DesignationPage,
    DesignationPublic,
    DesignationUpdate,
    StageCreate,
    render,
)

router = APIRouter(prefix="/v1/designations", tags=["designations"])
DesignationId = Annotated[uuid.UUID, Path(description="认定记录 ID — the designation's id")]

READ = allow(scopes=("membership:read",))
WRITE = allow(roles=(ORG_ADMIN, ORG_STAFF, ALLIANCE_ADMIN), scopes=("membership:write",), tenant="organization")
WHO = (
    "\n\n**谁可以 Who:** 持有单位（单位本身、人员所在单位、基地/课程/专业/专业群/项目的所属单位）"
    "的 org_admin、org_staff "
    "或其 API 密钥；登记该记录的联盟（联盟本身的认定，或为成员单位登记的记录）的管理员；平台管理员。"
    " The holder organization's org_admin, org_staff or API key; the admins of the alliance that recorded the "
    "entry (its own, or one it recorded for a member naming `alliance_id`); platform admins. Anyone else: 403."
)
PRIVATE = (
    "\n\n认定记录只对上述写入者、持有单位所属联盟的管理员和平台管理员可见；其他调用方得到 404。"
    " Readable by its writers, by the admins of an alliance the holder organization is a current member of, by "
    "services and platform admins; anyone else gets 404 and does not see it in lists (the figures at "
    "`/v1/designations/stats` are counts, open to every reader)."
)

_EXAMPLE = {
    "id": "019abf31-2e3f-7b5c-9d6e-7f8a9b0c1d2e",
    "programme_name": "全国示范性职业教育集团",
    "level": "national",
    "level_label": "国家级",
    "batch": "第一批",
    "stage": "recognised",
    "stage_label": "验收/认定",
    "stage_on": "2024-12-20",
    "stage_year": 2024,
    "recognising_body": "教育部",
    "recognising_org_id": None,
    "subject_kind": "alliance",
    "subject_kind_label": "联盟/集团",
    "subject_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "subject_name": None,
    "subject_code": None,
    "org_id": None,
    "alliance_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "note": None,
    "steps": [
        {
            "stage": "building",
            "stage_label": "培育/建设",
            "on": None,
            "year": 2020,
            "note": None,
            "corrected": False,
            "recorded_at": "2026-11-25T08:00:00+00:00",
        },
        {
            "stage": "recognised",
            "stage_label": "验收/认定",
            "on": "2024-12-20",
            "year": 2024,
            "note": None,
            "corrected": False,
            "recorded_at": "2026-11-25T08:00:00+00:00",
        },
    ],
    "version": 2,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


async def _one(session, row) -> DesignationPublic:
    return render(row, (await service.steps_of(session, [row.id]))[row.id])


async def _readable(session, principal, designation_id: uuid.UUID, *, for_update: bool = False):
    row = await service.get(session, designation_id, for_update=for_update)
    if not await access.may_read(session, principal, row):
        raise service.not_found()
    return row


@router.post(
    "",
    status_code=201,
    response_model=DesignationPublic,
    dependencies=[WRITE],
    summary="登记认定 Record a designation or title",
    description="登记一项认定、立项、入选或称号（含其当前阶段与日期）："
    "对象可以是单位、联盟、人员、实训基地（按 id），或课程、"
    "专业、专业群、项目（按名称）。级别必填，无默认值。\n\n"
    "Records a subject's entry in a programme or list (`programme_name`, `level` — required, no default — "
    "`batch`, `recognising_body`) at a starting `stage` (any but withdrawn) with its date `on` (or `year` alone when "
    "only the year is known). The subject: `subject_kind` with `subject_id` (organization, alliance, person, "
    "training_base — a base of the training service is referenced by id, not checked) or `subject_name` (course, "
    "major, major_group, project — these and bases need `org_id`, the organization holding them). `alliance_id`: "
    "the alliance recording the entry for a current member. Errors name the field (422). Send `Idempotency-Key` so "
    "a retry never records twice." + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422),
    },
)
async def create_designation(
    body: DesignationCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    org_id, alliance_id = await service.resolve_owner(session, body)
    access.ensure_writer(principal, org_id, alliance_id)
    row, steps = await service.create(session, data=body, org_id=org_id, alliance_id=alliance_id, actor=principal.actor)
    return await created(session, idem, render(row, steps), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=DesignationPage,
    dependencies=[READ],
    summary="查询认定 List designations",
    description="按对象、持有单位、联盟、项目名称、级别和当前阶段筛选认定记录，游标分页。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`), filtered by `subject_kind`, `subject_id`, `org_id`, "
    "`alliance_id`, `programme_name` (exact), `level`, `stage` (the current stage)." + PRIVATE,
    responses={200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}}},
)
async def list_designations(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    subject_kind: Annotated[SubjectKind | None, Query(description="对象类型 — subject kind")] = None,
    subject_id: Annotated[uuid.UUID | None, Query(description="对象 id — subject id")] = None,
    org_id: Annotated[uuid.UUID | None, Query(description="持有单位 — holder organization")] = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="登记联盟 — recording alliance")] = None,
    programme_name: Annotated[
        str | None, Query(max_length=400, description="项目或名单名称（精确匹配） — programme name, exact")
    ] = None,
    level: Annotated[DesignationLevel | None, Query(description="级别 — level")] = None,
    stage: Annotated[Stage | None, Query(description="当前阶段 — current stage")] = None,
) -> DesignationPage:
    filters = {
        "subject_kind": subject_kind.value if subject_kind else None,
        "subject_id": subject_id,
        "org_id": org_id,
        "alliance_id": alliance_id,
        "programme_name": programme_name,
        "level": level.value if level else None,
        "stage": stage.value if stage else None,
    }
    rows, next_cursor = await service.list_designations(
        session, filters=filters, visible=access.reader_filter(principal), cursor=cursor, limit=limit
    )
    steps = await service.steps_of(session, [r.id for r in rows])
    return DesignationPage(items=[render(r, steps[r.id]) for r in rows], next_cursor=next_cursor)


@router.get(
    "/{designation_id}",
    response_model=DesignationPublic,
    dependencies=[READ],
    summary="认定详情 Get a designation",
    description="认定记录及其全部阶段记录，带 `ETag`。\n\nThe entry with its steps, oldest first; carries an `ETag` "
    "(send it back as `If-None-Match` for a 304, or as `If-Match` when you PATCH or add a stage)." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(404, 422),
    },
)
async def get_designation(
    designation_id: DesignationId, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await _readable(session, principal, designation_id)
    return not_modified(if_none_match, row.version) or one(await _one(session, row))


async def _writable(session, principal, designation_id: uuid.UUID):
    row = await _readable(session, principal, designation_id, for_update=True)
    access.ensure_writer(principal, row.org_id, row.alliance_id)
    return row


@router.patch(
    "/{designation_id}",
    response_model=DesignationPublic,
    dependencies=[WRITE],
    summary="修改认定 Update a designation",
    description="修改认定记录的项目名称、级别、批次、认定单位、对象名称或备注；"
    "对象不可更改，阶段通过 `/stages` 推进。\n\n"
    "Partial update of `programme_name`, `level`, `batch`, `recognising_body`, `recognising_org_id`, "
    "`subject_name`, `subject_code`, `note` (`null` clears the optional ones). The subject is fixed; the stage "
    "moves through `POST …/stages`. Send `If-Match` (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_designation(
    designation_id: DesignationId,
    body: DesignationUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    row = await _writable(session, principal, designation_id)
    await service.update(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(await _one(session, row))
    await session.commit()
    return response


@router.delete(
    "/{designation_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除认定 Delete a designation",
    description="软删除误录的认定记录；被撤销的认定请登记撤销阶段。\n\n"
    "Soft delete, for entries recorded by mistake (a designation taken away is a `withdrawn` step, which keeps "
    "its history)." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_designation(
    designation_id: DesignationId, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    row = await _writable(session, principal, designation_id)
    await service.delete(session, row=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)


@router.post(
    "/{designation_id}/stages",
    response_model=DesignationPublic,
    dependencies=[WRITE],
    summary="推进认定阶段 Record a designation's next stage",
    description="登记认定的下一阶段及其日期：阶段只能向前（申报 → 立项/入选 → 培育/建设 → 推荐 → 验收/认定，可跳过），"
    "任何阶段都可撤销，撤销后不能再变更；日期不得早于上一阶段。记错的阶段用 `correction: true` 更正。\n\n"
    "Records the entry's next step `{stage, on | year, note}`: stages move forward only (applied → selected → "
    "building → recommended → recognised, skipping allowed); `withdrawn` follows any stage and nothing follows it "
    "(409 naming the allowed stages); a step is not dated before the one it follows (409). `correction: true` "
    "replaces the latest step instead (it stays in `steps`, marked `corrected`) and the new stage follows the step "
    "before it — the one way back. The entry's `stage` is the latest step not corrected. `If-Match` is "
    "honoured." + WHO,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def add_stage(
    designation_id: DesignationId,
    body: StageCreate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    row = await _writable(session, principal, designation_id)
    steps = await service.add_step(session, row=row, data=body, if_match=if_match, actor=principal.actor)
    response = one(render(row, steps))
    await session.commit()
    return response
