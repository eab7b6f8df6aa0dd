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
  key); an admin of the alliance that registered the organization (`registered_by_alliance_id`) **while the
  organization is unclaimed**. A membership alone (let alone an invitation) gives no edit right.
* `POST /v1/reference/*`, `POST /v1/alliances`, `DELETE /v1/alliances/{id}` — platform_admin only.
* `PATCH /v1/alliances/{id}`, `POST …/role-changes`, `POST …/member-imports` — alliance_admin; tenant alliance:
  that alliance's admins. A member import updates an existing organization only while it is unclaimed.
* `POST /v1/memberships` — alliance_admin, org_admin; tenant alliance: the alliance's admins (any dates) — an
  application (`pending`) for an organization their alliance registered and nobody has claimed, else an
  invitation (`invited`) the organization must accept; the applicant organization's org_admin for a pending
  application dated today or undated (no self-approval); platform admins record applications.
* `POST /v1/memberships/{id}/transitions` — alliance_admin, org_admin; tenant alliance: the alliance's admins
  (every move except accepting or declining an invitation); the member organization's org_admin to withdraw, or
  to accept/decline an invitation, today, without a role change; platform admins everything (they confirm an
  invitation on the organization's behalf).
* `POST /v1/committees`, `PATCH …/{id}`, `POST …/seats`, `…/seats/{seat_id}/end`, `…/positions`, `…/transitions`,
  `PUT …/plan`, `POST …/applications/{id}/decision`, and `/v1/alliances/{id}/outside-experts` writes —
  alliance_admin; tenant alliance: admins of the committee's alliance (a position's person must belong to a
  current member — active or suspended — of that alliance; that does not make the person readable otherwise).
* `POST /v1/committees/{id}/applications` — org_admin, alliance_admin; tenant organization: the applying
  organization's org_admin, or the admins of the committee's alliance on its behalf.
* `POST`/`PATCH`/`DELETE /v1/meetings…`, `/v1/activities…` (and the activity import), `POST /v1/duties`,
  `DELETE /v1/duties/{id}` — alliance_admin; tenant alliance: the record's alliance's admins. Members of that
  alliance (active or suspended) read its meetings and activities (`governance_readers`); a duty is read by the
  alliance's admins and its assignee organization, which also submits it (`POST /v1/duties/{id}/transitions` to
  `submitted`; accepting and returning are the admins'). Anyone else gets 404.
* `POST`/`PATCH`/`DELETE /v1/people…` — org_admin, org_staff; tenant organization: principals of the person's
  organization (moving a person: of both organizations). Alliance admins may not.
* `POST`/`PATCH`/`DELETE /v1/appointments…` — org_admin, org_staff; tenant organization: principals of the
  person's organization or of the host (changing the host: the person's, or both hosts').

Private reads — a person, an appointment: principals of its organization (for an appointment, also of the
host), service principals with `membership:read`, platform admins. Anyone else — the admins of an alliance the
organization belongs to included: membership is not visibility — gets 404 by id and does not see it in lists.
What an alliance sees of its members is in docs/identity.md ("What an alliance sees of its members").

"Claimed" = an enabled user with `org_role = 'org_admin'` exists for the organization: identity's users noun answers
(`services/membership/identity/users/service.py` `org_is_claimed`); this module reads none of identity's tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF, Principal, ensure_org
from chanjiao.dates import today
from chanjiao.errors import Forbidden
from services.membership.identity.users import org_is_claimed
from services.membership.memberships.models import MEMBER, Membership
from services.membership.memberships.schemas import MembershipCreate, MembershipTransitionCreate
from services.membership.organizations.models import Organization
from services.membership.people.models import Person

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)


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


def registering_alliance(principal: Principal) -> uuid.UUID | None:
    """The alliance recorded as the registrar of an organization this principal creates: the one alliance it
    administers (an alliance key; a user with one grant). Platform admins and admins of several alliances register
    without a registrar: memberships of such an organization start as invitations."""
    if principal.is_platform_admin:
        return None
    alliances = _administered(principal)
    return alliances[0] if len(alliances) == 1 else None


