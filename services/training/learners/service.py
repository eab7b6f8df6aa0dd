"""Learner rules: register (or find) a shared learner, read what an organization may see, search by number,
reveal, correct, erase — each write leaving an audit row (name, number and phone redacted) in the caller's
transaction. Knows nothing of HTTP.

Shared entry points for the other training areas (enrolments, internships, practice):

* `require_learner(session, learner_id)` — the learner (also when erased: the records that reference it stay)
  or a 404 problem; check `learner.erased_at` before tying a *new* record to it;
* `link_learner(session, learner_id, org_id, via)` — record that an organization has a relation to the learner
  (idempotent); an organization sees a learner only through such links.
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

from chanjiao.audit import record_change, write_audit
from chanjiao.auth import ORG_ADMIN, ORG_STAFF, Principal
from chanjiao.crypto import DecryptionError
from chanjiao.errors import Conflict, Forbidden, NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.idempotency import forget_responses_mentioning
from chanjiao.ids import new_id
from chanjiao.pagination import keyset, page_of
from chanjiao.validators import CodeError, cjk_bigrams, mask_phone
from services.training.db import kernel
from services.training.learners import personal
from services.training.learners.models import (
    ID_TYPE_LABELS,
    LEARNER_TYPE_LABELS,
    Learner,
    LearnerOrg,
    LinkVia,
)
from services.training.learners.schemas import LearnerCreate, LearnerPublic, LearnerTombstone, LearnerUpdate

ERASED_NAME = "已注销"
ORG_ROLES = (ORG_ADMIN, ORG_STAFF)
AUDITED = ("name", "id_type", "id_number", "phone", "learner_type", "current_org_id", "gender", "birth_year")
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
    """The learner (not deleted; an erased, anonymised learner is still returned), else 404."""
    stmt = sa.select(Learner).where(Learner.id == learner_id, Learner.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    learner = (await session.execute(stmt)).scalar_one_or_none()
    if learner is None:
        raise not_found()
    return learner


async def link_learner(session: AsyncSession, learner_id: uuid.UUID, org_id: uuid.UUID, via: str) -> None:
    """Link `org_id` to the learner (idempotent: an existing link keeps its first `via` and time)."""
    await session.execute(
        pg_insert(LearnerOrg)
        .values(learner_id=learner_id, org_id=org_id, via=via)
        .on_conflict_do_nothing(index_elements=["learner_id", "org_id"])
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
    """WHERE clause of the learners the principal may read (None: all) — its organization's links only."""
    if sees_everyone(principal):
        return None
    org = principal_org(principal)
    if org is None:
        return sa.false()
    return sa.exists().where(LearnerOrg.learner_id == Learner.id, LearnerOrg.org_id == org)


async def linked(session: AsyncSession, learner_id: uuid.UUID, org_id: uuid.UUID) -> bool:
    stmt = sa.select(sa.exists().where(LearnerOrg.learner_id == learner_id, LearnerOrg.org_id == org_id))
    return bool((await session.execute(stmt)).scalar())


async def can_read(session: AsyncSession, principal: Principal, learner_id: uuid.UUID) -> bool:
    if sees_everyone(principal):
        return True
    org = principal_org(principal)
    return org is not None and await linked(session, learner_id, org)


async def ensure_linked_writer(
    session: AsyncSession, principal: Principal, learner_id: uuid.UUID, roles: tuple[str, ...] = ORG_ROLES
) -> None:
    """403 unless the principal acts (with one of `roles`) for an organization linked to the learner."""
    if principal.is_platform_admin:
        return
    org = principal_org(principal, roles)
    if org is None or not await linked(session, learner_id, org):
        raise Forbidden(
            detail_zh="只能维护与本单位有关联的学员",
            detail_en="You may only write learners linked to your organization",
        )


