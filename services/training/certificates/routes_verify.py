"""Public verification of certificates (docs/api.md, "Certificate verification"): the signed answer and its page
(`/v1/certificates/verify`), the published keys (`/verification-key`), and — for the holder organization — the QR
code of the verification link (`/{id}/qr`) and how often the certificate was verified (`/{id}/verifications`).

The verification read is the fast path: one indexed look-up by the code's SHA-256 joined with the certificate,
through a SQLAlchemy Core connection (no ORM session); the stored signed bytes are served as they are unless
services/training/certificates/public.py says they must be signed again (then one UPDATE)."""

from __future__ import annotations

import io
import json
import re
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import segno
import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from chanjiao import dates
from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep, allow
from chanjiao.errors import NotFound, problem_responses
from chanjiao.etag import IfNoneMatch, not_modified, revalidated_json, tag_listed
from chanjiao.i18n import wants_english
from services.training.certificates import counts
from services.training.certificates.counts import COUNTS, VerificationCounter
from services.training.certificates.models import Certificate, CertificateVerification
from services.training.certificates.public import (
    PAGE_HEADERS,
    CurrentFacts,
    build_answer,
    derived_status,
    etag_of,
    is_fresh,
    render_not_found,
    render_page,
)
from services.training.certificates.signing import CertificateSigner
from services.training.certificates.verification import code_hash, codes_of, verification_url
from services.training.parties import can_read

router = APIRouter(prefix="/v1/certificates", tags=["certificates"])

PUBLIC = allow(public=True)
READ = allow(scopes=("training:read",))
CertificateId = Annotated[uuid.UUID, Path(description="证书 ID The certificate's id")]
# A cache in front may keep an answer this long, so it never says "valid" for long after a revocation.
MAX_AGE_SECONDS = 60
PUBLIC_CACHE = f"public, max-age={MAX_AGE_SECONDS}"
KEYS_CACHE = "public, max-age=300"
VARY = "Accept, Accept-Language"
# What services/training/certificates/verification.py hands out: 24 random bytes in base64url.
CODE_FORMAT = re.compile(r"[A-Za-z0-9_-]{32}")

