"""`/v1/demands` — thin endpoints: check the caller (demands/access.py), call one service function, commit once."""

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
from chanjiao.resources import created, not_modified, one, recorded
from chanjiao.spreadsheets import EXPORT_NOTE, Export, Listing, list_ok
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.matching import market
from services.matching.demands import access, service
from services.matching.demands.models import Demand, DemandKind
from services.matching.demands.schemas import DemandCreate, DemandPage, DemandPublic, DemandUpdate, render
from services.matching.fields import PostingHistory, PostingTransitionCreate, render_transition
from services.matching.market import READ, VISIBLE, WHO, WRITE
from services.matching.postings import PostingStatus

router = APIRouter(prefix="/v1/demands", tags=["demands"])

IdPath = Annotated[uuid.UUID, Path(description="需求 ID The demand's id")]

EXPORT = Export(
    "需求",
    [
        ("需求ID", "id"),
        ("发布单位ID", "org_id"),
        ("需求类型", "kind_label"),
        ("标题", "title"),
        ("职业代码", lambda r: "、".join(r.occupation_codes)),
        ("专业代码", lambda r: "、".join(r.major_codes)),
        ("学历层次", "education_label"),
        ("需求人数", "headcount"),
        ("行政区划代码", "region_code"),
        ("开始日期", "period_start"),
        ("结束日期", "period_end"),
        ("截止日期", "deadline_on"),
        ("联盟ID", "alliance_id"),
        ("状态", "status_label"),
    ],
    "demands.xlsx",
    "需求.xlsx",
)

_ID = "019abf60-1a2b-7c3d-8e4f-5a6b7c8d9e0f"
_EXAMPLE = {
    "id": _ID,
    "org_id": "019abf2e-0000-7000-8000-000000000002",
    "kind": "order_class",
    "kind_label": "订单班",
    "title": "数控技术订单班（2027届）",
    "description": "面向数控车工岗位，校企共同培养，毕业即上岗。",
    "occupation_codes": ["6-18-01-01"],
    "occupations": [{"code": "6-18-01-01", "name": "车工", "code_known": True}],
    "major_codes": ["460103"],
    "majors": [{"code": "460103", "name": "数控技术", "code_known": True}],
    "education_level": "voc_associate",
    "education_label": "高职专科",
    "headcount": 40,
    "region_code": "370702",
    "region": {"code": "370702", "name": "潍城区", "code_known": True},
    "period_start": "2027-09-01",
    "period_end": "2030-06-30",
    "preferred_certificates": [{"kind": "skill_level", "occupation_code": "6-18-01-01", "level": "四级/中级工"}],
    "deadline_on": "2027-06-30",
    "alliance_id": None,
    "status": "draft",
    "status_label": "草稿",
    "status_changed_on": "2026-12-03",
    "unknown_codes": [],
    "version": 1,
    "created_at": "2026-12-03T08:00:00+00:00",
    "updated_at": "2026-12-03T08:00:00+00:00",
}
RULES = (
    "\n\nRules: `org_id` is the caller's own organization (403 otherwise); codes are checked for form (422 naming "
    "the field) and a well-formed code missing from the shipped tables is accepted and listed in `unknown_codes`; "
    "`period_end ≥ period_start` (422). docs/matching-core.md"
)


@router.post(
    "",
    status_code=201,
    response_model=DemandPublic,
    dependencies=[WRITE],
    summary="登记需求 Post a demand",
    description="企业登记一项需求（订单班、学徒制、实习、招聘、培训、研发或共建基地），保存为草稿，仅本单位可见。\n\n"
    "Records an enterprise's demand as a draft, seen only by its organization until a transition to `open` puts "
    "it on the market. Send `Idempotency-Key` so a retry never records it twice." + RULES + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422),
    },
)
async def create_demand(
    body: DemandCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    access.ensure_owner(principal, body.org_id)
    row = await service.create(session, data=body, actor=principal.actor)
    return await created(session, idem, render(row), location=f"{router.prefix}/{row.id}")


@router.get(
    "",
    response_model=DemandPage,
    dependencies=[READ],
    summary="查询需求 List demands",
    description="按发布单位、类型、状态、联盟、地区（区划代码前缀）、专业或职业代码筛选需求，游标分页；"
    "支持增量同步，也可导出为 `.xlsx`。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `org_id`, `kind`, `status`, `alliance_id`, "
    "`region_prefix` (a region code's leading digits: `37` a province, `3707` a city), `major_code`, "
    "`occupation_code` (demands listing that code). Incremental sync: pass the `sync_token` of your last pull as "
    "`since_token` (docs/sync.md; `updated_since` still works); a demand is never deleted (it ends by a "
    "transition), so `include_deleted` adds nothing." + EXPORT_NOTE + VISIBLE,
    responses={**list_ok({"items": [_EXAMPLE], "next_cursor": None}), **problem_responses(400, 401, 403, 422)},
)
async def list_demands(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    org_id: Annotated[uuid.UUID | None, Query(description="发布单位 — posting organization")] = None,
    kind: Annotated[DemandKind | None, Query(description="需求类型 — demand kind")] = None,
    status: Annotated[PostingStatus | None, Query(description="状态 — status")] = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="联盟 — alliance it is posted in")] = None,
    region_prefix: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{2,6}$", description="地区：区划代码前缀（2–6位）— region code prefix (2–6 digits)"),
    ] = None,
    major_code: Annotated[
        str | None, Query(max_length=20, description="专业代码 — demands listing this major code")
    ] = None,
    occupation_code: Annotated[
        str | None, Query(max_length=20, description="职业代码 — demands listing this occupation code")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（需求以状态变更结束，不会删除）", "none (demands end by a transition)")
    ] = False,
) -> Response | DemandPage:
    listing = Listing.of(request, cursor, limit)
    t: Any = Demand
    where = market.filters(
        t,
        org_id=org_id,
        kind=kind.value if kind else None,
        status=status.value if status else None,
        alliance_id=alliance_id,
        region_prefix=region_prefix,
        major_code=major_code,
        occupation_code=occupation_code,
    )
    page = await service.page(
        session,
        principal,
        where=where,
        since=Since.of(since_token, updated_since),
        cursor=listing.cursor,
        limit=listing.limit,
    )
    answer = partial(DemandPage, sync_token=page.sync_token)
    return await listing.answer(answer, [render(r) for r in page.rows], page.next_cursor, EXPORT)


