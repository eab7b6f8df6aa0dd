"""API keys of organizations and alliances, and their introspection by the gateway.

A key is `cjk_` + 43 random characters, answered once at creation; only its SHA-256 and its first
12 characters (`prefix`, for recognition) are kept. An organization's key acts as that organization's
`org_admin`, an alliance's key as that alliance's `alliance_admin` — both limited to the scopes
chosen at creation. Keys are managed by people only (a key cannot mint keys): an organization's by
its org_admins, an alliance's by its alliance admins, any by platform admins. A key's scopes never
exceed the creating token's (`../ceiling.py`).

Introspection answers `active: false` for an unknown, malformed, revoked or expired key, and for a
key whose organization or alliance was deleted. `last_used_at` is written at most once a minute
per key, so a busy key does not turn every gateway cache miss into a row update.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, Principal
from chanjiao.errors import Forbidden, NotFound, field_error
from chanjiao.ids import new_id
from chanjiao.resources import Audit
from chanjiao.sync import Since, SyncPage, sync_page
from services.membership.alliances import service as alliances
from services.membership.db import kernel
from services.membership.identity import opaque
from services.membership.identity.api_keys.models import ApiKey
from services.membership.identity.api_keys.schemas import ApiKeyCreate, ApiKeyPublic
from services.membership.identity.ceiling import ensure_within
from services.membership.identity.common import (
    as_uuids,
    ensure_live_alliance,
    ensure_live_org,
    require_user,
    utcnow,
)
from services.membership.organizations import service as organizations

LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyNotFound(NotFound):
    slug = "api-key-not-found"
    title_zh, title_en = "API 密钥不存在", "API key not found"


# Audited: the key's columns, never the key's hash, nor who created or revoked it, nor when it was last used.
AUDIT = Audit(kernel, "api_key", exclude=frozenset({"key_hash", "created_by", "revoked_by", "last_used_at"}))


def is_active(key: ApiKey) -> bool:
    return key.revoked_at is None and (key.expires_at is None or key.expires_at > utcnow())


def render(key: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic(
        id=key.id,
        name=key.name,
        org_id=key.org_id,
        alliance_id=key.alliance_id,
        scopes=list(key.scopes),
        prefix=key.prefix,
        created_by=key.created_by,
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
        active=is_active(key),
        updated_at=key.updated_at,
    )


def _manages(principal: Principal, key: ApiKey) -> bool:
    if key.org_id is not None:
        return principal.acts_for_org(key.org_id, (ORG_ADMIN,))
    return principal.administers_alliance(key.alliance_id)


async def create_key(session: AsyncSession, principal: Principal, data: ApiKeyCreate) -> tuple[ApiKey, str]:
    require_user(principal)
    if data.org_id is not None:
        await ensure_live_org(session, data.org_id, "org_id")
        if not principal.acts_for_org(data.org_id, (ORG_ADMIN,)):
            raise Forbidden(
                detail_zh="只有本单位管理员可以创建单位的 API 密钥",
                detail_en="Only the organization's org_admins create its API keys",
            )
    else:
        assert data.alliance_id is not None
        await ensure_live_alliance(session, data.alliance_id, "alliance_id")
        if not principal.administers_alliance(data.alliance_id):
            raise Forbidden(
                detail_zh="只有该联盟的管理员可以创建联盟的 API 密钥",
                detail_en="Only the alliance's admins create its API keys",
            )
    ensure_within(principal, data.scopes, what_zh="API 密钥的权限范围（scopes）", what_en="A key's scopes")
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise field_error(
            ["body", "expires_at"], "in_past", "过期时间须晚于当前时间", "expires_at must be in the future"
        )
    secret = opaque.new_secret(opaque.API_KEY)
    now = utcnow()
    key = ApiKey(
        id=new_id(),
        name=data.name,
        org_id=data.org_id,
        alliance_id=data.alliance_id,
        scopes=list(data.scopes),
        key_hash=opaque.digest(secret),
        prefix=secret[: opaque.SHOWN_PREFIX],
        created_by=principal.actor,
        created_at=now,
        expires_at=data.expires_at,
        updated_at=now,
    )
    session.add(key)
    await session.flush()
    after = AUDIT.snapshot(key)
    await AUDIT.record(session, key, action="create", actor=principal.actor, before=None, after=after, payload=after)
    return key, secret


async def get_key(session: AsyncSession, principal: Principal, key_id: uuid.UUID, *, for_write: bool = False) -> ApiKey:
    """Another tenant's key: 404 on reads, 403 on writes (the authorisation matrix's rule)."""
    require_user(principal)
    stmt = sa.select(ApiKey).where(ApiKey.id == key_id)
    if for_write:
        stmt = stmt.with_for_update()
    key = (await session.execute(stmt)).scalar_one_or_none()
    missing = ApiKeyNotFound(detail_zh="没有该 API 密钥", detail_en="No such API key")
    if key is None:
        raise missing
    if not _manages(principal, key):
        if for_write:
            raise Forbidden(
                detail_zh="只能管理本单位或本联盟的 API 密钥", detail_en="You may only manage your own keys"
            )
        raise missing
    return key


async def list_keys(
    session: AsyncSession,
    principal: Principal,
    *,
    org_id: uuid.UUID | None,
    alliance_id: uuid.UUID | None,
    since: Since,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    """Platform admins see every key; others their organization's (org_admin) and their alliances' keys.
    Keys are never deleted: a revoked key stays in the list with its `revoked_at` (a changed row to a sync)."""
    require_user(principal)
    stmt = sa.select(ApiKey)
    if not principal.is_platform_admin:
        visible = []
        orgs = as_uuids([principal.org_id] if ORG_ADMIN in principal.roles and principal.org_id else [])
        alliances = as_uuids(principal.alliances if ALLIANCE_ADMIN in principal.roles else [])
        if orgs:
            visible.append(ApiKey.org_id.in_(orgs))
        if alliances:
            visible.append(ApiKey.alliance_id.in_(alliances))
        stmt = stmt.where(sa.or_(*visible) if visible else sa.false())
    if org_id is not None:
        stmt = stmt.where(ApiKey.org_id == org_id)
    if alliance_id is not None:
        stmt = stmt.where(ApiKey.alliance_id == alliance_id)
    return await sync_page(session, stmt, ApiKey, since=since, cursor=cursor, limit=limit)


async def revoke_key(session: AsyncSession, principal: Principal, key_id: uuid.UUID) -> ApiKey:
    """Idempotent: revoking a revoked key changes nothing."""
    key = await get_key(session, principal, key_id, for_write=True)
    if key.revoked_at is None:
        before = AUDIT.snapshot(key)
        key.revoked_at, key.revoked_by = utcnow(), principal.actor
        key.updated_at = key.revoked_at
        await session.flush()
        after = AUDIT.snapshot(key)
        await AUDIT.record(
            session, key, action="revoke", actor=principal.actor, before=before, after=after, payload=after
        )
    return key


async def _owner_live(session: AsyncSession, key: ApiKey) -> bool:
    """The key's organization or alliance is not deleted (asked of the noun that owns it)."""
    if key.org_id is not None:
        return await organizations.is_live(session, key.org_id)
    return await alliances.is_live(session, key.alliance_id)


