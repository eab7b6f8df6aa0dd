"""`/v1/learners` — thin endpoints: check who may, check organizations, call one service function, commit once."""

import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, not_modified, one, recorded
from chanjiao.spreadsheets import EXPORT_NOTE, Export, Listing, list_ok
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.learners import service
from services.training.learners.access import ERASE, READ, REVEAL, WRITE, registering_org
from services.training.learners.deps import DirectoryDep, PdDep
from services.training.learners.models import LearnerType
from services.training.learners.schemas import (
    EXAMPLE_ID_NUMBER,
    ErasureRequest,
    LearnerCreate,
    LearnerPage,
    LearnerPublic,
    LearnerRevealed,
    LearnerSearch,
    LearnerUpdate,
    RevealRequest,
    render,
    render_page,
)

router = APIRouter(prefix="/v1/learners", tags=["learners"])

_GENDER = {"male": "男", "female": "女"}
# Masked columns only: a full ID number or phone never leaves in an export.
EXPORT = Export(
    "学员",
    [
        ("姓名", "name"),
        ("证件类型", "id_type_label"),
        ("证件号码（脱敏）", "id_number_masked"),
        ("性别", lambda r: _GENDER.get(r.gender, r.gender)),
        ("出生年份", "birth_year"),
        ("手机号码（脱敏）", "phone_masked"),
        ("学员类型", "learner_type_label"),
        ("当前所在单位ID", "current_org_id"),
        ("学员ID", "id"),
    ],
    "learners.xlsx",
    "学员.xlsx",
)

# Header of the 200 answer to a create whose learner was registered already (documented on the route).
EXISTING_HEADER = "Chanjiao-Existing-Resource"

PRIVATE = (
    "\n\n**谁能看到 Who sees a learner:** a learner record belongs to the organization that registered it; only "
    "that organization's principals see it (enrolling the person elsewhere, recording an internship or holding a "
    "record of the same person gives no other organization sight of it). Anyone else gets 404 and does not see it "
    "in lists; platform admins and services with `training:read` see every record. Only masked ID numbers and "
    "phones are ever returned."
)
WHO_WRITES = (
    "\n\n**谁可以 Who:** an org_admin or org_staff (user or API key) of the organization that owns the learner "
    "record, and platform admins; to anyone else the record is 404, as if it did not exist."
)

