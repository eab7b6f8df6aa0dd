"""Who may write (and privately read) which membership record — the tenant rules, checked with the record at hand.

Each route declares its role, scope and tenant with `allow(...)` next to it (OpenAPI `x-access`); the route
then calls one of the checks below before it touches anything, so a wrong-tenant request changes nothing and
is answered 403 (a read of another tenant's private record is 404). Platform admins pass every check.

Routes (roles declared with `allow`; tenant; who passes the tenant check):

* `POST /v1/organizations`, `/batch`, `/imports` — alliance_admin; no tenant: any alliance admin registers units.
  An import updates an existing organization only where the caller may write it (next rule); other matched
  rows are reported `skipped`.
* `PATCH`/`DELETE /v1/organizations/{id}`, `PUT …/majors`, `PUT …/school-stats/{year}`, `POST …/status-changes`
  — org_admin, alliance_admin; tenant organization: the organization's own org_admin (a user, or an org API
  key); an admin of an alliance in which the organization has a membership (any status) **while the
  organization is unclaimed**.
* `POST /v1/reference/*`, `POST /v1/alliances`, `DELETE /v1/alliances/{id}` — platform_admin only.
* `PATCH /v1/alliances/{id}`, `POST …/role-changes`, `POST …/member-imports` — alliance_admin; tenant alliance:
  that alliance's admins. A member import updates an existing organization only while it is unclaimed.
* `POST /v1/memberships` — alliance_admin, org_admin; tenant alliance: the alliance's admins (any initial data);
  the applicant organization's org_admin for a pending application dated today or undated (no self-approval).
* `POST /v1/memberships/{id}/transitions` — alliance_admin, org_admin; tenant alliance: the alliance's admins;
  the member organization's org_admin only to withdraw, today, without a role change.
* `POST /v1/committees`, `PATCH …/{id}`, `POST …/seats`, `…/seats/{seat_id}/end`, `…/positions` —
  alliance_admin; tenant alliance: admins of the committee's alliance (a position's person must be one they
  may read).
* `POST`/`PATCH`/`DELETE /v1/people…` — org_admin, org_staff; tenant organization: principals of the person's
  organization (moving a person: of both organizations). Alliance admins may not.
* `POST`/`PATCH`/`DELETE /v1/appointments…` — org_admin, org_staff; tenant organization: principals of the
  person's organization or of the host (changing the host: the person's, or both hosts').

Private reads — a person, an appointment: principals of its organization (for an appointment, also of the
host), admins of alliances where that organization has a membership, service principals with
`membership:read`, platform admins. Anyone else gets 404 by id and does not see it in lists.

"Claimed" = an enabled user with `org_role = 'org_admin'` exists for the organization (identity, `users`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF, Principal, ensure_org
from chanjiao.dates import today
from chanjiao.errors import Forbidden
from services.membership.db import SCHEMA
from services.membership.memberships.models import Membership
from services.membership.memberships.schemas import MembershipCreate, MembershipTransitionCreate
from services.membership.people.models import Person

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)

# The identity tables are written by the identity package; a lightweight view of the columns the claim needs.
_USERS = sa.table("users", sa.column("org_id"), sa.column("org_role"), sa.column("disabled_at"), schema=SCHEMA)
_users_table_exists = False


async def org_is_claimed(session: AsyncSession, org_id: uuid.UUID | str) -> bool:
    """True when an enabled org_admin user of the organization exists: its own admins now keep it."""
    global _users_table_exists
    if not _users_table_exists:
        # Until the identity migration has run there are no users, so nothing is claimed.
        found = (await session.execute(sa.text(f"select to_regclass('{SCHEMA}.users')"))).scalar()
        if found is None:
            return False
        _users_table_exists = True
    stmt = sa.select(
        sa.exists().where(
            _USERS.c.org_id == uuid.UUID(str(org_id)),
            _USERS.c.org_role == ORG_ADMIN,
            _USERS.c.disabled_at.is_(None),
        )
    )
    return bool((await session.execute(stmt)).scalar())


def is_reader_service(principal: Principal) -> bool:
    return principal.kind == "service" and "membership:read" in principal.scopes


def _administered(principal: Principal) -> tuple[uuid.UUID, ...]:
    if ALLIANCE_ADMIN not in principal.roles:
        return ()
    out = []
    for a in principal.alliances:
        try:
            out.append(uuid.UUID(a))
        except ValueError:
            continue
    return tuple(out)


async def administers_org_alliance(session: AsyncSession, principal: Principal, org_id: uuid.UUID | str) -> bool:
    """True when the principal administers an alliance in which the organization has a membership (any status)."""
    alliances = _administered(principal)
    if not alliances:
        return False
    stmt = sa.select(
        sa.exists().where(Membership.org_id == uuid.UUID(str(org_id)), Membership.alliance_id.in_(alliances))
    )
    return bool((await session.execute(stmt)).scalar())


# ---- organizations ----------------------------------------------------------------------------------------------
async def may_write_org(session: AsyncSession, principal: Principal, org_id: uuid.UUID | str) -> bool:
    if principal.acts_for_org(org_id, (ORG_ADMIN,)):  # platform admins too
        return True
    if not await administers_org_alliance(session, principal, org_id):
        return False
    return not await org_is_claimed(session, org_id)


async def ensure_org_writer(session: AsyncSession, principal: Principal, org_id: uuid.UUID | str) -> None:
    """403 unless the principal may edit the organization's own record (profile, majors, statistics, status)."""
    if await may_write_org(session, principal, org_id):
        return
    if await administers_org_alliance(session, principal, org_id):
        raise Forbidden(
            detail_zh="该单位已由本单位管理员认领，只能由其管理员维护",
            detail_en="This organization has been claimed by its own admin; only its admins may edit it",
        )
    raise Forbidden(
        detail_zh="只能维护本单位的记录，或本联盟成员单位中尚未认领的单位",
        detail_en="You may only edit your own organization, or an unclaimed organization that is a member of an "
        "alliance you administer",
    )


