"""Who may touch a proposal (docs/matching-proposals.md, "Access").

* Propose: principals (org_admin or org_staff, users or the org's API key) with `matching:write` of the demand's or
  the offer's organization — the proposer; the other organization is the counterparty. Platform admins too.
* Answer: the counterparty accepts or declines, the proposer withdraws; anyone else 403 (404 when they may not read
  the proposal).
* Read: principals of either party, the admins of the demand's alliance and platform admins; to anyone else a
  proposal is 404 and absent from lists."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Path

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF, Principal, allow
from chanjiao.errors import Forbidden
from services.matching.proposals.models import Proposal

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)
ProposalId = Annotated[uuid.UUID, Path(description="合作意向 ID — the proposal's id")]
READ = allow(scopes=("matching:read",))
WRITE = allow(roles=ORG_ROLES, scopes=("matching:write",), tenant="organization")

WHO_PROPOSE = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) with `matching:write` of "
    "the demand's or the offer's organization, and platform admins; anyone else gets 403."
)
WHO_ANSWER = (
    "\n\n**谁可以 Who:** acceptance and declination by the counterparty (the party that did not propose), "
    "withdrawal by the proposer — principals with `matching:write` of that organization, and platform admins; "
    "the other party gets 403, anyone who may not read the proposal 404."
)
VISIBLE = (
    "\n\n**可见 Visible to:** principals of either party, the admins of the demand's alliance and platform "
    "admins; to anyone else a proposal is 404 and absent from lists."
)


def _org(principal: Principal) -> uuid.UUID | None:
    try:
        return uuid.UUID(principal.org_id or "")
    except ValueError:
        return None


def can_read(principal: Principal, row: Proposal) -> bool:
    if principal.is_platform_admin:
        return True
    if row.alliance_id is not None and principal.administers_alliance(row.alliance_id):
        return True
    org = _org(principal)
    return org is not None and org in (row.demand_org_id, row.offer_org_id)


def visible(principal: Principal) -> sa.ColumnElement[bool] | None:
    """The WHERE clause of the proposals the caller may read (None: all)."""
    if principal.is_platform_admin:
        return None
    p: Any = Proposal
    clauses: list[sa.ColumnElement[bool]] = []
    org = _org(principal)
    if org is not None:
        clauses += [p.demand_org_id == org, p.offer_org_id == org]
    if ALLIANCE_ADMIN in principal.roles:
        ids = []
        for a in principal.alliances:
            try:
                ids.append(uuid.UUID(a))
            except ValueError:
                continue
        if ids:
            clauses.append(p.alliance_id.in_(ids))
    return sa.or_(*clauses) if clauses else sa.false()


def ensure_party(principal: Principal, demand_org_id: uuid.UUID, offer_org_id: uuid.UUID) -> uuid.UUID:
    """The organization the caller proposes for (403 unless it acts for one of the two). A platform admin proposes
    for the demand's organization."""
    for org in (demand_org_id, offer_org_id):
        if principal.acts_for_org(org, ORG_ROLES):
            return org
    raise Forbidden(
        detail_zh="只有需求方或供给方单位可以提出合作意向",
        detail_en="Only the demand's or the offer's organization may propose",
    )


def ensure_acts_for(principal: Principal, org_id: uuid.UUID, what: tuple[str, str]) -> None:
    if not principal.acts_for_org(org_id, ORG_ROLES):
        raise Forbidden(detail_zh=f"只有{what[0]}可以这样做", detail_en=f"Only {what[1]} may do this")
