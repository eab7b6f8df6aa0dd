"""Who may run and read an allocation (docs/matching-fairs-allocations.md, "Access").

* Over a fair: its managers — principals (org_admin or org_staff) of the organizer, the admins of the fair's
  alliance, platform admins.
* Over an alliance: that alliance's admins and platform admins.
* Over a region: platform admins only (a region crosses alliances and tenants).
* Over explicit ids: principals (org_admin or org_staff) of the organization that posted every named demand — an
  enterprise allocating its own demands over the market's offers — and platform admins. The named offers must be
  on the market (published) or the caller's own.
* Read: platform admins, principals of the organization that ran it (explicit ids, or the fair's organizer), and the
  admins of its alliance (alliance or fair scope); to anyone else it is 404.
All need `matching:write` to run and `matching:read` to read."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, ORG_STAFF, Principal, allow
from chanjiao.errors import Forbidden
from services.matching.allocations.models import Allocation

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)
AllocationId = Annotated[uuid.UUID, Path(description="分配运行 ID — the allocation's id")]
READ = allow(scopes=("matching:read",))
RUN = allow(roles=(*ORG_ROLES, ALLIANCE_ADMIN), scopes=("matching:write",), tenant="organization")

WHO = (
    "\n\n**谁可以 Who:** a fair's managers (the organizer's org_admin or org_staff, the fair's alliance admins) for "
    "`fair_id`; the alliance's admins for `alliance_id`; platform admins only for `region_code`; for explicit ids "
    "the principals of the organization that posted every named demand. Platform admins may run any; anyone else "
    "gets 403."
)
VISIBLE = (
    "\n\n**可见 Visible to:** platform admins, the organization that ran it (explicit ids, or the fair's organizer) "
    "and the admins of its alliance; to anyone else it is 404."
)


def denied(zh: str, en: str) -> Forbidden:
    return Forbidden(detail_zh=zh, detail_en=en)


def ensure_alliance_admin(principal: Principal, alliance_id: uuid.UUID) -> None:
    if not principal.administers_alliance(alliance_id):
        raise denied("只有该联盟的管理员可以对联盟范围进行分配", "Only the alliance's admins may allocate over it")


def ensure_platform_admin(principal: Principal) -> None:
    if not principal.is_platform_admin:
        raise denied("只有平台管理员可以按地区进行分配", "Only platform admins may allocate over a region")


def ensure_demand_owner(principal: Principal, org_ids: set[uuid.UUID]) -> None:
    if not all(principal.acts_for_org(o, ORG_ROLES) for o in org_ids):
        raise denied("只能对本单位发布的需求进行分配", "You may only allocate your own organization's demands")


def can_read(principal: Principal, row: Allocation) -> bool:
    if principal.is_platform_admin:
        return True
    if row.owner_org_id is not None and principal.acts_for_org(row.owner_org_id, ORG_ROLES):
        return True
    return row.alliance_id is not None and principal.administers_alliance(row.alliance_id)
