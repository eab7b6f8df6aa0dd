"""`GET /v1/matching-stats` — the matching figures of an organization or an alliance, for any period."""

import time
import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import Principal, PrincipalDep, allow
from chanjiao.dates import IsoDate
from chanjiao.errors import FieldError, Forbidden, NotFound, ValidationFailed, problem_responses
from services.matching.stats import service
from services.matching.stats.members import alliance_members
from services.matching.stats.schemas import EXAMPLE, MatchingStats

router = APIRouter(prefix="/v1/matching-stats", tags=["matching-stats"])

READ = allow(scopes=("matching:read",))
MAX_YEARS = 10

DESCRIPTION = """对接统计：一个单位或一个联盟在任一期间（含首尾两日）发布的需求与供给、校企合作协议与资金 —
the matching figures of an organization or an alliance for any period, computed by the database in one statement
(docs/matching-stats.md).

**Whose records.** Exactly one of `org_id` / `alliance_id` (422 naming the field otherwise).
* `org_id`: demands and offers it posted (`org_id`), agreements it is a party to.
* `alliance_id`: the same records of its member organizations **while they were members** — membership periods from
  the membership service, `joined_on` inclusive to `ended_on` exclusive. A record involving several members counts
  once.

**Figures:**
* `demands` — demands first opened in the period (the date of their first transition to `open`), in total, by kind
  (count and Σ `headcount`) and by their status now; `offers` the same (Σ `count` as `places`).
* `agreements` — agreements in force on at least one day of the period (their own `period_start` … `period_end`),
  by kind and by status now, with Σ `planned_students`.
* `funding` — `committed`: Σ `committed_amount` of those agreements that are signed, active or completed; `paid`:
  the ledger's payments dated (`paid_on`) in the period; CNY as decimal strings.

`period_start` ≤ `period_end`, at most 10 years. `Server-Timing`: `app`, `members` (membership periods, cached),
`db` (the statement).

**谁可以 Who:** with `org_id`, that organization's principals (users or its API key with `matching:read`); with
`alliance_id`, that alliance's admins (its secretariat or the alliance's API key); platform admins; service
principals with `matching:read`. Anyone else gets **403** (organizations and alliances are public directory entries,
so refusing openly reveals nothing). An alliance that does not exist is 404."""


def _years_later(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return date(d.year + years, 3, 1)


def _check_params(org_id: uuid.UUID | None, alliance_id: uuid.UUID | None, start: date, end: date) -> None:
    errors: list[FieldError] = []
    if org_id is None and alliance_id is None:
        for name in ("org_id", "alliance_id"):
            errors.append(
                FieldError(["query", name], "给出 org_id 或 alliance_id 之一", "Give org_id or alliance_id", "missing")
            )
    elif org_id is not None and alliance_id is not None:
        errors.append(
            FieldError(
                ["query", "alliance_id"],
                "org_id 与 alliance_id 只能给出一个",
                "Give only one of org_id and alliance_id",
                "exclusive",
            )
        )
    if end < start:
        errors.append(
            FieldError(
                ["query", "period_end"], "结束日期不能早于开始日期", "The end is before the start", "period_order"
            )
        )
    elif end >= _years_later(start, MAX_YEARS):
        errors.append(FieldError(["query", "period_end"], "统计期间最长 10 年", "At most 10 years", "period_span"))
    if errors:
        raise ValidationFailed(
            detail_zh="以下参数未通过校验：" + ", ".join(str(e.loc[-1]) for e in errors),
            detail_en="Invalid parameters: " + ", ".join(str(e.loc[-1]) for e in errors),
            errors=errors,
        )


def _may_read(principal: Principal, org_id: uuid.UUID | None, alliance_id: uuid.UUID | None) -> bool:
    if principal.kind == "service" or principal.is_platform_admin:
        return True  # the scope was checked by READ
    if org_id is not None:
        return principal.acts_for_org(org_id)
    return principal.administers_alliance(alliance_id)


@router.get(
    "",
    response_model=MatchingStats,
    dependencies=[READ],
    summary="对接统计 Matching figures of an organization or an alliance for a period",
    description=DESCRIPTION,
    responses={
        200: {
            "headers": {"Server-Timing": {"schema": {"type": "string"}, "description": "app;dur=…, db;dur=…"}},
            "content": {"application/json": {"example": EXAMPLE}},
        },
        **problem_responses(401, 403, 404, 422),
        503: {"description": "成员服务暂不可用 Membership cannot give the alliance's members now (Retry-After)"},
    },
)
async def get_matching_stats(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    period_start: Annotated[IsoDate, Query(description="统计期间起（含） — First day of the period")],
    period_end: Annotated[IsoDate, Query(description="统计期间止（含） — Last day of the period")],
    org_id: Annotated[
        uuid.UUID | None, Query(description="单位（或 alliance_id） — The organization (or alliance_id)")
    ] = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="联盟（或 org_id） — The alliance (or org_id)")] = None,
) -> JSONResponse:
    started = time.perf_counter()
    _check_params(org_id, alliance_id, period_start, period_end)
    if not _may_read(principal, org_id, alliance_id):
        raise Forbidden(
            detail_zh="只能查看本单位或本人管理的联盟的统计",
            detail_en="You may only read the figures of your own organization or of an alliance you administer",
        )
    members_ms = 0.0
    if org_id is not None:
        windows = service.org_windows(org_id, period_start, period_end)
    else:
        assert alliance_id is not None
        t0 = time.perf_counter()
        periods = await alliance_members(request, alliance_id)
        members_ms = (time.perf_counter() - t0) * 1000
        if periods is None:
            raise NotFound(detail_zh="联盟不存在", detail_en="No such alliance")
        windows = service.member_windows(periods, period_start, period_end)
    t0 = time.perf_counter()
    row = await service.compute(session, windows)
    db_ms = (time.perf_counter() - t0) * 1000
    stats = service.render(
        row,
        org_id=org_id,
        alliance_id=alliance_id,
        period_start=period_start,
        period_end=period_end,
        member_orgs=len({w.org_id for w in windows}),
    )
    app_ms = (time.perf_counter() - started) * 1000
    return JSONResponse(
        stats.model_dump(mode="json"),
        headers={"Server-Timing": f"app;dur={app_ms:.1f}, members;dur={members_ms:.1f}, db;dur={db_ms:.1f}"},
    )
