"""`/v1/programmes` — thin endpoints: resolve dependencies, call one service function, commit once."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import ORG_ADMIN, ORG_STAFF, PrincipalDep, allow, ensure_org
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, render_rows
from chanjiao.spreadsheets import EXPORT_NOTE, Export, Listing, list_ok
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.orgs import org_directory
from services.training.programmes import service
from services.training.programmes.models import ProgrammeKind
from services.training.programmes.schemas import (
    PeriodEnd,
    PeriodStart,
    ProgrammeCreate,
    ProgrammePage,
    ProgrammePublic,
    ProgrammeTombstone,
    ProgrammeUpdate,
    check_period_query,
    render,
)

router = APIRouter(prefix="/v1/programmes", tags=["programmes"])

EXPORT = Export(
    "培训项目",
    [
        ("项目名称", "name"),
        ("培训类型", "kind_label"),
        ("举办单位ID", "provider_org_id"),
        ("所属联盟ID", "alliance_id"),
        ("合作单位ID", "partner_org_ids"),
        ("职业代码", "occupation_code"),
        ("职业名称", lambda p: p.occupation.name if p.occupation else None),
        ("专业代码", "major_code"),
        ("专业名称", lambda p: p.major.name if p.major else None),
        ("实训基地ID", "training_base_id"),
        ("开始日期", "start_on"),
        ("结束日期", "end_on"),
        ("计划学时", "planned_hours"),
        ("名额", "capacity"),
        ("已报名", "enrolled_count"),
        ("剩余名额", "seats_left"),
        ("培训方式", "delivery_label"),
        ("委托单位", "commissioned_by"),
        ("项目级别", "project_level_label"),
        ("经费来源", "funding_source_label"),
        ("培训对象", lambda p: "、".join(p.target_group_labels) or None),
        ("项目ID", "id"),
    ],
    "programmes.xlsx",
    "培训项目.xlsx",
)

READ = allow(scopes=("training:read",))
# Who may write: principals (org_admin, org_staff — users or the org's API key) of the provider organization,
# and platform admins. Alliance admins and partner organizations read but do not write.
WRITE = allow(roles=(ORG_ADMIN, ORG_STAFF), scopes=("training:write",), tenant="organization")
WHO = (
    "\n\n**谁可以 Who:** principals (org_admin, org_staff, or the organization's API key) of the provider "
    "organization, and platform admins; anyone else gets 403."
)
PRIVATE = (
    "\n\nProgrammes are private to their tenants: readable by principals of the provider and of the partner "
    "organizations, by admins of the programme's alliance, by services and platform admins; to anyone else a "
    "programme is 404 and absent from lists."
)

EXAMPLE = {
    "id": "019abf31-2e3f-7b5c-9d6e-7f8a9b0c1d2e",
    "name": "2025级数控技术订单班",
    "kind": "order_class",
    "kind_label": "订单班",
    "provider_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "partner_org_ids": ["019abf2e-0000-7000-8000-00000000e001"],
    "occupation_code": "6-18-01-01",
    "occupation": {"code": "6-18-01-01", "name": "车工", "code_known": True},
    "major_code": "460103",
    "major": {"code": "460103", "name": "数控技术", "code_known": True},
    "training_base_id": None,
    "start_on": "2025-09-01",
    "end_on": "2026-06-30",
    "planned_hours": 480.0,
    "capacity": 40,
    "enrolled_count": 38,
    "seats_left": 2,
    "delivery": "offline",
    "delivery_label": "线下",
    "commissioned_by": "潍坊市人力资源和社会保障局",
    "commissioned_by_org_id": None,
    "project_level": "municipal",
    "project_level_label": "市级",
    "funding_source": "skills_upgrade_fund",
    "funding_source_label": "职业技能提升行动专账资金",
    "target_groups": ["students"],
    "target_group_labels": ["在校生"],
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


@router.post(
    "",
    status_code=201,
    response_model=ProgrammePublic,
    dependencies=[WRITE],
    summary="登记培训项目 Create a programme",
    description="登记培训单位的一个培训项目或班级；培训单位、合作单位和所属联盟须在成员服务中存在且启用。\n\n"
    "A training programme or class of the provider organization. `kind` is one of the 17 kinds (订单班, "
    "现代学徒制班, 企业新型学徒制班, 特种作业, 特种设备作业人员, 岗前, 在岗, 技能提升, 转岗, 继续教育, 师资培训, "
    "社会培训, 现场工程师, 定向/定岗, 学训班, 安全培训, other). A commissioned project "
    "(国家/省/市/行业级培养培训项目) gives "
    "`project_level` and `commissioned_by` (422 naming `commissioned_by` when a level comes without it; "
    "`commissioned_by_org_id`, optional, must be an existing active organization); `funding_source` and "
    "`target_groups` are closed lists with Chinese labels. The "
    "provider and every partner organization must exist and be active, and the alliance exist, in the membership "
    "service (422 naming the field; 503 when membership cannot be asked and the cached answer is older than its "
    "TTL — nothing is written). `end_on` ≥ `start_on` (422 naming `end_on`). Occupation (CSCO 2022) and major "
    "codes are checked for form; a well-formed code not in the shipped tables is accepted with `code_known: false`. "
    "`capacity` null means unlimited; enrolments take seats up to it (409 `programme-full`)." + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": {**EXAMPLE, "enrolled_count": 0, "seats_left": 40}}},
        },
        **problem_responses(400, 401, 403, 409, 422),
        503: {"description": "成员服务暂不可用 Membership cannot confirm the organizations (Retry-After)"},
    },
)
async def create_programme(
    request: Request,
    body: ProgrammeCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_org(principal, body.provider_org_id)
    service.check_period(body.start_on, body.end_on)
    await service.check_references(
        org_directory(request),
        provider_org_id=body.provider_org_id,
        partner_org_ids=body.partner_org_ids,
        alliance_id=body.alliance_id,
        commissioned_by_org_id=body.commissioned_by_org_id,
    )
    p = await service.create_programme(session, data=body, actor=principal.actor)
    return await created(session, idem, render(p), location=f"/v1/programmes/{p.id}")


@router.get(
    "",
    response_model=ProgrammePage,
    dependencies=[READ],
    summary="查询培训项目 List programmes",
    description="按培训单位、联盟、项目类型和期间筛选培训项目，游标分页；支持用 `since_token` 增量同步，"
    "也可导出为 `.xlsx`。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `provider_org_id`, `alliance_id`, "
    "`kind`, `period_start`/`period_end` (inclusive, on `end_on` — the date by which a programme counts in a "
    "period). Incremental sync: pass the `sync_token` of your last pull as `since_token` (docs/sync.md); "
    "`updated_since` still works; `include_deleted=true` adds tombstones — with `since_token`, also one with "
    '`"reason": "not_visible"` for a programme that left your view (your organization removed from its partners, '
    "its alliance changed) / 增量同步时，已不可见的项目以 reason=not_visible 的墓碑返回." + EXPORT_NOTE + PRIVATE,
    responses={**list_ok({"items": [EXAMPLE], "next_cursor": None}), **problem_responses(401, 403, 422)},
)
async def list_programmes(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    provider_org_id: Annotated[uuid.UUID | None, Query(description="举办单位 Provider organization")] = None,
    alliance_id: Annotated[
        uuid.UUID | None, Query(description="所属联盟 Alliance the programme is tagged with")
    ] = None,
    kind: Annotated[ProgrammeKind | None, Query(description="培训类型 Programme kind")] = None,
    period_start: PeriodStart = None,
    period_end: PeriodEnd = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除培训项目", "deleted programmes")] = False,
) -> Response | ProgrammePage:
    listing = Listing.of(request, cursor, limit)
    page = await service.list_programmes(
        session,
        provider_org_id=provider_org_id,
        alliance_id=alliance_id,
        kind=kind.value if kind else None,
        period=check_period_query(period_start, period_end),
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted and not listing.export,
        cursor=listing.cursor,
        limit=listing.limit,
        visible=service.visible_filter(principal),
        exits=service.exit_query(principal),
    )
    answer = partial(ProgrammePage, sync_token=page.sync_token)
    return await listing.answer(answer, render_rows(page.rows, render, ProgrammeTombstone), page.next_cursor, EXPORT)


@router.get(
    "/{programme_id}",
    response_model=ProgrammePublic,
    dependencies=[READ],
    summary="培训项目详情 Get a programme",
    description="培训项目详情，带 `ETag` 与 `Last-Modified`；已报名人数和剩余名额是实时数字，不影响 `ETag`。\n\n"
    "Carries an `ETag`; send it back as `If-None-Match` for a cheap 304, or as `If-Match` when you "
    "PATCH. `enrolled_count`/`seats_left` are live figures and do not change the ETag." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_programme(
    programme_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    p = await service.get_visible(session, principal, programme_id)
    return not_modified(if_none_match, p.version) or one(render(p))


@router.patch(
    "/{programme_id}",
    response_model=ProgrammePublic,
    dependencies=[WRITE],
    summary="修改培训项目 Update a programme",
    description="部分更新培训项目（培训单位不可更改）；名额不能少于已报名人数。请带上 `If-Match`（过期则 412）。\n\n"
    "Partial update: only the fields sent change; `null` clears the optional ones. The provider cannot "
    "change. New partners and a new alliance are checked as on create (422/503). `capacity` cannot go below "
    "`enrolled_count` (422). Send `If-Match` with the ETag you read (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_programme(
    request: Request,
    programme_id: uuid.UUID,
    body: ProgrammeUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    p = await service.get_programme(session, programme_id, for_update=True)
    ensure_org(principal, p.provider_org_id)
    sent = body.model_dump(exclude_unset=True)
    new_partners = [o for o in sent.get("partner_org_ids") or [] if o not in (p.partner_org_ids or [])]
    new_alliance = sent.get("alliance_id") if sent.get("alliance_id") not in (None, p.alliance_id) else None
    new_commissioner = sent.get("commissioned_by_org_id")
    if new_commissioner == p.commissioned_by_org_id:
        new_commissioner = None
    if new_partners or new_alliance or new_commissioner:
        await service.check_references(
            org_directory(request),
            partner_org_ids=new_partners,
            alliance_id=new_alliance,
            commissioned_by_org_id=new_commissioner,
        )
    p = await service.update_programme(session, p=p, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(p))
    await session.commit()
    return response


@router.delete(
    "/{programme_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除培训项目 Delete a programme",
    description="软删除培训项目；仍有占用名额的报名时不能删除（409）。\n\n"
    "Soft delete: the programme disappears from reads and lists, and appears as a tombstone in "
    "`include_deleted=true` syncs. A programme with enrolments holding seats (not dropped) cannot be deleted "
    "(409)." + WHO,
    responses=problem_responses(401, 403, 404, 409, 412),
)
async def delete_programme(
    programme_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    p = await service.get_programme(session, programme_id, for_update=True)
    ensure_org(principal, p.provider_org_id)
    await service.delete_programme(session, p=p, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
