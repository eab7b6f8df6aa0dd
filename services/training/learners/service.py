"""Learner rules: register (or find, within the caller's organization) a learner record, read what an organization
may see, search by number, reveal, correct, erase — each write leaving an audit row (name, number and phone
redacted) in the caller's transaction. Knows nothing of HTTP.

A learner record belongs to one organization (`owner_org_id`, the one that registered it): only its principals —
and platform admins; services with `training:read` read — see and write it; to everyone else it does not exist
(404 on every route and as a reference). The same document registered by another organization is that
organization's own record of the same person (`persons`, the counting key: docs/learners.md).

Entry points for the other training areas (enrolments, internships, practice):

* `require_learner(session, learner_id)` — the record whoever owns it (also when erased: the records that
  reference it stay) or a 404 problem: for reading a reference that is already stored;
* `require_own_learner(session, principal, learner_id)` — the record if the caller's organization owns it
  (platform admins: any), else the same 404: for tying a *new* record to a learner.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.audit import write_audit
from chanjiao.auth import ORG_ADMIN, ORG_STAFF, Principal
from chanjiao.crypto import DecryptionError
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.idempotency import forget_responses_mentioning
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load
from chanjiao.sync import Since, SyncPage, sync_page
from chanjiao.validators import CodeError, cjk_bigrams, mask_phone
from services.training.db import kernel
from services.training.learners import personal, persons
from services.training.learners.models import Learner
from services.training.learners.schemas import LearnerCreate, LearnerUpdate

ERASED_NAME = "已注销"
ORG_ROLES = (ORG_ADMIN, ORG_STAFF)
# Personal data never enters an audit diff (it says that the field changed, not from what to what), so an erasure
# leaves nothing of the person behind in the audit log.
REDACTED = frozenset({"name", "id_number", "phone"})


class LearnerNotFound(NotFound):
    slug = "learner-not-found"
    title_zh, title_en = "学员不存在", "Learner not found"


class LearnerNameConflict(Conflict):
    slug = "learner-name-conflict"
    title_zh, title_en = "证件号码已登记为另一姓名", "ID number registered under another name"


class LearnerIdNumberTaken(Conflict):
    slug = "learner-id-number-taken"
    title_zh, title_en = "证件号码已属于另一学员", "ID number belongs to another learner"


class LearnerErased(Conflict):
    slug = "learner-erased"
    title_zh, title_en = "学员信息已注销", "Learner erased"


def not_found() -> LearnerNotFound:
    return LearnerNotFound(detail_zh="没有该学员，或已被删除", detail_en="No such learner, or it was deleted")


def name_conflict() -> LearnerNameConflict:
    # Neither the stored name nor the number: the caller learns only that the two do not agree.
    return LearnerNameConflict(
        detail_zh="该证件号码已登记，但姓名与登记信息不一致；请核对姓名和证件号码",
        detail_en="This ID number is registered under a different name; check the name and the number",
        extra={"field": "name"},
    )


def erased() -> LearnerErased:
    return LearnerErased(
        detail_zh="该学员的个人信息已注销，不能再修改或查看证件号码",
        detail_en="This learner's personal data was erased; it can no longer be changed or revealed",
    )


# ---- shared with the other training areas ----------------------------------------------------------------
async def require_learner(session: AsyncSession, learner_id: uuid.UUID, *, for_update: bool = False) -> Learner:
    """The learner record (not deleted; an erased, anonymised one is still returned), whoever owns it, else 404."""
    return await load(session, Learner, learner_id, not_found=not_found, for_update=for_update)


async def require_own_learner(
    session: AsyncSession, principal: Principal, learner_id: uuid.UUID, *, for_update: bool = False
) -> Learner:
    """The record if the caller's organization owns it (platform admins: any record); else 404, exactly as for a
    learner that does not exist — so no route, and no reference in another record, reaches another organization's
    learner or tells that it exists."""
    return await load(
        session,
        Learner,
        learner_id,
        not_found=not_found,
        rule=lambda r: principal.is_platform_admin or principal_org(principal) == r.owner_org_id,
        for_update=for_update,
    )


# ---- who sees what ----------------------------------------------------------------------------------------
def sees_everyone(principal: Principal) -> bool:
    """Platform admins, and services reading with `training:read`."""
    return principal.is_platform_admin or (principal.kind == "service" and "training:read" in principal.scopes)


def principal_org(principal: Principal, roles: tuple[str, ...] = ORG_ROLES) -> uuid.UUID | None:
    """The organization the principal acts for with one of `roles` (None: none)."""
    if not principal.org_id or not set(principal.roles) & set(roles):
        return None
    try:
        return uuid.UUID(principal.org_id)
    except ValueError:
        return None


def visible_filter(principal: Principal) -> sa.ColumnElement[bool] | None:
    """WHERE clause of the learners the principal may read (None: all) — its organization's own records."""
    if sees_everyone(principal):
        return None
    org = principal_org(principal)
    if org is None:
        return sa.false()
    return Learner.owner_org_id == org


