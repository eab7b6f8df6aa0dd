"""Applications 申报 for a seat on a committee (seed 002: units choose to apply to a 专指委): an organization applies
(its org_admin, or the alliance's admins on its behalf); the alliance's admins accept — which gives the seat by the
seat rules (services/membership/committees/seats.py; a non-member's seat is `outside`) — or decline. One pending
application per organization and committee. Knows nothing of HTTP."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.dates import today
from chanjiao.errors import Conflict, NotFound, field_error
from chanjiao.ids import new_id
from chanjiao.resources import Audit, now, record_on
from services.membership.committees import seats
from services.membership.committees.models import CommitteeApplication
from services.membership.committees.schemas import (
    ApplicationCreate,
    ApplicationDecision,
    ApplicationPublic,
    SeatCreate,
    render_application,
)
from services.membership.committees.service import CommitteeDissolved, get_committee
from services.membership.db import kernel
from services.membership.memberships.models import Membership
from services.membership.organizations.models import Organization

APPLICATION = Audit(kernel, "committee_application")


class ApplicationPending(Conflict):
    slug = "committee-application-pending"
    title_zh, title_en = "该单位已有待处理的申报", "The organization has a pending application"


class ApplicationDecided(Conflict):
    slug = "committee-application-decided"
    title_zh, title_en = "该申报已处理", "The application was decided already"


async def _trail(session: AsyncSession, row: CommitteeApplication, action: str, after: dict, actor: str) -> None:
    await record_on(
        APPLICATION,
        session,
        row.id,
        aggregate=("committee", row.committee_id),
        action=action,
        event=action,
        actor=actor,
        before=None,
        after=after,
        payload=after,
    )


async def apply(
    session: AsyncSession, *, committee_id: uuid.UUID, data: ApplicationCreate, actor: str
) -> ApplicationPublic:
    c = await get_committee(session, committee_id, for_update=True)
    if c.status == "dissolved":
        raise CommitteeDissolved(
            detail_zh="已撤销的机构不接受申报", detail_en="A dissolved committee takes no applications"
        )
    org = await session.get(Organization, data.org_id)
    if org is None or org.deleted_at is not None:
        raise field_error(["body", "org_id"], "unknown_organization", "没有该单位", "No such organization")
    pending = await session.scalar(
        sa.select(CommitteeApplication.id).where(
            CommitteeApplication.committee_id == committee_id,
            CommitteeApplication.org_id == data.org_id,
            CommitteeApplication.status == "pending",
        )
    )
    if pending is not None:
        raise ApplicationPending(
            detail_zh="该单位对此机构已有待处理的申报",
            detail_en="The organization already has a pending application to this committee",
            extra={"application_id": str(pending)},
        )
    at = now()
    row = CommitteeApplication(
        id=new_id(),
        committee_id=committee_id,
        org_id=data.org_id,
        rank=data.rank.value,
        category=data.category.value if data.category else None,
        note=data.note,
        applied_on=today(),
        status="pending",
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    await session.flush()
    after = {"org_id": row.org_id, "rank": row.rank, "category": row.category, "applied_on": row.applied_on}
    await _trail(session, row, "created", after, actor)
    return render_application(row, org.name)


async def decide(
    session: AsyncSession,
    *,
    committee_id: uuid.UUID,
    application_id: uuid.UUID,
    data: ApplicationDecision,
    actor: str,
) -> ApplicationPublic:
    c = await get_committee(session, committee_id, for_update=True)
    row = (
        await session.execute(
            sa.select(CommitteeApplication)
            .where(CommitteeApplication.id == application_id, CommitteeApplication.committee_id == committee_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(detail_zh="没有该申报", detail_en="No such application")
    if row.status != "pending":
        raise ApplicationDecided(
            detail_zh=f"该申报已处理（{row.status}）", detail_en=f"The application was decided already ({row.status})"
        )
    if data.to == "accepted":
        member = await session.scalar(
            sa.select(
                sa.exists().where(
                    Membership.alliance_id == c.alliance_id,
                    Membership.org_id == row.org_id,
                    Membership.status == "active",
                )
            )
        )
        seat = await seats.add_seat(
            session,
            committee_id=committee_id,
            data=SeatCreate(
                org_id=row.org_id,
                rank=row.rank,
                category=row.category,
                outside=not member,
                start_on=data.start_on or today(),
            ),
            actor=actor,
        )
        row.seat_id = seat.id
    row.status, row.decided_on, row.reason, row.updated_at = data.to, today(), data.reason, now()
    await session.flush()
    after = {"status": row.status, "decided_on": row.decided_on, "reason": row.reason, "seat_id": row.seat_id}
    await _trail(session, row, data.to, after, actor)
    name = await session.scalar(sa.select(Organization.name).where(Organization.id == row.org_id))
    return render_application(row, name or "")


async def list_applications(
    session: AsyncSession, *, committee_id: uuid.UUID, org_id: uuid.UUID | None
) -> list[ApplicationPublic]:
    """The committee's applications by date (only `org_id`'s when given)."""
    await get_committee(session, committee_id)
    stmt = (
        sa.select(CommitteeApplication, Organization.name)
        .join(Organization, Organization.id == CommitteeApplication.org_id)
        .where(CommitteeApplication.committee_id == committee_id)
        .order_by(CommitteeApplication.applied_on, CommitteeApplication.id)
    )
    if org_id is not None:
        stmt = stmt.where(CommitteeApplication.org_id == org_id)
    return [render_application(a, name) for a, name in (await session.execute(stmt)).all()]
