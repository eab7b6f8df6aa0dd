"""`/v1/certificates` — issue, record, read and list certificates: thin endpoints that check the caller, the
organizations and the holder (a learner the holder organization owns, or a membership person of it), call one
service function and answer. The status actions and reviews are in routes_status.py, a learner's certificates in
routes_learner.py."""

import uuid
from datetime import date
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from chanjiao.app import SessionDep
from chanjiao.auth import Principal, PrincipalDep
from chanjiao.dates import IsoDate, today
from chanjiao.errors import field_error, problem_responses
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.pagination import CursorQuery, LimitQuery
from chanjiao.resources import created, one
from chanjiao.spreadsheets import EXPORT_NOTE, Export, Listing
from chanjiao.sync import Since, SinceTokenQuery, UpdatedSinceQuery, include_deleted_query
from services.training.certificates import service
from services.training.certificates.models import Certificate
from services.training.certificates.rules import CertificateKind, Status
from services.training.certificates.schemas import (
    CertificateIssue,
    CertificatePage,
    CertificatePublic,
    CertificateRecord,
    check_certificate_fields,
)
from services.training.learners.service import erased, require_own_learner
from services.training.orgs import org_directory
from services.training.parties import READ, WRITE, ensure_party, equal, list_responses

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])

CertificateId = Annotated[uuid.UUID, Path(description="证书ID — Certificate id")]
AsOf = Annotated[
    IsoDate | None,
    Query(description="状态推算日期（默认今天） — Derive the status as of this day (default today, Asia/Shanghai)"),
]

EXAMPLE: dict[str, Any] = {
    "id": "019abf50-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "kind": "skill_level_1x",
    "kind_label": "1+X 职业技能等级证书",
    "number": "1X2024370700165",
    "recorded": False,
    "issuer_authority": "platform_org",
    "issuer_authority_label": "平台成员单位",
    "issuer_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "issuer_name": "潍坊职业学院",
    "holder_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "learner_id": "019abf40-0000-7000-8000-000000000001",
    "person_id": None,
    "holder_name": "李四",
    "occupation_name": "工业机器人操作与运维",
    "occupation_code": "6-31-01-10",
    "level": "中级",
    "issued_on": "2024-06-30",
    "valid_until": None,
    "next_review_on": None,
    "programme_id": None,
    "appraisal_id": None,
    "status": "valid",
    "status_label": "有效",
    "status_on": "2026-12-03",
    "status_reason": None,
    "status_changed_on": None,
    "replaces_id": None,
    "replaced_by_id": None,
    "evidence": None,
    "verification_code": "q3J8tV0bXc1mZpR5wK2yL9nA4dE7fG6h",
    "verification_url": "https://chanjiao.example.cn/v1/certificates/verify?code=q3J8tV0bXc1mZpR5wK2yL9nA4dE7fG6h",
    "version": 1,
    "created_at": "2026-11-25T08:00:00+00:00",
    "updated_at": "2026-11-25T08:00:00+00:00",
}
RECORDED_EXAMPLE = {
    **EXAMPLE,
    "kind": "special_operations",
    "kind_label": "特种作业操作证",
    "number": "T3707************11",
    "recorded": True,
    "issuer_authority": "emergency_management",
    "issuer_authority_label": "应急管理部门",
    "issuer_org_id": None,
    "issuer_name": "潍坊市应急管理局",
    "holder_org_id": "019abf2e-0000-7000-8000-000000000002",
    "learner_id": None,
    "person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d",
    "holder_name": "王建华",
    "occupation_name": "低压电工作业",
    "occupation_code": None,
    "level": None,
    "issued_on": "2023-03-15",
    "valid_until": "2029-03-15",
    "next_review_on": "2026-03-15",
    "evidence": "扫描件：档案柜 A-12",
}
EXPORT = Export(
    "证书",
    [
        ("证书编号", "number"),
        ("证书类别", "kind_label"),
        ("持证人", "holder_name"),
        ("学员ID", "learner_id"),
        ("人员ID", "person_id"),
        ("职业名称", "occupation_name"),
        ("职业编码", "occupation_code"),
        ("等级", "level"),
        ("发证日期", "issued_on"),
        ("有效期至", "valid_until"),
        ("下次复审日期", "next_review_on"),
        ("状态", "status_label"),
        ("状态原因", "status_reason"),
        ("外部登记（非平台颁发）", "recorded"),
        ("发证机关", "issuer_name"),
        ("发证机关类别", "issuer_authority_label"),
        ("培训项目ID", "programme_id"),
        ("核验链接", "verification_url"),
        ("证书ID", "id"),
    ],
    "certificates.xlsx",
    "证书.xlsx",
)
CREATED = {"headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}}}
COMMON_RULES = (
    "\n\nRules: exactly one holder — `learner_id` (a learner record your organization registered: another "
    "organization's is 404, as if it did not exist; one owned by another organization than the holder is 422 "
    "`learner_not_of_holder`; an erased learner is 409) or `person_id` (a membership person of the holder "
    "organization, else 422 `person_not_found`); `level` one of the kind's levels when it has them and required when "
    "the kind needs one (422 `level` / `required`); `valid_until` and `next_review_on` default from the kind "
    "(docs/domain.md), both ≥ `issued_on` (422); `programme_id` a programme the holder organization provides or "
    "partners in (422 `programme_not_of_issuer`); `replaces_id` (换证/补证) a certificate of the same holder "
    "organization and holder (422 otherwise) not replaced yet (409 `certificate-already-replaced`) — it stays as it "
    "is and shows `replaced_by_id`. The answer carries the verification code and URL (the QR code's link). Send "
    "`Idempotency-Key` so a retry never issues twice."
)
WHO_WRITE = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of the holder organization "
    "with `training:write`, and platform admins; anyone else gets 403."
)
PRIVATE = (
    "\n\n**可见 Visible to:** principals of the holder organization (`holder_org_id`), service principals with "
    "`training:read` and platform admins; to anyone else the certificate is 404 and absent from lists."
)


