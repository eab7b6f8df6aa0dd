"""`/v1/apprenticeships` — thin endpoints: check the caller, the organizations, the learner and the mentors (membership
people of the school and of the enterprise, looked up through services/training/orgs.py), call one service function,
commit once."""

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import Forbidden, problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, render_rows
from chanjiao.spreadsheets import EXPORT_NOTE, Export, Listing
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.apprenticeships import service
from services.training.apprenticeships.access import administered_members, listed_alliance
from services.training.apprenticeships.models import Apprenticeship, ApprenticeshipStatus
from services.training.apprenticeships.schemas import (
    ApprenticeshipCreate,
    ApprenticeshipPage,
    ApprenticeshipPublic,
    ApprenticeshipUpdate,
    render,
)
from services.training.learners.service import require_own_learner
from services.training.orgs import org_directory
from services.training.parties import READ, WRITE, Tombstone, ensure_party, equal, list_responses

router = APIRouter(prefix="/v1/apprenticeships", tags=["apprenticeships"])
ApprenticeshipId = Annotated[uuid.UUID, Path(description="学徒记录ID — Apprenticeship id")]

EXPORT = Export(
    "现代学徒制学徒",
    [
        ("学徒", "learner_name"),
        ("学员ID", "learner_id"),
        ("学校ID", "school_org_id"),
        ("合作企业ID", "enterprise_org_id"),
        ("培训项目ID", "programme_id"),
        ("学校导师", "school_mentor_name"),
        ("企业导师", "enterprise_mentor_name"),
        ("开始日期", "start_on"),
        ("招工日期", "recruited_on"),
        ("合同类型", "contract_kind"),
        ("合同编号", "contract_number"),
        ("签订日期", "contract_signed_on"),
        ("状态", "status"),
        ("结束日期", "ended_on"),
        ("记录ID", "id"),
    ],
    "apprenticeships.xlsx",
    "现代学徒制学徒.xlsx",
)