async def registered_by(session: AsyncSession, org_id: uuid.UUID | str) -> uuid.UUID | None:
    """The alliance that registered the organization (None: a platform admin registered it, or no such org)."""
    stmt = sa.select(Organization.registered_by_alliance_id).where(Organization.id == uuid.UUID(str(org_id)))
    return (await session.execute(stmt)).scalar_one_or_none()


async def administers_registrar(session: AsyncSession, principal: Principal, org_id: uuid.UUID | str) -> bool:
    """True when the principal administers the alliance that registered the organization."""
    alliances = _administered(principal)
    return bool(alliances) and await registered_by(session, org_id) in alliances


async def registered_unclaimed(session: AsyncSession, org_id: uuid.UUID | str, alliance_id: uuid.UUID) -> bool:
    """True when `alliance_id` registered the organization and no org admin of its own has claimed it: that
    alliance still speaks for it (records its memberships directly, keeps its record, invites its first admin)."""
    return await registered_by(session, org_id) == alliance_id and not await org_is_claimed(session, org_id)


# ---- organizations ----------------------------------------------------------------------------------------------
async def may_write_org(session: AsyncSession, principal: Principal, org_id: uuid.UUID | str) -> bool:
    if principal.acts_for_org(org_id, (ORG_ADMIN,)):  # platform admins too
        return True
    if not await administers_registrar(session, principal, org_id):
        return False
    return not await org_is_claimed(session, org_id)


async def ensure_org_writer(session: AsyncSession, principal: Principal, org_id: uuid.UUID | str) -> None:
    """403 unless the principal may edit the organization's own record (profile, majors, statistics, status)."""
    if await may_write_org(session, principal, org_id):
        return
    if await administers_registrar(session, principal, org_id):
        raise Forbidden(
            detail_zh="该单位已由本单位管理员认领，只能由其管理员维护",
            detail_en="This organization has been claimed by its own admin; only its admins may edit it",
        )
    raise Forbidden(
        detail_zh="只能维护本单位的记录，或本联盟登记且尚未认领的单位",
        detail_en="You may only edit your own organization, or an unclaimed organization registered by an alliance "
        "you administer",
    )


# ---- records of one organization (people, appointments) -------------------------------------------------------
def ensure_org_member(principal: Principal, *org_ids: uuid.UUID | str) -> None:
    """403 unless the principal is an org_admin/org_staff of every organization named (platform admins pass)."""
    for org_id in org_ids:
        ensure_org(principal, org_id, ORG_ROLES)


def acts_for_any(principal: Principal, org_ids: Iterable[uuid.UUID | str]) -> bool:
    return any(principal.acts_for_org(o, ORG_ROLES) for o in org_ids)


async def can_read_private(session: AsyncSession, principal: Principal, org_ids: Iterable[uuid.UUID | str]) -> bool:
    """Whether the principal may read a private record belonging to any of `org_ids`. A membership grants
    nothing here: an alliance's admins read a member's people and appointments only as that member's principals."""
    ids = list(org_ids)
    return principal.is_platform_admin or is_reader_service(principal) or acts_for_any(principal, ids)


def private_filter(principal: Principal, org_column: sa.ColumnElement) -> sa.ColumnElement[bool] | None:
    """The WHERE clause that keeps the private records (owned by `org_column`) the principal may list; None = all."""
    if principal.is_platform_admin or is_reader_service(principal):
        return None
    if principal.org_id and set(principal.roles) & set(ORG_ROLES):
        try:
            return org_column == uuid.UUID(principal.org_id)
        except ValueError:
            pass
    return sa.false()


