"""Certificates written straight into the training service's database, as the creating and status-changing
transactions of the certificates noun write them (a `Certificate` row + `verification.publish`, a status change +
`verification.invalidate`), for the tests of public verification; and a small PNG reader for the QR codes."""

from __future__ import annotations

import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from services.training.certificates import verification
from services.training.certificates.models import Certificate, CertificateVerification
from services.training.certificates.numbers import Numbers


@dataclass
class Issued:
    id: uuid.UUID
    code: str
    holder_org_id: str


def training_app(platform: Any) -> Any:
    return platform.upstreams["training"].app


async def issue(
    app: Any,
    *,
    holder_org_id: str,
    kind: str = "special_operations",
    recorded: bool = False,
    holder_name: str = "张三明",
    learner_id: str | None = None,
    person_id: str | None = None,
    issued_on: date = date(2024, 3, 1),
    valid_until: date | None = date(2030, 3, 1),
    next_review_on: date | None = date(2027, 6, 1),
    occupation_name: str = "低压电工作业",
    level: str | None = None,
    issuer_name: str | None = None,
    issuer_authority: str | None = None,
    number: str | None = None,
) -> Issued:
    """A certificate and its verification record, committed; its clear code."""
    now = datetime.now(UTC)
    certificate_id = uuid.uuid4()
    numbers = Numbers(app.state.settings)
    clear = number or f"T{uuid.uuid4().hex[:12].upper()}"
    kept = numbers.keep(clear)
    cert = Certificate(
        id=certificate_id,
        kind=kind,
        number=kept.number,
        number_key=kept.key,
        number_ciphertext=numbers.seal(clear, certificate_id) if kept.sealed else None,
        recorded=recorded,
        issuer_authority=issuer_authority or ("emergency_management" if recorded else "platform_org"),
        issuer_org_id=None if recorded else uuid.UUID(holder_org_id),
        issuer_name=issuer_name or ("潍坊市应急管理局" if recorded else "潍坊职业学院"),
        holder_org_id=uuid.UUID(holder_org_id),
        learner_id=uuid.UUID(learner_id) if learner_id else None,
        person_id=uuid.UUID(person_id) if person_id else (None if learner_id else uuid.uuid4()),
        holder_name=holder_name,
        occupation_name=occupation_name,
        level=level,
        issued_on=issued_on,
        valid_until=valid_until,
        next_review_on=next_review_on,
        status="active",
        version=1,
        created_at=now,
        updated_at=now,
    )
    async with app.state.sessionmaker() as session, session.begin():
        session.add(cert)
        await session.flush()
        code = await verification.publish(session, cert, settings=app.state.settings)
    return Issued(cert.id, code, holder_org_id)


async def change_status(
    app: Any, certificate_id: uuid.UUID, status: str, reason: str | None, on: date | None, *, bump: bool = True
) -> None:
    """A suspension, revocation or reinstatement as the certificates noun writes it: the stored status, its reason
    and day, and the verification answer invalidated in the same transaction."""
    values: dict[str, Any] = {"status": status, "status_reason": reason, "status_changed_on": on}
    if bump:
        values["version"] = Certificate.version + 1
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(sa.update(Certificate).where(Certificate.id == certificate_id).values(**values))
        await verification.invalidate(session, certificate_id)


async def review(app: Any, certificate_id: uuid.UUID, next_review_on: date, valid_until: date | None) -> None:
    """A passed review: new dates, the answer invalidated."""
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(
            sa.update(Certificate)
            .where(Certificate.id == certificate_id)
            .values(next_review_on=next_review_on, valid_until=valid_until, version=Certificate.version + 1)
        )
        await verification.invalidate(session, certificate_id)


async def stored_answer(app: Any, certificate_id: uuid.UUID) -> Any:
    async with app.state.sessionmaker() as session:
        return (
            await session.execute(
                sa.select(
                    CertificateVerification.body,
                    CertificateVerification.etag,
                    CertificateVerification.signed_status,
                    CertificateVerification.checked_on,
                    CertificateVerification.signed_at,
                ).where(CertificateVerification.certificate_id == certificate_id)
            )
        ).one()


# ---- PNG (as segno writes it: greyscale, non-interlaced) ----------------------------------------------------------
def png_pixels(data: bytes) -> list[list[int]]:
    """The grey levels of a non-interlaced greyscale PNG, row by row (bit depth 1 or 8)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert colour == 0 and interlace == 0 and depth in (1, 8), header
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    rows: list[list[int]] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            a = line[x - 1] if x else 0
            b, c = previous[x], previous[x - 1] if x else 0
            if kind == 1:
                line[x] = (line[x] + a) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + b) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        previous = line
        if depth == 8:
            rows.append(list(line[:width]))
        else:
            rows.append([255 if (line[x // 8] >> (7 - x % 8)) & 1 else 0 for x in range(width)])
    return rows


def qr_modules(png: bytes, *, scale: int, border: int) -> list[list[int]]:
    """The QR code's modules read back from its picture: 1 for dark, sampled at each module's centre."""
    pixels = png_pixels(png)
    size = len(pixels) // scale - 2 * border
    return [
        [
            1 if pixels[(border + r) * scale + scale // 2][(border + c) * scale + scale // 2] < 128 else 0
            for c in range(size)
        ]
        for r in range(size)
    ]
