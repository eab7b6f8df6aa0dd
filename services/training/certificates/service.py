"""Certificate rules and writes: issue or record, replace, suspend / revoke / reinstate, review (复审), and the reads —
each write with its audit row, its outbox event and the verification record's upkeep in the caller's transaction
(docs/domain.md, "Certificates"). Knows nothing of HTTP: the router checks the caller, the organizations, the
holder (a learner the holder organization owns, or a membership person of it) and passes what it found.

Events: `certificate.issued` (issued on the platform) or `certificate.recorded` (recorded from an outside
authority); the status actions and reviews are in changes.py. Nothing is ever deleted."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.dates import today
from chanjiao.errors import Conflict, FieldError, NotFound, field_error
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load_kept, now, record_named
from chanjiao.sync import Since, SyncPage, sync_page
from services.training.accreditations.checks import check_pilot_registered
from services.training.certificates import verification
from services.training.certificates.models import Certificate, CertificateReview, CertificateStatusChange
from services.training.certificates.numbers import Numbers
from services.training.certificates.rules import (
    KINDS,
    CertificateKind,
    IssuerAuthority,
    OnMissedReview,
    Status,
    StoredStatus,
    default_next_review,
    default_valid_until,
    derive_status,
)
from services.training.certificates.schemas import (
    CertificateIssue,
    CertificatePublic,
    CertificateRecord,
    check_certificate_fields,
    render,
)
from services.training.db import kernel
from services.training.parties import acts_for_any, can_read, visible_filter
from services.training.programmes.models import Programme
from services.training.settings import TrainingSettings

ENTITY = "certificate"
# The holder's name is shown to the holder organization only: never in an audit row or an event (ids only). Neither
# the number's key (a keyed hash, for a number carrying an ID number) nor its ciphertext: the masked `number` is.
AUDIT = Audit(kernel, ENTITY, exclude=frozenset({"holder_name", "number_key", "number_ciphertext"}))


class CertificateNotFound(NotFound):
    slug = "certificate-not-found"
    title_zh, title_en = "证书不存在", "Certificate not found"


class CertificateNumberTaken(Conflict):
    slug = "certificate-number-taken"
    title_zh, title_en = "证书编号已存在", "Certificate number taken"


class CertificateAlreadyReplaced(Conflict):
    slug = "certificate-already-replaced"
    title_zh, title_en = "原证书已被替换", "Certificate already replaced"


def not_found() -> CertificateNotFound:
    return CertificateNotFound(detail_zh="没有该证书", detail_en="No such certificate")


def number_taken() -> CertificateNumberTaken:
    return CertificateNumberTaken(
        detail_zh="该发证单位已有同一编号的证书",
        detail_en="The issuer already has a certificate with this number",
        extra={"field": "number"},
        errors=[FieldError(["body", "number"], "编号已被使用", "Number already used by this issuer", "unique")],
    )


def already_replaced() -> CertificateAlreadyReplaced:
    return CertificateAlreadyReplaced(
        detail_zh="replaces_id 所指证书已被另一证书替换",
        detail_en="The certificate named by replaces_id was already replaced",
        extra={"field": "replaces_id"},
    )


# ---- the status, derived -------------------------------------------------------------------------------------------
def window(settings: TrainingSettings) -> int:
    return settings.certificate_expiring_window_days


def status_of(row: Any, *, on: date, window_days: int) -> Status:
    return derive_status(
        kind=row.kind,
        stored=row.status,
        valid_until=row.valid_until,
        next_review_on=row.next_review_on,
        today=on,
        window_days=window_days,
    )


def _kinds(pick: Any) -> list[str]:
    return [k.value for k, r in KINDS.items() if pick(r)]


def status_filter(status: Status, *, on: date, window_days: int) -> sa.ColumnElement[bool]:
    """The rows whose derived status (`rules.derive_status`) as of `on` is `status` — the same rule, in SQL, so a
    page is filtered by the database (indexed dates), never in Python."""
    c: Any = Certificate
    active = c.status == StoredStatus.active.value
    past_valid = sa.and_(c.valid_until.is_not(None), c.valid_until < on)
    overdue = sa.and_(c.next_review_on.is_not(None), c.next_review_on < on)
    overdue_expires = sa.and_(overdue, c.kind.in_(_kinds(lambda r: r.on_overdue_review == OnMissedReview.expire)))
    overdue_suspends = sa.and_(overdue, c.kind.in_(_kinds(lambda r: r.on_overdue_review == OnMissedReview.suspend)))
    expired = sa.and_(active, sa.or_(past_valid, overdue_expires))
    shown_suspended = sa.and_(active, sa.not_(past_valid), sa.not_(overdue_expires), overdue_suspends)
    horizon = on + timedelta(days=window_days)
    near = sa.or_(
        sa.and_(c.valid_until.is_not(None), c.valid_until <= horizon),
        sa.and_(
            c.next_review_on.is_not(None),
            c.next_review_on <= horizon,
            c.kind.in_(_kinds(lambda r: r.review_years is not None)),
        ),
    )
    live = sa.and_(active, sa.not_(past_valid), sa.not_(overdue_expires), sa.not_(overdue_suspends))
    if status == Status.revoked:
        return c.status == StoredStatus.revoked.value
    if status == Status.suspended:
        return sa.or_(c.status == StoredStatus.suspended.value, shown_suspended)
    if status == Status.expired:
        return expired
    if status == Status.expiring:
        return sa.and_(live, near)
    return sa.and_(live, sa.not_(near))


# ---- answers ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class View:
    """What the public form needs beyond the rows: their verification codes and their replacements."""

    codes: dict[uuid.UUID, str]
    replaced_by: dict[uuid.UUID, uuid.UUID]
    settings: TrainingSettings
    on: date

    def render(self, row: Any) -> CertificatePublic:
        code = self.codes.get(row.id)
        return render(
            row,
            code=code,
            url=verification.verification_url(self.settings.public_base_url, code) if code else None,
            replaced_by_id=self.replaced_by.get(row.id),
            status=status_of(row, on=self.on, window_days=window(self.settings)),
            status_on=self.on,
        )


async def view(
    session: AsyncSession, rows: Iterable[Any], *, settings: TrainingSettings, on: date | None = None
) -> View:
    ids = [r.id for r in rows]
    replaced: dict[uuid.UUID, uuid.UUID] = {}
    if ids:
        found = await session.execute(
            sa.select(Certificate.replaces_id, Certificate.id).where(Certificate.replaces_id.in_(ids))  # type: ignore[union-attr]
        )
        replaced = {old: new for old, new in found.all()}
    codes = await verification.codes_of(session, ids, settings=settings)
    return View(codes=codes, replaced_by=replaced, settings=settings, on=on or today())


async def public(
    session: AsyncSession, row: Any, *, settings: TrainingSettings, on: date | None = None
) -> CertificatePublic:
    return (await view(session, [row], settings=settings, on=on)).render(row)


# ---- reads -----------------------------------------------------------------------------------------------------------
async def get(session: AsyncSession, certificate_id: uuid.UUID, *, for_update: bool = False) -> Certificate:
    return await load_kept(session, Certificate, certificate_id, not_found=not_found, for_update=for_update)


async def get_visible(session: AsyncSession, principal: Principal, certificate_id: uuid.UUID) -> Certificate:
    """A certificate the caller may read (its holder organization's principals, platform admins, services with
    `training:read`); to anyone else it does not exist (404)."""
    row = await get(session, certificate_id)
    if not can_read(principal, row.holder_org_id):
        raise not_found()
    return row


async def get_writable(session: AsyncSession, principal: Principal, certificate_id: uuid.UUID) -> Certificate:
    """A certificate the caller acts on, locked: its holder organization's writers and platform admins; anyone else
    gets 404, as for a certificate that does not exist."""
    row = await get(session, certificate_id, for_update=True)
    if not acts_for_any(principal, [row.holder_org_id]):
        raise not_found()
    return row


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    where: Iterable[sa.ColumnElement[bool]],
    since: Since,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    stmt = sa.select(Certificate)
    visible = visible_filter(principal, Certificate.holder_org_id)
    if visible is not None:
        stmt = stmt.where(visible)
    for clause in where:
        stmt = stmt.where(clause)
    return await sync_page(session, stmt, Certificate, since=since, cursor=cursor, limit=limit)


async def reviews_of(session: AsyncSession, certificate_id: uuid.UUID) -> list[CertificateReview]:
    c: Any = CertificateReview
    stmt = sa.select(c).where(c.certificate_id == certificate_id).order_by(c.reviewed_on, c.created_at)
    return list((await session.execute(stmt)).scalars())


async def status_changes_of(session: AsyncSession, certificate_id: uuid.UUID) -> list[CertificateStatusChange]:
    c: Any = CertificateStatusChange
    stmt = sa.select(c).where(c.certificate_id == certificate_id).order_by(c.created_at, c.id)
    return list((await session.execute(stmt)).scalars())


# ---- issue and record ------------------------------------------------------------------------------------------------
async def check_programme(session: AsyncSession, programme_id: uuid.UUID | None, org_id: uuid.UUID) -> None:
    """A certificate's programme is one its holder organization provides or is a partner of (422 otherwise — also for
    a programme that does not exist or was deleted, so no other organization's programme is revealed)."""
    if programme_id is None:
        return
    p: Any = Programme
    found = await session.scalar(
        sa.select(p.id).where(
            p.id == programme_id,
            p.deleted_at.is_(None),
            sa.or_(p.provider_org_id == org_id, p.partner_org_ids.contains([org_id])),
        )
    )
    if found is None:
        raise field_error(
            ["body", "programme_id"],
            "programme_not_of_issuer",
            "没有该培训项目，或本单位不是其举办或合作单位",
            "No such programme provided or partnered by this organization",
        )