async def introspect(session: AsyncSession, api_key: str) -> dict[str, Any]:
    inactive: dict[str, Any] = {"active": False}
    if not opaque.looks_like(api_key, opaque.API_KEY):
        return inactive
    key = (
        await session.execute(sa.select(ApiKey).where(ApiKey.key_hash == opaque.digest(api_key)))
    ).scalar_one_or_none()
    if key is None or not is_active(key) or not await _owner_live(session, key):
        return inactive
    now = utcnow()
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_RESOLUTION:
        await session.execute(
            sa.update(ApiKey)
            .where(
                ApiKey.id == key.id,
                sa.or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_RESOLUTION),
            )
            .values(last_used_at=now, updated_at=now)
        )
    if key.org_id is not None:
        principal = {
            "kind": "api_key",
            "subject": str(key.id),
            "org_id": str(key.org_id),
            "roles": [ORG_ADMIN],
            "scopes": list(key.scopes),
            "alliances": [],
        }
    else:
        principal = {
            "kind": "api_key",
            "subject": str(key.id),
            "org_id": None,
            "roles": [ALLIANCE_ADMIN],
            "scopes": list(key.scopes),
            "alliances": [str(key.alliance_id)],
        }
    return {
        "active": True,
        "principal": principal,
        "expires_at": key.expires_at.isoformat() if key.expires_at else None,
    }
