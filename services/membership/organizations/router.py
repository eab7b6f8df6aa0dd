"""`/v1/organizations` — thin endpoints: resolve dependencies, call one service function, commit once."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from chanjiao import spreadsheets
from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.dates import AwareDatetime
from chanjiao.errors import field_error, problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one
from chanjiao.spreadsheets import XLSX
from chanjiao.sync import Since, SinceTokenQuery
from services.membership import tenancy
from services.membership.organizations import imports, routes_batch, routes_history, routes_school, service
from services.membership.organizations.access import (
    CREATE,
    ORG_WRITE,
    READ,
    WHO_CREATES,
    WHO_EDITS,
)
from services.membership.organizations.models import OrgStatus, OrgType
from services.membership.organizations.schemas import (
    OrganizationCreate,
    OrganizationPage,
    OrganizationPublic,
    OrganizationUpdate,
)

records = APIRouter(prefix="/v1/organizations", tags=["organizations"])

_EXAMPLE = {
    "id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "name": "山东工业职业学院",
    "org_type": "higher_vocational",
    "org_type_label": "高职院校(含职业本科)",
    "country_code": "CN",
    "country_name": "中国",
    "region_code": "370303",
    "region": {"code": "370303", "name": "张店区", "code_known": True, "province": "山东省", "city": "淄博市"},
    "credit_code": "12370000495571208J",
    "industry_codes": [],
    "industries": [],
    "parent_id": None,
    "sponsor_org_id": "019abf2e-0000-7000-8000-000000000003",
    "registered_by_alliance_id": None,
    "honours": [
        {"title": "省级高技能人才培养基地", "level": "provincial", "year": 2023, "issuer": "山东省人力资源和社会保障厅"}
    ],
    "status": "active",
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


@records.post(
    "",
    status_code=201,
    response_model=OrganizationPublic,
    dependencies=[CREATE],
    summary="登记单位 Create an organization",
    description="登记一个学校、企业、行业协会或其他单位。统一社会信用代码按国家标准校验，且在未删除的单位中唯一；"
    "没有信用代码时，名称加行政区划唯一。\n\n"
    "Registers a school, enterprise, association or other unit. `credit_code` (统一社会信用代码) is "
    "checked against GB 32100-2015 and unique among live organizations; without one, name + region is unique. "
    "Input is trimmed; codes are upper-cased and full-width characters normalised. `parent_id` (group "
    "structure) and `sponsor_org_id` (举办单位, schools only) must name live organizations (else 422); `honours` "
    "is a list of {title, level, year, issuer}, kept as 验收/认定 entries of the designation register "
    "(`/v1/designations`). `country_code` (ISO 3166-1 alpha-2) defaults to `CN`, where "
    "`region_code` is required; a foreign organization (e.g. `DE`) has no `region_code` and no `credit_code` (422). "
    "Send `Idempotency-Key` so a retry never creates a duplicate.\n\n" + WHO_CREATES,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422),
    },
)
async def create_organization(
    body: OrganizationCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    org = await service.create_organization(
        session, data=body, actor=principal.actor, registered_by=tenancy.registering_alliance(principal)
    )
    public = (await service.render_all(session, [org]))[0]
    return await created(session, idem, public, location=f"/v1/organizations/{org.id}")


@records.get(
    "",
    response_model=OrganizationPage,
    dependencies=[READ],
    summary="查询单位 List organizations",
    description="按单位类型、地区、名称、上级单位和状态筛选单位，游标分页；支持用 `since_token` 增量同步，"
    "也可导出为 `.xlsx`。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `org_type`, `region_prefix` "
    "(2 digits = province, 4 = city), `q` (any part of the name, 2+ characters, e.g. `工业职业`), `parent_id` "
    "(direct members of a group), `status`. Incremental sync: pass the `sync_token` of your last pull as "
    "`since_token` (docs/sync.md; `updated_since` still works); "
    "`include_deleted=true` adds tombstones. With `Accept: application/vnd.openxmlformats-officedocument."
    "spreadsheetml.sheet` the whole filtered list (every page, at most 50,000 rows — else 422) comes back as an "
    "`.xlsx` in the import layout.",
    responses={
        200: {
            "content": {
                "application/json": {"example": {"items": [_EXAMPLE], "next_cursor": "WyIwMTlhYmYy"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            }
        },
        **problem_responses(422),
    },
)
async def list_organizations(
    request: Request,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    org_type: Annotated[OrgType | None, Query(description="单位类型 Organization type")] = None,
    region_prefix: Annotated[
        str | None,
        Query(pattern=r"^\d{2,6}$", description="区划代码前缀 Region code prefix, e.g. 37 (province) or 3703 (city)"),
    ] = None,
    q: Annotated[str | None, Query(min_length=2, max_length=50, description="名称关键字 (2+ characters)")] = None,
    updated_since: Annotated[
        AwareDatetime | None,
        Query(description="增量同步：只返回此时刻之后变更的记录 Only records changed after this timestamp"),
    ] = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, Query(description="包含已删除单位的墓碑 Include tombstones of deleted organizations")
    ] = False,
    parent_id: Annotated[uuid.UUID | None, Query(description="上级单位: direct members of this group")] = None,
    status: Annotated[OrgStatus | None, Query(description="状态 Status: active / inactive")] = None,
) -> Response:
    export = XLSX in request.headers.get("accept", "")
    page = await service.list_organizations(
        session,
        org_type=org_type.value if org_type else None,
        region_prefix=region_prefix,
        q=q,
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted and not export,
        parent_id=parent_id,
        status=status.value if status else None,
        cursor=None if export else cursor,
        limit=imports.EXPORT_CAP if export else limit,
    )
    orgs, next_cursor = page.rows, page.next_cursor
    items = await service.render_all(session, orgs)
    if not export:
        answer = OrganizationPage(items=items, next_cursor=next_cursor, sync_token=page.sync_token)
        return JSONResponse(answer.model_dump(mode="json"))
    if next_cursor is not None:
        raise field_error(
            ["header", "accept"],
            "export_too_large",
            f"导出最多 {imports.EXPORT_CAP} 行，请加筛选条件",
            f"An export holds at most {imports.EXPORT_CAP} rows; narrow the filters",
        )
    public = [i for i in items if isinstance(i, OrganizationPublic)]
    linked = {i.parent_id for i in public if i.parent_id} | {i.sponsor_org_id for i in public if i.sponsor_org_id}
    codes = await imports.credit_codes_of(session, linked)
    content = await run_in_threadpool(imports.build_export, public, codes)
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": spreadsheets.attachment("organizations.xlsx", "单位.xlsx")},
    )


@records.get(
    "/{org_id}",
    response_model=OrganizationPublic,
    dependencies=[READ],
    summary="单位详情 Get an organization",
    description="单位详情，带 `ETag` 与 `Last-Modified`：以 `If-None-Match` 发回可得 304，"
    "修改时作为 `If-Match` 发回。\n\n"
    "Carries an `ETag`; send it back as `If-None-Match` for a cheap 304, or as `If-Match` when you PATCH.",
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(404),
    },
)
async def get_organization(
    org_id: uuid.UUID,
    session: SessionDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    org = await service.get_organization(session, org_id)
    return not_modified(if_none_match, org.version) or one((await service.render_all(session, [org]))[0])


@records.patch(
    "/{org_id}",
    response_model=OrganizationPublic,
    dependencies=[ORG_WRITE],
    summary="修改单位 Update an organization",
    description="部分更新：只改动所发送的字段。请带上读取时的 `ETag` 作为 `If-Match`，避免两人互相覆盖（过期则 412）"
    "。\n\n"
    "Partial update: only the fields sent change. Send `If-Match` with the ETag you read so two "
    "clerks never overwrite each other silently (stale → 412). A `parent_id` that would put the organization "
    "below itself is 409; `null` clears `credit_code`, `parent_id` and `sponsor_org_id`; `honours` replaces "
    "the entries written through it (the register's own entries stay and are shown too; docs/api.md). "
    "`status` changes only through `POST /v1/organizations/{id}/status-changes`. A new `org_type` or "
    "`region_code` is recorded as a dated change effective today (`GET /v1/organizations/{id}/changes`); to date it "
    "in the past (a school upgraded last year) use `POST /v1/organizations/{id}/changes`. `country_code` is set at "
    "registration; a foreign organization takes no `region_code` nor `credit_code` (422).\n\n" + WHO_EDITS,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def update_organization(
    org_id: uuid.UUID,
    body: OrganizationUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    await tenancy.ensure_org_writer(session, principal, org_id)
    org = await service.update_organization(
        session, org_id=org_id, changes=body, if_match=if_match, actor=principal.actor
    )
    response = one((await service.render_all(session, [org]))[0])
    await session.commit()
    return response


@records.delete(
    "/{org_id}",
    status_code=204,
    dependencies=[ORG_WRITE],
    summary="删除单位 Delete an organization",
    description="软删除：单位从读取和列表中消失，在增量同步中以墓碑出现；"
    "仍被其他单位引用为上级或举办单位时不能删除（409）。\n\n"
    "Soft delete: the organization disappears from reads and lists, and appears as a tombstone in "
    "`include_deleted=true` syncs. Its credit code may be registered again. While live organizations name it as "
    "`parent_id` or `sponsor_org_id` it cannot be deleted (409).\n\n" + WHO_EDITS,
    responses=problem_responses(401, 403, 404, 412),
)
async def delete_organization(
    org_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    await tenancy.ensure_org_writer(session, principal, org_id)
    await service.delete_organization(session, org_id=org_id, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)


router = APIRouter()
router.include_router(records)
for part in (routes_batch.router, routes_school.router, routes_history.router):
    router.include_router(part, prefix="/v1/organizations", tags=["organizations"])