WHO = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of `school_org_id` with "
    "`training:write`, and platform admins; the enterprise's principals may send only `enterprise_mentor_person_id` "
    "(its own mentor); anyone else gets 403."
)
SCHOOL_ONLY = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of `school_org_id` with "
    "`training:write`, and platform admins; anyone else (the enterprise included) gets 403."
)
VISIBLE = (
    "\n\n**可见 Visible to:** principals of `school_org_id` or `enterprise_org_id`, the admins of an alliance either "
    "is a member of today, service principals with `training:read` and platform admins; to anyone else the record "
    "is 404 and absent from lists."
)
RULES = (
    '\n\nRules (docs/domain.md, "Apprenticeship 现代学徒制"): `learner_id` a learner record the school registered '
    "(404 otherwise, as for one that does not exist); `school_org_id` and `enterprise_org_id` existing, active "
    "organizations; `programme_id` a `modern_apprenticeship` or `enterprise_apprenticeship` programme the school or "
    "the enterprise provides or partners in (422 `programme_not_found` / `apprenticeship_programme`); "
    "`school_mentor_person_id` a membership person of the school and `enterprise_mentor_person_id` one of the "
    "enterprise (校企双导师制; 422 `person_not_found` naming the field, 503 with `Retry-After` when membership cannot "
    "answer); a contract (三方协议 / 劳动合同 / 学徒合同) has its `contract_signed_on` and the parties its kind "
    "needs (422 `contract_parties`), or no field of it at all; status `active` → `completed` | `ended_early` with "
    "`ended_on` ≥ `start_on` (and `end_reason` for an early end), after which only the enterprise mentor and the "
    "reason change (409 `apprenticeship-ended`)."
)
_EXAMPLE = {
    "id": "019abf50-0000-7000-8000-000000000001",
    "learner_id": "019abf40-0000-7000-8000-000000000001",
    "learner_name": "张学徒",
    "school_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "enterprise_org_id": "019abf2e-0000-7000-8000-000000000002",
    "programme_id": "019abf41-0000-7000-8000-000000000003",
    "school_mentor_person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d",
    "school_mentor_name": "王建华",
    "enterprise_mentor_person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c2e",
    "enterprise_mentor_name": "李师傅",
    "start_on": "2024-09-01",
    "recruited_on": "2024-09-01",
    "contract_kind": "tripartite",
    "contract_number": "XTHT-2024-0012",
    "contract_signed_on": "2024-09-05",
    "contract_parties": ["school", "enterprise", "apprentice"],
    "status": "active",
    "ended_on": None,
    "end_reason": None,
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


@router.post(
    "",
    status_code=201,
    response_model=ApprenticeshipPublic,
    dependencies=[WRITE],
    summary="登记现代学徒制学徒 Record an apprentice",
    description="学校登记一名现代学徒制学徒：学校导师与企业导师（校企双导师制）、招工日期和学徒合同。\n\n"
    "A school records an apprentice of a 现代学徒制 class: the school mentor and the enterprise mentor, the day the "
    "enterprise took them on (招工) and the contract that makes the student a prospective employee. Send "
    "`Idempotency-Key` so a retry never records it twice." + RULES + SCHOOL_ONLY,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 404, 409, 422, 503),
    },
)
async def create_apprenticeship(
    request: Request,
    body: ApprenticeshipCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_party(principal, body.school_org_id)
    learner = await require_own_learner(session, principal, body.learner_id)
    directory = org_directory(request)
    await directory.require_active({"school_org_id": body.school_org_id, "enterprise_org_id": body.enterprise_org_id})
    school_mentor = await directory.require_person_of(
        "school_mentor_person_id", body.school_mentor_person_id, body.school_org_id
    )
    enterprise_mentor = None
    if body.enterprise_mentor_person_id is not None:
        enterprise_mentor = await directory.require_person_of(
            "enterprise_mentor_person_id", body.enterprise_mentor_person_id, body.enterprise_org_id
        )
    row = await service.create(
        session,
        data=body,
        learner=learner,
        school_mentor_name=school_mentor.name,
        enterprise_mentor_name=enterprise_mentor.name if enterprise_mentor else None,
        actor=principal.actor,
    )
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=ApprenticeshipPage,
    dependencies=[READ],
    summary="查询现代学徒制学徒 List apprentices",
    description="按学校、企业、培训项目、导师和状态筛选学徒，游标分页；联盟管理员以 `alliance_id` 查看成员单位的学徒；"
    "支持增量同步，也可导出为 `.xlsx`。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `school_org_id`, `enterprise_org_id`, "
    "`programme_id`, `learner_id`, `mentor_person_id` (either mentor), `status`. `alliance_id`: an alliance's admins "
    "list the records of its members of today (403 for anyone else, 404 for an alliance that does not exist). "
    "Incremental sync: `updated_since` orders by change time; `include_deleted=true` adds tombstones."
    + EXPORT_NOTE
    + VISIBLE,
    responses={**list_responses(_EXAMPLE), **problem_responses(404)},
)
async def list_apprenticeships(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    alliance_id: Annotated[
        uuid.UUID | None,
        Query(description="联盟（管理员查看其成员单位的学徒） Alliance whose members' records to list"),
    ] = None,
    school_org_id: Annotated[uuid.UUID | None, Query(description="学校 — School")] = None,
    enterprise_org_id: Annotated[uuid.UUID | None, Query(description="合作企业 — Enterprise")] = None,
    programme_id: Annotated[uuid.UUID | None, Query(description="现代学徒制班 — Programme")] = None,
    learner_id: Annotated[uuid.UUID | None, Query(description="学徒 — Learner record")] = None,
    mentor_person_id: Annotated[
        uuid.UUID | None, Query(description="导师（学校或企业） — Either mentor (membership person)")
    ] = None,
    status: Annotated[ApprenticeshipStatus | None, Query(description="状态 — Status")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除记录", "deleted records")] = False,
) -> Response | ApprenticeshipPage:
    listing = Listing.of(request, cursor, limit)
    members = await listed_alliance(request, principal, alliance_id) if alliance_id is not None else None
    t: Any = Apprenticeship
    where = equal(
        (t.school_org_id, school_org_id),
        (t.enterprise_org_id, enterprise_org_id),
        (t.programme_id, programme_id),
        (t.learner_id, learner_id),
        (t.status, status.value if status else None),
    )
    if mentor_person_id is not None:
        where.append(
            (t.school_mentor_person_id == mentor_person_id) | (t.enterprise_mentor_person_id == mentor_person_id)
        )
    page = await service.page(
        session,
        principal,
        where=where,
        alliance_orgs=members,
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted and not listing.export,
        cursor=listing.cursor,
        limit=listing.limit,
    )
    answer = partial(ApprenticeshipPage, sync_token=page.sync_token)
    return await listing.answer(answer, render_rows(page.rows, render, Tombstone), page.next_cursor, EXPORT)


@router.get(
    "/{apprenticeship_id}",
    response_model=ApprenticeshipPublic,
    dependencies=[READ],
    summary="学徒详情 Get an apprentice",
    description="现代学徒制学徒详情，带 `ETag`；学校、企业和其所在联盟的管理员可见。\n\n"
    "Carries an `ETag` (`If-None-Match` → 304; `If-Match` on PATCH/DELETE)." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422, 503),
    },
)
async def get_apprenticeship(
    request: Request,
    apprenticeship_id: ApprenticeshipId,
    session: SessionDep,
    principal: PrincipalDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    members = await administered_members(request, principal)
    row = await service.get_visible(session, principal, apprenticeship_id, members)
    return not_modified(if_none_match, row.version) or one(render(row))


@router.patch(
    "/{apprenticeship_id}",
    response_model=ApprenticeshipPublic,
    dependencies=[WRITE],
    summary="修改学徒记录 Update an apprentice",
    description="部分更新学徒记录：学校修改导师、合同和状态（出师或提前终止），企业只登记本企业导师；请带上 "
    "`If-Match`（过期则 412）。\n\n"
    "Partial update: only the fields sent change. The school changes the programme, the mentors, the contract and "
    "the status (`completed` / `ended_early`, final); the enterprise may send only `enterprise_mentor_person_id` "
    "(a person of its own). Send `If-Match` with the ETag you read (stale → 412)." + RULES + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 409, 412, 422, 503),
    },
)
async def update_apprenticeship(
    request: Request,
    apprenticeship_id: ApprenticeshipId,
    body: ApprenticeshipUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    current = await service.get(session, apprenticeship_id)
    ensure_party(principal, *service.parties(current))
    sent = body.model_fields_set
    if not principal.acts_for_org(current.school_org_id) and not principal.is_platform_admin:
        if sent - {"enterprise_mentor_person_id"}:
            raise Forbidden(
                detail_zh="企业只能登记本企业的导师", detail_en="The enterprise records only its own mentor"
            )
    directory = org_directory(request)
    names: dict[str, str | None] = {}
    if body.school_mentor_person_id is not None:
        person = await directory.require_person_of(
            "school_mentor_person_id", body.school_mentor_person_id, current.school_org_id
        )
        names["school_mentor_person_id"] = person.name
    if body.enterprise_mentor_person_id is not None:
        person = await directory.require_person_of(
            "enterprise_mentor_person_id", body.enterprise_mentor_person_id, current.enterprise_org_id
        )
        names["enterprise_mentor_person_id"] = person.name
    row = await service.get(session, apprenticeship_id, for_update=True)
    row = await service.update(session, row=row, changes=body, names=names, if_match=if_match, actor=principal.actor)
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    "/{apprenticeship_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除学徒记录 Delete an apprentice",
    description="软删除学徒记录：从读取、列表和统计中消失，在增量同步中以墓碑出现。\n\n"
    "Soft delete: gone from reads, lists and the figures; a tombstone in `include_deleted=true` syncs. Send "
    "`If-Match` with the ETag you read (stale → 412)." + SCHOOL_ONLY,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_apprenticeship(
    apprenticeship_id: ApprenticeshipId, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    row = await service.get(session, apprenticeship_id, for_update=True)
    ensure_party(principal, row.school_org_id)
    await service.delete(session, row=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
