"""`/v1/certified-posts` — thin endpoints: check the caller, the organization and the holder (a membership person of
the post's organization, looked up through services/training/orgs.py, or a learner record it owns), call one
service function, commit once."""

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.dates import IsoDate
from chanjiao.errors import field_error, problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, render_rows
from chanjiao.spreadsheets import EXPORT_NOTE, Export, Listing
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.certificates.rules import CertificateKind
from services.training.certified_posts import service
from services.training.certified_posts.models import CertifiedPost
from services.training.certified_posts.schemas import (
    LEVEL_RULE,
    CertifiedPostCreate,
    CertifiedPostPage,
    CertifiedPostPublic,
    CertifiedPostUpdate,
    HolderCreate,
    HolderList,
    HolderPublic,
    render,
    render_holder,
)
from services.training.learners.service import require_own_learner
from services.training.orgs import org_directory
from services.training.parties import READ, WRITE, Tombstone, ensure_party, equal, list_responses, private, who

router = APIRouter(prefix="/v1/certified-posts", tags=["certified-posts"])

PostId = Annotated[uuid.UUID, Path(description="持证岗位 ID — The certified post's id")]
HolderId = Annotated[uuid.UUID, Path(description="在岗记录 ID — The holding's id")]

EXPORT = Export(
    "持证岗位",
    [
        ("岗位", "name"),
        ("证书种类", "required_kind_label"),
        ("职业（工种）", "occupation_name"),
        ("职业代码", "occupation_code"),
        ("最低等级", "min_level"),
        ("定岗人数", "headcount"),
        ("单位ID", "org_id"),
        ("岗位ID", "id"),
    ],
    "certified-posts.xlsx",
    "持证岗位.xlsx",
)
WHO = who("org_id")
PRIVATE = private("org_id")
_EXAMPLE = {
    "id": "019abf42-3c4d-7e5f-8a6b-7c8d9e0f1a2c",
    "org_id": "019abf2e-0000-7000-8000-000000000002",
    "name": "天车工",
    "required_kind": "special_equipment",
    "required_kind_label": "特种设备作业人员证",
    "occupation_name": "起重机司机",
    "occupation_code": None,
    "min_level": None,
    "headcount": 12,
    "version": 1,
    "created_at": "2026-12-03T08:00:00+00:00",
    "updated_at": "2026-12-03T08:00:00+00:00",
}
_HOLDER_EXAMPLE = {
    "id": "019abf43-0000-7000-8000-00000000000a",
    "post_id": _EXAMPLE["id"],
    "org_id": _EXAMPLE["org_id"],
    "person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d",
    "learner_id": None,
    "name": "刘师傅",
    "since": "2024-03-01",
    "until": None,
    "version": 1,
    "created_at": "2026-12-03T08:00:00+00:00",
    "updated_at": "2026-12-03T08:00:00+00:00",
}
RULES = (
    "\n\nRules: `org_id` is your own organization, existing and active (422 naming the field; 503 with `Retry-After` "
    "when membership cannot confirm it — nothing is saved). " + LEVEL_RULE + " The occupation, when named, narrows "
    "the certificates that satisfy the post (`GET /v1/certificates/compliance`)."
)
HOLDER_RULES = (
    "\n\nRules: exactly one of `person_id` — a person of the membership service whose organization is the post's "
    "(else 422 `person_not_found`, the same answer for a person that does not exist, was deleted or belongs to "
    "another organization; 503 when membership cannot confirm it) — and `learner_id` — a learner record your "
    "organization owns (another organization's record is 404, as if it did not exist; an erased one 409 "
    "`learner-erased`) — else 422 `one_of`. `since` (default today) may not be in the future. A holder already "
    "on the post on or after `since` is 409 `post-holder-overlaps`. Adding or ending a holder makes a new version of "
    "the post (its ETag and its sync)."
)