async def check_replaces(session: AsyncSession, values: dict[str, Any], holder_org_id: uuid.UUID) -> None:
    """`replaces_id`: a certificate of the same holder organization and holder, not replaced yet."""
    old_id = values.get("replaces_id")
    if old_id is None:
        return
    old = await session.get(Certificate, old_id)
    if old is None or old.holder_org_id != holder_org_id:
        raise field_error(
            ["body", "replaces_id"],
            "certificate_not_found",
            "本单位没有该证书",
            "No such certificate of your organization",
        )
    if (old.learner_id, old.person_id) != (values.get("learner_id"), values.get("person_id")):
        raise field_error(
            ["body", "replaces_id"],
            "other_holder",
            "被替换的证书须属于同一持证人",
            "The replaced certificate must belong to the same holder",
        )
    c: Any = Certificate
    if await session.scalar(sa.select(c.id).where(c.replaces_id == old_id)) is not None:
        raise already_replaced()


async def _number_free(session: AsyncSession, row: Certificate, keys: list[str]) -> None:
    c: Any = Certificate
    if row.recorded:
        same = sa.and_(c.recorded, c.holder_org_id == row.holder_org_id, c.issuer_name == row.issuer_name)
    else:
        same = sa.and_(sa.not_(c.recorded), c.issuer_org_id == row.issuer_org_id)
    if await session.scalar(sa.select(c.id).where(same, c.number_key.in_(keys))) is not None:
        raise number_taken()