@router.get(
    "/{demand_id}",
    response_model=DemandPublic,
    dependencies=[READ],
    summary="需求详情 Get a demand",
    description="需求详情，带 `ETag` 与 `Last-Modified`；草稿只对发布单位可见。\n\n"
    "Carries an `ETag`; send it back as `If-None-Match` for a cheap 304, or as `If-Match` when you PATCH." + VISIBLE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_demand(
    demand_id: IdPath, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get_visible(session, principal, demand_id)
    return not_modified(if_none_match, row.version) or one(render(row))


@router.patch(
    "/{demand_id}",
    response_model=DemandPublic,
    dependencies=[WRITE],
    summary="修改需求 Update a demand",
    description="部分更新需求，按保存后的结果重新校验规则；请带上 `If-Match`（过期则 412）。\n\n"
    "Partial update: only the fields sent change; `null` clears `description`, `region_code`, the period, "
    "`deadline_on` and `alliance_id`. The organization does not change, and the status changes only by a "
    "transition; a closed or cancelled one no longer changes (409 `posting-ended`). Send `If-Match` with the ETag "
    "you read (stale → 412)." + RULES + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def update_demand(
    demand_id: IdPath,
    body: DemandUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    row = await service.get_visible(session, principal, demand_id, for_update=True)
    access.ensure_owner(principal, row.org_id)
    row = await service.update(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(row))
    await session.commit()
    return response


@router.post(
    "/{demand_id}/transitions",
    response_model=DemandPublic,
    dependencies=[WRITE],
    summary="变更需求状态 Change a demand's status",
    description="按状态机变更需求状态（草稿→发布→已对接/已关闭/已撤销），记录生效日期和原因；"
    "不允许的变更返回 409 并列出允许的目标状态。\n\n"
    "Moves the demand along its lifecycle: draft → open | cancelled; open → matched | closed | cancelled; "
    "matched → open (the agreement fell through) | closed; closed and cancelled are terminal. An illegal move is "
    "409 naming the allowed ones; `effective_on` (default today, Asia/Shanghai) may not be in the future (422) "
    "nor before the latest change (409). Each change is kept in the history (`GET …/transitions`). Send "
    "`Idempotency-Key` so a retry never moves it twice." + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "status": "open", "status_label": "已发布"}}}},
        **problem_responses(400, 401, 403, 404, 409, 422),
    },
)
async def transition_demand(
    demand_id: IdPath,
    body: PostingTransitionCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    row = await service.get_visible(session, principal, demand_id, for_update=True)
    access.ensure_owner(principal, row.org_id)
    row = await service.transition(session, row=row, data=body, actor=principal.actor)
    return await recorded(session, idem, one(render(row)))


@router.get(
    "/{demand_id}/transitions",
    response_model=PostingHistory,
    dependencies=[READ],
    summary="需求状态历史 A demand's status history",
    description="需求的全部状态变更，按发生顺序列出，包括生效日期、原因和操作人。\n\n"
    "Every status change of the demand, first to last: from, to, effective date, reason and who made it." + VISIBLE,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "id": _ID,
                        "status": "open",
                        "items": [
                            {
                                "seq": 1,
                                "from_status": "draft",
                                "to_status": "open",
                                "to_label": "已发布",
                                "effective_on": "2026-12-03",
                                "reason": "发布",
                                "actor": "user:zhang",
                                "recorded_at": "2026-12-03T08:00:00+00:00",
                            }
                        ],
                    }
                }
            }
        },
        **problem_responses(401, 403, 404, 422),
    },
)
async def demand_history(demand_id: IdPath, session: SessionDep, principal: PrincipalDep) -> PostingHistory:
    row = await service.get_visible(session, principal, demand_id)
    events = await service.history(session, demand_id)
    return PostingHistory(id=row.id, status=row.status, items=[render_transition(e) for e in events])