async def ensure_may_erase(session: AsyncSession, principal: Principal, learner: Learner) -> None:
    """Platform admins; the org_admin of the learner's current organization — or, for a learner without one, of
    an organization that registered it."""
    if principal.is_platform_admin:
        return
    org = principal_org(principal, (ORG_ADMIN,))
    if org is not None:
        if learner.current_org_id is not None and learner.current_org_id == org:
            return
        if learner.current_org_id is None:
            stmt = sa.select(
                sa.exists().where(
                    LearnerOrg.learner_id == learner.id,
                    LearnerOrg.org_id == org,
                    LearnerOrg.via == LinkVia.registration.value,
                )
            )
            if (await session.execute(stmt)).scalar():
                return
    raise Forbidden(
        detail_zh="只有学员当前所在单位的管理员（或平台管理员）可以注销学员信息",
        detail_en="Only an org_admin of the learner's current organization (or a platform admin) may erase a learner",
    )


# ---- audit -------------------------------------------------------------------------------------------------
def _snapshot(learner: Learner, phone: str | None = None) -> dict[str, Any]:
    """Audited fields; personal data as opaque stand-ins that change exactly when the value does (redacted)."""
    snap = {k: getattr(learner, k) for k in AUDITED if k not in ("id_number", "phone")}
    snap["id_number"] = learner.id_number_hash.hex() if learner.id_number_hash is not None else None
    snap["phone"] = phone if phone is not None else (learner.phone_masked and "set")
    return snap


def _event(learner: Learner) -> dict[str, Any]:
    """What events carry: no name, no number, no phone — not even masked."""
    return {
        "id_type": learner.id_type,
        "learner_type": learner.learner_type,
        "current_org_id": learner.current_org_id,
        "erased": learner.erased_at is not None,
    }


async def _record(
    session: AsyncSession,
    learner: Learner,
    *,
    action: str,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    await record_change(
        session,
        kernel,
        entity="learner",
        entity_id=learner.id,
        action=action,
        actor=actor,
        before=before,
        after=after,
        payload=_event(learner),
        redact=REDACTED,
    )


# ---- create (or find) ------------------------------------------------------------------------------------------
@dataclass
class Registered:
    learner: Learner
    created: bool  # False: the learner existed (its record unchanged); the caller's organization is linked


async def _by_hash(session: AsyncSession, hashes: list[bytes], *, for_update: bool = False) -> Learner | None:
    stmt = sa.select(Learner).where(Learner.id_number_hash.in_(hashes))
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


async def _existing(
    session: AsyncSession,
    found: Learner,
    *,
    data: LearnerCreate,
    current_hash: bytes,
    org_id: uuid.UUID,
    actor: str,
) -> Registered:
    if not personal.names_match(found.name, data.name):
        raise name_conflict()
    if found.id_number_hash != current_hash:  # hashed under a previous key: move it to the current one
        found.id_number_hash = current_hash
        await session.flush()
    if not await linked(session, found.id, org_id):
        await link_learner(session, found.id, org_id, LinkVia.registration.value)
        await write_audit(
            session,
            kernel.audit,
            entity="learner",
            entity_id=found.id,
            action="link",
            actor=actor,
            before=None,
            after={"linked_org_id": org_id, "via": LinkVia.registration.value},
        )
    return Registered(found, created=False)


async def register_learner(
    session: AsyncSession, *, data: LearnerCreate, org_id: uuid.UUID, pd: personal.PersonalData, actor: str
) -> Registered:
    """Create the learner, or — when its keyed hash exists — link `org_id` to the existing one (409 when the names
    differ). Safe under concurrency: the unique hash and `ON CONFLICT DO NOTHING` leave one learner, and the loser
    of a race finds the winner's row once it commits. Organizations are checked by the caller first."""
    id_type = data.id_type.value
    hashes = pd.hashes(id_type, data.id_number)
    found = await _by_hash(session, hashes)
    if found is not None:
        return await _existing(session, found, data=data, current_hash=hashes[0], org_id=org_id, actor=actor)
    now = datetime.now(UTC)
    learner = Learner(
        id=new_id(),
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
            .on_conflict_do_nothing(index_elements=["id_number_hash"])
            .returning(Learner.id)
        )
    ).scalar_one_or_none()
    if inserted is None:  # another transaction registered the same person first (and has committed)
        found = await _by_hash(session, hashes)
        if found is None:  # pragma: no cover - erased between the two statements
            raise Conflict(detail_zh="请重试", detail_en="Please retry", headers={"Retry-After": "1"})
        return await _existing(session, found, data=data, current_hash=hashes[0], org_id=org_id, actor=actor)
    learner = (
        await session.execute(
            sa.select(Learner).where(Learner.id == inserted).execution_options(populate_existing=True)
        )
    ).scalar_one()
    await link_learner(session, learner.id, org_id, LinkVia.registration.value)
    if learner.current_org_id is not None:
        await link_learner(session, learner.id, learner.current_org_id, LinkVia.current_org.value)
    await _record(session, learner, action="create", actor=actor, before=None, after=_snapshot(learner))
    return Registered(learner, created=True)