# ---- posts -------------------------------------------------------------------------------------------------------
@router.post(
    "",
    status_code=201,
    response_model=CertifiedPostPublic,
    dependencies=[WRITE],
    summary="登记持证岗位 Record a post that requires a certificate",
    description="登记本单位要求持证上岗的岗位（如天车工、电工）：所需证书种类、职业（工种）和最低等级。\n\n"
    "A post of your organization whose holders must hold a certificate (持证上岗): the kind, optionally the "
    "occupation and the lowest level. Send `Idempotency-Key` so a retry never records it twice." + RULES + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422, 503),
    },
)
async def create_certified_post(
    request: Request,
    body: CertifiedPostCreate,
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
    response_model=CertifiedPostPage,
    dependencies=[READ],
    summary="查询持证岗位 List certified posts",
    description="按单位和证书种类筛选持证岗位，游标分页；支持增量同步，也可导出为 `.xlsx`。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `org_id`, `required_kind`. Incremental sync: "
    "`since_token` (or `updated_since`); `include_deleted=true` adds tombstones. Adding or ending a holder is a new "
    "version of its post, so a pull brings the posts whose holders changed." + EXPORT_NOTE + PRIVATE,
    responses=list_responses(_EXAMPLE),
)
async def list_certified_posts(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    org_id: Annotated[uuid.UUID | None, Query(description="单位 — The post's organization")] = None,
    required_kind: Annotated[
        CertificateKind | None, Query(description="证书种类 — The certificate kind the post requires")
    ] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已删除岗位", "deleted posts")] = False,
) -> Response | CertifiedPostPage:
    listing = Listing.of(request, cursor, limit)
    t: Any = CertifiedPost
    page = await service.page(
        session,
        principal,
        where=equal((t.org_id, org_id), (t.required_kind, required_kind.value if required_kind else None)),
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted and not listing.export,
        cursor=listing.cursor,
        limit=listing.limit,
    )
    answer = partial(CertifiedPostPage, sync_token=page.sync_token)
    return await listing.answer(answer, render_rows(page.rows, render, Tombstone), page.next_cursor, EXPORT)


@router.get(
    "/{post_id}",
    response_model=CertifiedPostPublic,
    dependencies=[READ],
    summary="持证岗位详情 Get a certified post",
    description="持证岗位详情，带 `ETag` 与 `Last-Modified`；只对本单位可见。\n\n"
    "Carries an `ETag` (`If-None-Match` → 304; `If-Match` on PATCH/DELETE)." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_certified_post(
    post_id: PostId, session: SessionDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None
) -> Response:
    row = await service.get_visible(session, principal, post_id)
    return not_modified(if_none_match, row.version) or one(render(row))


@router.patch(
    "/{post_id}",
    response_model=CertifiedPostPublic,
    dependencies=[WRITE],
    summary="修改持证岗位 Update a certified post",
    description="部分更新持证岗位（单位不可更改）；请带上 `If-Match`（过期则 412）。\n\n"
    "Partial update: only the fields sent change; `null` clears the occupation, `min_level` and `headcount`. The "
    "organization never changes; a new `required_kind` must still fit `min_level` (send both). Send `If-Match` with "
    "the ETag you read (stale → 412)." + RULES + WHO,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 412, 422),
    },
)
async def update_certified_post(
    post_id: PostId,
    body: CertifiedPostUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    row = await service.get_visible(session, principal, post_id, for_update=True)
    ensure_party(principal, row.org_id)
    row = await service.update(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
    response = one(render(row))
    await session.commit()
    return response


@router.delete(
    "/{post_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="删除持证岗位 Delete a certified post",
    description="软删除持证岗位：从读取、列表和持证上岗统计中消失，在增量同步中以墓碑出现。\n\n"
    "Soft delete: gone from reads, lists and the compliance answer; a tombstone in `include_deleted=true` syncs. "
    "Send `If-Match` with the ETag you read (stale → 412)." + WHO,
    responses=problem_responses(401, 403, 404, 412, 422),
)
async def delete_certified_post(
    post_id: PostId, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
) -> Response:
    row = await service.get_visible(session, principal, post_id, for_update=True)
    ensure_party(principal, row.org_id)
    await service.delete(session, row=row, if_match=if_match, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)


# ---- holders ------------------------------------------------------------------------------------------------------
@router.post(
    "/{post_id}/holders",
    status_code=201,
    response_model=HolderPublic,
    dependencies=[WRITE],
    summary="人员上岗 Add a holder to a certified post",
    description="登记某人自某日起在该岗位上岗；人员须是本单位的人员或本单位登记的学员（如企业职工）。\n\n"
    "Someone holds the post from `since`: a membership person of the post's organization or a learner record it "
    "owns (an employee learner). Send `Idempotency-Key` so a retry never adds them twice." + HOLDER_RULES + WHO,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _HOLDER_EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 404, 409, 422, 503),
    },
)
async def add_post_holder(
    request: Request,
    post_id: PostId,
    body: HolderCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    post = await service.get_visible(session, principal, post_id)
    ensure_party(principal, post.org_id)
    if (body.person_id is None) == (body.learner_id is None):
        raise field_error(
            ["body", "person_id"],
            "one_of",
            "person_id 与 learner_id 须给出且只给出一个",
            "Give person_id or learner_id",
        )
    name = learner_name = None
    if body.person_id is not None:
        name = (await org_directory(request).require_person_of("person_id", body.person_id, post.org_id)).name
    else:
        assert body.learner_id is not None
        learner = await require_own_learner(session, principal, body.learner_id)
        service.check_learner(learner, post.org_id)
        learner_name = learner.name
    post = await service.get_visible(session, principal, post_id, for_update=True)
    row = await service.add_holder(
        session,
        post=post,
        person_id=body.person_id,
        holder_name=name,
        learner_id=body.learner_id,
        since=body.since,
        actor=principal.actor,
    )
    public = render_holder(row, learner_name)
    return await created(session, idem, public, location=f"{router.prefix}/{post.id}/holders/{row.id}")


@router.get(
    "/{post_id}/holders",
    response_model=HolderList,
    dependencies=[READ],
    summary="岗位在岗人员 List a certified post's holders",
    description="岗位的在岗记录（含已离岗的历史记录）；给出 `as_of` 时只列出当天在岗的人员。\n\n"
    "Every holding of the post, ended ones included (its history), oldest first; with `as_of`, only the holders on "
    "that day (`since` ≤ as_of < `until`). Not paged: it rides on the post's sync (a change of holders is a new "
    "version of the post)." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_HOLDER_EXAMPLE]}}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def list_post_holders(
    post_id: PostId,
    session: SessionDep,
    principal: PrincipalDep,
    as_of: Annotated[IsoDate | None, Query(description="在岗日期 — Only the holders on this day")] = None,
) -> HolderList:
    post = await service.get_visible(session, principal, post_id)
    rows = await service.holders(session, post)
    return HolderList(
        items=[
            render_holder(r, n)
            for r, n in rows
            if as_of is None or (r.since <= as_of and (r.until is None or as_of < r.until))
        ]
    )