_ID = "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d"
_ORG = "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b"
_EXAMPLE = {
    "id": _ID,
    "name": "张三",
    "id_type": "resident_id",
    "id_type_label": "居民身份证",
    "id_number_masked": "1101************17",
    "gender": "male",
    "birth_year": 1880,
    "phone_masked": "138****5678",
    "learner_type": "student",
    "learner_type_label": "学生",
    "current_org_id": _ORG,
    "erased": False,
    "erased_at": None,
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}
_ERASED_EXAMPLE = {
    **_EXAMPLE,
    "name": "已注销",
    "id_number_masked": None,
    "phone_masked": None,
    "erased": True,
    "erased_at": "2026-12-01T08:00:00+00:00",
    "version": 2,
    "updated_at": "2026-12-01T08:00:00+00:00",
}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post(
    "",
    status_code=201,
    response_model=LearnerPublic,
    dependencies=[WRITE],
    summary="登记学员 Register a learner",
    description="登记一条属于本单位的学员记录；证件号码按证件类型校验，加密保存，读取时只显示脱敏号码。\n\n"
    "Registers a learner record owned by your organization (`org_id`: omit it, or send your own; a "
    "platform admin names one); `current_org_id` (where the learner studies or works now — an attribute, it grants "
    "nothing), when given, must be an existing, active organization. `id_number` is validated for `id_type` "
    "(resident IDs: GB 11643 check digit, no "
    "region or age check), stored encrypted with a keyed hash, and read back only masked; gender and birth year "
    "are derived from a resident ID. `phone` is stored encrypted and read back as `phone_masked`.\n\n"
    "**One record per organization.** When your organization registered the same document (type + number) already, "
    f"the answer is `200` (not 201) with that record and the header `{EXISTING_HEADER}: true`, and the record is "
    "not changed (correct it with PATCH); when the name differs from your record's the answer is 409 "
    "`learner-name-conflict`, which reveals neither the registered name nor anything else. Another organization's "
    "record of the same person changes nothing here: you get your own new record (201), exactly as for a person "
    "nobody registered (the platform counts the person once in its figures). Two systems of your organization "
    "registering the same person at the same time end with one record. Send `Idempotency-Key` so a retry never "
    "doubles." + WHO_WRITES.replace("that owns the learner record", "registering it"),
    responses={
        201: {
            "description": "Registered",
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        200: {
            "description": f"Already registered by your organization: your record, `{EXISTING_HEADER}: true`",
            "headers": {
                EXISTING_HEADER: {"schema": {"type": "string", "enum": ["true"]}},
                "Location": {"schema": {"type": "string"}},
            },
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(400, 401, 403, 409, 422),
    },
)
async def create_learner(
    body: LearnerCreate,
    session: SessionDep,
    principal: PrincipalDep,
    pd: PdDep,
    directory: DirectoryDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    org_id = registering_org(principal, body.org_id, loc=["body", "org_id"])
    await directory.require_active({"org_id": org_id, "current_org_id": body.current_org_id})
    done = await service.register_learner(session, data=body, org_id=org_id, pd=pd, actor=principal.actor)
    location = f"/v1/learners/{done.learner.id}"
    public = render(done.learner)
    if done.created:
        return await created(session, idem, public, location=location)
    return await recorded(session, idem, one(public, 200, Location=location, **{EXISTING_HEADER: "true"}))


@router.get(
    "",
    response_model=LearnerPage,
    dependencies=[READ],
    summary="查询学员 List learners",
    description="按学员类型、当前单位和姓名筛选你可见的学员，游标分页；支持用 `since_token` 增量同步，"
    "也可导出为 `.xlsx`（只含脱敏号码）。\n\n"
    "Keyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `learner_type`, `current_org_id`, "
    "`q` (any part of the name). Incremental sync: pass the `sync_token` of your last pull as `since_token` "
    "(docs/sync.md; `updated_since` still works but can miss a slow transaction's rows); `include_deleted=true` "
    "adds tombstones of erased (anonymised) learners. Look a learner up by ID number with "
    "`POST /v1/learners/search` — never in a query string." + EXPORT_NOTE + " The export holds masked ID numbers "
    "and phones only." + PRIVATE,
    responses={**list_ok({"items": [_EXAMPLE], "next_cursor": None}), **problem_responses(422)},
)
async def list_learners(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    learner_type: Annotated[LearnerType | None, Query(description="学员类型 Learner type")] = None,
    current_org_id: Annotated[
        uuid.UUID | None, Query(description="当前所在单位 Current organization (school or employer)")
    ] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=50, description="姓名关键字 Part of the name")] = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[bool, include_deleted_query("已抹除学员", "erased learners")] = False,
) -> Response | LearnerPage:
    listing = Listing.of(request, cursor, limit)
    page = await service.list_learners(
        session,
        visible=service.visible_filter(principal),
        learner_type=learner_type.value if learner_type else None,
        current_org_id=current_org_id,
        q=q,
        since=Since.of(since_token, updated_since),
        include_deleted=include_deleted and not listing.export,
        cursor=listing.cursor,
        limit=listing.limit,
    )
    answer = partial(LearnerPage, sync_token=page.sync_token)
    return await listing.answer(answer, render_page(page.rows), page.next_cursor, EXPORT)


@router.post(
    "/search",
    response_model=LearnerPublic,
    dependencies=[READ],
    summary="按证件号码查找学员 Find a learner by ID number",
    description="按证件号码查找本单位的学员：号码放在请求体中，不会出现在网址或访问日志里；只在本单位的记录中查找。"
    "\n\n"
    "The full number travels in the body, so it never lands in a URL or an access log. Answers the "
    "record (masked) of your organization; 404 alike when nobody has that number and when only another "
    "organization registered it (a search looks only among your records, so it reveals nothing across "
    "organizations). Register the learner with `POST /v1/learners` to create your own record." + PRIVATE,
    responses={
        200: {
            "headers": {"ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": _EXAMPLE}},
        },
        **problem_responses(401, 403, 404, 422),
    },
)
async def search_learner(body: LearnerSearch, session: SessionDep, principal: PrincipalDep, pd: PdDep) -> Response:
    learner = await service.search(session, principal, id_type=body.id_type.value, number=body.id_number, pd=pd)
    return one(render(learner), **NO_STORE)