def can_read(principal: Principal, learner: Learner) -> bool:
    if sees_everyone(principal):
        return True
    org = principal_org(principal)
    return org is not None and org == learner.owner_org_id


# ---- audit -------------------------------------------------------------------------------------------------
def _event(learner: Learner) -> dict[str, Any]:
    """What events carry: no name, no number, no phone — not even masked — and never the internal `person_id`."""
    return {
        "owner_org_id": learner.owner_org_id,
        "id_type": learner.id_type,
        "learner_type": learner.learner_type,
        "current_org_id": learner.current_org_id,
        "erased": learner.erased_at is not None,
    }


# Audited: what the learner says (personal data as opaque stand-ins that change exactly when the value does, redacted
# in the trail); not the owner, the counting key, the search pieces, the stored ciphertexts and masks, the erasure.
AUDIT = Audit(
    kernel,
    "learner",
    exclude=frozenset(
        {
            "owner_org_id",
            "person_id",
            "name_bigrams",
            "id_number_hash",
            "id_number_ciphertext",
            "id_number_masked",
            "phone_ciphertext",
            "phone_masked",
            "erased_at",
        }
    ),
    redact=REDACTED,
    stand_ins={
        "id_number": lambda r: r.id_number_hash.hex() if r.id_number_hash is not None else None,
        "phone": lambda r: r.phone_masked and "set",
    },
)


# ---- create (or find) ------------------------------------------------------------------------------------------
@dataclass
class Registered:
    learner: Learner
    created: bool  # False: the caller's organization had registered the document already (its record unchanged)


async def _own_by_hash(
    session: AsyncSession, org_id: uuid.UUID, hashes: list[bytes], *, for_update: bool = False
) -> Learner | None:
    """The record of this number that `org_id` owns (none of another organization's, ever)."""
    stmt = sa.select(Learner).where(Learner.owner_org_id == org_id, Learner.id_number_hash.in_(hashes))
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalars().first()


def _set_number(learner: Learner, id_type: str, number: str, pd: personal.PersonalData) -> None:
    learner.id_type = id_type
    learner.id_number_hash = pd.hash(id_type, number)
    learner.id_number_ciphertext = pd.cipher.encrypt(number, context=personal.id_number_context(learner.id))
    learner.id_number_masked = personal.mask_number(number)
    learner.gender, learner.birth_year = personal.gender_and_birth_year(id_type, number)


def _set_phone(learner: Learner, phone: str | None, pd: personal.PersonalData) -> None:
    if phone is None:
        learner.phone_ciphertext = None
        learner.phone_masked = None
    else:
        learner.phone_ciphertext = pd.cipher.encrypt(phone, context=personal.phone_context(learner.id))
        learner.phone_masked = mask_phone(phone)


async def _existing(session: AsyncSession, found: Learner, *, data: LearnerCreate, current_hash: bytes) -> Registered:
    """The caller's organization registers a document it holds already: its own record, unchanged (409 when the
    names differ — the organization's own record, so this tells nothing about any other organization)."""
    if not personal.names_match(found.name, data.name):
        raise name_conflict()
    if found.id_number_hash != current_hash:  # hashed under a previous key: move it to the current one
        found.id_number_hash = current_hash
        await session.flush()
    return Registered(found, created=False)


