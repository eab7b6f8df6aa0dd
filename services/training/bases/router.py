"""`/v1/training-bases` — thin endpoints: check the caller and the owner organization, call one service function,
commit once."""

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

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
from chanjiao.validators import normalize_code
from services.training.bases import service
from services.training.bases.models import BaseKind, BaseLevel, TrainingBase
from services.training.bases.schemas import (
    TrainingBaseCreate,
    TrainingBasePage,
    TrainingBasePublic,
    TrainingBaseUpdate,
    Utilisation,
    render,
)
from services.training.orgs import org_directory
from services.training.parties import READ, WRITE, Tombstone, ensure_party, equal, list_responses

router = APIRouter(prefix="/v1/training-bases", tags=["training-bases"])

EXPORT = Export(
    "实训基地",
    [
        ("基地名称", "name"),
        ("所属单位ID", "owner_org_id"),
        ("基地类型", "kind_label"),
        ("级别", "level_label"),
        ("工位数", "stations"),
        ("日均容纳人数", "persons_per_day"),
        ("服务专业代码", "major_codes"),
        ("服务专业", lambda b: ",".join(m.name or m.code for m in b.majors) or None),
        ("开放共享", "shared"),
        ("基地ID", "id"),
    ],
    "training-bases.xlsx",
    "实训基地.xlsx",
)

