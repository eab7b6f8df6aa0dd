"""The public verification record of a certificate — what the issuing or recording transaction writes, and what
a status change does to it (docs/domain.md, "Certificates").

`publish` runs in the transaction that creates the certificate: a verification code of 192 random bits (the
number alone never verifies), stored only as its SHA-256 (the look-up key) and as AES-GCM ciphertext bound to the
certificate (shown to the holder organization, for its QR code), and the snapshot of the public facts as issued —
so the public answer keeps working after the learner record is erased. The signed answer itself (`body`) is built
and signed when first read, and built again whenever what it says changes: `invalidate` clears it in the
transaction of every status change or review, so a revocation is never answered as valid from a stale body."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.crypto import FieldCipher, field_cipher
from chanjiao.settings import ServiceSettings
from services.training.certificates.models import Certificate, CertificateVerification

CODE_BYTES = 24  # 192 bits of randomness, base64url: 32 characters
CIPHER_PURPOSE = "training.certificate-verification-code"
VERIFY_PATH = "/v1/certificates/verify"


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def code_hash(code: str) -> bytes:
    return hashlib.sha256(code.encode()).digest()


def code_context(certificate_id: uuid.UUID) -> str:
    """Associated data of the code's ciphertext: it decrypts only for this certificate."""
    return f"training.certificate_verifications.code:{certificate_id}"


def cipher(settings: ServiceSettings) -> FieldCipher:
    current, previous = settings.personal_data_secrets()
    return field_cipher(current, CIPHER_PURPOSE, previous)


def mask_name(name: str) -> str:
    """The holder's name as the public may see it: the first and last character, the middle masked (张*明, 李*,
    欧**锋); one character stays one masked character."""
    chars = list(name.strip())
    if len(chars) <= 1:
        return "*"
    if len(chars) == 2:
        return chars[0] + "*"
    return chars[0] + "*" * (len(chars) - 2) + chars[-1]


def snapshot(cert: Certificate) -> dict[str, Any]:
    """The public facts of `cert` as issued or recorded — nothing personal but the masked name."""
    return {
        "certificate_id": str(cert.id),
        "kind": cert.kind,
        "number": cert.number,
        "recorded": cert.recorded,
        "issuer_name": cert.issuer_name,
        "issuer_authority": cert.issuer_authority,
        "issuer_org_id": str(cert.issuer_org_id) if cert.issuer_org_id else None,
        "holder_name_masked": mask_name(cert.holder_name),
        "occupation_name": cert.occupation_name,
        "occupation_code": cert.occupation_code,
        "level": cert.level,
        "issued_on": cert.issued_on.isoformat(),
    }


def verification_url(public_base_url: str, code: str) -> str:
    """The public link of the answer (what the QR code holds): from the configured public base URL, never from a
    request's Host header."""
    return f"{public_base_url.rstrip('/')}{VERIFY_PATH}?code={quote(code, safe='')}"


async def publish(session: AsyncSession, cert: Certificate, *, settings: ServiceSettings) -> str:
    """In the certificate's creating transaction: its verification record (code hash, code ciphertext, snapshot);
    the clear code is returned, never stored."""
    code = new_code()
    session.add(
        CertificateVerification(
            certificate_id=cert.id,
            code_hash=code_hash(code),
            code_ciphertext=cipher(settings).encrypt(code, context=code_context(cert.id)),
            snapshot=snapshot(cert),
        )
    )
    await session.flush()
    return code


async def invalidate(session: AsyncSession, certificate_id: uuid.UUID) -> None:
    """In the transaction of a status change or a review: the signed answer is dropped, so the next read builds and
    signs it again from the certificate as it is now."""
    await session.execute(
        sa.update(CertificateVerification)
        .where(CertificateVerification.certificate_id == certificate_id)
        .values(body=None, etag=None, signed_status=None, checked_on=None, signed_at=None)
    )


async def codes_of(
    session: AsyncSession, certificate_ids: list[uuid.UUID], *, settings: ServiceSettings
) -> dict[uuid.UUID, str]:
    """The clear verification codes of these certificates (for their holder organization's answers)."""
    if not certificate_ids:
        return {}
    rows = (
        await session.execute(
            sa.select(CertificateVerification.certificate_id, CertificateVerification.code_ciphertext).where(
                CertificateVerification.certificate_id.in_(certificate_ids)
            )
        )
    ).all()
    c = cipher(settings)
    return {cid: c.decrypt(ct, context=code_context(cid)) for cid, ct in rows}
