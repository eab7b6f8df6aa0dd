"""Person rules: create, read, list, update, soft delete — each leaving an audit row (phone redacted)
and an outbox event (no phone) in the caller's transaction (chanjiao/resources.py). Knows nothing of HTTP.

The phone arrives validated and normalised; it is stored only as AES-GCM ciphertext bound to the
person's id (chanjiao.crypto) plus the masked form every reader sees."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import ORG_ADMIN, ORG_STAFF, Principal
from chanjiao.crypto import DecryptionError, FieldCipher
from chanjiao.dates import today
from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage
from chanjiao.sync_exits import (
    ORGANIZATION,
    ExitQuery,
    Tenant,
    record_exits,
    sync_page_with_exits,
    tenants,
    touch,
)
from chanjiao.validators import cjk_bigrams, mask_phone
from services.membership.appointments.models import Appointment
from services.membership.db import SCHEMA, kernel
from services.membership.organizations import service as organizations
from services.membership.people.models import Person
from services.membership.people.schemas import PersonCreate, PersonUpdate

REDACTED = frozenset({"phone"})


def _phone_stand_in(person: Person) -> str | None:
    """The audited `phone`: an opaque stand-in that changes exactly when the number does (redacted in the trail)."""
    return person.phone_ciphertext.hex() if person.phone_ciphertext is not None else None


# Audited: the person's columns, the phone as its stand-in; events carry `_event_fields` (the masked phone only).
AUDIT = Audit(
    kernel,
    "person",
    exclude=frozenset({"name_bigrams", "phone_ciphertext", "phone_masked"}),
    redact=REDACTED,
    stand_ins={"phone": _phone_stand_in},
)


class PersonNotFound(NotFound):
    slug = "person-not-found"
    title_zh, title_en = "人员不存在", "Person not found"


class PersonHasCurrentAppointments(Conflict):
    slug = "person-has-current-appointments"
    title_zh, title_en = "人员仍有在聘记录", "Person has current appointments"


def phone_context(person_id: uuid.UUID) -> str:
    """Associated data of a person's phone ciphertext: it decrypts only for this row and column."""
    return f"membership.people.phone:{person_id}"


def _event_fields(person: Person) -> dict[str, Any]:
    """What events carry: never the phone, only its masked form."""
    return {
        "name": person.name,
        "org_id": person.org_id,
        "title": person.title,
        "skill_level": person.skill_level,
        "tags": person.tags,
        "phone_masked": person.phone_masked,
    }


def _set_phone(person: Person, phone: str | None, cipher: FieldCipher) -> None:
    if phone is None:
        person.phone_ciphertext = None
        person.phone_masked = None
    else:
        person.phone_ciphertext = cipher.encrypt(phone, context=phone_context(person.id))
        person.phone_masked = mask_phone(phone)


