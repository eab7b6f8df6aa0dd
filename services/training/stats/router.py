"""`GET /v1/training-stats` — the figures an organization or an alliance reports, for any period."""

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
from services.training.orgs import org_directory
from services.training.stats import periods, service
from services.training.stats.schemas import EXAMPLE, StatsScope, TrainingStats

router = APIRouter(prefix="/v1/training-stats", tags=["training-stats"])

READ = allow(scopes=("training:read",))
MAX_YEARS = 10


def _years_later(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return date(d.year + years, 3, 1)


DESCRIPTION = """培训统计：一个单位或一个联盟在任一期间（含首尾两日）的培训、实习、教师企业实践、兼职授课、实训基地
与技能鉴定 —
the figures of a yearly report (培养师生和企业职工 65324 人日, 兼职教师 3512 人次 / 34128 学时, 教师企业实践 9614 人月,
共建共享实训基地 32 个) for any organization, alliance and period, computed by the database from the records.

**Whose records.** Exactly one of `org_id` / `alliance_id` (422 naming the field otherwise).
* `org_id`: the organization's records — programmes and their enrolments by **provider**, internships by **school**
  (host side shown apart), teacher practice by **school** (enterprise side apart), part-time teaching by **school**
  (enterprise side apart), training bases by **owner**, appraisals by the **appraising organization**.
* `alliance_id` (default `scope=members`): the same records of its member organizations **while they were members**
  — membership periods from the membership service, `joined_on` inclusive to `ended_on` exclusive (suspended members
  are members); a record counts when its date (below) falls in the intersection of the period with one of its
  organization's membership periods. A record involving several members counts once in each figure.
* `alliance_id` with `scope=alliance_programmes`: the programmes **tagged with the alliance** (`alliance_id` of the
  programme) opened, running or ending in the period (by the rules below), and their enrolments, whoever provides
  them; internships, practice, part-time teaching, bases and appraisals stay those of the members.

**Period.** `period_start` + `period_end` (inclusive), or `year` (calendar year 自然年), or `school_year` (学年:
`school_year=2025` is 2025-09-01 … 2026-08-31). The answer's `period` says which it is (`calendar_year`,
`school_year`, `custom`), and `period_rules` names, for every figure, how a record falls in the period
(services/training/stats/periods.py; docs/domain.md, "Training figures").

**Figures** (soft-deleted records never count):
* `programmes.total` — programmes **opened** in the period (`start_on` in it: 开设), in total and for each of the 17
  kinds; `programmes.running` — in progress on at least one day of it (在办); `programmes.ended` — `end_on` in it.
  A three-year order class opened in 2023 counts as opened in 2023, running in 2023 … 2026, ended in 2026.
  (Before, programmes counted by `end_on`; `programmes.ended` is that count.)
* `person_times` 人次 — enrolments of the programmes opened in the period with status enrolled, completed or
  failed; **dropped enrolments are excluded** (`dropped` counts them).
* `persons` 人数 — distinct people among those enrolments: one person counts once, however many enrolments they
  have and however many member organizations hold a learner record of them (erasure does not change it).
* `person_days` 人日 — Σ `days_attended` of those programmes' enrolments, dropped ones included; `person_hours` the
  same for `hours_attended`.
* `completions` — enrolments with status `completed` of the programmes **ending** in the period (结业 counts when the
  class ends).
* `apprenticeship` — 订单班 (`order_class`), 现代学徒制班 (`modern_apprenticeship`), 企业新型学徒制班
  (`enterprise_apprenticeship`): classes opened in the period and their students (enrolments, dropped excluded);
  `running` — classes in progress in it.
* `commissioned` — 承接国家、省、市级培养培训项目: programmes opened in the period with a `project_level` (national,
  provincial, municipal, industry), in total and by level.
* `internships` — internships in progress on at least one day of the period (for an alliance: of the intersection),
  by school; `three_months_or_more` — those with the derived flag of `/v1/internships` (≥ 3 calendar months:
  `end_on` ≥ the day before the same day three months after `start_on`); `hosted*` — the same by host enterprise.
* `teacher_practice` — practices overlapping the period by school; `teachers` — distinct teachers of them (a
  membership person counts once; legacy records by their learner); `overlap_days` = Σ days each overlaps the period
  (both ends inclusive; for an alliance, the intersection with the school's membership); **person-months 人月 =
  overlap_days / 30**, rounded to one decimal only in the total; `hosted_*` — by enterprise.
* `part_time_teaching` — records (staff member × course × term) whose term ends (`term_end_on`) in the period:
  `person_times` 人次 and Σ `class_hours` 学时 by school; `enterprise_*` — by the staff member's enterprise.
* `training_bases` — bases open on `period_end` (not deleted; `established_on` on or before it or unknown,
  `closed_on` after it or none) by owner (for an alliance: owners that are members on `period_end`); `shared` —
  those marked shared 开放共享; `co_built` — those with at least one co-builder 共建单位
  (`/v1/training-bases/{id}/co-builders`, `since` on or before `period_end` or unknown); `co_built_shared` — co-built
  and shared: 共建共享实训基地.
* `appraisals` — skill appraisal batches (`/v1/appraisals`) by the **appraising organization** whose `appraised_on`
  falls in the period (for an alliance: in the organization's membership within it; with `scope=alliance_programmes`
  still the members'): `person_times` 鉴定人次 = candidates who sat (passed + failed; **absent candidates are not
  counted**), `passed`, `failed`, `absent`, `pass_rate` 合格率 = passed ÷ person_times (4 places, null when nobody
  sat), and the same for each certificate kind (`by_kind`).

`period_start` ≤ `period_end` (or a `year` / `school_year`, not both, not with the dates), at most 10 years
(`period_end` before the same day ten years after `period_start`). `Server-Timing`: `app` (whole request),
`members` (membership periods, cached), `db` (the statement).

**谁可以 Who:** with `org_id`, that organization's principals (org_admin or org_staff, users or its API key with
`training:read`); with `alliance_id`, that alliance's admins (its secretariat or the alliance's API key); platform
admins; service principals with `training:read`. Anyone else gets **403** (organizations and alliances are public
directory entries, so refusing openly reveals nothing). An alliance that does not exist is 404."""


def _period(
    start: date | None, end: date | None, year: int | None, school_year: int | None
) -> tuple[date | None, date | None, list[FieldError]]:
    """The period asked: `period_start` + `period_end`, or a calendar `year`, or a `school_year` (学年)."""
    errors: list[FieldError] = []
    if year is not None and school_year is not None:
        errors.append(
            FieldError(
                ["query", "school_year"], "year 与 school_year 只能给出一个", "Give year or school_year", "exclusive"
            )
        )
    elif year is not None or school_year is not None:
        name = "year" if year is not None else "school_year"
        if start is not None or end is not None:
            errors.append(
                FieldError(
                    ["query", name],
                    f"{name} 与 period_start/period_end 只能给出一种",
                    f"Give {name} or period_start and period_end, not both",
                    "exclusive",
                )
            )
        elif year is not None:
            start, end = periods.calendar_year(year)
        else:
            assert school_year is not None
            start, end = periods.school_year(school_year)
    else:
        for name, value in (("period_start", start), ("period_end", end)):
            if value is None:
                errors.append(
                    FieldError(
                        ["query", name],
                        "给出 period_start 与 period_end，或 year、school_year 之一",
                        "Give period_start and period_end, or year, or school_year",
                        "missing",
                    )
                )
    return start, end, errors


def _check_params(
    org_id: uuid.UUID | None,
    alliance_id: uuid.UUID | None,
    start: date | None,
    end: date | None,
    scope: StatsScope | None,
    errors: list[FieldError],
) -> None:
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
    if org_id is not None and scope is not None and scope != StatsScope.members:
        errors.append(
            FieldError(["query", "scope"], "scope 只适用于联盟", "scope applies to an alliance only", "alliance_only")
        )
    if start is None or end is None:
        pass
    elif end < start:
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
    response_model=TrainingStats,
    dependencies=[READ],
    summary="培训统计 Training figures of an organization or an alliance for a period",
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
async def get_training_stats(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    period_start: Annotated[
        IsoDate | None, Query(description="统计期间起（含）First day of the period (or `year` / `school_year`)")
    ] = None,
    period_end: Annotated[
        IsoDate | None, Query(description="统计期间止（含）Last day of the period (or `year` / `school_year`)")
    ] = None,
    year: Annotated[
        int | None,
        Query(ge=1990, le=2100, description="自然年 A calendar year: 1 January – 31 December (instead of the dates)"),
    ] = None,
    school_year: Annotated[
        int | None,
        Query(
            ge=1990,
            le=2100,
            description="学年 A school year: `2025` is 2025-09-01 – 2026-08-31 (instead of the dates)",
        ),
    ] = None,
    org_id: Annotated[uuid.UUID | None, Query(description="单位 The organization (or alliance_id)")] = None,
    alliance_id: Annotated[uuid.UUID | None, Query(description="联盟 The alliance (or org_id)")] = None,
    scope: Annotated[
        StatsScope | None,
        Query(
            description="统计范围（仅联盟）：members（默认）成员在会期间的记录；alliance_programmes 标记为该联盟的项目 "
            "For an alliance: `members` (default) — its members' records during their membership; "
            "`alliance_programmes` — programmes tagged with the alliance"
        ),
    ] = None,
) -> JSONResponse:
    started = time.perf_counter()
    period_start, period_end, errors = _period(period_start, period_end, year, school_year)
    _check_params(org_id, alliance_id, period_start, period_end, scope, errors)
    assert period_start is not None and period_end is not None
    if not _may_read(principal, org_id, alliance_id):
        raise Forbidden(
            detail_zh="只能查看本单位或本人管理的联盟的统计",
            detail_en="You may only read the figures of your own organization or of an alliance you administer",
        )
    members_ms = 0.0
    if org_id is not None:
        windows = service.org_windows(org_id, period_start, period_end)
        scope_name = "organization"
    else:
        assert alliance_id is not None
        t0 = time.perf_counter()
        periods = await org_directory(request).alliance_members(alliance_id)
        members_ms = (time.perf_counter() - t0) * 1000
        if periods is None:
            raise NotFound(detail_zh="联盟不存在", detail_en="No such alliance")
        windows = service.member_windows(periods, period_start, period_end)
        scope_name = (scope or StatsScope.members).value
    t0 = time.perf_counter()
    row = await service.compute(
        session,
        windows=windows,
        period_start=period_start,
        period_end=period_end,
        alliance_programmes_of=alliance_id if scope_name == StatsScope.alliance_programmes else None,
    )
    db_ms = (time.perf_counter() - t0) * 1000
    stats = service.render(
        row,
        org_id=org_id,
        alliance_id=alliance_id,
        scope=scope_name,
        period_start=period_start,
        period_end=period_end,
        member_orgs=len({w.org_id for w in windows}),
    )
    app_ms = (time.perf_counter() - started) * 1000
    return JSONResponse(
        stats.model_dump(mode="json"),
        headers={"Server-Timing": f"app;dur={app_ms:.1f}, members;dur={members_ms:.1f}, db;dur={db_ms:.1f}"},
    )