async def register_learner(
    session: AsyncSession, *, data: LearnerCreate, org_id: uuid.UUID, pd: personal.PersonalData, actor: str
) -> Registered:
    """Register the document for `org_id`: its existing record of the number (200; 409 when the names differ), or a
    new record of the person — whose `persons` row is found or created by the keyed hash, so two organizations'
    records of one document count as one person. Safe under concurrency: the unique hashes and
    `ON CONFLICT DO NOTHING` leave one person and one record per organization; the loser of a race finds the
    winner's row once it commits. Organizations are checked by the caller first."""
    id_type = data.id_type.value
    hashes = pd.hashes(id_type, data.id_number)
    person_id = await persons.person_for(session, hashes)
    found = await _own_by_hash(session, org_id, hashes)
    if found is not None:
        return await _existing(session, found, data=data, current_hash=hashes[0])
    now = datetime.now(UTC)
    learner = Learner(
        id=new_id(),
        owner_org_id=org_id,
        person_id=person_id,
        name=data.name,
        name_bigrams=cjk_bigrams(data.name),
        learner_type=data.learner_type.value,
        current_org_id=data.current_org_id,
        version=1,
        created_at=now,
        updated_at=now,
    )
    _set_number(learner, id_type, data.id_number, pd)
    _set_phone(learner, data.phone, pd)
    values = {c.name: getattr(learner, c.name) for c in Learner.__table__.columns}
    inserted = (
        await session.execute(
            pg_insert(Learner)
            .values(**values)
            .on_conflict_do_nothing(
                index_elements=["owner_org_id", "id_number_hash"], index_where=sa.text("id_number_hash is not null")
            )
            .returning(Learner.id)
        )
    ).scalar_one_or_none()
    if inserted is None:  # another transaction of the same organization registered it first (and has committed)
        found = await _own_by_hash(session, org_id, hashes)
        if found is None:  # pragma: no cover - erased between the two statements
            raise Conflict(detail_zh="请重试", detail_en="Please retry", headers={"Retry-After": "1"})
        return await _existing(session, found, data=data, current_hash=hashes[0])
    learner = (
        await session.execute(
            sa.select(Learner).where(Learner.id == inserted).execution_options(populate_existing=True)
        )
    ).scalar_one()
    after = AUDIT.snapshot(learner)
    await AUDIT.record(
        session, learner, action="create", actor=actor, before=None, after=after, payload=_event(learner)
    )
    return Registered(learner, created=True)


# ---- read -------------------------------------------------------------------------------------------------
async def get_visible(session: AsyncSession, principal: Principal, learner_id: uuid.UUID) -> Learner:
    """The learner if the principal may read it; 404 alike for missing and not visible."""
    return await load(session, Learner, learner_id, not_found=not_found, rule=lambda r: can_read(principal, r))


async def search(
    session: AsyncSession, principal: Principal, *, id_type: str, number: str, pd: personal.PersonalData
) -> Learner:
    """The caller's own record of the number (platform admins and services: the first record of it). The look-up
    is restricted to what the caller may see in SQL, so it never finds another organization's record at all."""
    stmt = sa.select(Learner).where(
        Learner.id_number_hash.in_(pd.hashes(id_type, number)), Learner.deleted_at.is_(None)
    )
    visible = visible_filter(principal)
    if visible is not None:
        stmt = stmt.where(visible)
    found = (await session.execute(stmt.order_by(Learner.created_at, Learner.id).limit(1))).scalars().first()
    if found is None:
        raise LearnerNotFound(
            detail_zh="没有找到您可查看的该证件号码的学员",
            detail_en="No learner with this number that you may see",
        )
    return found