# ---- memberships --------------------------------------------------------------------------------------------------
async def ensure_may_apply(session: AsyncSession, principal: Principal, data: MembershipCreate) -> str:
    """Who records a membership, and how it starts: `pending` (an application) or `invited`.

    The alliance's admins record an application, with any dates, only for an organization their alliance registered
    and nobody has claimed (or one they also administer); for any other organization their membership is an
    invitation the organization accepts or declines. An organization's org_admin applies for itself, today.
    Platform admins record applications."""
    own = principal.acts_for_org(data.org_id, (ORG_ADMIN,))  # platform admins too
    if principal.administers_alliance(data.alliance_id):
        if own or await registered_unclaimed(session, data.org_id, data.alliance_id):
            return "pending"
        return "invited"
    if own:
        if data.applied_on is not None and data.applied_on != today():
            raise Forbidden(
                detail_zh="单位自行申请入会只能以今天为申请日期；历史记录由联盟秘书处录入",
                detail_en="An organization applies as of today; earlier history is entered by the alliance's admins",
            )
        return "pending"
    raise Forbidden(
        detail_zh="只有该联盟的管理员或申请单位本身的管理员可以提交入会申请",
        detail_en="Only this alliance's admins or the applying organization's own admin may apply",
    )


# Moves of an invitation and who makes them (the lifecycle itself is `memberships.models.LIFECYCLE`).
_ORGANIZATION_ANSWERS = ("active", "declined")  # the organization accepts or declines; the alliance cannot


def ensure_may_transition(principal: Principal, m: Membership, data: MembershipTransitionCreate) -> None:
    """The alliance's admins make every transition except answering an invitation; the member's org_admin
    withdraws, or accepts/declines an invitation, today and in the offered role; platform admins do everything."""
    if principal.is_platform_admin:
        return
    to = data.to.value
    same_role = data.role is None or data.role.value == m.role
    answering = m.status == "invited" and to in _ORGANIZATION_ANSWERS
    if principal.acts_for_org(m.org_id, (ORG_ADMIN,)):
        own_move = answering or (to == "withdrawn" and m.status != "invited")
        if own_move and same_role:
            if data.effective_on != today():
                raise Forbidden(
                    detail_zh="单位自行退出、接受或谢绝邀请的生效日期须为今天",
                    detail_en="An organization's own withdrawal, acceptance or refusal takes effect today",
                )
            return
        if not principal.administers_alliance(m.alliance_id):
            if m.status == "invited":
                raise Forbidden(
                    detail_zh="单位对入会邀请只能接受（active）或谢绝（declined），且不能改变角色",
                    detail_en="An organization answers an invitation by accepting (active) or declining (declined), "
                    "in the offered role",
                )
            raise Forbidden(
                detail_zh="单位只能自行退出；其他状态与角色变更由联盟管理员办理",
                detail_en="An organization may only withdraw itself; other changes are made by the alliance's admins",
            )
    if principal.administers_alliance(m.alliance_id):
        if answering:
            raise Forbidden(
                detail_zh="入会邀请须由该单位的管理员接受或谢绝（或由平台管理员代为确认）",
                detail_en="An invitation is accepted or declined by the organization's admin (or confirmed by a "
                "platform admin on its behalf)",
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


async def person_of_member(session: AsyncSession, person_id: uuid.UUID, alliance_id: uuid.UUID) -> bool:
    """True when the person (live) belongs to a current member (active or suspended) of the alliance: the people
    an alliance may name in its committee positions."""
    stmt = sa.select(
        sa.exists().where(
            Person.id == person_id,
            Person.deleted_at.is_(None),
            Membership.org_id == Person.org_id,
            Membership.alliance_id == alliance_id,
            Membership.status.in_(MEMBER),
        )
    )
    return bool((await session.execute(stmt)).scalar())


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


# ---- governance: meetings, activities, duties ---------------------------------------------------------------------
async def governance_readers(session: AsyncSession, principal: Principal) -> set[uuid.UUID] | None:
    """The alliances whose meetings and activities the principal reads: those it administers and those its
    organization is a current member of (active or suspended). None: every alliance (platform admins, reader
    services)."""
    if principal.is_platform_admin or is_reader_service(principal):
        return None
    out = set(_administered(principal))
    if principal.org_id and set(principal.roles) & set(ORG_ROLES):
        try:
            org = uuid.UUID(principal.org_id)
        except ValueError:
            return out
        stmt = sa.select(Membership.alliance_id).where(Membership.org_id == org, Membership.status.in_(MEMBER))
        out |= set((await session.execute(stmt)).scalars())
    return out