V: Any = CertificateVerification.__table__
C: Any = Certificate.__table__
LOOKUP = (
    sa.select(
        V.c.certificate_id,
        V.c.snapshot,
        V.c.body,
        V.c.etag,
        V.c.signed_status,
        V.c.checked_on,
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


def today() -> date:
    """The day an answer is checked on (Asia/Shanghai); tests set it by replacing this function."""
    return dates.today()


# ---- start-up and shutdown (services/training/main.py) -----------------------------------------------------------
async def open_verification(app: Any) -> None:
    """The signing key (a wrong key in the settings stops the start) and the verification counter's flusher."""
    app.state.certificate_signer = CertificateSigner.from_settings(app.state.settings)
    await counts.start(app)


async def close_verification(app: Any) -> None:
    await counts.stop(app)


# ---- GET /v1/certificates/verify -----------------------------------------------------------------------------------
def wants_html(request: Request) -> bool:
    """A browser (`Accept` naming `text/html` before any JSON type) gets the page; everyone else the JSON answer."""
    accept = request.headers.get("accept", "").lower()
    html = accept.find("text/html")
    if html < 0:
        return False
    json_at = min((i for i in (accept.find("application/json"), accept.find("+json")) if i >= 0), default=-1)
    return json_at < 0 or html < json_at


class NoSuchCertificate(NotFound):
    pass


def no_such_certificate() -> NoSuchCertificate:
    return NoSuchCertificate(detail_zh="核验码无效或不存在", detail_en="No certificate has this verification code")


def _not_found(html: bool, english: bool) -> Response:
    if not html:
        raise no_such_certificate()
    return HTMLResponse(render_not_found(english=english), status_code=404, headers={**PAGE_HEADERS, "Vary": VARY})


_ANSWER_EXAMPLE = {
    "type": "chanjiao.certificate-verification",
    "version": 1,
    "status": "valid",
    "status_label": {"zh": "有效", "en": "valid"},
    "status_reason": None,
    "status_changed_on": None,
    "number": "6300012024000123",
    "kind": "special_operations",
    "kind_label": {"zh": "特种作业操作证", "en": "special operations certificate"},
    "level": None,
    "occupation_name": "低压电工作业",
    "occupation_code": None,
    "holder_name_masked": "张*明",
    "issuer": {
        "name": "潍坊市应急管理局",
        "authority": "emergency_management",
        "authority_label": {"zh": "应急管理部门", "en": "emergency management authority"},
        "org_id": None,
    },
    "issued_on": "2024-03-01",
    "valid_until": "2030-03-01",
    "next_review_on": "2027-03-01",
    "recorded": True,
    "statement": {"zh": "本证书由「潍坊市应急管理局」（应急管理部门）颁发，由持证人所在单位在本平台登记……", "en": "…"},
    "checked_on": "2026-12-03",
    "signature": {"alg": "EdDSA", "kid": "q0yZ0m1xq9l3V8…", "value": "…"},
}


@router.get(
    "/verify",
    dependencies=[PUBLIC],
    response_class=Response,
    summary="公开核验证书 Verify a certificate (public)",
    description="凭证书二维码中的核验码查询证书：颁发单位、类别、等级、职业、日期、当日状态（撤销的证书显示为已撤销及其原因和"
    "日期），持证人姓名仅显示脱敏形式；结果带 Ed25519 签名。浏览器（`Accept: text/html`）得到一个简单的中文页面"
    "（`Accept-Language: en` 为英文）。\n\n"
    "Anyone holding a certificate's verification code (the link in its QR code) gets the public answer: issuer, "
    "kind, level, occupation, issue/expiry/next-review dates, the status as of `checked_on` (today in Asia/Shanghai) "
    "— a revoked certificate answers `revoked` with its reason and date, never 404 — and the holder's name masked "
    "(张*明), nothing else personal. A certificate *recorded* (issued by an outside authority, recorded by the "
    "holder's organization) says so in `recorded` and `statement`: the platform does not vouch for it.\n\n"
    "The answer is JSON in its canonical form (JCS, RFC 8785) with an Ed25519 signature in the body: `signature` = "
    '`{"alg": "EdDSA", "kid": <RFC 7638 thumbprint>, "value": <base64url>}` over the JCS bytes of the answer '
    "without `signature`; the keys are at `GET /v1/certificates/verification-key`. `ETag` and `If-None-Match` (304); "
    f"`Cache-Control: {PUBLIC_CACHE}`. The same URL with `Accept: text/html` is a small server-rendered page "
    "(no JavaScript), Chinese unless `Accept-Language` prefers English. An unknown or malformed code is 404 (a page "
    "for browsers), the same answer for both. The gateway limits this route per client IP (429 with `Retry-After`).",
    responses={
        200: {
            "description": "The signed answer (JSON) or its page (HTML)",
            "headers": {
                "ETag": {"schema": {"type": "string"}},
                "Cache-Control": {"schema": {"type": "string", "example": PUBLIC_CACHE}},
            },
            "content": {
                "application/json": {"schema": {"type": "object"}, "example": _ANSWER_EXAMPLE},
                "text/html": {"schema": {"type": "string"}},
            },
        },
        304: {"description": "Not modified (`If-None-Match` holds the current tag)"},
        **problem_responses(400, 404),
    },
)
async def verify_certificate(
    request: Request,
    if_none_match: IfNoneMatch = None,
    code: Annotated[
        str | None,
        Query(description="核验码（证书二维码链接中的 code）— the verification code, as in the QR link"),
    ] = None,
) -> Response:
    html = wants_html(request)
    english = wants_english(request)
    if code is None or not CODE_FORMAT.fullmatch(code):
        return _not_found(html, english)
    state = request.app.state
    day = today()
    async with state.engine.connect() as conn:
        row = (await conn.execute(LOOKUP, {"code_hash": code_hash(code)})).first()
        if row is None:
            return _not_found(html, english)
        facts = CurrentFacts(
            row.kind,
            row.status,
            row.status_reason,
            row.status_changed_on,
            row.valid_until,
            row.next_review_on,
            row.version,
        )
        window = state.settings.certificate_expiring_window_days
        status = derived_status(facts, day, window)
        signer: CertificateSigner = state.certificate_signer
        body, etag = row.body, row.etag
        if not is_fresh(
            body=body,
            etag=etag,
            signed_status=row.signed_status,
            checked_on=row.checked_on,
            facts=facts,
            status=status,
            today=day,
            signer=signer,
        ):
            answer, status = build_answer(row.snapshot, facts, today=day, window_days=window)
            body = signer.sign(answer)
            etag = etag_of(body, facts.version)
            await conn.execute(
                sa.update(V)
                .where(
                    V.c.certificate_id == row.certificate_id,
                    # Not over a newer state: a change committed since the look-up leaves the row to the next read.
                    sa.exists().where(C.c.id == row.certificate_id, C.c.version == facts.version),
                )
                .values(body=body, etag=etag, signed_status=status, checked_on=day, signed_at=datetime.now(UTC))
            )
            await conn.commit()
    counter: VerificationCounter = state.verification_counter
    counter.add(row.certificate_id, day)
    headers = {"Cache-Control": PUBLIC_CACHE, "Vary": VARY}
    if html:
        etag = f'{etag[:-1]}.{"en" if english else "zh"}"'
        if tag_listed(if_none_match, etag):
            return not_modified(etag, headers)
        page = render_page(json.loads(body), english=english)
        return HTMLResponse(page, headers={**headers, **PAGE_HEADERS, "ETag": etag})
    if tag_listed(if_none_match, etag):
        return not_modified(etag, headers)
    return Response(body, media_type="application/json", headers={**headers, "ETag": etag})


# ---- GET /v1/certificates/verification-key -------------------------------------------------------------------------
@router.get(
    "/verification-key",
    dependencies=[PUBLIC],
    response_class=Response,
    summary="证书核验公钥 The keys that sign verification answers",
    description="核验结果签名所用的 Ed25519 公钥（JWKS），含当前密钥和仍在公布的旧密钥；`kid` 为 RFC 7638 指纹。\n\n"
    "The JWKS (RFC 7517) of the Ed25519 keys that sign certificate verification answers: the current key first, "
    "then earlier keys still published after a rotation. `kid` is the key's RFC 7638 JWK thumbprint, as named in "
    f"an answer's `signature.kid`. `Cache-Control: {KEYS_CACHE}`, `ETag`.",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "keys": [
                            {
                                "kty": "OKP",
                                "crv": "Ed25519",
                                "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                                "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
                                "alg": "EdDSA",
                                "use": "sig",
                            }
                        ]
                    }
                }
            }
        },
        **problem_responses(400),
    },
)
async def verification_keys(request: Request, if_none_match: IfNoneMatch = None) -> Response:
    signer: CertificateSigner = request.app.state.certificate_signer
    return revalidated_json(signer.jwks(), if_none_match, cache_control=KEYS_CACHE)


