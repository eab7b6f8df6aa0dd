"""Who reads apprenticeships besides the school and the enterprise: the admins of an alliance, for the records of
its current members (membership periods from the membership service, services/training/orgs.py); and whose records
the training figures routes count (`figure_orgs`, also used by services/training/accreditations/)."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import Request

from chanjiao.auth import ALLIANCE_ADMIN, Principal, ensure_alliance_admin
from chanjiao.dates import today
from chanjiao.errors import FieldError, Forbidden, NotFound, ValidationFailed
from services.training.orgs import org_directory


class AllianceNotFound(NotFound):
    slug = "alliance-not-found"
    title_zh, title_en = "联盟不存在", "Alliance not found"


async def members_of(request: Request, alliance_id: uuid.UUID) -> set[uuid.UUID]:
    """The organizations that are members of the alliance today (404 for an alliance that does not exist)."""
    periods = await org_directory(request).alliance_members(alliance_id)
    if periods is None:
        raise AllianceNotFound(detail_zh="没有该联盟", detail_en="No such alliance")
    on = today()
    return {
        p.org_id
        for p in periods
        if p.joined_on is not None and p.joined_on <= on and (p.ended_on is None or p.ended_on > on)
    }


async def listed_alliance(request: Request, principal: Principal, alliance_id: uuid.UUID) -> set[uuid.UUID]:
    """The members of `alliance_id` whose records its admin lists (403 for anyone else; platform admins pass)."""
    ensure_alliance_admin(principal, alliance_id)
    return await members_of(request, alliance_id)


async def administered_members(request: Request, principal: Principal) -> set[uuid.UUID]:
    """The members of every alliance the principal administers (none for anyone else)."""
    if ALLIANCE_ADMIN not in principal.roles:
        return set()
    out: set[uuid.UUID] = set()
    for a in principal.alliances:
        try:
            out |= await members_of(request, uuid.UUID(a))
        except (ValueError, AllianceNotFound):
            continue
    return out


# ---- whose figures -------------------------------------------------------------------------------------------------
def check_figure_params(org_id: uuid.UUID | None, alliance_id: uuid.UUID | None, start: date, end: date) -> None:
    """Exactly one of `org_id` / `alliance_id`, `period_start` ≤ `period_end`, at most ten years (422 naming the
    parameter)."""
    errors: list[FieldError] = []
    if (org_id is None) == (alliance_id is None):
        errors.append(
            FieldError(
                ["query", "alliance_id" if org_id else "org_id"],
                "给出 org_id 或 alliance_id 之一",
                "Give exactly one of org_id and alliance_id",
                "exclusive",
            )
        )
    if end < start:
        errors.append(
            FieldError(["query", "period_end"], "结束日期不能早于开始日期", "End before start", "period_order")
        )
    elif (end - start).days > 3660:
        errors.append(FieldError(["query", "period_end"], "统计期间最长 10 年", "At most 10 years", "period_span"))
    if errors:
        raise ValidationFailed(
            detail_zh="以下参数未通过校验：" + ", ".join(str(e.loc[-1]) for e in errors),
            detail_en="Invalid parameters: " + ", ".join(str(e.loc[-1]) for e in errors),
            errors=errors,
        )


async def figure_orgs(
    request: Request,
    principal: Principal,
    org_id: uuid.UUID | None,
    alliance_id: uuid.UUID | None,
    period_end: date,
) -> set[uuid.UUID]:
    """The organizations whose records a figures route counts: `org_id` (its own principals, 403 for others), or the
    members of `alliance_id` on `period_end` (its admins; 404 for an alliance that does not exist). Platform admins
    and service principals with `training:read` read any."""
    anyone = principal.is_platform_admin or principal.kind == "service"
    if org_id is not None:
        if not anyone and not principal.acts_for_org(org_id):
            raise Forbidden(detail_zh="只能查看本单位的统计", detail_en="You may only read your own figures")
        return {org_id}
    assert alliance_id is not None
    if not anyone and not principal.administers_alliance(alliance_id):
        raise Forbidden(detail_zh="只能查看本人管理的联盟的统计", detail_en="Only the alliance's admins read these")
    periods = await org_directory(request).alliance_members(alliance_id)
    if periods is None:
        raise AllianceNotFound(detail_zh="没有该联盟", detail_en="No such alliance")
    return {
        p.org_id
        for p in periods
        if p.joined_on is not None and p.joined_on <= period_end and (p.ended_on is None or p.ended_on > period_end)
    }
