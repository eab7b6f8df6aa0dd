"""`/v1/people` — thin endpoints: resolve dependencies, call one service function, commit once
(chanjiao/resources.py)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import ORG_ADMIN, ORG_STAFF, PrincipalDep, allow
from chanjiao.crypto import FieldCipher, field_cipher
from chanjiao.dates import AwareDatetime
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, render_rows
from chanjiao.sync import Since, SinceTokenQuery
from services.membership import tenancy
from services.membership.people import service
from services.membership.people.models import Person, PersonTag
from services.membership.people.schemas import (
    PersonCreate,
    PersonPage,
    PersonPublic,
    PersonTombstone,
    PersonUpdate,
    render,
)

router = APIRouter(prefix="/v1/people", tags=["people"])

READ = allow(scopes=("membership:read",))
# Who may write (services/membership/tenancy.py): the person's own organization (org_admin or org_staff, users or
# its API key) and platform admins. People are private: others read them only as tenancy.can_read_private says.
WRITE = allow(roles=(ORG_ADMIN, ORG_STAFF), scopes=("membership:write",), tenant="organization")
WHO = (
    "\n\n**谁可以 Who:** the person's own organization (its org_admin or org_staff, or its API key) and platform "
    "admins; anyone else — another organization, an alliance admin — gets 403."
)
PRIVATE = (
    "\n\nPeople are private to their organization: readable by its principals, by services and platform admins; "
    "to anyone else — the admins of an alliance it belongs to included (membership is not visibility) — a person "
    "is 404 and absent from lists. An alliance sees a member's people only as it records them itself: committee "
    "positions and its expert pool (`GET /v1/alliances/{id}/experts`)."
)

# HKDF purpose of the key that encrypts personal data in the membership service.
CIPHER_PURPOSE = "membership/personal-data"


def _cipher(request: Request) -> FieldCipher:
    current, previous = request.app.state.settings.personal_data_secrets()
    return field_cipher(current, CIPHER_PURPOSE, previous)


CipherDep = Annotated[FieldCipher, Depends(_cipher)]

_EXAMPLE = {
    "id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d",
    "name": "王建华",
    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "title": "高级工程师",
    "skill_level": "level_1",
    "skill_level_label": "一级/高级技师",
    "tags": ["skill_master", "craftsman"],
    "tag_labels": ["技能大师", "工匠"],
    "phone_masked": "138****5678",
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}


@router.post(
    "",
    status_code=201,
    response_model=PersonPublic,
    dependencies=[WRITE],
    summary="登记人员 Create a person",
    description="在一个已登记且启用的单位下登记教师、专家、技能大师或企业导师；手机号只写不读，加密保存，"
    "读取时只显示脱敏号码。\n\n"
    "Registers a teacher, expert, skill master or enterprise mentor (learners live in the training "
    "service) at an existing, active organization (`org_id`, else 422). `skill_level` and `tags` are closed "
    "lists. `phone` is write-only personal data: validated as an 11-digit mainland mobile number, stored "
    "encrypted and read back only as `phone_masked`. Send `Idempotency-Key` so a retry never creates a "
    "duplicate." + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422),
    },
)
async def create_person(
    body: PersonCreate,
    session: SessionDep,
    principal: PrincipalDep,
    cipher: CipherDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    tenancy.ensure_org_member(principal, body.org_id)
    person = await service.create_person(session, data=body, cipher=cipher, actor=principal.actor)
    return await created(session, idem, render(person), location=f"{router.prefix}/{person.id}")


@router.get(
    "",
    response_model=PersonPage,
    dependencies=[READ],
    summary="查询人员 List people",
    description="按单位、标签和姓名筛选人员，游标分页；支持用 `since_token` 增量同步，"
    "`include_deleted=true` 时包含墓碑。人员只对其所在单位可见。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `org_id`, `tag`, `q` (any part "
    "of the name, case-insensitive). Incremental sync: pass the `sync_token` of your last pull as `since_token` "
    "(docs/sync.md; `updated_since` still works); "
    '`include_deleted=true` adds tombstones — with `since_token`, also one with `"reason": "not_visible"` for '
    "a person who moved to another organization / 增量同步时，已不可见的记录以 reason=not_visible 的墓碑返回."
    + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_EXAMPLE], "next_cursor": None}}}},
        **problem_responses(422),
    },
)
async def list_people(
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    org_id: Annotated[uuid.UUID | None, Query(description="所在单位 Organization the person belongs to")] = None,
    tag: Annotated[PersonTag | None, Query(description="人才标签 Talent tag")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=50, description="姓名关键字 Part of the name")] = None,
    updated_since: Annotated[
        AwareDatetime | None,
        Query(description="增量同步：只返回此时刻之后变更的记录 Only records changed after this timestamp"),
    ] = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, Query(description="包含已删除人员的墓碑 Include tombstones of deleted people")
    ] = False,
) -> PersonPage:
    visible = tenancy.private_filter(principal, Person.org_id)
    page = await service.list_people(
        session,
        org_id=org_id,
        tag=tag.value if tag else None,
        q=q,
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
        visible=visible,
        exits=service.exit_query(principal, visible),
    )
    items = render_rows(page.rows, render, PersonTombstone)
    return PersonPage(items=items, next_cursor=page.next_cursor, sync_token=page.sync_token)


@router.get(
    "/{person_id}",
    response_model=PersonPublic,
    dependencies=[READ],
    summary="人员详情 Get a person",
    description="人员详情，带 `ETag` 与 `Last-Modified`，手机号只显示脱敏号码。人员只对其所在单位可见，"
    "其他调用方得到 404。\n\n"
    "Carries an `ETag`; send it back as `If-None-Match` for a cheap 304, or as `If-Match` when you "
    "PATCH. The phone is shown only masked." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(404, 422),
    },
)
async def get_person(
    person_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    person = await service.get_person(session, person_id)
    if not await tenancy.can_read_private(session, principal, [person.org_id]):
        raise service.not_found()
    return not_modified(if_none_match, person.version) or one(render(person))


@router.patch(
    "/{person_id}",
    response_model=PersonPublic,
    dependencies=[WRITE],
    summary="修改人员 Update a person",
    description="部分更新人员信息；调入新单位时，此人在原单位不得有未结束的聘任。请带上 `If-Match`（过期则 412）。"
    "\n\n"
    "Partial update: only the fields sent change; `null` clears `title`, `skill_level` or `phone`. "
    "A new `org_id` must be an existing, active organization where the person holds no current "
    "appointment (moving a person needs a principal of both organizations). Send `If-Match` with the ETag you "
    "read (stale → 412)." + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_person(
    person_id: uuid.UUID,
    body: PersonUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    cipher: CipherDep,
    if_match: IfMatch = None,
) -> Response:
    current = await service.get_person(session, person_id, for_update=True)
    tenancy.ensure_org_member(principal, current.org_id, *([body.org_id] if body.org_id else []))
    await service.update_person(
        session, person=current, changes=body, if_match=if_match, cipher=cipher, actor=principal.actor
    )
    response = one(render(current))
    await session.commit()
    return response


@router.delete(
    "/{person_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除人员 Delete a person",
    description="软删除人员；仍有未结束的聘任时不能删除（409），请先结束或删除聘任。\n\n"
    "Soft delete: the person disappears from reads and lists, and appears as a tombstone in "
    "`include_deleted=true` syncs. A person who still holds an appointment that has not ended (open, or "
    "ending today or later) cannot be deleted (409): end or delete it first." + WHO,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def delete_person(
    person_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    current = await service.get_person(session, person_id, for_update=True)
    tenancy.ensure_org_member(principal, current.org_id)
    await service.delete_person(session, person=current, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
