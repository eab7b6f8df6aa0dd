"""Who may touch a hire (docs/matching-hires.md, "Access").

* Record (single, batch, import): principals (org_admin or org_staff, users or the org's API key) with
  `matching:write` of the recording organization (`org_id`), which must be the school or the employer named.
* Confirm or dispute: the other party's principals with `matching:write`; the recorder gets 403.
* Read: principals of the school or the employer and platform admins; to anyone else a hire is 404 and absent
  from lists. Figures and graduate counts: the organization's own principals and platform admins (403 otherwise)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Path

from chanjiao.auth import ORG_ADMIN, ORG_STAFF, Principal, allow
from chanjiao.errors import Forbidden
from services.matching.hires.models import Hire

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)
HireId = Annotated[uuid.UUID, Path(description="招录记录 ID — the hire's id")]
READ = allow(scopes=("matching:read",))
WRITE = allow(roles=ORG_ROLES, scopes=("matching:write",), tenant="organization")
OWN_READ = allow(roles=ORG_ROLES, scopes=("matching:read",), tenant="organization")

WHO = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) with `matching:write` of "
    "the recording organization `org_id` — the school or the employer named — and platform admins; 403 otherwise."
)
WHO_ANSWER = (
    "\n\n**谁可以 Who:** principals with `matching:write` of the party that did not record the hire, and platform "
    "admins; the recorder gets 403, anyone who may not read the hire 404."
)
VISIBLE = (
    "\n\n**可见 Visible to:** principals of the school or the employer, and platform admins; to anyone else a hire "
    "is 404 and absent from lists."
)
WHO_OWN = "\n\n**谁可以 Who:** the organization's own principals (org_admin or org_staff) and platform admins."


def _org(principal: Principal) -> uuid.UUID | None:
    try:
        return uuid.UUID(principal.org_id or "")
    except ValueError:
        return None


def can_read(principal: Principal, row: Hire) -> bool:
    if principal.is_platform_admin:
        return True
    org = _org(principal)
    return org is not None and org in (row.school_org_id, row.employer_org_id)


def visible(principal: Principal) -> sa.ColumnElement[bool] | None:
    if principal.is_platform_admin:
        return None
    h: Any = Hire
    org = _org(principal)
    if org is None:
        return sa.false()
    return sa.or_(h.school_org_id == org, h.employer_org_id == org)


def ensure_acts_for(principal: Principal, org_id: uuid.UUID, what: tuple[str, str]) -> None:
    if not principal.acts_for_org(org_id, ORG_ROLES):
        raise Forbidden(detail_zh=f"只有{what[0]}可以这样做", detail_en=f"Only {what[1]} may do this")