# ---- records of one organization (people, appointments) -------------------------------------------------------
def ensure_org_member(principal: Principal, *org_ids: uuid.UUID | str) -> None:
    """403 unless the principal is an org_admin/org_staff of every organization named (platform admins pass)."""
    for org_id in org_ids:
        ensure_org(principal, org_id, ORG_ROLES)


def acts_for_any(principal: Principal, org_ids: Iterable[uuid.UUID | str]) -> bool:
    return any(principal.acts_for_org(o, ORG_ROLES) for o in org_ids)


async def can_read_private(session: AsyncSession, principal: Principal, org_ids: Iterable[uuid.UUID | str]) -> bool:
    """Whether the principal may read a private record belonging to any of `org_ids`."""
    ids = list(org_ids)
    if principal.is_platform_admin or is_reader_service(principal) or acts_for_any(principal, ids):
        return True
    for org_id in ids:
        if await administers_org_alliance(session, principal, org_id):
            return True
    return False


def private_filter(principal: Principal, org_column: sa.ColumnElement) -> sa.ColumnElement[bool] | None:
    """The WHERE clause that keeps the private records (owned by `org_column`) the principal may list; None = all."""
    if principal.is_platform_admin or is_reader_service(principal):
        return None
    conditions: list[sa.ColumnElement[bool]] = []
    if principal.org_id and set(principal.roles) & set(ORG_ROLES):
        try:
            conditions.append(org_column == uuid.UUID(principal.org_id))
        except ValueError:
            pass
    alliances = _administered(principal)
    if alliances:
        conditions.append(org_column.in_(sa.select(Membership.org_id).where(Membership.alliance_id.in_(alliances))))
    return sa.or_(*conditions) if conditions else sa.false()


# ---- memberships --------------------------------------------------------------------------------------------------
async def ensure_may_apply(principal: Principal, data: MembershipCreate) -> None:
    """The alliance's admins record any application; an organization's org_admin applies for itself, today."""
    if principal.administers_alliance(data.alliance_id):
        return
    if principal.acts_for_org(data.org_id, (ORG_ADMIN,)):
        if data.applied_on is not None and data.applied_on != today():
            raise Forbidden(
                detail_zh="单位自行申请入会只能以今天为申请日期；历史记录由联盟秘书处录入",
                detail_en="An organization applies as of today; earlier history is entered by the alliance's admins",
            )
        return
    raise Forbidden(
        detail_zh="只有该联盟的管理员或申请单位本身的管理员可以提交入会申请",
        detail_en="Only this alliance's admins or the applying organization's own admin may apply",
    )


def ensure_may_transition(principal: Principal, m: Membership, data: MembershipTransitionCreate) -> None:
    """The alliance's admins make every transition; the member's org_admin may only withdraw, today."""
    if principal.administers_alliance(m.alliance_id):
        return
    if principal.acts_for_org(m.org_id, (ORG_ADMIN,)):
        if data.to.value != "withdrawn" or (data.role is not None and data.role.value != m.role):
            raise Forbidden(
                detail_zh="单位只能自行退出；其他状态与角色变更由联盟管理员办理",
                detail_en="An organization may only withdraw itself; other changes are made by the alliance's admins",
            )
        if data.effective_on != today():
            raise Forbidden(
                detail_zh="单位自行退出的生效日期须为今天",
                detail_en="An organization's own withdrawal takes effect today",
            )
        return
    raise Forbidden(
        detail_zh="只有该联盟的管理员可以变更成员资格", detail_en="Only this alliance's admins may change a membership"
    )


async def person_org(session: AsyncSession, person_id: uuid.UUID, *, deleted: bool = False) -> uuid.UUID | None:
    """The organization of a person — live, or also deleted with `deleted=True` (None: no such person)."""
    stmt = sa.select(Person.org_id).where(Person.id == person_id)
    if not deleted:
        stmt = stmt.where(Person.deleted_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()


# ---- appointments: the person's organization or the host -----------------------------------------------------
def ensure_appointment_writer(
    principal: Principal, *, person_org: uuid.UUID | None, hosts: Iterable[uuid.UUID | None]
) -> None:
    """403 unless the principal acts for the person's organization, or for every host named (old and new)."""
    if person_org is not None and principal.acts_for_org(person_org, ORG_ROLES):
        return
    named = [h for h in hosts if h is not None]
    if named and all(principal.acts_for_org(h, ORG_ROLES) for h in named):
        return
    raise Forbidden(
        detail_zh="只能维护本单位人员的聘任，或本单位作为聘任单位的聘任",
        detail_en="You may only write appointments of your organization's people, or those your organization hosts",
    )


def appointment_filter(principal: Principal, host_column: sa.ColumnElement, person_column: sa.ColumnElement):
    """The WHERE clause of the appointments the principal may list (None: all)."""
    by_host = private_filter(principal, host_column)
    if by_host is None:
        return None
    by_person = person_column.in_(sa.select(Person.id).where(private_filter(principal, Person.org_id)))
    return sa.or_(by_host, by_person)