@router.get(
    "/{learner_id}",
    response_model=LearnerPublic,
    dependencies=[READ],
    summary="学员详情 Get a learner",
    description="学员详情，带 `ETag` 与 `Last-Modified`，证件号码和手机号只显示脱敏形式；"
    "已注销的学员以匿名形式返回。\n\n"
    "Carries an `ETag`; send it back as `If-None-Match` for a cheap 304, or as `If-Match` when you "
    "PATCH. An erased learner is still returned, anonymised (`erased: true`, name 已注销, no number or phone): the "
    "records that reference it stay." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": _EXAMPLE}}},
        304: {"description": "Not modified"},
        **problem_responses(404, 422),
    },
)
async def get_learner(
    learner_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    learner = await service.get_visible(session, principal, learner_id)
    return not_modified(if_none_match, learner.version) or one(render(learner))


@router.patch(
    "/{learner_id}",
    response_model=LearnerPublic,
    dependencies=[WRITE],
    summary="更正学员信息 Correct a learner",
    description="更正学员的姓名、手机号、学员类型、当前单位或证件号码；请带上 `If-Match`（过期则 412）。\n\n"
    "Partial update of `name`, `phone` (`null` clears it), `learner_type`, `current_org_id` (an "
    "existing, active organization; `null` clears it). Correcting the document itself: send "
    "`id_number` (and `id_type` if it changes) — it is validated, re-encrypted and re-hashed, and gender and birth "
    "year derived again; 409 `learner-id-number-taken` when another record of your organization holds that number "
    "(other organizations' records do not count). `membership_person_id` names the membership person the record is "
    "(a person of the owner or of `current_org_id`, else 422 `person_not_found`; `null` clears it) — 成员服务人员。"
    "An erased learner "
    "cannot be changed (409). Audited: the audit row names the fields changed, never the name, number or phone. "
    "Send `If-Match` with the ETag you read (stale → 412)." + WHO_WRITES,
    responses={
        200: {"content": {"application/json": {"example": {**_EXAMPLE, "version": 2}}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def update_learner(
    learner_id: uuid.UUID,
    body: LearnerUpdate,
    session: SessionDep,
    principal: PrincipalDep,
    pd: PdDep,
    directory: DirectoryDep,
    if_match: IfMatch = None,
) -> Response:
    own = await service.require_own_learner(session, principal, learner_id)
    if body.current_org_id is not None:
        await directory.require_active({"current_org_id": body.current_org_id})
    if body.membership_person_id is not None:
        # The person of the record's owner or of its current organization (the teacher's school); one answer else.
        current = body.current_org_id if "current_org_id" in body.model_fields_set else own.current_org_id
        person = await directory.person(body.membership_person_id)
        orgs = {own.owner_org_id, current}
        await directory.require_person_of(
            "membership_person_id",
            body.membership_person_id,
            (person.org_id if person is not None and person.org_id in orgs else own.owner_org_id),
        )
    learner = await service.update_learner(
        session, learner_id=learner_id, changes=body, if_match=if_match, pd=pd, actor=principal.actor
    )
    public = render(learner)
    await session.commit()
    return one(public)


@router.post(
    "/{learner_id}/reveal",
    response_model=LearnerRevealed,
    dependencies=[REVEAL],
    summary="查看完整证件号码 Reveal a learner's full ID number",
    description="查看学员的完整证件号码，用于须报送完整号码的场合；需要 `training:reveal` 权限并填写理由，"
    "每次查看都记入审计日志。应答不缓存（`Cache-Control: no-store`）。\n\n"
    "For submissions that need the full number (e.g. to the human-resources authority). Needs the "
    "scope `training:reveal` and the role org_admin of the organization that owns the record (or a platform "
    "admin); org_staff and keys without the scope get 403; any other organization gets 404. `reason` (2–200 "
    "characters, no long numbers) is "
    "required. Every reveal writes an audit row — who, when, why; never the number. The answer carries "
    "`Cache-Control: no-store`; it is not kept for `Idempotency-Key` replays. An erased learner has no number "
    "(409).",
    responses={
        200: {
            "headers": {"Cache-Control": {"schema": {"type": "string", "enum": ["no-store"]}}},
            "content": {
                "application/json": {
                    "example": {
                        "id": _ID,
                        "id_type": "resident_id",
                        "id_number": EXAMPLE_ID_NUMBER,
                        "revealed_at": "2026-11-25T08:00:00+00:00",
                    }
                }
            },
        },
        **problem_responses(401, 403, 404, 409, 422),
    },
)
async def reveal_learner(
    learner_id: uuid.UUID, body: RevealRequest, session: SessionDep, principal: PrincipalDep, pd: PdDep
) -> Response:
    learner = await service.require_own_learner(session, principal, learner_id)
    number = await service.reveal(session, learner=learner, reason=body.reason, pd=pd, actor=principal.actor)
    revealed = LearnerRevealed(id=learner.id, id_type=learner.id_type, id_number=number, revealed_at=datetime.now(UTC))
    await session.commit()
    return JSONResponse(revealed.model_dump(mode="json"), headers=NO_STORE)


@router.post(
    "/{learner_id}/erasure",
    response_model=LearnerPublic,
    dependencies=[ERASE],
    summary="注销学员个人信息 Erase a learner (anonymise)",
    description="按个人信息保护法注销学员个人信息：姓名改为“已注销”，清除证件号码和手机号；引用该学员的记录保留，"
    "统计数字不变。\n\n"
    "PIPL erasure by anonymisation of your organization's record: the name becomes 已注销; the ID "
    "number, phone, keyed hash and masked forms are cleared; gender, birth year, learner type, current organization "
    "and every record referencing the learner (enrolments, internships …) stay, so the figures do not change. "
    "Another organization's record of the same person is not touched. `reason` is required and kept in the audit "
    "row (which, like every learner audit row, "
    "holds no name, number or phone). Lists show the learner as a tombstone with `include_deleted=true`.\n\n"
    "**谁可以 Who:** the org_admin of the organization that owns the record, and platform admins; to any other "
    "organization the record is 404.",
    responses={
        200: {"content": {"application/json": {"example": _ERASED_EXAMPLE}}},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def erase_learner(
    learner_id: uuid.UUID,
    body: ErasureRequest,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    learner = await service.require_own_learner(session, principal, learner_id, for_update=True)
    learner = await service.erase_learner(
        session, learner=learner, reason=body.reason, if_match=if_match, actor=principal.actor
    )
    public = render(learner)
    await session.commit()
    return one(public)