@router.get(
    "/{post_id}/holders/{holder_id}",
    response_model=HolderPublic,
    dependencies=[READ],
    summary="在岗记录详情 Get one holding of a certified post",
    description="一条在岗记录：人员、上岗日期和离岗日期；只对本单位可见。\n\n"
    "One holding of the post: who, `since` and `until` (null while on the post)." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": _HOLDER_EXAMPLE}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_post_holder(
    post_id: PostId, holder_id: HolderId, session: SessionDep, principal: PrincipalDep
) -> Response:
    post = await service.get_visible(session, principal, post_id)
    row, name = await service.holder(session, post, holder_id)
    return one(render_holder(row, name))


@router.delete(
    "/{post_id}/holders/{holder_id}",
    status_code=204,
    dependencies=[WRITE],
    summary="人员离岗 End a holding of a certified post",
    description="人员离岗：记录离岗日期（默认今天），在岗记录保留为历史。\n\n"
    "Ends the holding: `until` (default today; the first day no longer on the post, not in the future, not before "
    "`since`) is set and the record is kept in the post's history. A holding already ended is 409 "
    "`post-holding-ended`." + WHO,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def end_post_holder(
    post_id: PostId,
    holder_id: HolderId,
    session: SessionDep,
    principal: PrincipalDep,
    until: Annotated[
        IsoDate | None, Query(description="离岗日期 — The first day no longer on the post (default today)")
    ] = None,
) -> Response:
    post = await service.get_visible(session, principal, post_id, for_update=True)
    ensure_party(principal, post.org_id)
    row, _ = await service.holder(session, post, holder_id, for_update=True)
    await service.end_holder(session, post=post, row=row, until=until, actor=principal.actor)
    await session.commit()
    return Response(status_code=204)
