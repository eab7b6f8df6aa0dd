"""Certificate status actions and reviews (复审): suspension, revocation, reinstatement and a review's pass or fail
— each a status-change row where the stored status moves, a new version, an audit row, an outbox event
(`certificate.suspended` / `.revoked` / `.reinstated` / `.reviewed`) and the verification answer invalidated, in the
caller's transaction (docs/domain.md, "Certificates"). Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.dates import today
from chanjiao.errors import Conflict, ValidationFailed, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import now, record_named
from services.training.certificates import verification
from services.training.certificates.models import Certificate, CertificateReview, CertificateStatusChange
from services.training.certificates.rules import KINDS, CertificateKind, OnMissedReview, StoredStatus, add_years
from services.training.certificates.schemas import CertificateReviewCreate
from services.training.certificates.service import AUDIT

# The stored status each action moves from, and to (docs/domain.md): revoked is final.
ACTIONS: dict[str, tuple[frozenset[str], StoredStatus, str]] = {
    "suspension": (frozenset({"active"}), StoredStatus.suspended, "suspended"),
    "revocation": (frozenset({"active", "suspended"}), StoredStatus.revoked, "revoked"),
    "reinstatement": (frozenset({"suspended"}), StoredStatus.active, "reinstated"),
}
FAILED_REVIEW_REASON = "复审不合格"
PASSED_REVIEW_REASON = "复审合格"


class CertificateActionNotAllowed(Conflict):
    slug = "certificate-action-not-allowed"
    title_zh, title_en = "证书当前状态不允许该操作", "Action not allowed in the certificate's status"


class CertificateNotReviewed(ValidationFailed):
    slug = "certificate-not-reviewed"
    title_zh, title_en = "该类证书没有复审", "This kind of certificate has no reviews"


# ---- status actions --------------------------------------------------------------------------------------------------
def allowed_actions(stored: str) -> list[str]:
    return [name for name, (sources, _, _) in ACTIONS.items() if stored in sources]


async def _changed(
    session: AsyncSession,
    row: Certificate,
    *,
    before: dict[str, Any],
    action: str,
    event: str,
    actor: str,
    **extra: Any,
) -> None:
    row.version += 1
    row.updated_at = now()
    await session.flush()
    after = AUDIT.snapshot(row)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    await record_named(
        AUDIT,
        session,
        row,
        action=action,
        event=event,
        actor=actor,
        before=before,
        after=after,
        payload={"changed": changed, **extra},
    )
    await verification.invalidate(session, row.id)


def _check_effective(row: Certificate, effective_on: date, loc: list[str | int]) -> None:
    if effective_on > today():
        raise field_error(loc, "future", "生效日期不能晚于今天", "The effective day cannot be in the future")
    floor = max(row.issued_on, row.status_changed_on or row.issued_on)
    if effective_on < floor:
        raise field_error(
            loc,
            "effective_on",
            f"生效日期不能早于 {floor.isoformat()}（发证或上次状态变更）",
            f"The effective day cannot be before {floor.isoformat()} (the issue or the last change)",
        )


def _set_status(
    session: AsyncSession,
    row: Certificate,
    *,
    action: str,
    to: StoredStatus,
    reason: str,
    effective_on: date,
    actor: str,
) -> None:
    session.add(
        CertificateStatusChange(
            id=new_id(),
            certificate_id=row.id,
            action=action,
            from_status=row.status,
            to_status=to.value,
            reason=reason,
            effective_on=effective_on,
            actor=actor,
            created_at=now(),
        )
    )
    row.status = to.value
    row.status_reason = None if to == StoredStatus.active else reason
    row.status_changed_on = effective_on


async def act(
    session: AsyncSession,
    *,
    row: Certificate,
    action: str,
    reason: str,
    effective_on: date | None,
    if_match: str | None,
    actor: str,
) -> Certificate:
    """A suspension, revocation or reinstatement of `row` (locked by the caller): 409 naming the allowed actions
    when the stored status does not allow it (revoked is final)."""
    check_if_match(if_match, row.version)
    sources, to, event = ACTIONS[action]
    if row.status not in sources:
        allowed = allowed_actions(row.status)
        raise CertificateActionNotAllowed(
            detail_zh=f"证书当前状态为 {row.status}，可执行的操作：{'、'.join(allowed) or '无（已撤销为终态）'}",
            detail_en=f"The certificate is {row.status}; allowed actions: "
            + (", ".join(allowed) or "none (revoked is final)"),
            extra={"status": row.status, "allowed_actions": allowed},
        )
    day = effective_on or today()
    _check_effective(row, day, ["body", "effective_on"])
    before = AUDIT.snapshot(row)
    _set_status(session, row, action=action, to=to, reason=reason, effective_on=day, actor=actor)
    await _changed(session, row, before=before, action=action, event=event, actor=actor, reason=reason)
    return row


# ---- reviews (复审) --------------------------------------------------------------------------------------------
async def review(
    session: AsyncSession, *, row: Certificate, data: CertificateReviewCreate, if_match: str | None, actor: str
) -> CertificateReview:
    """A review of `row` (locked by the caller). Pass: the next review moves to `next_due_on` or the review day + the
    kind's period (and `valid_until` with it for a kind renewed by its review); a certificate suspended by a failed
    review is reinstated. Fail: per the kind, suspended (a status change `failed_review`) or expired (`valid_until`
    becomes the review day; the stored status stays active, so it reads `expired` from the next day)."""
    check_if_match(if_match, row.version)
    rule = KINDS[CertificateKind(row.kind)]
    if rule.review_years is None:
        raise CertificateNotReviewed(
            detail_zh=f"{rule.label}没有复审", detail_en=f"A {rule.label_en} has no reviews", extra={"kind": row.kind}
        )
    if row.status == StoredStatus.revoked.value:
        raise CertificateActionNotAllowed(
            detail_zh="证书已撤销，不能复审",
            detail_en="The certificate is revoked; it cannot be reviewed",
            extra={"status": row.status, "allowed_actions": []},
        )
    _check_effective(row, data.reviewed_on, ["body", "reviewed_on"])
    if data.result == "pass" and data.next_due_on is not None and data.next_due_on <= data.reviewed_on:
        raise field_error(
            ["body", "next_due_on"],
            "review_date",
            "下次复审日期须晚于复审日期",
            "next_due_on must be after reviewed_on",
        )
    if data.result == "fail" and data.next_due_on is not None:
        raise field_error(
            ["body", "next_due_on"],
            "not_on_fail",
            "复审不合格时不能填写下次复审日期",
            "A failed review sets no next review",
        )
    before = AUDIT.snapshot(row)
    next_due = None
    if data.result == "pass":
        next_due = data.next_due_on or add_years(data.reviewed_on, rule.review_years)
        row.next_review_on = next_due
        if rule.review_renews:
            row.valid_until = next_due
        if row.status == StoredStatus.suspended.value and await _suspended_by_review(session, row.id):
            _set_status(
                session,
                row,
                action="reinstatement",
                to=StoredStatus.active,
                reason=PASSED_REVIEW_REASON,
                effective_on=data.reviewed_on,
                actor=actor,
            )
    elif rule.on_failed_review == OnMissedReview.suspend and row.status == StoredStatus.active.value:
        _set_status(
            session,
            row,
            action="failed_review",
            to=StoredStatus.suspended,
            reason=FAILED_REVIEW_REASON,
            effective_on=data.reviewed_on,
            actor=actor,
        )
    elif rule.on_failed_review == OnMissedReview.expire:
        row.valid_until = data.reviewed_on
    reviewed = CertificateReview(
        id=new_id(),
        certificate_id=row.id,
        reviewed_on=data.reviewed_on,
        result=data.result,
        next_due_on=next_due,
        note=data.note,
        actor=actor,
        created_at=now(),
    )
    session.add(reviewed)
    await _changed(
        session,
        row,
        before=before,
        action="review",
        event="reviewed",
        actor=actor,
        result=data.result,
        reviewed_on=data.reviewed_on.isoformat(),
    )
    return reviewed


async def _suspended_by_review(session: AsyncSession, certificate_id: uuid.UUID) -> bool:
    """Whether the certificate's current suspension came from a failed review (a passed review lifts only that one;
    a suspension by an action stays until reinstated)."""
    c: Any = CertificateStatusChange
    last = await session.scalar(
        sa.select(c.action)
        .where(c.certificate_id == certificate_id, c.to_status == StoredStatus.suspended.value)
        .order_by(c.created_at.desc(), c.id.desc())
        .limit(1)
    )
    return last == "failed_review"