async def create_person(session: AsyncSession, *, data: PersonCreate, cipher: FieldCipher, actor: str) -> Person:
    await organizations.check_active(session, data.org_id, field="org_id")
    stamp = now()
    person = Person(
        id=new_id(),
        name=data.name,
        name_bigrams=cjk_bigrams(data.name),
        org_id=data.org_id,
        title=data.title,
        skill_level=data.skill_level.value if data.skill_level else None,
        tags=[t.value for t in data.tags],
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    _set_phone(person, data.phone, cipher)
    session.add(person)
    await session.flush()
    await AUDIT.record(
        session,
        person,
        action="create",
        actor=actor,
        before=None,
        after=AUDIT.snapshot(person),
        payload=_event_fields(person),
    )
    return person


def not_found() -> PersonNotFound:
    return PersonNotFound(detail_zh="没有该人员，或已被删除", detail_en="No such person, or they were deleted")


async def get_person(session: AsyncSession, person_id: uuid.UUID, *, for_update: bool = False) -> Person:
    return await load(session, Person, person_id, not_found=not_found, for_update=for_update)


def caller_tenants(principal: Principal, visible: sa.ColumnElement[bool] | None) -> list[Tenant] | None:
    """The tenants whose exits a caller of a private membership list gets (chanjiao/sync_exits.py): its organization
    when it acts for one (org_admin, org_staff); None when it sees every record (`visible` None)."""
    if visible is None:
        return None
    if not set(principal.roles) & {ORG_ADMIN, ORG_STAFF}:
        return []
    try:
        return sorted(tenants(ORGANIZATION, uuid.UUID(principal.org_id or "")))
    except ValueError:
        return []


def exit_query(principal: Principal, visible: sa.ColumnElement[bool] | None) -> ExitQuery:
    """The people exits the caller gets on a token pull: those of its organization, unless it still sees the person."""
    still = sa.select(Person.id).where(Person.deleted_at.is_(None))
    return ExitQuery(
        SCHEMA, "person", caller_tenants(principal, visible), still.where(visible) if visible is not None else still
    )


async def list_people(
    session: AsyncSession,
    *,
    org_id: uuid.UUID | None,
    tag: str | None,
    q: str | None,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
    visible: sa.ColumnElement[bool] | None = None,
    exits: ExitQuery | None = None,
) -> SyncPage:
    """`visible`: the WHERE clause of the people the caller may see (None: everyone); `exits`: on a token pull with
    `include_deleted`, the people who left the caller's view come too."""
    stmt = sa.select(Person)
    if visible is not None:
        stmt = stmt.where(visible)
    if not include_deleted:
        stmt = stmt.where(Person.deleted_at.is_(None))
    if org_id is not None:
        stmt = stmt.where(Person.org_id == org_id)
    if tag is not None:
        stmt = stmt.where(Person.tags.contains([tag]))
    text = (q or "").strip()
    if text:
        bigrams = cjk_bigrams(text)
        if all(len(b) == 2 for b in bigrams):  # a one-character query has no bigram to look up
            stmt = stmt.where(Person.name_bigrams.contains(bigrams))  # the index narrows, ILIKE decides
        stmt = stmt.where(Person.name.icontains(text, autoescape=True))
    return await sync_page_with_exits(
        session,
        stmt,
        Person,
        since=since,
        cursor=cursor,
        limit=limit,
        exits=exits,
        include_deleted=include_deleted,
    )


def _current_appointments(person_id: uuid.UUID) -> sa.Select:
    return sa.select(Appointment.id).where(
        Appointment.person_id == person_id,
        Appointment.deleted_at.is_(None),
        sa.or_(Appointment.end_on.is_(None), Appointment.end_on >= today()),
    )


async def update_person(
    session: AsyncSession,
    *,
    person: Person,
    changes: PersonUpdate,
    if_match: str | None,
    cipher: FieldCipher,
    actor: str,
) -> Person:
    """`person` is locked by the caller (`get_person(for_update=True)`)."""
    check_if_match(if_match, person.version)
    data = changes.model_dump(exclude_unset=True)
    before = AUDIT.snapshot(person)
    old_org = person.org_id
    if "org_id" in data and data["org_id"] != person.org_id:
        await organizations.check_active(session, data["org_id"], field="org_id")
        clash = (
            await session.execute(
                _current_appointments(person.id).where(Appointment.host_org_id == data["org_id"]).limit(1)
            )
        ).scalar_one_or_none()
        if clash is not None:
            raise field_error(
                ["body", "org_id"],
                "appointed_at_org",
                "该人员在此单位有在聘记录，聘任单位须不同于本人单位；请先结束该聘任",
                "The person holds a current appointment at this organization, which must differ from their own; "
                "end that appointment first",
            )
    for key in ("name", "org_id", "title"):
        if key in data:
            setattr(person, key, data[key])
    if "name" in data:
        person.name_bigrams = cjk_bigrams(person.name)
    if "skill_level" in data:
        person.skill_level = data["skill_level"].value if data["skill_level"] else None
    if "tags" in data:
        person.tags = [t.value for t in data["tags"]]
    if "phone" in data:
        old = None
        if person.phone_ciphertext is not None:
            try:
                old = cipher.decrypt(person.phone_ciphertext, context=phone_context(person.id))
            except DecryptionError:
                old = None  # unreadable (key rotated): the new number replaces it
        if data["phone"] != old:
            _set_phone(person, data["phone"], cipher)
    after = AUDIT.snapshot(person)
    if after == before:
        return person
    person.version += 1
    person.updated_at = now()
    await session.flush()
    changed = {k: v for k, v in _event_fields(person).items() if k != "phone_masked" and after.get(k) != before.get(k)}
    if after["phone"] != before["phone"]:
        changed["phone_masked"] = person.phone_masked
    await AUDIT.record(
        session, person, action="update", actor=actor, before=before, after=after, payload={"changed": changed}
    )
    if person.org_id != old_org:
        await _follow_org(session, person, old_org)
    return person


async def _follow_org(session: AsyncSession, person: Person, old_org: uuid.UUID) -> None:
    """A person moved to another organization (docs/sync.md): the old one no longer sees the person nor the person's
    appointments (exit rows; an old organization that hosts an appointment still sees that one); the new one sees
    the appointments, which are re-stamped so they come with its next token pull."""
    before, after = tenants(ORGANIZATION, old_org), tenants(ORGANIZATION, person.org_id)
    await record_exits(session, SCHEMA, "person", [person.id], before=before, after=after)
    appointments = sa.select(Appointment.id).where(Appointment.person_id == person.id)
    await record_exits(session, SCHEMA, "appointment", appointments, before=before, after=after)
    await touch(session, Appointment, Appointment.person_id == person.id)


async def delete_person(session: AsyncSession, *, person: Person, if_match: str | None, actor: str) -> None:
    """`person` is locked by the caller (`get_person(for_update=True)`)."""
    check_if_match(if_match, person.version)
    current = (await session.execute(_current_appointments(person.id).limit(1))).scalar_one_or_none()
    if current is not None:
        raise PersonHasCurrentAppointments(
            detail_zh="该人员仍有未结束的聘任，请先结束或删除这些聘任",
            detail_en="The person still holds appointments that have not ended; end or delete them first",
            extra={"appointment_id": str(current)},
        )
    before = AUDIT.snapshot(person)
    await soft_delete(session, person)
    await AUDIT.record(session, person, action="delete", actor=actor, before=before, after=None, payload={})