async def list_learners(
    session: AsyncSession,
    *,
    visible: sa.ColumnElement[bool] | None,
    learner_type: str | None,
    current_org_id: uuid.UUID | None,
    q: str | None,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    stmt = sa.select(Learner)
    if visible is not None:
        stmt = stmt.where(visible)
    if not include_deleted:
        stmt = stmt.where(Learner.deleted_at.is_(None), Learner.erased_at.is_(None))
    if learner_type is not None:
        stmt = stmt.where(Learner.learner_type == learner_type)
    if current_org_id is not None:
        stmt = stmt.where(Learner.current_org_id == current_org_id)
    text = (q or "").strip()
    if text:
        bigrams = cjk_bigrams(text)
        if all(len(b) == 2 for b in bigrams):  # a one-character query has no bigram to look up
            stmt = stmt.where(Learner.name_bigrams.contains(bigrams))
        stmt = stmt.where(Learner.name.icontains(text, autoescape=True))
    return await sync_page(session, stmt, Learner, since=since, cursor=cursor, limit=limit)


# ---- reveal --------------------------------------------------------------------------------------------------
async def reveal(session: AsyncSession, *, learner: Learner, reason: str, pd: personal.PersonalData, actor: str) -> str:
    """The full number; writes the audit row (who, when, why — never the number) in the caller's transaction."""
    if learner.erased_at is not None or learner.id_number_ciphertext is None:
        raise erased()
    number = pd.cipher.decrypt(learner.id_number_ciphertext, context=personal.id_number_context(learner.id))
    await write_audit(
        session,
        kernel.audit,
        entity="learner",
        entity_id=learner.id,
        action="reveal",
        actor=actor,
        before=None,
        after={"reason": reason, "id_type": learner.id_type},
    )
    return number


# ---- correct -------------------------------------------------------------------------------------------------
def _old_phone(learner: Learner, pd: personal.PersonalData) -> str | None:
    if learner.phone_ciphertext is None:
        return None
    try:
        return pd.cipher.decrypt(learner.phone_ciphertext, context=personal.phone_context(learner.id))
    except DecryptionError:
        return None  # unreadable (key rotated away): a new number replaces it


async def update_learner(
    session: AsyncSession,
    *,
    learner_id: uuid.UUID,
    changes: LearnerUpdate,
    if_match: str | None,
    pd: personal.PersonalData,
    actor: str,
) -> Learner:
    learner = await require_learner(session, learner_id, for_update=True)
    check_if_match(if_match, learner.version)
    if learner.erased_at is not None:
        raise erased()
    data = changes.model_dump(exclude_unset=True)
    before = AUDIT.snapshot(learner)
    previous_person: uuid.UUID | None = None
    if "name" in data:
        learner.name = data["name"]
        learner.name_bigrams = cjk_bigrams(learner.name)
    if "learner_type" in data:
        learner.learner_type = data["learner_type"].value
    if "current_org_id" in data:
        learner.current_org_id = data["current_org_id"]
    if "membership_person_id" in data:
        learner.membership_person_id = data["membership_person_id"]
    if "phone" in data and data["phone"] != _old_phone(learner, pd):
        _set_phone(learner, data["phone"], pd)
    if "id_number" in data:
        id_type = data["id_type"].value if data.get("id_type") is not None else learner.id_type
        number = data["id_number"]
        try:
            personal.validate_number(id_type, number)
        except CodeError as exc:
            raise field_error(["body", "id_number"], exc.rule, exc.message_zh, exc.message_en) from None
        hashes = pd.hashes(id_type, number)
        if learner.id_number_hash not in hashes or id_type != learner.id_type:
            # Only the organization's own records count: another organization's record of that number is another
            # organization's business (and the answer must not tell that it exists).
            other = await _own_by_hash(session, learner.owner_org_id, hashes)
            if other is not None and other.id != learner.id:
                raise id_number_taken()
            _set_number(learner, id_type, number, pd)
            person_id = await persons.person_for(session, hashes)  # the person of the corrected number
            if person_id != learner.person_id:
                previous_person, learner.person_id = learner.person_id, person_id
    after = AUDIT.snapshot(learner)
    if after == before:
        return learner
    learner.version += 1
    learner.updated_at = datetime.now(UTC)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:  # a concurrent registration took the corrected number first
        raise id_number_taken() from None
    if previous_person is not None:
        await persons.release(session, previous_person)
    await AUDIT.record(
        session, learner, action="update", actor=actor, before=before, after=after, payload=_event(learner)
    )
    return learner


def id_number_taken() -> LearnerIdNumberTaken:
    return LearnerIdNumberTaken(
        detail_zh="更正后的证件号码已属于另一名学员；请核对，或联系平台管理员合并",
        detail_en="The corrected ID number belongs to another learner; check it, or ask a platform admin to merge",
        extra={"field": "id_number"},
    )


# ---- erase ---------------------------------------------------------------------------------------------------
async def erase_learner(
    session: AsyncSession, *, learner: Learner, reason: str, if_match: str | None, actor: str
) -> Learner:
    """Anonymise the caller's record: name → 已注销; number, phone, hash and masks cleared; gender, birth year, type,
    current organization, `person_id` and every record referencing the learner stay, so the figures do not change
    and the person still counts once. Other organizations' records of the person are untouched; when none of them
    holds personal data any more, the person's hash is cleared too (`persons.release`)."""
    check_if_match(if_match, learner.version)
    if learner.erased_at is not None:
        raise erased()
    before = AUDIT.snapshot(learner)
    now = datetime.now(UTC)
    learner.name = ERASED_NAME
    learner.name_bigrams = cjk_bigrams(ERASED_NAME)
    learner.id_number_hash = None
    learner.id_number_ciphertext = None
    learner.id_number_masked = None
    learner.phone_ciphertext = None
    learner.phone_masked = None
    learner.erased_at = now
    learner.updated_at = now
    learner.version += 1
    await session.flush()
    await persons.release(session, learner.person_id)
    after = AUDIT.snapshot(learner)
    after["erasure_reason"] = reason
    await AUDIT.record(
        session, learner, action="erase", actor=actor, before=before, after=after, payload=_event(learner)
    )
    # Stored replay answers of the last 24 h (registrations, batches) carry the name: forget them too.
    await forget_responses_mentioning(session, kernel.idempotency, str(learner.id))
    return learner
