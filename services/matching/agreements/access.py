"""Who may touch an agreement (docs/matching-agreements.md, "Access").

* Write (create, update, transitions, milestones, payments): principals (org_admin or org_staff, users or the org's
  API key) with `matching:write` of an organization that is a party to the agreement — on create, the caller's
  organization must be one of the parties named; platform admins write everything. Anyone else gets 403, or 404
  on an agreement they may not even read.
* Read: principals of a party organization, the admins of the agreement's alliance (when it names one) and
  platform admins; to anyone else the agreement is 404 and absent from lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Path

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF, Principal, allow
from chanjiao.errors import Forbidden
from services.matching.agreements.models import AgreementParty

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)
AgreementId = Annotated[uuid.UUID, Path(description="合作协议 ID The agreement's id")]
MilestoneId = Annotated[uuid.UUID, Path(description="协议里程碑 ID The milestone's id")]
READ = allow(scopes=("matching:read",))
WRITE = allow(roles=ORG_ROLES, scopes=("matching:write",), tenant="organization")

WHO = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of a party organization, "
    "with `matching:write`, and platform admins; anyone else gets 403 (404 when they may not read the agreement)."
)
VISIBLE = (
    "\n\n**可见 Visible to:** principals of a party organization, the admins of the agreement's alliance "
    "(`alliance_id`) and platform admins; to anyone else the agreement is 404 and absent from lists."
)


def acts_for_party(principal: Principal, org_ids: Iterable[uuid.UUID]) -> bool:
    return any(principal.acts_for_org(o, ORG_ROLES) for o in org_ids)


def ensure_party(principal: Principal, org_ids: Iterable[uuid.UUID]) -> None:
    """403 unless the principal acts for one of the organizations (platform admins pass)."""
    if not acts_for_party(principal, org_ids):
        raise Forbidden(
            detail_zh="只能登记或修改本单位作为一方的合作协议",
            detail_en="You may only write agreements your organization is a party to",
        )


def can_read(principal: Principal, alliance_id: uuid.UUID | None, org_ids: Iterable[uuid.UUID]) -> bool:
    if principal.is_platform_admin:
        return True
    if alliance_id is not None and ALLIANCE_ADMIN in principal.roles and str(alliance_id) in principal.alliances:
        return True
    return principal.org_id is not None and any(str(o) == principal.org_id for o in org_ids)


def visible_filter(principal: Principal, agreement: Any) -> sa.ColumnElement[bool] | None:
    """The WHERE clause of the agreements the caller may read (None: all)."""
    if principal.is_platform_admin:
        return None
    clauses: list[sa.ColumnElement[bool]] = []
    try:
        org = uuid.UUID(principal.org_id or "")
    except ValueError:
        org = None
    if org is not None:
        p: Any = AgreementParty
        clauses.append(sa.exists().where(p.agreement_id == agreement.id, p.org_id == org))
    if ALLIANCE_ADMIN in principal.roles and principal.alliances:
        ids = []
        for a in principal.alliances:
            try:
                ids.append(uuid.UUID(a))
            except ValueError:
                continue
        if ids:
            clauses.append(agreement.alliance_id.in_(ids))
    return sa.or_(*clauses) if clauses else sa.false()
