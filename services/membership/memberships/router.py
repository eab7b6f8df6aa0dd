"""`/v1/memberships` and their transitions."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, PrincipalDep, allow
from chanjiao.dates import AwareDatetime, parse_iso_date
from chanjiao.errors import field_error, problem_responses
from chanjiao.etag import versioned_response
from chanjiao.idempotency import IdempotencyDep
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import recorded
from chanjiao.sync import Since, SinceTokenQuery, include_deleted_query
from services.membership import tenancy
from services.membership.memberships import service
from services.membership.memberships.models import MemberRole, MembershipStatus
from services.membership.memberships.schemas import (
    EXAMPLE,
    MembershipCreate,
    MembershipPage,
    MembershipPublic,
    MembershipTransitionCreate,
)

router = APIRouter(prefix="/v1/memberships", tags=["memberships"])
READ = allow(scopes=("membership:read",))
# Who may write (services/membership/tenancy.py has the rules): the alliance's admins manage its memberships; an
# organization's org_admin may apply (pending, today) and withdraw its own membership.
WRITE = allow(roles=(ALLIANCE_ADMIN, ORG_ADMIN), scopes=("membership:write",), tenant="alliance")


def _one(body: MembershipPublic, status_code: int = 200, **headers: str) -> JSONResponse:
    """The kit's `one` (chanjiao/resources.py) by the public field names: an event's `from` and `to`."""
    return versioned_response(body, status_code, by_alias=True, **headers)


def parse_period(value: str | None, name: str) -> tuple[date, date] | None:
    if value is None:
        return None
    try:
        start_s, end_s = value.split(",")
        start, end = parse_iso_date(start_s.strip()), parse_iso_date(end_s.strip())
    except ValueError:
        raise field_error(
            ["query", name], "period_format", "格式应为 YYYY-MM-DD,YYYY-MM-DD", "Expected YYYY-MM-DD,YYYY-MM-DD"
        ) from None
    if end < start:
        raise field_error(["query", name], "period_order", "结束日期不能早于开始日期", "The end is before the start")
    return start, end


@router.post(
    "",
    status_code=201,
    response_model=MembershipPublic,
    dependencies=[WRITE],
    summary="申请入会或邀请入会 Create a membership (an application or an invitation)",
    description="登记一个单位加入联盟的申请（待审核），或联盟发出的邀请（待对方接受）；可补录历史日期。"
    "同一单位在同一联盟最多只有一个未结束的成员资格。\n\n"
    "Records an application (`pending`) of an organization to an alliance, or an invitation (`invited`, "
    "邀请) the organization accepts or declines, on `applied_on` (default today in Asia/Shanghai; past dates allowed "
    "so a secretariat can enter years of history). At most one open (invited/pending/active/suspended) membership "
    "per organization and alliance: a re-join is a new membership after the previous one ended. An inactive "
    "organization cannot apply (409).\n\n**谁可以 Who:** platform admins (an application); the alliance's admins "
    "with any dates — an application for an organization their alliance registered (`registered_by_alliance_id`) "
    "and no org admin has claimed, an **invitation** for any other organization (no organization becomes a "
    "member without its consent); the applying organization's own org_admin (a user or its API key) only for a "
    "`pending` application dated today or undated — an organization cannot approve itself. Anyone else (another "
    "alliance's admin, another organization) gets 403.",
    responses={
        201: {
            "content": {
                "application/json": {
                    "example": {
                        **EXAMPLE,
                        "status": "pending",
                        "role": "director",
                        "role_label": "理事单位",
                        "joined_on": None,
                        "allowed_transitions": ["active", "rejected", "withdrawn"],
                        "version": 1,
                        "events": EXAMPLE["events"][:1],
                    }
                }
            }
        },
        **problem_responses(401, 403, 409, 422),
    },
)
async def create_membership(
    body: MembershipCreate, session: SessionDep, principal: PrincipalDep, idem: IdempotencyDep
) -> Response:
    if idem.replay is not None:
        return idem.replay
    status = await tenancy.ensure_may_apply(session, principal, body)
    m = await service.create_membership(session, data=body, actor=principal.actor, status=status)
    public = (await service.render(session, [m], with_events=True))[0]
    return await recorded(session, idem, _one(public, 201, Location=f"/v1/memberships/{m.id}"))


@router.get(
    "",
    response_model=MembershipPage,
    dependencies=[READ],
    summary="查询成员资格 List memberships",
    description="按联盟、单位、状态、角色和在册期间筛选成员资格，游标分页；支持用 `since_token` 增量同步，"
    "状态变更也会同步。\n\n"
    "Filters: `alliance_id`, `org_id`, `status`, `role`, and `active_between=YYYY-MM-DD,YYYY-MM-DD` "
    "(a member — active or suspended — at any time in that period, bounds inclusive). Keyset-paginated. "
    "Incremental sync: pass the `sync_token` of your last pull as `since_token` (docs/sync.md); `updated_since` "
    "also works. A transition (approval, suspension, withdrawal …) updates the membership, so it syncs. "
    "`include_deleted` is accepted for uniformity: a membership is never deleted (it ends by a transition, which "
    "is an update and comes with its new status), so this list has no tombstones. "
    "成员资格不会被删除（以状态变更结束），因此没有墓碑；`include_deleted` 仅为统一而接受。",
    responses={
        200: {
            "content": {"application/json": {"example": {"items": [{**EXAMPLE, "events": None}], "next_cursor": None}}}
        },
        **problem_responses(422),
    },
)
async def list_memberships(
    session: SessionDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="联盟 Alliance")] = None,
    org_id: Annotated[uuid.UUID | None, Query(description="成员单位 Member organization")] = None,
    status: Annotated[MembershipStatus | None, Query(description="状态 Status")] = None,
    role: Annotated[MemberRole | None, Query(description="成员角色 Member role")] = None,
    active_between: Annotated[
        str | None,
        Query(
            max_length=30,
            description="期间内有效的成员资格，格式 YYYY-MM-DD,YYYY-MM-DD "
            "Memberships active at some time in this period (start,end)",
            examples=["2023-01-01,2023-12-31"],
        ),
    ] = None,
    updated_since: Annotated[
        AwareDatetime | None,
        Query(description="增量同步：只返回此时刻之后变更的记录 Only records changed after this timestamp"),
    ] = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（成员资格以状态变更结束，不会删除）", "none (memberships end by a transition)")
    ] = False,
) -> JSONResponse:
    period = parse_period(active_between, "active_between")
    page = await service.list_memberships(
        session,
        alliance_id=alliance_id,
        org_id=org_id,
        status=status.value if status else None,
        role=role.value if role else None,
        active_between=period,
        since=Since.of(since_token, updated_since),
        cursor=cursor,
        limit=limit,
    )
    items = await service.render(session, page.rows)
    return JSONResponse(
        {
            "items": [i.model_dump(mode="json", by_alias=True) for i in items],
            "next_cursor": page.next_cursor,
            "sync_token": page.sync_token,
        }
    )


@router.get(
    "/{membership_id}",
    response_model=MembershipPublic,
    dependencies=[READ],
    summary="成员资格详情 Get a membership",
    description="成员资格详情，含完整的事件历史，带 `ETag` 与 `Last-Modified`。\n\n"
    "With its full event history (`events`).",
    responses={200: {"content": {"application/json": {"example": EXAMPLE}}}, **problem_responses(404)},
)
async def get_membership(membership_id: uuid.UUID, session: SessionDep) -> JSONResponse:
    m = await service.get_membership(session, membership_id)
    return _one((await service.render(session, [m], with_events=True))[0])


@router.post(
    "/{membership_id}/transitions",
    response_model=MembershipPublic,
    dependencies=[WRITE],
    summary="变更状态或角色 Transition a membership",
    description="追加一个状态或角色变更事件，按成员资格的生命周期校验；非法变更返回 409 并列出允许的目标状态。\n\n"
    "Appends an event. Lifecycle: invited → active (accepted) | declined | withdrawn (the invitation "
    "withdrawn); pending → active | rejected | withdrawn; active → suspended | withdrawn | expelled; suspended → "
    "active | withdrawn | expelled; the others are final. Send the current status with a new `role` to change only "
    "the role. 409 for an illegal transition (the allowed ones are named), for an `effective_on` before the latest "
    "event, and for a second chair. Returns the membership with its events.\n\n**谁可以 Who:** platform admins "
    "every move (they confirm an invitation on the organization's behalf); the alliance's admins every move except "
    "answering an invitation (`invited` → `active`/`declined` is the organization's); the member organization's "
    "own org_admin to accept or decline an invitation, or to withdraw (退出) a pending/active/suspended membership, "
    "effective today and without a role change. Anyone else gets 403.",
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def transition_membership(
    membership_id: uuid.UUID, body: MembershipTransitionCreate, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:
    current = await service.get_membership(session, membership_id, for_update=True)
    tenancy.ensure_may_transition(principal, current, body)
    m = await service.transition(session, membership_id=membership_id, data=body, actor=principal.actor)
    response = _one((await service.render(session, [m], with_events=True))[0])
    await session.commit()
    return response