# ---- read -------------------------------------------------------------------------------------------------
async def get_visible(session: AsyncSession, principal: Principal, learner_id: uuid.UUID) -> Learner:
    """The learner if the principal may read it; 404 alike for missing and not visible."""
    learner = await require_learner(session, learner_id)
    if not await can_read(session, principal, learner.id):
        raise not_found()
    return learner


async def search(
    session: AsyncSession, principal: Principal, *, id_type: str, number: str, pd: personal.PersonalData
) -> Learner:
    found = await _by_hash(session, pd.hashes(id_type, number))
    if found is None or found.deleted_at is not None or not await can_read(session, principal, found.id):
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
    updated_since: datetime | None,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[Learner], str | None]:
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
    if updated_since is not None:
        stmt = stmt.where(Learner.updated_at > updated_since)
        columns = [Learner.updated_at, Learner.id]
    else:
        columns = [Learner.id]
    rows = (await session.execute(keyset(stmt, columns, cursor, limit))).scalars().all()
    key = (lambda r: (r.updated_at, r.id)) if updated_since is not None else (lambda r: (r.id,))
    return page_of(rows, limit, key)


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
    before = _snapshot(learner)
    if "name" in data:
        learner.name = data["name"]
        learner.name_bigrams = cjk_bigrams(learner.name)
    if "learner_type" in data:
        learner.learner_type = data["learner_type"].value
    if "current_org_id" in data:
        learner.current_org_id = data["current_org_id"]
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
            other = await _by_hash(session, hashes)
            if other is not None and other.id != learner.id:
                raise id_number_taken()
            _set_number(learner, id_type, number, pd)
    after = _snapshot(learner)
    if after == before:
        return learner
    learner.version += 1
    learner.updated_at = datetime.now(UTC)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:  # a concurrent registration took the corrected number first
        raise id_number_taken() from None
    if learner.current_org_id is not None and after["current_org_id"] != before["current_org_id"]:
        await link_learner(session, learner.id, learner.current_org_id, LinkVia.current_org.value)
    await _record(session, learner, action="update", actor=actor, before=before, after=after)
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
    """Anonymise: name → 已注销; number, phone, hash and masks cleared (the person can be registered again);
    gender, birth year, type, current organization and every record referencing the learner stay, so the
    figures do not change."""
    check_if_match(if_match, learner.version)
    if learner.erased_at is not None:
        raise erased()
    before = _snapshot(learner)
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
    after = _snapshot(learner)
    after["erasure_reason"] = reason
    await _record(session, learner, action="erase", actor=actor, before=before, after=after)
    # Stored replay answers of the last 24 h (registrations, batches) carry the name: forget them too.
    await forget_responses_mentioning(session, kernel.idempotency, str(learner.id))
    return learner


# ---- rendering -------------------------------------------------------------------------------------------------
def render_one(r: Learner) -> LearnerPublic:
    return LearnerPublic(
        id=r.id,
        name=r.name,
        id_type=r.id_type,
        id_type_label=ID_TYPE_LABELS[r.id_type],
        id_number_masked=r.id_number_masked,
        gender=r.gender,
        birth_year=r.birth_year,
        phone_masked=r.phone_masked,
        learner_type=r.learner_type,
        learner_type_label=LEARNER_TYPE_LABELS[r.learner_type],
        current_org_id=r.current_org_id,
        erased=r.erased_at is not None,
        erased_at=r.erased_at,
        version=r.version,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def render(rows: list[Learner]) -> list[LearnerPublic | LearnerTombstone]:
    out: list[LearnerPublic | LearnerTombstone] = []
    for r in rows:
        gone = r.deleted_at or r.erased_at
        out.append(LearnerTombstone(id=r.id, deleted_at=gone) if gone is not None else render_one(r))
    return out
