"""`/v1/certificates/{id}/revocation|suspension|reinstatement`, `/reviews` and `/status-changes` — a certificate's
reasoned one-off actions as noun sub-resources (docs/api.md, "Naming"), its reviews (复审) and its history."""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, etag_for
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import one, recorded
from services.training.certificates import changes, service
from services.training.certificates.router import EXAMPLE, PRIVATE, CertificateId, settings_of
from services.training.certificates.schemas import (
    CertificatePublic,
    CertificateReviewCreate,
    CertificateReviewPage,
    CertificateReviewResult,
    CertificateStatusAction,
    CertificateStatusChangePage,
    render_review,
    render_status_change,
)
from services.training.parties import READ, WRITE

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])

WHO_ACT = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of the holder organization "
    "with `training:write`, and platform admins; to anyone else the certificate is 404."
)
ACTION_RULES = (
    "\n\nBody: `reason` (required, not blank) and `effective_on` (default today, Asia/Shanghai; not in the future, "
    "not before the issue or the last status change — 422 naming `effective_on`). Allowed moves of the stored "
    "status: active → suspended (suspension), active | suspended → revoked (revocation), suspended → active "
    "(reinstatement); revoked is final. Any other move is 409 `certificate-action-not-allowed`, with "
    "`allowed_actions` listing what the certificate still allows. Each action writes a status-change row (see "
    "`/status-changes`), a new version, an audit row and an outbox event, and the public verification answer is "
    "built again at its next read. Send `If-Match` with the ETag you read (stale → 412)."
)
ACTION_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/json": {
                "example": {
                    **EXAMPLE,
                    "status": "revoked",
                    "status_label": "已撤销",
                    "status_reason": "证书持有人违规操作导致事故",
                    "status_changed_on": "2026-11-20",
                    "version": 2,
                }
            }
        }
    },
    **problem_responses(400, 401, 403, 404, 409, 412, 422),
}


async def _act(
    request: Request,
    certificate_id: Any,
    body: CertificateStatusAction,
    session: Any,
    principal: Any,
    if_match: str | None,
    action: str,
) -> Response:
    row = await service.get_writable(session, principal, certificate_id)
    row = await changes.act(
        session,
        row=row,
        action=action,
        reason=body.reason,
        effective_on=body.effective_on,
        if_match=if_match,
        actor=principal.actor,
    )
    public = await service.public(session, row, settings=settings_of(request))
    await session.commit()
    return one(public)


