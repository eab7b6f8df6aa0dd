"""Appointment rules (双栖双聘): create, read, list, update, soft delete — each leaving an audit row and
an outbox event in the caller's transaction (chanjiao/resources.py). Knows nothing of HTTP.

Rules: the person exists; the host is an existing, active organization other than the person's own;
a school hosts every type but `research_assistant`, which an enterprise hosts; `end_on ≥ start_on`;
no two live appointments of one (person, host, type) overlap (inclusive periods, open end = forever —
checked here for a helpful answer and enforced by the EXCLUDE constraint for races)."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage
from chanjiao.sync_exits import ORGANIZATION, ExitQuery, record_exits, sync_page_with_exits, tenants
from services.membership.appointments.models import (
    APPOINTMENT_TYPE_LABELS,
    EXCLUSION_NAME,
    Appointment,
    host_org_types,
)
from services.membership.appointments.schemas import AppointmentCreate, AppointmentUpdate
from services.membership.db import SCHEMA, kernel
from services.membership.organizations import service as organizations
from services.membership.organizations.models import ORG_TYPE_LABELS, Organization
from services.membership.people.models import Person
from services.membership.people.service import caller_tenants

# Audited and in events: every column (person_id, host_org_id, appointment_type, start_on, end_on, note).
AUDIT = Audit(kernel, "appointment")
EXCLUSION_VIOLATION = "23P01"


class AppointmentNotFound(NotFound):
    slug = "appointment-not-found"
    title_zh, title_en = "聘任记录不存在", "Appointment not found"


class OverlappingAppointment(Conflict):
    slug = "overlapping-appointment"
    title_zh, title_en = "聘期重叠", "Overlapping appointment"


async def _person(session: AsyncSession, person_id: uuid.UUID) -> Person:
    """The appointed person, live, taken `FOR SHARE` (a concurrent delete waits for this transaction)."""
    stmt = sa.select(Person).where(Person.id == person_id, Person.deleted_at.is_(None)).with_for_update(read=True)
    person = (await session.execute(stmt)).scalar_one_or_none()
    if person is None:
        raise field_error(
            ["body", "person_id"], "person_not_found", "没有该人员，或已被删除", "No such person, or they were deleted"
        )
    return person


def _check_period(start_on: date, end_on: date | None) -> None:
    if end_on is not None and end_on < start_on:
        raise field_error(
            ["body", "end_on"],
            "end_before_start",
            "结束日期不能早于开始日期",
            "end_on cannot be earlier than start_on",
        )


def _check_host(person: Person, host: Organization, appointment_type: str) -> None:
    if host.id == person.org_id:
        raise field_error(
            ["body", "host_org_id"],
            "same_org",
            "聘任单位须不同于本人所在单位",
            "The host organization must differ from the person's own organization",
        )
    allowed = host_org_types(appointment_type)
    if host.org_type not in allowed:
        zh = "、".join(ORG_TYPE_LABELS[t] for t in allowed)
        label = APPOINTMENT_TYPE_LABELS[appointment_type]
        raise field_error(
            ["body", "host_org_id"],
            "host_org_type",
            f"{label}的聘任单位应为：{zh}",
            f"A {appointment_type} appointment is held at an organization of type: {', '.join(allowed)}",
        )


def _overlap(a: Appointment) -> sa.Select:
    """Live appointments of the same person, host and type whose inclusive period meets `a`'s."""
    period = sa.func.daterange(Appointment.start_on, Appointment.end_on, "[]")
    mine = sa.func.daterange(sa.cast(a.start_on, sa.Date), sa.cast(a.end_on, sa.Date), "[]")
    return sa.select(Appointment.id).where(
        Appointment.person_id == a.person_id,
        Appointment.host_org_id == a.host_org_id,
        Appointment.appointment_type == a.appointment_type,
        Appointment.deleted_at.is_(None),
        Appointment.id != a.id,
        period.op("&&")(mine),
    )


def _overlapping(existing_id: uuid.UUID | None) -> OverlappingAppointment:
    return OverlappingAppointment(
        detail_zh="该人员在同一单位已有同类聘任，且聘期与本次重叠（含首尾日期；未填结束日期视为长期）",
        detail_en="The person already holds an appointment of this type at this organization whose period "
        "overlaps this one (both ends inclusive; no end date means open-ended)",
        extra={"existing_id": str(existing_id)} if existing_id else {},
    )


async def _flush(session: AsyncSession, a: Appointment) -> None:
    existing = (await session.execute(_overlap(a).limit(1))).scalar_one_or_none()
    if existing is not None:
        raise _overlapping(existing)
    try:
        await session.flush()
    except IntegrityError as exc:
        # A concurrent write the pre-check could not see: the EXCLUDE constraint decides.
        if getattr(exc.orig, "sqlstate", None) == EXCLUSION_VIOLATION or EXCLUSION_NAME in str(exc.orig):
            raise _overlapping(None) from exc
        raise


