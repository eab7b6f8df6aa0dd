"""Who may touch a fair (docs/matching-fairs-allocations.md, "Access").

* Manage (create, transitions, withdraw any registration): principals (org_admin or org_staff) of the organizing
  organization with `matching:write`, the admins of the fair's alliance, and platform admins; anyone else 403.
* Register (and withdraw) a demand or an offer: the posting's own organization (org_admin or org_staff, users or the
  org's API key, with `matching:write`).
* Read (the fair, its registrations, its figures): every principal with `matching:read` — a fair is a public event of
  the market."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF, Principal, allow
from chanjiao.errors import Forbidden

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)
FairId = Annotated[uuid.UUID, Path(description="对接会 ID — the fair's id")]
RegistrationId = Annotated[uuid.UUID, Path(description="报名 ID — the registration's id")]
READ = allow(scopes=("matching:read",))
MANAGE = allow(roles=(*ORG_ROLES, ALLIANCE_ADMIN), scopes=("matching:write",), tenant="organization")
REGISTER = allow(roles=ORG_ROLES, scopes=("matching:write",), tenant="organization")

WHO_MANAGE = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff) of the organizing organization with `matching:write`, "
    "the admins of the fair's alliance, and platform admins; anyone else gets 403."
)
WHO_REGISTER = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of the organization that "
    "posted the demand or offer, with `matching:write`, and platform admins; anyone else gets 403."
)
VISIBLE = "\n\n**可见 Visible to:** every principal with `matching:read` (a fair is a public event of the market)."


def can_manage(principal: Principal, organizer_org_id: uuid.UUID, alliance_id: uuid.UUID | None) -> bool:
    if principal.acts_for_org(organizer_org_id, ORG_ROLES):
        return True
    return alliance_id is not None and principal.administers_alliance(alliance_id)


def ensure_manager(principal: Principal, organizer_org_id: uuid.UUID, alliance_id: uuid.UUID | None) -> None:
    if not can_manage(principal, organizer_org_id, alliance_id):
        raise Forbidden(
            detail_zh="只有主办单位、所属联盟管理员可以管理对接会",
            detail_en="Only the organizer and the admins of the fair's alliance may manage the fair",
        )


def ensure_posting_owner(principal: Principal, org_id: uuid.UUID) -> None:
    if not principal.acts_for_org(org_id, ORG_ROLES):
        raise Forbidden(
            detail_zh="只能为本单位发布的需求或供给报名",
            detail_en="You may only register your own organization's demands and offers",
        )