def settings_of(request: Request) -> Any:
    return request.app.state.settings


def as_of_day(as_of: date | None) -> date:
    """The day a status is derived for: `as_of` (between 1950 and 2999, else 422 naming it) or today."""
    if as_of is None:
        return today()
    if not date(1950, 1, 1) <= as_of <= date(2999, 12, 31):
        raise field_error(["query", "as_of"], "range", "日期须在 1950 至 2999 年之间", "Between 1950 and 2999")
    return as_of


async def holder_name(
    request: Request, session: SessionDep, principal: Principal, body: Any, holder_org_id: uuid.UUID
) -> str:
    """The holder's name: of the learner record the holder organization owns, or of its membership person."""
    if body.learner_id is not None:
        learner = await require_own_learner(session, principal, body.learner_id)
        if learner.owner_org_id != holder_org_id:
            raise field_error(
                ["body", "learner_id"],
                "learner_not_of_holder",
                "学员须是持证单位登记的学员",
                "The learner must be a record of the holder organization",
            )
        if learner.erased_at is not None:
            raise erased()
        return learner.name
    person = await org_directory(request).require_person_of("person_id", body.person_id, holder_org_id)
    return person.name


@router.post(
    "",
    status_code=201,
    response_model=CertificatePublic,
    dependencies=[WRITE],
    summary="颁发证书 Issue a certificate",
    description="本单位在平台上为本单位学员或人员颁发证书（培训结业、职业技能等级等），同时生成公开核验码；"
    "证书编号在发证单位内唯一。\n\n"
    "The caller's organization (`issuer_org_id`) issues a certificate on the platform to its own learner or person; "
    "it also holds it. The number is unique per issuer (409 `certificate-number-taken`, naming `number`). The "
    "verification record is written in the same transaction; the event is `certificate.issued`."
    + COMMON_RULES
    + WHO_WRITE,
    responses={
        201: {**CREATED, "content": {"application/json": {"example": EXAMPLE}}},
        **problem_responses(400, 401, 403, 404, 409, 422, 503),
    },
)
async def issue_certificate(
    request: Request,
    body: CertificateIssue,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    check_certificate_fields(body.model_dump())
    ensure_party(principal, body.issuer_org_id)
    orgs = await org_directory(request).require_active({"issuer_org_id": body.issuer_org_id})
    name = await holder_name(request, session, principal, body, body.issuer_org_id)
    settings = settings_of(request)
    row = await service.create(
        session,
        data=body,
        holder_org_id=body.issuer_org_id,
        holder_name=name,
        issuer_name=orgs["issuer_org_id"].name,
        settings=settings,
        actor=principal.actor,
    )
    public = await service.public(session, row, settings=settings)
    return await created(session, idem, public, location=f"{router.prefix}/{row.id}")


@router.post(
    "/records",
    status_code=201,
    response_model=CertificatePublic,
    dependencies=[WRITE],
    summary="登记外部证书 Record a certificate issued outside the platform",
    description="登记由外部机关颁发的证书（应急管理局的特种作业操作证、市场监督管理局的特种设备作业人员证、"
    "培训评价组织的 1+X 证书等）：标记为“登记，非平台颁发”，公开核验时如实说明。\n\n"
    "The caller's organization (`holder_org_id`) records a certificate an outside authority issued to its learner "
    "or person, naming the issuer (`issuer_name`, `issuer_authority`; `issuer_org_id` when the issuer is an "
    "organization on the platform — required with `platform_org`, and it must exist) and keeping `evidence`. It is "
    "marked `recorded: true` everywhere, and public verification says it was recorded, not issued by the platform. "
    "The number is unique per outside issuer (`issuer_name`) within the recording organization (409 naming "
    "`number`). The event is `certificate.recorded`. Recorded certificates take part in statuses, reviews and "
    "replacement like issued ones." + COMMON_RULES + WHO_WRITE,
    responses={
        201: {**CREATED, "content": {"application/json": {"example": RECORDED_EXAMPLE}}},
        **problem_responses(400, 401, 403, 404, 409, 422, 503),
    },
)
async def record_certificate(
    request: Request,
    body: CertificateRecord,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    check_certificate_fields(body.model_dump())
    ensure_party(principal, body.holder_org_id)
    directory = org_directory(request)
    await directory.require_active({"holder_org_id": body.holder_org_id})
    if body.issuer_org_id is not None and await directory.get(body.issuer_org_id) is None:
        raise field_error(["body", "issuer_org_id"], "organization_not_found", "单位不存在", "No such organization")
    name = await holder_name(request, session, principal, body, body.holder_org_id)
    settings = settings_of(request)
    row = await service.create(
        session,
        data=body,
        holder_org_id=body.holder_org_id,
        holder_name=name,
        issuer_name=body.issuer_name,
        settings=settings,
        actor=principal.actor,
    )
    public = await service.public(session, row, settings=settings)
    return await created(session, idem, public, location=f"{router.prefix}/{row.id}")


LIST_RULES = (
    "\n\nKeyset-paginated (`limit`, `cursor` → `next_cursor`). Filters: `org_id` (the holder organization), `kind`, "
    "`status` (derived as of `as_of` — default today — by the database from the dates and the expiring window, "
    "exactly as each item's `status`), `learner_id`, `person_id`, `recorded`, `issued_from`/`issued_to` "
    "(inclusive). Incremental sync: `since_token` (or `updated_since`) brings every certificate changed since — a "
    "status action or a review changes it; certificates are never deleted, so there are no tombstones."
)


@router.get(
    "",
    response_model=CertificatePage,
    dependencies=[READ],
    summary="查询证书 List certificates",
    description="本单位持有的证书（本单位学员和人员的证书），可按类别、状态（按日期推算）、持证人和发证日期筛选，"
    "游标分页，支持增量同步。\n\n"
    "The certificates of the caller's organization (held by its learners and people); platform admins and "
    "services see all." + LIST_RULES + EXPORT_NOTE + " The export's 状态 is derived as of `as_of`." + PRIVATE,
    responses=list_responses(EXAMPLE),
)
async def list_certificates(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    org_id: Annotated[uuid.UUID | None, Query(description="持证单位 — Holder organization")] = None,
    kind: Annotated[CertificateKind | None, Query(description="证书类别 — Kind")] = None,
    status: Annotated[Status | None, Query(description="状态（按日期推算） — Derived status")] = None,
    learner_id: Annotated[uuid.UUID | None, Query(description="持证学员 — Holder learner")] = None,
    person_id: Annotated[uuid.UUID | None, Query(description="持证人员 — Holder person")] = None,
    recorded: Annotated[
        bool | None, Query(description="登记（非平台颁发）或平台颁发 — Recorded (true) or issued (false)")
    ] = None,
    issued_from: Annotated[IsoDate | None, Query(description="发证日期起（含） — Issued on or after")] = None,
    issued_to: Annotated[IsoDate | None, Query(description="发证日期止（含） — Issued on or before")] = None,
    as_of: AsOf = None,
    updated_since: UpdatedSinceQuery = None,
    since_token: SinceTokenQuery = None,
    include_deleted: Annotated[
        bool, include_deleted_query("无（证书从不删除）", "none (certificates are never deleted)")
    ] = False,
) -> Response | CertificatePage:
    listing = Listing.of(request, cursor, limit)
    on = as_of_day(as_of)
    settings = settings_of(request)
    c: Any = Certificate
    where = equal(
        (c.holder_org_id, org_id),
        (c.kind, kind.value if kind else None),
        (c.learner_id, learner_id),
        (c.person_id, person_id),
        (c.recorded, recorded),
    )
    if status is not None:
        where.append(service.status_filter(status, on=on, window_days=service.window(settings)))
    if issued_from is not None:
        where.append(c.issued_on >= issued_from)
    if issued_to is not None:
        where.append(c.issued_on <= issued_to)
    page = await service.page(
        session,
        principal,
        where=where,
        since=Since.of(since_token, updated_since),
        cursor=listing.cursor,
        limit=listing.limit,
    )
    view = await service.view(session, page.rows, settings=settings, on=on)
    answer = partial(CertificatePage, sync_token=page.sync_token)
    return await listing.answer(answer, [view.render(r) for r in page.rows], page.next_cursor, EXPORT)


@router.get(
    "/{certificate_id}",
    response_model=CertificatePublic,
    dependencies=[READ],
    summary="证书详情 Get a certificate",
    description="证书详情：状态按日期推算，含核验码与核验链接、换证链（`replaces_id` 与 `replaced_by_id`）。\n\n"
    "The certificate with its derived `status` (as of `as_of`, default today), verification code and URL, and the "
    "replacement chain from both ends (`replaces_id`, `replaced_by_id`). Carries an `ETag` for `If-Match` on the "
    "status actions and reviews; no 304, since the derived status moves with the day." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def get_certificate(
    request: Request,
    certificate_id: CertificateId,
    session: SessionDep,
    principal: PrincipalDep,
    as_of: AsOf = None,
) -> Response:
    row = await service.get_visible(session, principal, certificate_id)
    return one(await service.public(session, row, settings=settings_of(request), on=as_of_day(as_of)))