@router.post(
    "/{certificate_id}/revocation",
    response_model=CertificatePublic,
    dependencies=[WRITE],
    summary="撤销证书 Revoke a certificate",
    description="撤销证书（终态，须说明原因）；公开核验随即显示“已撤销”及原因和日期。\n\n"
    "Revokes the certificate for good: the public verification answer then says revoked, with the reason and the "
    "day." + ACTION_RULES + WHO_ACT,
    responses=ACTION_RESPONSES,
)
async def revoke_certificate(
    request: Request,
    certificate_id: CertificateId,
    body: CertificateStatusAction,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    return await _act(request, certificate_id, body, session, principal, if_match, "revocation")


@router.post(
    "/{certificate_id}/suspension",
    response_model=CertificatePublic,
    dependencies=[WRITE],
    summary="暂停证书 Suspend a certificate",
    description="暂停有效证书（须说明原因），可恢复或撤销。\n\n"
    "Suspends an active certificate; it can be reinstated or revoked later." + ACTION_RULES + WHO_ACT,
    responses=ACTION_RESPONSES,
)
async def suspend_certificate(
    request: Request,
    certificate_id: CertificateId,
    body: CertificateStatusAction,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    return await _act(request, certificate_id, body, session, principal, if_match, "suspension")


@router.post(
    "/{certificate_id}/reinstatement",
    response_model=CertificatePublic,
    dependencies=[WRITE],
    summary="恢复证书 Reinstate a certificate",
    description="恢复已暂停的证书（须说明原因）；状态再按日期推算。\n\n"
    "Reinstates a suspended certificate; its status is derived from its dates again." + ACTION_RULES + WHO_ACT,
    responses=ACTION_RESPONSES,
)
async def reinstate_certificate(
    request: Request,
    certificate_id: CertificateId,
    body: CertificateStatusAction,
    session: SessionDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    return await _act(request, certificate_id, body, session, principal, if_match, "reinstatement")


_REVIEW = {
    "id": "019abf60-2b3c-7d4e-8f5a-6b7c8d9e0f1a",
    "certificate_id": EXAMPLE["id"],
    "reviewed_on": "2026-03-10",
    "result": "pass",
    "next_due_on": "2029-03-10",
    "note": "理论与实操考核合格",
    "actor": "user:019abf10-0000-7000-8000-000000000001",
    "created_at": "2026-03-10T08:00:00+00:00",
}


@router.post(
    "/{certificate_id}/reviews",
    status_code=201,
    response_model=CertificateReviewResult,
    dependencies=[WRITE],
    summary="登记复审 Record a review",
    description="登记证书复审（特种作业操作证每 3 年复审等）：合格则顺延下次复审日期，不合格则按证书类别暂停或失效。"
    "\n\n"
    "Only for kinds with reviews (422 `certificate-not-reviewed` otherwise; a revoked certificate is 409). "
    "`reviewed_on` is not in the future nor before the issue or the last status change. **Pass:** "
    "`next_review_on` becomes `next_due_on` (> `reviewed_on`) or `reviewed_on` + the kind's review period; for a "
    "kind renewed by its review (特种设备作业人员证) `valid_until` moves with it; a certificate suspended by a failed "
    "review is reinstated (a status change `reinstatement`, reason 复审合格), one suspended by an action stays "
    "suspended. **Fail** (no `next_due_on`): per the kind — suspended (a status change `failed_review`, reason "
    "复审不合格; 特种作业操作证) or expired (`valid_until` becomes the review day and the stored status stays "
    "active, so the certificate reads `expired` from the next day; 特种设备作业人员证). A review date passed "
    "without a passed review is derived when read (`status`). The answer is the review with the certificate as it "
    "now is; the event is `certificate.reviewed`. `If-Match` is honoured; send `Idempotency-Key` so a retry never "
    "records the review twice." + WHO_ACT,
    responses={
        201: {
            "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"example": {**_REVIEW, "certificate": EXAMPLE}}},
        },
        **problem_responses(400, 401, 403, 404, 409, 412, 422),
    },
)
async def review_certificate(
    request: Request,
    certificate_id: CertificateId,
    body: CertificateReviewCreate,
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay
    row = await service.get_writable(session, principal, certificate_id)
    reviewed = await changes.review(session, row=row, data=body, if_match=if_match, actor=principal.actor)
    certificate = await service.public(session, row, settings=settings_of(request))
    result = CertificateReviewResult(**render_review(reviewed).model_dump(), certificate=certificate)
    # The certificate's new ETag comes along, for the next `If-Match`.
    response = JSONResponse(
        result.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"{router.prefix}/{row.id}/reviews", "ETag": etag_for(row.version)},
    )
    return await recorded(session, idem, response)


@router.get(
    "/{certificate_id}/reviews",
    response_model=CertificateReviewPage,
    dependencies=[READ],
    summary="复审记录 A certificate's reviews",
    description="证书的全部复审记录，按复审日期排列。\n\n"
    "Every review of the certificate, oldest first (the whole history: no paging)." + PRIVATE,
    responses={
        200: {"content": {"application/json": {"example": {"items": [_REVIEW], "next_cursor": None}}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def list_certificate_reviews(
    certificate_id: CertificateId, session: SessionDep, principal: PrincipalDep
) -> CertificateReviewPage:
    row = await service.get_visible(session, principal, certificate_id)
    return CertificateReviewPage(items=[render_review(r) for r in await service.reviews_of(session, row.id)])


@router.get(
    "/{certificate_id}/status-changes",
    response_model=CertificateStatusChangePage,
    dependencies=[READ],
    summary="状态变更记录 A certificate's status changes",
    description="证书的暂停、撤销、恢复及复审不合格暂停记录（操作人、日期、原因）。\n\n"
    "Every change of the stored status — suspension, revocation, reinstatement, and a suspension by a failed review "
    "(`failed_review`) — with its actor, effective day and reason, oldest first (the whole history: no paging)."
    + PRIVATE,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "items": [
                            {
                                "id": "019abf61-0000-7000-8000-000000000001",
                                "certificate_id": EXAMPLE["id"],
                                "action": "revocation",
                                "from_status": "active",
                                "to_status": "revoked",
                                "reason": "证书持有人违规操作导致事故",
                                "effective_on": "2026-11-20",
                                "actor": "user:019abf10-0000-7000-8000-000000000001",
                                "created_at": "2026-11-20T08:00:00+00:00",
                            }
                        ],
                        "next_cursor": None,
                    }
                }
            }
        },
        **problem_responses(401, 403, 404, 422),
    },
)
async def list_certificate_status_changes(
    certificate_id: CertificateId, session: SessionDep, principal: PrincipalDep
) -> CertificateStatusChangePage:
    row = await service.get_visible(session, principal, certificate_id)
    return CertificateStatusChangePage(
        items=[render_status_change(r) for r in await service.status_changes_of(session, row.id)]
    )
