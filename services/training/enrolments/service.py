"""Enrolment rules: enrol (taking a seat), attendance, dated status transitions — each leaving an audit row
and an outbox event in the caller's transaction. Knows nothing of HTTP.

**Capacity is a hard limit under concurrency.** `programmes.enrolled_count` counts the seats taken
(enrolments not dropped). A seat is taken with one conditional UPDATE in the enrolment's transaction::

    UPDATE programmes SET enrolled_count = enrolled_count + 1
     WHERE id = :p AND deleted_at IS NULL AND (capacity IS NULL OR enrolled_count < capacity) RETURNING id

The UPDATE holds the programme's row lock until commit; a concurrent enrolment waits for it and re-checks
the WHERE clause against the committed count (READ COMMITTED re-evaluation), so of two clerks taking the
last seat one wins and the other gets 409 `programme-full`. A check constraint (`enrolled_count <= capacity`)
backs it. Dropping an enrolment gives its seat back (decrement) in the same transaction as the transition.

Which learner record an enrolment points to: the one owned by the enrolling organization (the provider — the
caller's own record; a platform admin may name any). Another organization's record is 404, as if it did not
exist.

Who reads an enrolment: principals of the programme's provider organization or of a partner organization,
principals of the organization owning the learner record, services with `training:read` and platform admins;
anyone else gets 404 and does not see it in lists. Every answer carries a `learner` summary (name, masked number)
so the provider and partners can run the roster without seeing the learner record."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import outbox
from chanjiao.audit import write_audit
from chanjiao.auth import Principal
from chanjiao.dates import today
from chanjiao.errors import Conflict, FieldError, NotFound, ValidationFailed, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage
from chanjiao.sync_exits import ORGANIZATION, ExitQuery, sync_page_with_exits, tenants
from chanjiao.transitions import StateMachine
from services.training.db import SCHEMA, kernel
from services.training.enrolments.models import LIFECYCLE, SEATED_SQL, Enrolment
from services.training.enrolments.schemas import (
    EnrolmentCreate,
    EnrolmentPublic,
    EnrolmentTransitionCreate,
    EnrolmentUpdate,
    render,
)
from services.training.learners.models import Learner
from services.training.learners.service import require_own_learner
from services.training.programmes.models import Programme
from services.training.programmes.service import principal_org, reads_everything

# Audited and in events: every column but `status_reason` (free text, carried by the transition event only).
AUDIT = Audit(kernel, "enrolment", exclude=frozenset({"status_reason"}))


class EnrolmentNotFound(NotFound):
    slug = "enrolment-not-found"
    title_zh, title_en = "报名记录不存在", "Enrolment not found"


class LearnerErased(Conflict):
    slug = "learner-erased"
    title_zh, title_en = "学员信息已注销", "Learner erased"


def erased() -> LearnerErased:
    return LearnerErased(
        detail_zh="该学员的个人信息已注销，不能再登记新的报名",
        detail_en="This learner's personal data was erased; no new enrolment can be recorded",
    )


class ProgrammeFull(Conflict):
    slug = "programme-full"
    title_zh, title_en = "培训项目名额已满", "Programme full"


class DuplicateEnrolment(Conflict):
    slug = "duplicate-enrolment"
    title_zh, title_en = "该学员已报名此项目", "Already enrolled"


def not_found() -> EnrolmentNotFound:
    return EnrolmentNotFound(detail_zh="没有该报名记录", detail_en="No such enrolment")


def programme_full(p: Programme | None = None) -> ProgrammeFull:
    extra = {"capacity": p.capacity} if p is not None else {}
    return ProgrammeFull(
        detail_zh="该项目名额已满；有学员退出后可再报名",
        detail_en="No seat is left in this programme; one frees up when an enrolment is dropped",
        extra=extra,
    )


def duplicate(existing_id: uuid.UUID | None) -> DuplicateEnrolment:
    return DuplicateEnrolment(
        detail_zh="该学员在此项目已有有效报名（未退出）",
        detail_en="The learner already has an enrolment in this programme that is not dropped",
        extra={"existing_id": str(existing_id)} if existing_id else {},
    )


def programme_not_found(loc: list[str | int]) -> ValidationFailed:
    return field_error(loc, "programme_not_found", "没有该培训项目，或已被删除", "No such programme, or it was deleted")


def _not_future(day: date, loc: list[str | int]) -> None:
    if day > today():
        raise field_error(
            loc, "not_in_future", "日期不能晚于今天（北京时间）", "The date cannot be after today (Asia/Shanghai)"
        )


# ---- seats ---------------------------------------------------------------------------------------------------
async def take_seat(session: AsyncSession, programme_id: uuid.UUID) -> bool:
    """One conditional UPDATE: True when a seat was taken (the programme row stays locked until commit)."""
    stmt = (
        sa.update(Programme)
        .where(
            Programme.id == programme_id,
            Programme.deleted_at.is_(None),
            sa.or_(Programme.capacity.is_(None), Programme.enrolled_count < Programme.capacity),
        )
        .values(enrolled_count=Programme.enrolled_count + 1)
        .returning(Programme.id)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(stmt)).first() is not None


async def release_seat(session: AsyncSession, programme_id: uuid.UUID) -> None:
    await session.execute(
        sa.update(Programme)
        .where(Programme.id == programme_id)
        .values(enrolled_count=Programme.enrolled_count - 1)
        .execution_options(synchronize_session=False)
    )


# ---- reads ---------------------------------------------------------------------------------------------------
async def get_enrolment(session: AsyncSession, enrolment_id: uuid.UUID, *, for_update: bool = False) -> Enrolment:
    """A live enrolment, or 404; who may read it (`can_read`) needs its programme, so the router asks next."""
    return await load(session, Enrolment, enrolment_id, not_found=not_found, for_update=for_update)


async def programme_of(session: AsyncSession, e: Enrolment) -> Programme:
    return (await session.execute(sa.select(Programme).where(Programme.id == e.programme_id))).scalar_one()


async def can_read(session: AsyncSession, principal: Principal, e: Enrolment, p: Programme) -> bool:
    if reads_everything(principal):
        return True
    org = principal_org(principal)
    if org is None:
        return False
    if org == p.provider_org_id or org in (p.partner_org_ids or []):
        return True
    owner = (await session.execute(sa.select(Learner.owner_org_id).where(Learner.id == e.learner_id))).scalar()
    return owner == org


def visible_filter(principal: Principal) -> sa.ColumnElement[bool] | None:
    """WHERE clause (over Enrolment joined with Programme) of the enrolments the principal may list."""
    if reads_everything(principal):
        return None
    org = principal_org(principal)
    if org is None:
        return sa.false()
    return sa.or_(
        Programme.provider_org_id == org,
        Programme.partner_org_ids.contains([org]),
        Learner.owner_org_id == org,
    )


def exit_query(principal: Principal) -> ExitQuery:
    """The enrolment exits the principal gets on a token pull (chanjiao/sync_exits.py): those of its organization,
    unless it still sees the enrolment (as the learner's owner, or as the provider or a partner)."""
    visible = visible_filter(principal)
    mine = None if visible is None else sorted(tenants(ORGANIZATION, principal_org(principal)))
    still = (
        sa.select(Enrolment.id)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .join(Learner, Learner.id == Enrolment.learner_id)
        .where(Enrolment.deleted_at.is_(None))
    )
    return ExitQuery(SCHEMA, "enrolment", mine, still.where(visible) if visible is not None else still)


async def list_enrolments(
    session: AsyncSession,
    *,
    programme_id: uuid.UUID | None,
    learner_id: uuid.UUID | None,
    status: str | None,
    provider_org_id: uuid.UUID | None,
    period: tuple[date | None, date | None],
    since: Since,
    cursor: str | None,
    limit: int,
    visible: sa.ColumnElement[bool] | None,
    include_deleted: bool = False,
    exits: ExitQuery | None = None,
) -> SyncPage:
    """Rows of (enrolment, provider organization, learner name, learner masked number); deleted enrolments too
    with `include_deleted` (rendered as tombstones by `render_page` in schemas.py)."""
    stmt = (
        sa.select(Enrolment, Programme.provider_org_id, Learner.name, Learner.id_number_masked)
        .join(Programme, Programme.id == Enrolment.programme_id)
        .join(Learner, Learner.id == Enrolment.learner_id)
    )
    if not include_deleted:
        stmt = stmt.where(Enrolment.deleted_at.is_(None))
    if visible is not None:
        stmt = stmt.where(visible)
    if programme_id is not None:
        stmt = stmt.where(Enrolment.programme_id == programme_id)
    if learner_id is not None:
        stmt = stmt.where(Enrolment.learner_id == learner_id)
    if status is not None:
        stmt = stmt.where(Enrolment.status == status)
    if provider_org_id is not None:
        stmt = stmt.where(Programme.provider_org_id == provider_org_id)
    start, end = period
    if start is not None:
        stmt = stmt.where(Programme.end_on >= start)
    if end is not None:
        stmt = stmt.where(Programme.end_on <= end)
    return await sync_page_with_exits(
        session,
        stmt,
        Enrolment,
        since=since,
        cursor=cursor,
        limit=limit,
        exits=exits,
        include_deleted=include_deleted,
    )


# ---- writes --------------------------------------------------------------------------------------------------
async def create_enrolment(
    session: AsyncSession, *, p: Programme, data: EnrolmentCreate, principal: Principal
) -> tuple[Enrolment, Learner]:
    """`p` is the programme (tenant and provider checked by the caller). Order: the learner (a record the caller's
    organization owns, else 404), the one-per-learner rule, then the seat (conditional UPDATE), then the row — all
    in the caller's transaction."""
    actor = principal.actor
    enrolled_on = data.enrolled_on or today()
    _not_future(enrolled_on, ["body", "enrolled_on"])
    learner = await require_own_learner(session, principal, data.learner_id)
    if learner.erased_at is not None:
        raise erased()
    existing = (
        await session.execute(
            sa.select(Enrolment.id).where(
                Enrolment.learner_id == data.learner_id,
                Enrolment.programme_id == p.id,
                sa.text(SEATED_SQL),
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise duplicate(existing)
    if not await take_seat(session, p.id):
        raise programme_full(p)
    stamp = now()
    e = Enrolment(
        id=new_id(),
        learner_id=data.learner_id,
        programme_id=p.id,
        status="enrolled",
        enrolled_on=enrolled_on,
        status_changed_on=enrolled_on,
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(e)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise duplicate(None) from None  # a concurrent enrolment of the same learner committed first
    after = AUDIT.snapshot(e)
    await AUDIT.record(
        session,
        e,
        action="create",
        actor=actor,
        before=None,
        after=after,
        payload={**after, "provider_org_id": p.provider_org_id},
    )
    return e, learner


def _programme_days(p: Programme) -> int:
    return (p.end_on - p.start_on).days + 1


async def update_attendance(
    session: AsyncSession, *, e: Enrolment, p: Programme, changes: EnrolmentUpdate, if_match: str | None, actor: str
) -> Enrolment:
    check_if_match(if_match, e.version)
    data = changes.model_dump(exclude_unset=True)
    if data.get("days_attended") is not None and data["days_attended"] > _programme_days(p):
        raise field_error(
            ["body", "days_attended"],
            "exceeds_programme_days",
            f"出勤天数不能超过项目天数（{_programme_days(p)} 天）",
            f"days_attended exceeds the programme's length ({_programme_days(p)} days)",
        )
    if e.status == "completed":
        cleared = [k for k in ("days_attended", "hours_attended") if k in data and data[k] is None]
        if cleared:
            raise ValidationFailed(
                detail_zh="已结业的报名须保留出勤天数和学时",
                detail_en="A completed enrolment keeps its days and hours",
                errors=[
                    FieldError(["body", k], "结业须有出勤记录", "Required once completed", "required_for_completion")
                    for k in cleared
                ],
            )
    before = AUDIT.snapshot(e)
    for key, value in data.items():
        setattr(e, key, value)
    await AUDIT.updated(session, e, actor=actor, before=before)
    return e


async def transition(session: AsyncSession, *, e: Enrolment, data: EnrolmentTransitionCreate, actor: str) -> Enrolment:
    """`e` is locked (FOR UPDATE). Completion needs days and hours attended recorded; a drop frees the seat."""
    to = data.to.value
    LIFECYCLE.check(e.status, to)
    _not_future(data.effective_on, ["body", "effective_on"])
    StateMachine.check_effective_on(e.status_changed_on, data.effective_on)
    if to == "completed":
        missing = [k for k in ("days_attended", "hours_attended") if getattr(e, k) is None]
        if missing:
            raise ValidationFailed(
                detail_zh="结业须先登记出勤天数和学时：" + "、".join(missing),
                detail_en="Completion needs days and hours attended recorded first: " + ", ".join(missing),
                errors=[
                    FieldError(
                        [k],
                        "结业前须登记（PATCH 报名记录）",
                        "Record it first (PATCH the enrolment)",
                        "required_for_completion",
                    )
                    for k in missing
                ],
            )
    before = AUDIT.snapshot(e)
    e.status = to
    e.status_changed_on = data.effective_on
    e.status_reason = data.reason
    e.version += 1
    e.updated_at = now()
    if to == "dropped":
        await release_seat(session, e.programme_id)
    await session.flush()
    await write_audit(
        session,
        kernel.audit,
        entity="enrolment",
        entity_id=e.id,
        action="transition",
        actor=actor,
        before=before,
        after=AUDIT.snapshot(e),
    )
    await outbox.emit(
        session,
        kernel.outbox,
        type="enrolment.transitioned",
        aggregate_type="enrolment",
        aggregate_id=e.id,
        actor=actor,
        payload={
            "id": e.id,
            "programme_id": e.programme_id,
            "learner_id": e.learner_id,
            "from": before["status"],
            "to": to,
            "effective_on": data.effective_on,
            "reason": data.reason,
        },
    )
    return e


async def learner_summary(session: AsyncSession, learner_id: uuid.UUID) -> tuple[str, str | None]:
    """(name, masked number) of the enrolment's learner record, for the `learner` summary of an answer."""
    row = (
        await session.execute(sa.select(Learner.name, Learner.id_number_masked).where(Learner.id == learner_id))
    ).one()
    return row.name, row.id_number_masked


async def render_one(session: AsyncSession, e: Enrolment, p: Programme) -> EnrolmentPublic:
    """The public form of one enrolment, its learner summary read first."""
    return render((e, p.provider_org_id, *await learner_summary(session, e.learner_id)))