async def create(
    session: AsyncSession,
    *,
    data: CertificateIssue | CertificateRecord,
    holder_org_id: uuid.UUID,
    holder_name: str,
    issuer_name: str,
    settings: TrainingSettings,
    actor: str,
    appraisal_id: uuid.UUID | None = None,
) -> Certificate:
    """Issue (`CertificateIssue`) or record (`CertificateRecord`) a certificate; the organizations and the holder were
    checked by the router. The number is unique per issuer (409 naming `number`); the verification record is written
    in the same transaction. `appraisal_id`: the skill appraisal batch issuing it (services/training/appraisals/)."""
    values = data.model_dump()
    check_certificate_fields(values)
    recorded = isinstance(data, CertificateRecord)
    kind = CertificateKind(values["kind"])
    await check_programme(session, values["programme_id"], holder_org_id)
    await check_replaces(session, values, holder_org_id)
    if not recorded and kind == CertificateKind.skill_level_1x and values.get("issuer_org_id") is not None:
        # Who may issue a 1+X certificate: a pilot registration of it (services/training/accreditations/checks.py).
        await check_pilot_registered(
            session,
            org_id=values["issuer_org_id"],
            certificate_name=values["occupation_name"],
            level=values["level"],
            on=values["issued_on"],
            strict=settings.accreditation_strict,
        )
    stamp = now()
    numbers = Numbers(settings)
    kept = numbers.keep(values["number"])
    certificate_id = new_id()
    row = Certificate(
        id=certificate_id,
        kind=kind.value,
        number=kept.number,
        number_key=kept.key,
        number_ciphertext=numbers.seal(values["number"], certificate_id) if kept.sealed else None,
        recorded=recorded,
        issuer_authority=values.get("issuer_authority") or IssuerAuthority.platform_org.value,
        issuer_org_id=values.get("issuer_org_id"),
        issuer_name=issuer_name,
        holder_org_id=holder_org_id,
        learner_id=values["learner_id"],
        person_id=values["person_id"],
        holder_name=holder_name,
        occupation_name=values["occupation_name"],
        occupation_code=values["occupation_code"],
        level=values["level"],
        issued_on=values["issued_on"],
        valid_until=values["valid_until"] or default_valid_until(kind, values["issued_on"]),
        next_review_on=values["next_review_on"] or default_next_review(kind, values["issued_on"]),
        programme_id=values["programme_id"],
        appraisal_id=appraisal_id,
        status=StoredStatus.active.value,
        replaces_id=values["replaces_id"],
        evidence=values.get("evidence"),
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    await _number_free(session, row, numbers.keys(values["number"]))
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent twin got there first
        raise (already_replaced() if "replaces_id" in str(exc.orig) else number_taken()) from None
    if row.replaces_id is not None:
        # The replaced certificate stays as it is, but its answer now shows `replaced_by_id`: a new version, so an
        # incremental sync brings it again.
        old = await get(session, row.replaces_id, for_update=True)
        old.version += 1
        old.updated_at = stamp
        await session.flush()
    await verification.publish(session, row, settings=settings)
    after = AUDIT.snapshot(row)
    event = "recorded" if recorded else "issued"
    await record_named(
        AUDIT, session, row, action="create", event=event, actor=actor, before=None, after=after, payload=after
    )
    return row