# ---- the holder organization's routes --------------------------------------------------------------------------------
HOLDER_ONLY = (
    "\n\n**可见 Visible to:** principals of the certificate's holder organization with `training:read`, service "
    "principals with `training:read` and platform admins; to anyone else the certificate is 404."
)


async def _holder_certificate(session: Any, principal: Any, certificate_id: uuid.UUID) -> Certificate:
    cert = await session.get(Certificate, certificate_id)
    if cert is None or not can_read(principal, cert.holder_org_id):
        raise NotFound(detail_zh="证书不存在", detail_en="Certificate not found")
    return cert


QR_MEDIA = {"png": "image/png", "svg": "image/svg+xml"}
_SVG_EXAMPLE = (
    '<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="296" height="296" '
    'class="segno"><path transform="scale(8)" stroke="#000" class="qrline" d="M4 4.5h7m1 0h1…"/></svg>'
)


@router.get(
    "/{certificate_id}/qr",
    dependencies=[READ],
    response_class=Response,
    summary="证书核验二维码 The QR code of a certificate's verification link",
    description="证书核验链接的二维码（PNG 或 SVG），链接由平台配置的公开地址生成，手机扫码即可打开核验页面。\n\n"
    "The certificate's verification URL as a QR code, PNG or SVG: a plain link a phone opens (the page of `GET "
    "/v1/certificates/verify`), built from the platform's configured public base URL (`public_base_url`), never from "
    "the request's Host header. The code in it is a secret of the certificate: `Cache-Control: no-store`."
    + HOLDER_ONLY,
    responses={
        200: {
            "content": {
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/svg+xml": {"schema": {"type": "string"}, "example": _SVG_EXAMPLE},
            }
        },
        **problem_responses(400, 401, 403, 404),
    },
)
async def certificate_qr(
    request: Request,
    certificate_id: CertificateId,
    session: SessionDep,
    principal: PrincipalDep,
    image_format: Annotated[
        Literal["png", "svg"], Query(alias="format", description="图片格式 png 或 svg — image format, png or svg")
    ] = "png",
) -> Response:
    await _holder_certificate(session, principal, certificate_id)
    code = (await codes_of(session, [certificate_id], settings=request.app.state.settings)).get(certificate_id)
    if code is None:
        raise NotFound(detail_zh="证书不存在", detail_en="Certificate not found")
    url = verification_url(request.app.state.settings.public_base_url, code)
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind=image_format, scale=8, border=4)
    return Response(out.getvalue(), media_type=QR_MEDIA[image_format], headers={"Cache-Control": "no-store"})


