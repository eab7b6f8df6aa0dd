"""What every identity noun shares: the clock, the user-only rule, and the checks that an
organization or alliance named in a request is live (asked of the nouns that own them).

Identity never reads another noun's tables: organizations and alliances answer through the functions their
services publish (`organizations.service.lock_if_live`, `alliances.service.lock_if_live`, …)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.errors import Unauthorized, field_error
from services.membership.alliances import service as alliances
from services.membership.organizations import service as organizations


class NotAUser(Unauthorized):
    slug = "user-required"
    title_zh, title_en = "需要用户登录", "A user login is needed"


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_uuids(values: Any) -> list[uuid.UUID]:
    """The ids among a principal's claims (anything else cannot match a row)."""
    out = []
    for v in values:
        try:
            out.append(uuid.UUID(str(v)))
        except ValueError:
            continue
    return out


def require_user(principal: Principal) -> None:
    """Routes for people (`kinds=("user",)`) also refuse anonymous callers in development."""
    if principal.kind != "user":
        raise NotAUser(detail_zh="此操作需要用户登录", detail_en="This needs a user login")


async def ensure_live_org(session: AsyncSession, org_id: uuid.UUID, field: str) -> None:
    """422 on `field` unless the organization exists and is not deleted; it then cannot be deleted before commit."""
    if not await organizations.lock_if_live(session, org_id):
        raise field_error(
            ["body", field], "org_not_found", "没有该单位，或已被删除", "No such organization, or it was deleted"
        )


async def ensure_live_alliance(session: AsyncSession, alliance_id: uuid.UUID, field: str) -> None:
    """422 on `field` unless the alliance exists and is not deleted; it then cannot be deleted before commit."""
    if not await alliances.lock_if_live(session, alliance_id):
        raise field_error(
            ["body", field], "alliance_not_found", "没有该联盟，或已被删除", "No such alliance, or it was deleted"
        )
