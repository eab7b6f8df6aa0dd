"""`GET /v1/alliances/{id}/experts` — the alliance's expert pool 专家库: people of its member units (the outside
experts it engages are the pool's other part: services/membership/alliances/routes_experts.py)."""

from __future__ import annotations

import uuid
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep, allow
from chanjiao.dates import IsoDate, today
from chanjiao.errors import NotFound, problem_responses
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.sync import SYNC_DOC, Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query, sync_page
from services.membership.alliances import service as alliances
from services.membership.alliances.expert_service import may_read_pool, members_on
from services.membership.memberships.models import Membership
from services.membership.organizations.models import Organization
from services.membership.people.models import Person, PersonTag
from services.membership.people.schemas import PersonPublic, render
from services.membership.tombstone import ListTombstone

router = APIRouter(prefix="/v1/alliances", tags=["alliances"])


class Expert(PersonPublic):
    org_name: str


class ExpertPage(BaseModel):
    as_of: IsoDate
    items: list[Expert | ListTombstone]
    next_cursor: str | None = None
    sync_token: str | None = None


EXAMPLE = {
    "as_of": "2025-06-30",
    "next_cursor": None,
    "sync_token": "7400",
    "items": [
        {
            "id": "019abf2e-0000-7000-8000-0000000000aa",
            "name": "王建国",
            "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
            "org_name": "山东化工职业学院",
            "title": "教授",
            "skill_level": None,
            "skill_level_label": None,
            "tags": ["dual_qualified", "expert"],
            "tag_labels": ["双师型", "专家"],
            "phone_masked": "138****5678",
            "version": 1,
            "created_at": "2026-11-25T08:00:00Z",
            "updated_at": "2026-11-25T08:00:00Z",
        }
    ],
}


@router.get(
    "/{alliance_id}/experts",
    response_model=ExpertPage,
    dependencies=[allow(scopes=("membership:read",))],
    summary="专家库 The alliance's expert pool",
    description="People tagged `tag` (default `expert`; also `skill_master` 技能大师, `craftsman` 工匠, "
    "`dual_qualified` 双师型) whose organization is a member (active or suspended) of the alliance on `as_of` "
    "(default today). Phones are masked. Private to the alliance: its admins, principals of organizations that "
    "are members on `as_of`, services with `membership:read` and platform admins; anyone else gets 404."
    " Outside experts 外聘专家 (not people of a member unit) are the pool's other part: "
    "`GET /v1/alliances/{alliance_id}/outside-experts`, same readers and the same `as_of` rule."
    "\n\n联盟专家库（成员单位的人员；外聘专家见 outside-experts），支持增量同步。"
    "A row is a person: a change of the person (name, tags, "
    "deletion) writes it and syncs."
    + SYNC_DOC
    + "`include_deleted=true` adds a tombstone `{id, deleted: true, deleted_at}` for each person of an "
    "organization that is or was a member who is not in the pool on `as_of` (deleted, or no longer tagged "
    "`tag`). A member organization joining or leaving writes its membership, not its people: when "
    "`GET /v1/alliances/{alliance_id}/members` shows such a change, pull the pool again without a token.",
    responses={200: {"content": {"application/json": {"example": EXAMPLE}}}, **problem_responses(404, 422)},
)
async def list_experts(
    alliance_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    as_of: Annotated[
        IsoDate | None, Query(description="查询日期（默认今天，北京时间） The day (default today, Asia/Shanghai)")
    ] = None,
    tag: Annotated[PersonTag, Query(description="人才标签 Talent tag (default expert)")] = PersonTag.expert,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("不在专家库中的人员（已删除等）", "people not in the pool (deleted, …)")
    ] = False,
) -> JSONResponse:
    await alliances.get_alliance(session, alliance_id)
    day = as_of or today()
    members = members_on(alliance_id, day)
    if not await may_read_pool(session, principal, alliance_id, day):
        raise NotFound(detail_zh="没有可查看的专家库", detail_en="No expert pool you may read")
    since = Since.of(since_token, updated_since)
    in_pool = sa.and_(Person.deleted_at.is_(None), Person.tags.contains([tag.value]), Person.org_id.in_(members))
    stmt = sa.select(Person, in_pool.label("in_pool"))
    if include_deleted:  # the people of organizations that ever joined: those not in the pool are tombstones
        ever = sa.select(Membership.org_id).where(
            Membership.alliance_id == alliance_id, Membership.joined_on.is_not(None)
        )
        stmt = stmt.where(Person.org_id.in_(ever))
    else:
        stmt = stmt.where(in_pool)
    page = await sync_page(session, stmt, Person, since=since, cursor=cursor, limit=limit)
    rows = [p for p, pooled in page.rows if pooled]
    names = (
        dict(
            (
                await session.execute(
                    sa.select(Organization.id, Organization.name).where(Organization.id.in_({p.org_id for p in rows}))
                )
            ).all()
        )
        if rows
        else {}
    )
    items: list[Expert | ListTombstone] = [
        Expert(**render(p).model_dump(), org_name=names.get(p.org_id, ""))
        if pooled
        else ListTombstone(id=p.id, deleted_at=p.deleted_at or p.updated_at)
        for p, pooled in page.rows
    ]
    return JSONResponse(
        {
            "as_of": day.isoformat(),
            "items": [i.model_dump(mode="json") for i in items],
            "next_cursor": page.next_cursor,
            "sync_token": page.sync_token,
        }
    )