WHO = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of `owner_org_id`, with "
    "`training:write`, and platform admins; anyone else gets 403."
)
OPEN = (
    "\n\n**可见 Visible to:** every authenticated caller with `training:read` — training bases are a directory "
    "(no personal data); `shared` says which ones the owner opens to its alliances' members."
)
_ID = "019abf44-5e6f-7a7b-8c8d-9e0f1a2b3c4d"
_EXAMPLE = {
    "id": _ID,
    "owner_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "name": "智能制造产教融合实训基地",
    "kind": "productive",
    "kind_label": "生产性实训基地",
    "level": "provincial",
    "level_label": "省级",
    "stations": 120,
    "persons_per_day": 300,
    "major_codes": ["460103", "460104"],
    "majors": [
        {"code": "460103", "name": "数控技术", "code_known": True},
        {"code": "460104", "name": "机械设计与制造", "code_known": True},
    ],
    "shared": True,
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


@router.post(
    "",
    status_code=201,
    response_model=TrainingBasePublic,
    dependencies=[WRITE],
    summary="登记实训基地 Register a training base",
    description="登记一个已登记且启用的单位所拥有的实训基地；类型和级别取自固定列表，专业代码须格式正确。\n\n"
    "A training base owned by an existing, active organization (`owner_org_id`, else 422; 503 when "
    "membership cannot confirm it). `kind` and `level` are closed lists; `major_codes` are well-formed major "
    "codes (unknown ones accepted, flagged `code_known: false`). Send `Idempotency-Key` so a retry never "
    "registers it twice." + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422, 503),
    },
)
async def create_training_base(
    request: Request,
    body: TrainingBaseCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    ensure_party(principal, body.owner_org_id)
    await org_directory(request).require_active({"owner_org_id": body.owner_org_id})
    row = await service.create(session, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=TrainingBasePage,
    dependencies=[READ],
    summary="查询实训基地 List training bases",
    description="按所属单位、类型、级别、服务专业和是否共享筛选实训基地，游标分页；支持用 `since_token` 增量同步，"
    "也可导出为 `.xlsx`。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `owner_org_id`, `kind`, `level`, "
    "`major_code` (bases serving that major), `shared`. Incremental sync: `since_token` (the "
    "`sync_token` of your last pull, docs/sync.md) or `updated_since`; "
    "`include_deleted=true` adds tombstones." + EXPORT_NOTE + OPEN,
    responses=list_responses(_EXAMPLE),
)
async def list_training_bases(
    request: Request,
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    owner_org_id: Annotated[uuid.UUID | None, Query(description="所属单位 Owner organization")] = None,
    kind: Annotated[BaseKind | None, Query(description="基地类型 Training base kind")] = None,
    level: Annotated[BaseLevel | None, Query(description="级别 Level")] = None,
    major_code: Annotated[
        str | None, Query(max_length=20, description="服务专业代码 Code of a major the base serves")
    ] = None,
    shared: Annotated[bool | None, Query(description="开放共享 Open to other organizations")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除记录", "deleted records")] = False,
) -> Response | TrainingBasePage:
    listing = Listing.of(request, cursor, limit)
    t: Any = TrainingBase
    where = equal(
        (t.owner_org_id, owner_org_id),
        (t.kind, kind.value if kind else None),
        (t.level, level.value if level else None),
    )
    if major_code:
        where.append(t.major_codes.contains([normalize_code(major_code)]))
    if shared is not None:
        where.append(t.shared.is_(shared))
    page = await service.page(
        session,
        where=where,
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted and not listing.export,
        cursor=listing.cursor,
        limit=listing.limit,
    )
    answer = partial(TrainingBasePage, sync_token=page.sync_token)
    return await listing.answer(answer, render_rows(page.rows, render, Tombstone), page.next_cursor, EXPORT)


@router.get(
    "/{base_id}",
    response_model=TrainingBasePublic,
    dependencies=[READ],
    summary="实训基地详情 Get a training base",
    description="实训基地详情，带 `ETag` 与 `Last-Modified`；实训基地是目录信息，不含个人信息。\n\n"
    "Carries an `ETag` (`If-None-Match` → 304; `If-Match` on PATCH/DELETE)." + OPEN,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_training_base(base_id: uuid.UUID, session: SessionDep, if_none_match: IfNoneMatch = None) -> Response:
    row = await service.get(session, base_id)
    return not_modified(if_none_match, row.version) or one(render(row))


@router.get(
    "/{base_id}/utilisation",
    response_model=Utilisation,
    dependencies=[READ],
    summary="实训基地利用情况 Utilisation of a training base",
    description="实训基地在某一期间的利用情况：在此举办的培训项目的人日数、项目数和人次，按项目结束日期计入期间。"
    "\n\n"
    "Person-days (人日) of the programmes held at the base: Σ `days_attended` of the enrolments (not "
    "deleted; dropped ones included, their days were attended) of the programmes (not deleted) with "
    "`training_base_id` = this base whose `end_on` lies in `period_start`–`period_end` (inclusive) — an enrolment "
    "counts by its programme's `end_on`, as in `/v1/training-stats`. Also the number of those programmes and their "
    "person-times (人次: enrolments except dropped ones). `period_end` before `period_start` is 422." + OPEN,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "training_base_id": _ID,
                        "period_start": "2024-01-01",
                        "period_end": "2024-12-31",
                        "programmes": 3,
                        "person_times": 85,
                        "person_days": "412.5",
                    }
                }
            }
        },
        **problem_responses(401, 403, 404, 422),
    },
)
async def training_base_utilisation(
    base_id: uuid.UUID,
    session: SessionDep,
    period_start: Annotated[IsoDate, Query(description="期间开始（含） Period start (inclusive)")],
    period_end: Annotated[IsoDate, Query(description="期间结束（含） Period end (inclusive)")],
) -> Utilisation:
    await service.get(session, base_id)
    return await service.utilisation(session, base_id=base_id, period_start=period_start, period_end=period_end)


@router.patch(
    "/{base_id}",
    response_model=TrainingBasePublic,
    dependencies=[WRITE],
    summary="修改实训基地 Update a training base",
    description="部分更新实训基地（所属单位不可更改）；请带上 `If-Match`（过期则 412）。\n\n"
    "Partial update: only the fields sent change; `null` clears `level`, `stations`, "
    "`persons_per_day`; `major_codes` replaces the list. The owner cannot change. Send `If-Match` with the ETag "
    "you read (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_training_base(
    request: Request,
    base_id: uuid.UUID,
    body: TrainingBaseUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    row = await service.get(session, base_id, for_update=True)
    ensure_party(principal, row.owner_org_id)
    row = await service.update(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    "/{base_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除实训基地 Delete a training base",
    description="软删除实训基地；曾使用它的培训项目保留其引用。\n\n"
    "Soft delete: gone from reads, lists and the figures; a tombstone in `include_deleted=true` syncs. "
    "Programmes that named it keep their `training_base_id`. Send `If-Match` with the ETag you read "
    "(stale → 412)." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_training_base(
    base_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    row = await service.get(session, base_id, for_update=True)
    ensure_party(principal, row.owner_org_id)
    await service.delete(session, row=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
