"""`/v1/accreditations` — the accreditation register (鉴定站, 认定机构, 考点, 1+X 考核站点): thin endpoints; the
accredited organization writes its own entries, every caller with `training:read` reads them."""

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.dates import IsoDate
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, render_rows
from chanjiao.spreadsheets import EXPORT_NOTE, Export, Listing
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.accreditations import service
from services.training.accreditations.models import Accreditation, AccreditationKind
from services.training.accreditations.schemas import (
    AccreditationCreate,
    AccreditationPage,
    AccreditationPublic,
    AccreditationUpdate,
    render,
)
from services.training.orgs import org_directory
from services.training.parties import READ, WRITE, Tombstone, ensure_party, equal, list_responses

router = APIRouter(prefix="/v1/accreditations", tags=["accreditations"])
AccreditationId = Annotated[uuid.UUID, Path(description="资质ID — Accreditation id")]

EXPORT = Export(
    "鉴定与考核资质",
    [
        ("资质名称", "name"),
        ("资质类型", "kind_label"),
        ("单位ID", "org_id"),
        ("批准机关", "granting_body"),
        ("资质证书编号", "certificate_number"),
        ("有效期起", "valid_from"),
        ("有效期止", "valid_until"),
        ("记录ID", "id"),
    ],
    "accreditations.xlsx",
    "鉴定与考核资质.xlsx",
)
WHO = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of `org_id` — the accredited "
    "organization — with `training:write`, and platform admins; anyone else gets 403."
)
PUBLIC = "\n\n**可见 Visible to:** every caller with `training:read`: the register is a public directory."
RULES = (
    '\n\nRules (docs/domain.md, "Accreditation 鉴定与考核资质"): `org_id` an existing, active organization; '
    "`valid_until` ≥ `valid_from` (422 `validity`); each occupation's `levels` among the kind's levels — "
    "初级/中级/高级 for a 1+X 考核站点, 五级/初级工 … 首席技师 otherwise (422 `level` naming "
    "`occupations[i].levels`). Once an organization has an entry, its appraisal batches (`/v1/appraisals`) are "
    "checked against it: a batch for an "
    "occupation or level it is not accredited for on the batch's day is 422 (`accreditation_valid`, "
    "`accredited_occupation`, `accredited_level`)."
)
_EXAMPLE = {
    "id": "019abf60-0000-7000-8000-000000000001",
    "org_id": "019abf2e-0000-7000-8000-000000000002",
    "kind": "appraisal_station",
    "kind_label": "职业技能鉴定站",
    "name": "山东省冶金职业技能鉴定站",
    "granting_body": "山东省人力资源和社会保障厅",
    "certificate_number": "鲁人社鉴字〔2019〕12号",
    "valid_from": "2019-07-01",
    "valid_until": "2029-06-30",
    "occupations": [{"code": "6-25-01-02", "name": "炼钢工", "levels": ["四级/中级工", "三级/高级工"]}],
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


@router.post(
    "",
    status_code=201,
    response_model=AccreditationPublic,
    dependencies=[WRITE],
    summary="登记鉴定与考核资质 Record an accreditation",
    description="登记单位的职业技能鉴定站、职业技能等级认定机构、考点或 1+X 考核站点资质：职业（工种）、等级、有效期、"
    "批准机关和证书编号。\n\n"
    "Records that an organization may appraise or test: the kind, the occupations and levels, the validity, the "
    "granting body and the certificate number. Send `Idempotency-Key` so a retry never records it twice." + RULES + WHO,
    responses={
        201: {"content": {"application/json": {"example": _EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 422, 503),
    },
)
async def create_accreditation(
    request: Request,
    body: AccreditationCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_party(principal, body.org_id)
    await org_directory(request).require_active({"org_id": body.org_id})
    row = await service.create(session, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=AccreditationPage,
    dependencies=[READ],
    summary="查询鉴定与考核资质 List accreditations",
    description="按单位、类型、职业和日期查询鉴定与考核资质，游标分页，可导出为 `.xlsx`。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `org_id`, `kind`, `valid_on` (valid on that "
    "day), `occupation` (an occupation code or name the entry names). Incremental sync: `updated_since` / "
    "`since_token`; `include_deleted=true` adds tombstones." + EXPORT_NOTE + PUBLIC,
    responses=list_responses(_EXAMPLE),
)
async def list_accreditations(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    org_id: Annotated[uuid.UUID | None, Query(description="单位 — Accredited organization")] = None,
    kind: Annotated[AccreditationKind | None, Query(description="资质类型 — Kind")] = None,
    valid_on: Annotated[IsoDate | None, Query(description="在该日有效 — Valid on this day")] = None,
    occupation: Annotated[
        str | None, Query(max_length=100, description="职业编码或名称 — Occupation code or name")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除记录", "deleted records")] = False,
) -> Response | AccreditationPage:
    listing = Listing.of(request, cursor, limit)
    t: Any = Accreditation
    where = equal((t.org_id, org_id), (t.kind, kind.value if kind else None))
    if valid_on is not None:
        where += [t.valid_from <= valid_on, (t.valid_until.is_(None)) | (t.valid_until >= valid_on)]
    if occupation:
        where.append(t.occupations.contains([{"code": occupation}]) | t.occupations.contains([{"name": occupation}]))
    page = await service.page(
        session,
        model=Accreditation,
        where=where,
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted and not listing.export,
        cursor=listing.cursor,
        limit=listing.limit,
    )
    answer = partial(AccreditationPage, sync_token=page.sync_token)
    return await listing.answer(answer, render_rows(page.rows, render, Tombstone), page.next_cursor, EXPORT)


@router.get(
    "/{accreditation_id}",
    response_model=AccreditationPublic,
    dependencies=[READ],
    summary="鉴定与考核资质详情 Get an accreditation",
    description="一条鉴定与考核资质的详情，带有版本标记，可用于条件请求。\n\n"
    "One entry of the register, with its `ETag` (`If-None-Match` → 304)." + PUBLIC,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_accreditation(
    accreditation_id: AccreditationId, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get(session, accreditation_id)
    return not_modified(if_none_match, row.version) or one(render(row))


@router.patch(
    "/{accreditation_id}",
    response_model=AccreditationPublic,
    dependencies=[WRITE],
    summary="修改鉴定与考核资质 Update an accreditation",
    description="部分更新资质（续期、增加职业或等级）；请带上 `If-Match`（过期则 412）。\n\n"
    "Partial update (a renewal, more occupations or levels): only the fields sent change; the organization never "
    "changes. Send `If-Match` with the ETag you read (stale → 412)." + RULES + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_accreditation(
    accreditation_id: AccreditationId,
    body: AccreditationUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    row = await service.get(session, accreditation_id, for_update=True)
    ensure_party(principal, row.org_id)
    row = await service.update(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    "/{accreditation_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除鉴定与考核资质 Delete an accreditation",
    description="软删除资质：从读取、列表、统计和鉴定批次的核对中消失。\n\n"
    "Soft delete: gone from reads, lists, the figures and the appraisal checks. Send `If-Match` with the ETag you "
    "read (stale → 412)." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_accreditation(
    accreditation_id: AccreditationId, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    row = await service.get(session, accreditation_id, for_update=True)
    ensure_party(principal, row.org_id)
    await service.delete(session, row=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
