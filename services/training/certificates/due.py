"""The due list (到期与复审清单): an organization's certificates whose expiry or next review (复审) falls within a
number of days from today, or has passed while the certificate is still active — what an enterprise works through
to keep 持证上岗 at 100% (docs/domain.md, "Certificate reminders").

One item per (certificate, due kind): a certificate of a kind with reviews can be listed twice, once for its next
review and once for its expiry. Only certificates whose stored status is `active` and that no other certificate
replaces are listed (a suspended or revoked one is not due: it is already out of use; a renewed one is done with).
Ordered by due date, then certificate and due kind; keyset-paged."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.pagination import Page, keyset, page_of
from services.training.certificates.models import Certificate
from services.training.certificates.reminders import DUE_KIND_LABELS
from services.training.certificates.rules import KINDS, STATUS_LABELS, CertificateKind, derive_status

EPOCH = date(1970, 1, 1)


class CertificateDueItem(BaseModel):
    """One due date of one certificate."""

    certificate_id: uuid.UUID
    kind: str = Field(description="证书类别 Certificate kind")
    kind_label: str
    number: str = Field(
        description="证书编号（其中的身份证号码部分脱敏）Certificate number, an ID number inside it masked"
    )
    recorded: bool = Field(description="登记的外部证书（非平台颁发）Recorded from an outside issuer, not issued here")
    issuer_name: str
    holder_name: str = Field(description="持证人姓名（证书所载）The holder's name as on the certificate")
    learner_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    occupation_name: str
    level: str | None = None
    due_kind: str = Field(description="到期类型：expiry 证书到期，review 复审 — `expiry` or `review`")
    due_kind_label: str
    due_on: date = Field(description="到期或复审日期 The expiry or review date")
    days_left: int = Field(description="距到期天数（已过期为负数）Days from today to `due_on` (negative: overdue)")
    valid_until: date | None = None
    next_review_on: date | None = None
    status: str = Field(description="当前状态（按今天推算）The status derived as of today")
    status_label: str


class CertificateDuePage(Page[CertificateDueItem]):
    pass


def _due(kind: str, column: Any) -> sa.Select:
    return sa.select(
        Certificate.id.label("certificate_id"),
        sa.literal(kind, sa.Text).label("due_kind"),
        column.label("due_on"),
        sa.cast(column - EPOCH, sa.Integer).label("due_day"),
    )


async def page(
    session: AsyncSession,
    *,
    org_id: uuid.UUID | None,
    today: date,
    within_days: int,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[Any, str, date]], str | None]:
    """The (certificate, due kind, due date) rows of `org_id` (None: of every organization) due by
    `today + within_days` (overdue included)."""
    c: Any = Certificate
    horizon = today + timedelta(days=within_days)
    newer = sa.table("certificates", sa.column("replaces_id"), schema=c.__table__.schema).alias("n")
    replaced = sa.select(sa.literal(1)).select_from(newer).where(newer.c.replaces_id == c.id)
    mine = [c.status == "active", ~replaced.exists()]
    if org_id is not None:
        mine.append(c.holder_org_id == org_id)
    due = sa.union_all(
        _due("expiry", c.valid_until).where(*mine, c.valid_until <= horizon),
        _due("review", c.next_review_on).where(*mine, c.next_review_on <= horizon),
    ).subquery("due")
    stmt = sa.select(c, due.c.due_kind, due.c.due_on).join(due, due.c.certificate_id == c.id)
    stmt = keyset(stmt, [due.c.due_day, due.c.certificate_id, due.c.due_kind], cursor, limit)
    rows = (await session.execute(stmt)).all()
    items, next_cursor = page_of(rows, limit, lambda r: ((r[2] - EPOCH).days, r[0].id, r[1]))
    return [(r[0], r[1], r[2]) for r in items], next_cursor


def render(cert: Any, due_kind: str, due_on: date, *, today: date, window_days: int) -> CertificateDueItem:
    status = derive_status(
        kind=cert.kind,
        stored=cert.status,
        valid_until=cert.valid_until,
        next_review_on=cert.next_review_on,
        today=today,
        window_days=window_days,
    )
    return CertificateDueItem(
        certificate_id=cert.id,
        kind=cert.kind,
        kind_label=KINDS[CertificateKind(cert.kind)].label,
        number=cert.number,
        recorded=cert.recorded,
        issuer_name=cert.issuer_name,
        holder_name=cert.holder_name,
        learner_id=cert.learner_id,
        person_id=cert.person_id,
        occupation_name=cert.occupation_name,
        level=cert.level,
        due_kind=due_kind,
        due_kind_label=DUE_KIND_LABELS[due_kind][0],
        due_on=due_on,
        days_left=(due_on - today).days,
        valid_until=cert.valid_until,
        next_review_on=cert.next_review_on,
        status=status.value,
        status_label=STATUS_LABELS[status.value][0],
    )
