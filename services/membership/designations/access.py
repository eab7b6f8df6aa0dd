"""Who writes and who reads a designation entry (docs/domain.md, "Designation register"; docs/identity.md).

Writers: principals (org_admin, org_staff, an org API key) of the organization that holds the subject (`org_id`);
the admins of the alliance that recorded the entry (`alliance_id`: the alliance's own entries, and those it records
for a current member); platform admins. Readers: the writers, the admins of an alliance the holder organization is a
current member of (active or suspended), services with `membership:read`. Anyone else gets 404 by id and does not
see the entry in lists; the figures (`/v1/designations/stats`) are counts, open to every reader."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF, Principal
from chanjiao.errors import Forbidden
from services.membership.designations.models import Designation
from services.membership.memberships.models import MEMBER, Membership
from services.membership.people.models import Person

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)


def _administered(principal: Principal) -> list[uuid.UUID]:
    if ALLIANCE_ADMIN not in principal.roles:
        return []
    out = []
    for a in principal.alliances:
        try:
            out.append(uuid.UUID(a))
        except ValueError:
            continue
    return out


def may_write(principal: Principal, org_id: uuid.UUID | None, alliance_id: uuid.UUID | None) -> bool:
    if org_id is not None and principal.acts_for_org(org_id, ORG_ROLES):  # platform admins too
        return True
    return alliance_id is not None and principal.administers_alliance(alliance_id)


def ensure_writer(principal: Principal, org_id: uuid.UUID | None, alliance_id: uuid.UUID | None) -> None:
    if may_write(principal, org_id, alliance_id):
        return
    raise Forbidden(
        detail_zh="只能登记本单位的认定与称号；联盟管理员为成员单位登记时须填写本联盟 alliance_id",
        detail_en="You may only write your own organization's entries; an alliance admin recording one for a member "
        "names their alliance in alliance_id",
    )


def members_of(alliance_ids: list[uuid.UUID]) -> sa.Select:
    """The organizations that are current members (active or suspended) of any of the alliances."""
    return sa.select(Membership.org_id).where(Membership.alliance_id.in_(alliance_ids), Membership.status.in_(MEMBER))


async def person_org(session: AsyncSession, person_id: uuid.UUID) -> uuid.UUID | None:
    """The organization of a live person (None: no such person): a person's entries are held by it."""
    stmt = sa.select(Person.org_id).where(Person.id == person_id, Person.deleted_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


async def is_member(session: AsyncSession, org_id: uuid.UUID, alliance_id: uuid.UUID) -> bool:
    stmt = sa.select(sa.exists(members_of([alliance_id]).where(Membership.org_id == org_id)))
    return bool((await session.execute(stmt)).scalar())


def reader_filter(principal: Principal) -> sa.ColumnElement[bool] | None:
    """The WHERE clause of the entries the principal may read (None: all)."""
    if principal.is_platform_admin or (principal.kind == "service" and "membership:read" in principal.scopes):
        return None
    clauses: list[sa.ColumnElement[bool]] = []
    if principal.org_id and set(principal.roles) & set(ORG_ROLES):
        try:
            clauses.append(Designation.org_id == uuid.UUID(principal.org_id))
        except ValueError:
            pass
    alliances = _administered(principal)
    if alliances:
        clauses.append(Designation.alliance_id.in_(alliances))
        clauses.append(Designation.org_id.in_(members_of(alliances)))
    return sa.or_(*clauses) if clauses else sa.false()


async def may_read(session: AsyncSession, principal: Principal, row: Designation) -> bool:
    where = reader_filter(principal)
    if where is None:
        return True
    stmt = sa.select(sa.exists().where(Designation.id == row.id, where))
    return bool((await session.execute(stmt)).scalar())