class VerificationDay(BaseModel):
    day: date = Field(description="日期（北京时间）— the day, Asia/Shanghai")
    count: int = Field(description="当日核验次数 — verifications answered that day")


class VerificationCounts(BaseModel):
    certificate_id: uuid.UUID
    total: int = Field(description="累计核验次数 — verifications in all")
    items: list[VerificationDay] = Field(description="按日统计，日期升序 — per day, oldest first")


@router.get(
    "/{certificate_id}/verifications",
    dependencies=[READ],
    response_model=VerificationCounts,
    summary="证书被核验次数 How often a certificate was verified",
    description="证书每日被公开核验的次数（核验次数先在内存中累计，每隔几秒写入，因此可能滞后几秒）。\n\n"
    "How many times the certificate's public verification was answered, per day (Asia/Shanghai). Counts are "
    "kept in memory and written every `certificate_verification_flush_seconds` (a few seconds), so the last few "
    "seconds may not show yet." + HOLDER_ONLY,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "certificate_id": "019abf42-3c4d-7e5f-8a6b-7c8d9e0f1a2b",
                        "total": 5,
                        "items": [{"day": "2026-12-02", "count": 3}, {"day": "2026-12-03", "count": 2}],
                    }
                }
            }
        },
        **problem_responses(400, 401, 403, 404),
    },
)
async def certificate_verification_counts(
    certificate_id: CertificateId, session: SessionDep, principal: PrincipalDep
) -> VerificationCounts:
    await _holder_certificate(session, principal, certificate_id)
    rows = (
        await session.execute(
            sa.select(COUNTS.c.day, COUNTS.c.count)
            .where(COUNTS.c.certificate_id == certificate_id)
            .order_by(COUNTS.c.day)
        )
    ).all()
    items = [VerificationDay(day=d, count=n) for d, n in rows]
    return VerificationCounts(certificate_id=certificate_id, total=sum(i.count for i in items), items=items)
