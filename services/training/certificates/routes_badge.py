"""A certificate as an Open Badges 3.0 credential (docs/api.md, "Certificates as Open Badges 3.0"):
`GET /v1/certificates/{id}/badge` for the holder organization — the `OpenBadgeCredential` as JSON, or its VC-JWT
with `?format=jwt` — and the public revocation list its `credentialStatus` points at,
`GET /v1/certificates/verify/revocation-list?code=…` (built by services/training/certificates/badge.py)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from chanjiao import dates
from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep, allow
from chanjiao.errors import Conflict, NotFound, problem_responses
from services.training.certificates import badge, service
from services.training.certificates.models import Certificate, CertificateVerification
from services.training.certificates.public import CurrentFacts, derived_status
from services.training.certificates.signing import CertificateSigner
from services.training.certificates.verification import cipher, code_context, code_hash
from services.training.parties import can_read

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])

PUBLIC = allow(public=True)
READ = allow(scopes=("training:read",))
CertificateId = Annotated[uuid.UUID, Path(description="证书 ID The certificate's id")]
JSON_MEDIA = "application/json"
JWT_MEDIA = "application/vc+jwt"
# The same cache life as the verification answer: a revocation shows within a minute.
LIST_CACHE = "public, max-age=60"
# What services/training/certificates/verification.py hands out: 24 random bytes in base64url.
CODE_FORMAT = re.compile(r"[A-Za-z0-9_-]{32}")

V: Any = CertificateVerification.__table__
C: Any = Certificate.__table__


def today() -> date:
    """The day the status is derived for (Asia/Shanghai); tests set it by replacing this function."""
    return dates.today()


class CertificateNotPublished(Conflict):
    slug = "certificate-not-published"
    title_zh, title_en = "证书核验记录尚未生成", "Certificate not published yet"


_BADGE_EXAMPLE = {
    "@context": badge.CONTEXT,
    "id": "https://chanjiao.example.cn/v1/certificates/verify?code=…",
    "type": badge.CREDENTIAL_TYPES,
    "name": "特种作业操作证 · 低压电工作业",
    "description": "本证书由「潍坊市应急管理局」（应急管理部门）颁发，由持证人所在单位在本平台登记…… 在线核验：https://…",
    "issuer": {
        "id": "urn:uuid:5b3f0e9c-8f5e-5d7a-9c1e-2f4a6b8c0d1e",
        "type": ["Profile"],
        "name": "潍坊市应急管理局",
        "description": "本证书由「潍坊市应急管理局」（应急管理部门）颁发，由持证人所在单位在本平台登记……",
    },
    "validFrom": "2024-03-01T00:00:00+08:00",
    "validUntil": "2030-03-01T23:59:59+08:00",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "systemId",
                "hashed": True,
                "identityHash": "sha256$6f1d…",
                "salt": "0c4e…",
            }
        ],
        "achievement": {
            "id": "urn:uuid:2d7c9a1e-4b6f-5e8d-a0c3-7f9b1d3e5a7c",
            "type": ["Achievement"],
            "achievementType": "License",
            "name": "特种作业操作证 · 低压电工作业",
            "description": "特种作业操作证（低压电工作业）— special operations certificate: 低压电工作业",
            "criteria": {"narrative": "持证人取得「潍坊市应急管理局」（应急管理部门）颁发的特种作业操作证……"},
            "fieldOfStudy": "低压电工作业",
            "inLanguage": "zh-CN",
        },
    },
    "credentialStatus": {
        "id": "https://chanjiao.example.cn/v1/certificates/verify/revocation-list?code=…",
        "type": badge.STATUS_TYPE,
    },
}


_JWT_EXAMPLE = "eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiIsInR5cCI6InZjK2p3dCJ9.eyJAY29udGV4dCI6Wy4uLl19.c2ln"


@router.get(
    "/{certificate_id}/badge",
    dependencies=[READ],
    response_class=Response,
    summary="证书的开放徽章 The certificate as an Open Badges 3.0 credential",
    description="以 Open Badges 3.0 `OpenBadgeCredential`（W3C 可验证凭证数据模型 2.0）导出证书，附 VC-JWT 签名"
    "（EdDSA，与公开核验结果同一 Ed25519 密钥），可导入数字徽章钱包或交给第三方验证。不含任何个人信息：持证人只以加盐"
    "SHA-256 标识，不含姓名、身份证号、手机号，也不含证书编号。`?format=jwt` 得到紧凑 JWS。\n\n"
    "The certificate as an Open Badges 3.0 `OpenBadgeCredential` on the VC Data Model 2.0 context: `id` = its "
    "public verification URL (`GET /v1/certificates/verify?code=…`, the link of its QR code), issuer profile "
    "(for a *recorded* certificate, the outside authority that issued it, with the statement that the holder's "
    "organization recorded it on the platform), `validFrom`/`validUntil`, the achievement (`achievementType` from "
    "the kind), and `credentialStatus` of type `1EdTechRevocationList` pointing at the public revocation list under "
    "the verification endpoint. Nothing personal: the holder is identified only by a salted SHA-256 of the holder "
    "record's id (`identityType` `systemId`); no name, ID number, phone, nor the certificate number (for some kinds "
    "it is the holder's ID number). All URLs come from the configured `public_base_url`.\n\n"
    "`format=json` (default): the credential, `application/json`. `format=jwt`: its VC-JWT, `application/vc+jwt` — "
    'a compact JWS with header `{"alg": "EdDSA", "kid": <key id>, "typ": "vc+jwt"}` whose claims are the '
    "credential itself, signed with the key published at `GET /v1/certificates/verification-key` (Open Badges "
    "names RS256 as its baseline algorithm; verifiers that support only RS256 cannot check it — docs/api.md). "
    "A suspended, revoked or expired certificate still answers; its status list says so. The credential carries "
    "the verification code in its links: `Cache-Control: no-store`. A certificate written in bulk whose "
    "verification record is not written yet: 409 `certificate-not-published`.\n\n"
    "**可见 Visible to:** principals of the certificate's holder organization with `training:read`, service "
    "principals with `training:read` and platform admins; to anyone else the certificate is 404.",
    responses={
        200: {
            "description": "The credential (JSON) or its VC-JWT",
            "content": {
                JSON_MEDIA: {"schema": {"type": "object"}, "example": _BADGE_EXAMPLE},
                JWT_MEDIA: {"schema": {"type": "string"}, "example": _JWT_EXAMPLE},
            },
        },
        **problem_responses(400, 401, 403, 404, 409),
    },
)
async def certificate_badge(
    request: Request,
    certificate_id: CertificateId,
    session: SessionDep,
    principal: PrincipalDep,
    badge_format: Annotated[
        Literal["json", "jwt"],
        Query(alias="format", description="json：凭证本身；jwt：其 VC-JWT — json: the credential; jwt: its VC-JWT"),
    ] = "json",
) -> Response:
    cert = await session.get(Certificate, certificate_id)
    if cert is None or not can_read(principal, cert.holder_org_id):
        raise service.not_found()
    row = (
        await session.execute(sa.select(V.c.snapshot, V.c.code_ciphertext).where(V.c.certificate_id == certificate_id))
    ).first()
    if row is None:  # written in bulk, its verification record (and code) comes a little later
        raise CertificateNotPublished(
            detail_zh="该证书的核验记录尚未生成，暂不能导出徽章，请稍后再试",
            detail_en="The certificate's verification record is not written yet, so it has no badge yet; try again "
            "shortly",
        )
    settings = request.app.state.settings
    code = cipher(settings).decrypt(row.code_ciphertext, context=code_context(certificate_id))
    holder_id = cert.learner_id or cert.person_id
    assert holder_id is not None  # the `holder` check constraint: exactly one is set
    claims = badge.credential(
        row.snapshot,
        certificate_id=certificate_id,
        holder_id=holder_id,
        valid_until=cert.valid_until,
        code=code,
        public_base_url=settings.public_base_url,
    )
    headers = {"Cache-Control": "no-store"}
    if badge_format == "jwt":
        signer: CertificateSigner = request.app.state.certificate_signer
        return Response(badge.sign(claims, signer), media_type=JWT_MEDIA, headers=headers)
    body = json.dumps(claims, ensure_ascii=False, separators=(",", ":"))
    return Response(body, media_type=JSON_MEDIA, headers=headers)


LOOKUP = (
    sa.select(
        V.c.snapshot,
        C.c.kind,
        C.c.status,
        C.c.status_reason,
        C.c.status_changed_on,
        C.c.valid_until,
        C.c.next_review_on,
        C.c.version,
    )
    .select_from(V.join(C, C.c.id == V.c.certificate_id))
    .where(V.c.code_hash == sa.bindparam("code_hash"))
)


@router.get(
    "/verify/revocation-list",
    dependencies=[PUBLIC],
    response_class=Response,
    summary="开放徽章的撤销列表 The revocation list of a certificate's badge (public)",
    description="证书开放徽章 `credentialStatus` 所指向的 1EdTech 撤销列表（公开，凭核验码）："
    "证书被暂停、撤销或已过期时列出该凭证（`revoked: true` 及原因），否则为空列表。\n\n"
    "The 1EdTech Revocation List (`1EdTechRevocationList`, the status method Open Badges 3.0 names) that a "
    "certificate's badge points at in `credentialStatus.id`: `id` (this URL), `issuer` (the issuer profile's id) "
    "and `revokedCredentials` — the badge's credential id with `revoked: true` and a `revocationReason` (status, "
    "reason, day) while the certificate is suspended, revoked or expired as of today (Asia/Shanghai), and empty "
    "otherwise (a reinstatement takes it off again). By the same verification code as `GET /v1/certificates/verify`, "
    "under the same per-IP limit at the gateway; an unknown or malformed code is 404. "
    f"`Cache-Control: {LIST_CACHE}`.",
    responses={
        200: {
            "content": {
                JSON_MEDIA: {
                    "example": {
                        "id": "https://chanjiao.example.cn/v1/certificates/verify/revocation-list?code=…",
                        "issuer": "urn:uuid:5b3f0e9c-8f5e-5d7a-9c1e-2f4a6b8c0d1e",
                        "revokedCredentials": [
                            {
                                "id": _BADGE_EXAMPLE["id"],
                                "revoked": True,
                                "revocationReason": "已撤销 revoked：证书信息有误（2026-11-20）",
                            }
                        ],
                    }
                }
            }
        },
        **problem_responses(400, 404),
    },
)
async def badge_revocation_list(
    request: Request,
    code: Annotated[
        str | None,
        Query(description="核验码（徽章 credentialStatus 链接中的 code）— the verification code, as in the badge"),
    ] = None,
) -> Response:
    if code is None or not CODE_FORMAT.fullmatch(code):
        raise NotFound(detail_zh="核验码无效或不存在", detail_en="No certificate has this verification code")
    state = request.app.state
    async with state.engine.connect() as conn:
        row = (await conn.execute(LOOKUP, {"code_hash": code_hash(code)})).first()
    if row is None:
        raise NotFound(detail_zh="核验码无效或不存在", detail_en="No certificate has this verification code")
    facts = CurrentFacts(
        row.kind,
        row.status,
        row.status_reason,
        row.status_changed_on,
        row.valid_until,
        row.next_review_on,
        row.version,
    )
    status = derived_status(facts, today(), state.settings.certificate_expiring_window_days)
    document = badge.revocation_list(
        row.snapshot,
        status=status,
        status_reason=row.status_reason,
        status_changed_on=row.status_changed_on,
        code=code,
        public_base_url=state.settings.public_base_url,
    )
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return Response(body, media_type=JSON_MEDIA, headers={"Cache-Control": LIST_CACHE})
