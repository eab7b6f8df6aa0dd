"""Alliance grants: a user administers an alliance (its secretariat). Platform admins grant and revoke;
a claimed alliance invitation grants too (`invitations/service.py`). Revoked grants are kept."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.errors import Conflict, NotFound
from chanjiao.ids import new_id
from chanjiao.resources import Audit
from services.membership.db import kernel
from services.membership.identity import one_time
from services.membership.identity.common import ensure_live_alliance, require_user, utcnow
from services.membership.identity.grants.models import AllianceGrant
from services.membership.identity.users import service as users

# A grant's audit rows and events (`alliance_grant.created`, `alliance_grant.revoked`): who holds which alliance.
AUDIT = Audit(kernel, "alliance_grant")


class GrantExists(Conflict):
    slug = "grant-exists"
    title_zh, title_en = "已授权", "Already granted"


class GrantNotFound(NotFound):
    slug = "grant-not-found"
    title_zh, title_en = "没有该授权", "No such grant"


async def live_alliances(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The alliances each user administers now (live grants), in id order."""
    out: dict[uuid.UUID, list[uuid.UUID]] = {u: [] for u in user_ids}
    if not user_ids:
        return out
    rows = await session.execute(
        sa.select(AllianceGrant.user_id, AllianceGrant.alliance_id)
        .where(AllianceGrant.user_id.in_(user_ids), AllianceGrant.revoked_at.is_(None))
        .order_by(AllianceGrant.alliance_id)
    )
    for uid, aid in rows:
        out[uid].append(aid)
    return out


async def grant(session: AsyncSession, user_id: uuid.UUID, alliance_id: uuid.UUID, actor: str) -> AllianceGrant:
    """Record a live grant (the caller checked that none exists)."""
    # A reset token handed out before the grant would now open the alliance too: it stops working.
    await one_time.void_resets(session, user_id)
    row = AllianceGrant(id=new_id(), user_id=user_id, alliance_id=alliance_id, granted_at=utcnow(), granted_by=actor)
    session.add(row)
    await session.flush()
    await users.touch(session, user_id)
    after = {"user_id": user_id, "alliance_id": alliance_id}
    await AUDIT.record(session, row, action="create", actor=actor, before=None, after=after, payload=dict(after))
    return row


async def add_grant(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, alliance_id: uuid.UUID
) -> AllianceGrant:
    require_user(principal)
    user = await users.get_user(session, user_id, for_update=True)
    await ensure_live_alliance(session, alliance_id, "alliance_id")
    if alliance_id in (await live_alliances(session, [user.id]))[user.id]:
        raise GrantExists(detail_zh="该用户已是该联盟的管理员", detail_en="The user already administers this alliance")
    return await grant(session, user.id, alliance_id, principal.actor)


async def remove_grant(session: AsyncSession, principal: Principal, user_id: uuid.UUID, alliance_id: uuid.UUID) -> None:
    require_user(principal)
    row = (
        await session.execute(
            sa.select(AllianceGrant)
            .where(
                AllianceGrant.user_id == user_id,
                AllianceGrant.alliance_id == alliance_id,
                AllianceGrant.revoked_at.is_(None),
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        raise GrantNotFound(
            detail_zh="该用户不是该联盟的管理员", detail_en="The user does not administer this alliance"
        )
    row.revoked_at, row.revoked_by = utcnow(), principal.actor
    await session.flush()
    await users.touch(session, user_id)
    after = {"user_id": user_id, "alliance_id": alliance_id, "revoked": True}
    await AUDIT.record(
        session,
        row,
        action="revoke",
        actor=principal.actor,
        before={"user_id": user_id, "alliance_id": alliance_id, "revoked": False},
        after=after,
        payload=dict(after),
    )