async def create_appointment(session: AsyncSession, *, data: AppointmentCreate, actor: str) -> Appointment:
    person = await _person(session, data.person_id)
    _check_period(data.start_on, data.end_on)
    host = await organizations.check_active(session, data.host_org_id, field="host_org_id")
    _check_host(person, host, data.appointment_type.value)
    stamp = now()
    appointment = Appointment(
        id=new_id(),
        person_id=person.id,
        host_org_id=host.id,
        appointment_type=data.appointment_type.value,
        start_on=data.start_on,
        end_on=data.end_on,
        note=data.note,
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(appointment)
    await _flush(session, appointment)
    await AUDIT.created(session, appointment, actor=actor)
    return appointment


def not_found() -> AppointmentNotFound:
    return AppointmentNotFound(
        detail_zh="没有该聘任记录，或已被删除", detail_en="No such appointment, or it was deleted"
    )


async def get_appointment(session: AsyncSession, appointment_id: uuid.UUID, *, for_update: bool = False) -> Appointment:
    return await load(session, Appointment, appointment_id, not_found=not_found, for_update=for_update)


def exit_query(principal: Principal, visible: sa.ColumnElement[bool] | None) -> ExitQuery:
    """The appointment exits the caller gets on a token pull: those of its organization, unless it still sees the
    appointment (as its host, or as the person's organization)."""
    still = sa.select(Appointment.id).where(Appointment.deleted_at.is_(None))
    return ExitQuery(
        SCHEMA,
        "appointment",
        caller_tenants(principal, visible),
        still.where(visible) if visible is not None else still,
    )


async def list_appointments(
    session: AsyncSession,
    *,
    person_id: uuid.UUID | None,
    host_org_id: uuid.UUID | None,
    appointment_type: str | None,
    active_on: date | None,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
    visible: sa.ColumnElement[bool] | None = None,
    exits: ExitQuery | None = None,
) -> SyncPage:
    """`visible`: the WHERE clause of the appointments the caller may see (None: all); `exits`: on a token pull with
    `include_deleted`, the appointments that left the caller's view come too."""
    stmt = sa.select(Appointment)
    if visible is not None:
        stmt = stmt.where(visible)
    if not include_deleted:
        stmt = stmt.where(Appointment.deleted_at.is_(None))
    if person_id is not None:
        stmt = stmt.where(Appointment.person_id == person_id)
    if host_org_id is not None:
        stmt = stmt.where(Appointment.host_org_id == host_org_id)
    if appointment_type is not None:
        stmt = stmt.where(Appointment.appointment_type == appointment_type)
    if active_on is not None:
        stmt = stmt.where(
            Appointment.start_on <= active_on, sa.or_(Appointment.end_on.is_(None), Appointment.end_on >= active_on)
        )
    return await sync_page_with_exits(
        session,
        stmt,
        Appointment,
        since=since,
        cursor=cursor,
        limit=limit,
        exits=exits,
        include_deleted=include_deleted,
    )


async def update_appointment(
    session: AsyncSession, *, appointment: Appointment, changes: AppointmentUpdate, if_match: str | None, actor: str
) -> Appointment:
    """`appointment` is locked by the caller (`get_appointment(for_update=True)`)."""
    check_if_match(if_match, appointment.version)
    data = changes.model_dump(exclude_unset=True)
    before = AUDIT.snapshot(appointment)
    new = {**before, **{k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}}
    if new == before:
        return appointment
    _check_period(new["start_on"], new["end_on"])
    if new["host_org_id"] != before["host_org_id"] or new["appointment_type"] != before["appointment_type"]:
        person = await _person(session, appointment.person_id)
        if new["host_org_id"] != before["host_org_id"]:
            host = await organizations.check_active(session, new["host_org_id"], field="host_org_id")
        else:  # same host, new type: its org_type still has to fit (it may be inactive by now)
            host = (
                await session.execute(sa.select(Organization).where(Organization.id == new["host_org_id"]))
            ).scalar_one()
        _check_host(person, host, new["appointment_type"])
    appointment.sqlmodel_update({k: new[k] for k in data})
    await _flush(session, appointment)
    await AUDIT.updated(session, appointment, actor=actor, before=before)
    # a new host: the old one no longer sees the appointment (docs/sync.md)
    await record_exits(
        session,
        SCHEMA,
        "appointment",
        [appointment.id],
        before=tenants(ORGANIZATION, before["host_org_id"]),
        after=tenants(ORGANIZATION, appointment.host_org_id),
    )
    return appointment


async def delete_appointment(
    session: AsyncSession, *, appointment: Appointment, if_match: str | None, actor: str
) -> None:
    """`appointment` is locked by the caller (`get_appointment(for_update=True)`)."""
    check_if_match(if_match, appointment.version)
    before = AUDIT.snapshot(appointment)
    await soft_delete(session, appointment)
    await AUDIT.deleted(session, appointment, actor=actor, before=before)
