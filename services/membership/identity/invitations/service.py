"""Invitations: an admin makes a one-time invitation token (`cji_…`) for a member of an organization or for
an alliance's admin; the invitee redeems it (`claim`), creating an account or joining with an existing one.

No mail server is assumed: the token is answered once to the inviter, who hands it over; it works once and
expires (`invitation_ttl_hours`). The token lives in the one-time token table (`../one_time.py`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, Principal, scopes_for_roles
from chanjiao.errors import Conflict, Forbidden
from chanjiao.resources import Audit
from services.membership.db import kernel
from services.membership.identity import one_time, opaque
from services.membership.identity.ceiling import ensure_within
from services.membership.identity.common import (
    as_uuids,
    ensure_live_alliance,
    ensure_live_org,
    require_user,
    utcnow,
)
from services.membership.identity.grants import service as grants
from services.membership.identity.invitations.schemas import ClaimRequest, InvitationCreate
from services.membership.identity.passwords import check_password
from services.membership.identity.runtime import Identity
from services.membership.identity.users import service as users
from services.membership.organizations import service as organizations

# An invitation's audit row and event (`invitation.created`): whom it invites into what, never its secret.
AUDIT = Audit(kernel, "invitation")


class AlreadyInOrganization(Conflict):
    slug = "already-in-organization"
    title_zh, title_en = "用户已属于一个单位", "User already belongs to an organization"


class OrganizationClaimed(Forbidden):
    slug = "organization-claimed"
    title_zh, title_en = "该单位已有管理员", "The organization already has an admin"


class OrganizationClaimedMeanwhile(Conflict):
    slug = "organization-claimed"
    title_zh, title_en = "该单位已有管理员", "The organization already has an admin"


async def create_invitation(
    session: AsyncSession, ident: Identity, principal: Principal, data: InvitationCreate
) -> tuple[one_time.OneTimeToken, str]:
    """Who may invite whom:

    - a platform admin: anyone, to any organization or as any alliance's admin;
    - an org_admin: org_admin or org_staff of its own organization;
    - an alliance admin: the *first* org_admin of an organization one of its alliances registered
      (`registered_by_alliance_id`), only while that organization has no active org_admin — a membership,
      even an accepted one, gives no such right.
    Alliance-admin invitations (`alliance_id`) are for platform admins only."""
    require_user(principal)
    first_admin_only = False
    if data.alliance_id is not None:
        if not principal.is_platform_admin:
            raise Forbidden(
                detail_zh="只有平台管理员可以邀请联盟管理员", detail_en="Only platform admins invite alliance admins"
            )
        await ensure_live_alliance(session, data.alliance_id, "alliance_id")
    else:
        assert data.org_id is not None and data.role is not None
        await ensure_live_org(session, data.org_id, "org_id")
        if principal.is_platform_admin or principal.acts_for_org(data.org_id, (ORG_ADMIN,)):
            pass
        elif ALLIANCE_ADMIN in principal.roles and await organizations.registered_by_one_of(
            session, data.org_id, as_uuids(principal.alliances)
        ):
            if data.role.value != ORG_ADMIN:
                raise Forbidden(
                    detail_zh="联盟管理员只能邀请单位的首位管理员",
                    detail_en="Alliance admins invite only an organization's first org_admin",
                )
            if await users.org_is_claimed(session, data.org_id):
                raise OrganizationClaimed(
                    detail_zh="该单位已有管理员，由其邀请本单位的其他用户",
                    detail_en="The organization already has an org_admin, who invites its other users",
                )
            first_admin_only = True
        else:
            raise Forbidden(
                detail_zh="只能邀请本单位的用户，或本联盟登记的单位的首位管理员",
                detail_en="You may invite your own organization's users, or the first admin of an organization your "
                "alliance registered",
            )
    # The invitee's sessions carry every scope of the role granted: the inviter must hold them all.
    granted = (ALLIANCE_ADMIN,) if data.alliance_id is not None else (data.role.value,)  # type: ignore[union-attr]
    ensure_within(principal, scopes_for_roles(granted), what_zh="邀请", what_en="An invitation")
    row, secret = await one_time.issue(
        session,
        kind=one_time.OneTimeKind.invitation,
        prefix=opaque.INVITATION,
        ttl=timedelta(hours=ident.settings.invitation_ttl_hours),
        actor=principal.actor,
        org_id=data.org_id,
        org_role=data.role.value if data.role else None,
        alliance_id=data.alliance_id,
        display_name=data.display_name,
        first_admin_only=first_admin_only,
    )
    after = {
        "org_id": row.org_id,
        "org_role": row.org_role,
        "alliance_id": row.alliance_id,
        "expires_at": row.expires_at,
    }
    await AUDIT.record(
        session, row, action="create", actor=principal.actor, before=None, after=after, payload=dict(after)
    )
    return row, secret


async def claim(session: AsyncSession, ident: Identity, data: ClaimRequest, *, client: str) -> users.User:
    """Redeem an invitation. A new login creates the account (password rules apply); an existing login
    must give its current password and then joins the organization (409 if it already belongs to one)
    or receives the alliance grant."""
    token = await one_time.take(session, data.invitation_token, one_time.OneTimeKind.invitation, opaque.INVITATION)
    existing = await users.find_by_login(session, data.login)
    if existing is not None:
        user = await users.authenticate(session, ident, data.login, data.password, client=client)
        user = await users.get_user(session, user.id, for_update=True)
        before: dict[str, Any] | None = users.AUDIT.snapshot(user)
    else:
        check_password(data.password, login=data.login)
        name = data.display_name or token.display_name or data.login
        user = users.new_user(data.login, name, await ident.passwords.hash(data.password))
        await users.insert_user(session, user)
        before = None
    actor = f"user:{user.id}"
    if token.org_id is not None:
        if user.org_id is not None:
            raise AlreadyInOrganization(
                detail_zh="一个用户只能属于一个单位", detail_en="A user belongs to at most one organization"
            )
        await ensure_live_org(session, token.org_id, "invitation_token")
        if token.first_admin_only and await users.org_is_claimed(session, token.org_id):
            raise OrganizationClaimedMeanwhile(
                detail_zh="该单位已有管理员，请向其索取邀请",
                detail_en="The organization already has an org_admin; ask them for an invitation",
            )
        user.org_id, user.org_role = token.org_id, token.org_role
        if before is not None:
            user.version += 1
            user.updated_at = utcnow()
        await session.flush()
    elif token.alliance_id is not None:
        live = (await grants.live_alliances(session, [user.id]))[user.id]
        if token.alliance_id not in live:
            await grants.grant(session, user.id, token.alliance_id, token.created_by)
    token.used_at, token.used_by = utcnow(), user.id
    after = users.AUDIT.snapshot(user)
    await users.AUDIT.record(
        session,
        user,
        action="create" if before is None else "update",
        actor=actor,
        before=before,
        after=after,
        payload=dict(after),
    )
    return user
