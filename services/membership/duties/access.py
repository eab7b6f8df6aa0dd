"""Who reads and writes duties (router.py): the alliance's admins assign, change, accept and return them; the
assignee organization reads and submits its own; anyone else gets 404 (services/membership/tenancy.py)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF, Principal, allow
from chanjiao.errors import Forbidden
from services.membership.duties.models import ASSIGNEE_MOVES, Duty

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)
READ = allow(scopes=("membership:read",))
WRITE = allow(roles=(ALLIANCE_ADMIN,), scopes=("membership:write",), tenant="alliance")
MOVE = allow(roles=(ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF), scopes=("membership:write",), tenant="organization")
WHO = "\n\n**谁可以 Who:** the admins of the duty's alliance and platform admins; the assignee gets 403, others 404."
READERS = (
    "\n\n**谁可以读 Readers:** the alliance's admins, the assignee organization's principals, services with "
    "`membership:read` and platform admins; anyone else gets 404 and does not see it in lists."
)


def _uuids(values: tuple[str, ...]) -> list[uuid.UUID]:
    out = []
    for v in values:
        try:
            out.append(uuid.UUID(v))
        except ValueError:
            continue
    return out


def administered(principal: Principal) -> list[uuid.UUID]:
    return _uuids(principal.alliances) if ALLIANCE_ADMIN in principal.roles else []


def own_org(principal: Principal) -> uuid.UUID | None:
    if principal.org_id and set(principal.roles) & set(ORG_ROLES):
        found = _uuids((principal.org_id,))
        return found[0] if found else None
    return None


def sees_all(principal: Principal) -> bool:
    return principal.is_platform_admin or (principal.kind == "service" and "membership:read" in principal.scopes)


def visible(principal: Principal) -> sa.ColumnElement[bool] | None:
    """The WHERE clause of the duties the principal may read (None: all)."""
    if sees_all(principal):
        return None
    org = own_org(principal)
    return sa.or_(Duty.alliance_id.in_(administered(principal)), Duty.assignee_org_id == org if org else sa.false())


def can_read(principal: Principal, duty: Duty) -> bool:
    return (
        sees_all(principal) or duty.alliance_id in administered(principal) or own_org(principal) == duty.assignee_org_id
    )


def ensure_mover(principal: Principal, duty: Duty, to: str) -> None:
    """The assignee submits; the alliance's admins accept and return (platform admins do both)."""
    if principal.is_platform_admin:
        return
    if to in ASSIGNEE_MOVES:
        if own_org(principal) != duty.assignee_org_id:
            raise Forbidden(
                detail_zh="只有承担单位可以提交职责成果", detail_en="Only the assignee organization submits its duty"
            )
        return
    if duty.alliance_id not in administered(principal):
        raise Forbidden(
            detail_zh="只有该联盟的管理员可以验收或退回",
            detail_en="Only this alliance's admins accept or return a duty",
        )
