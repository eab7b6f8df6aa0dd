"""The training figures, computed by PostgreSQL in one statement.

Whose records count is reduced first to a list of *windows* — (org_id, lo, hi), both ends inclusive:

* an organization: one window, the period itself;
* an alliance (default scope): each member's membership periods from the membership service
  (`joined_on` inclusive, `ended_on` exclusive — on the day it left, it is no longer a member), clipped
  to the period; the windows of one organization are merged, so they never overlap and a record
  matches at most one window of its organization.

The windows go to SQL as three arrays (`unnest` → a CTE) and every figure is an aggregate joined to them
over indexed columns (migration d4f6b8c0e2a4). With `scope=alliance_programmes` the programmes are those
tagged with the alliance instead; the other figures stay those of the members.

People are counted by `learners.person_id` (`persons`): two organizations' learner records of one person are one
person, so an alliance counts them once.

Nothing is loaded into Python but the aggregates (a dozen rows for the kinds, one row for the rest).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.certificates.rules import KINDS
from services.training.orgs import MemberPeriod
from services.training.programmes.models import PROJECT_LEVEL_LABELS
from services.training.stats import periods
from services.training.stats.schemas import (
    APPRAISAL_KINDS,
    APPRENTICESHIP_KINDS,
    KIND_LABELS,
    AppraisalFigures,
    AppraisalKindFigures,
    ApprenticeshipFigures,
    CertificateFigures,
    CertificateKindFigures,
    ClassFigures,
    CommissionedFigures,
    FigureRuleInfo,
    InternshipFigures,
    KindFigures,
    LevelFigures,
    PartTimeTeachingFigures,
    PeriodInfo,
    ProgrammeFigures,
    TeacherPracticeFigures,
    TrainingBaseFigures,
    TrainingStats,
)

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Window:
    org_id: uuid.UUID
    lo: date
    hi: date


def org_windows(org_id: uuid.UUID, start: date, end: date) -> list[Window]:
    return [Window(org_id, start, end)]


def member_windows(periods: list[MemberPeriod], start: date, end: date) -> list[Window]:
    """The days each organization was a member within [start, end], as disjoint inclusive windows."""
    by_org: dict[uuid.UUID, list[tuple[date, date]]] = {}
    for p in periods:
        if p.joined_on is None:  # pending or rejected: never a member
            continue
        lo = max(p.joined_on, start)
        hi = min(p.ended_on - ONE_DAY, end) if p.ended_on is not None else end
        if lo <= hi:
            by_org.setdefault(p.org_id, []).append((lo, hi))
    out: list[Window] = []
    for org_id, spans in by_org.items():
        spans.sort()
        cur_lo, cur_hi = spans[0]
        for lo, hi in spans[1:]:
            if lo <= cur_hi + ONE_DAY:
                cur_hi = max(cur_hi, hi)
            else:
                out.append(Window(org_id, cur_lo, cur_hi))
                cur_lo, cur_hi = lo, hi
        out.append(Window(org_id, cur_lo, cur_hi))
    return out


# ---- the statement ------------------------------------------------------------------------------------
# ≥ 3 months: the flag `/v1/internships` derives and stores (services/training/internships/months.py).
THREE_MONTHS = "x.three_months_or_more"

_WINDOWS = """
w AS (
    SELECT * FROM unnest(CAST(:w_org AS uuid[]), CAST(:w_lo AS date[]), CAST(:w_hi AS date[])) AS w(org_id, lo, hi)
)"""

# A programme counts in three ways (services/training/stats/periods.py): `p` opened in the period (its classes,
# enrolments and students), `pr` running on a day of it, `pe` ended in it (its completions). For the members, by
# the provider's membership on the day that matters (the opening day, any running day, the end day).
_PROGRAMMES_OF_MEMBERS = """
p AS MATERIALIZED (
    SELECT p.id, p.kind, p.project_level
    FROM w JOIN programmes p ON p.provider_org_id = w.org_id AND p.start_on BETWEEN w.lo AND w.hi
    WHERE p.deleted_at IS NULL
),
pr AS (
    SELECT DISTINCT p.id, p.kind
    FROM w JOIN programmes p ON p.provider_org_id = w.org_id AND p.start_on <= w.hi AND p.end_on >= w.lo
    WHERE p.deleted_at IS NULL
),
pe AS MATERIALIZED (
    SELECT p.id, p.kind
    FROM w JOIN programmes p ON p.provider_org_id = w.org_id AND p.end_on BETWEEN w.lo AND w.hi
    WHERE p.deleted_at IS NULL
)"""

_PROGRAMMES_OF_ALLIANCE = """
p AS MATERIALIZED (
    SELECT p.id, p.kind, p.project_level
    FROM programmes p
    WHERE p.alliance_id = :alliance_id AND p.start_on BETWEEN :period_start AND :period_end AND p.deleted_at IS NULL
),
pr AS (
    SELECT p.id, p.kind
    FROM programmes p
    WHERE p.alliance_id = :alliance_id AND p.start_on <= :period_end AND p.end_on >= :period_start
      AND p.deleted_at IS NULL
),
pe AS MATERIALIZED (
    SELECT p.id, p.kind
    FROM programmes p
    WHERE p.alliance_id = :alliance_id AND p.end_on BETWEEN :period_start AND :period_end AND p.deleted_at IS NULL
)"""

_REST = f"""
e AS (
    SELECT p.kind,
           count(*) FILTER (WHERE e.status <> 'dropped') AS person_times,
           count(*) FILTER (WHERE e.status = 'dropped') AS dropped,
           coalesce(sum(e.days_attended), 0) AS person_days,
           coalesce(sum(e.hours_attended), 0) AS person_hours
    FROM p JOIN enrolments e ON e.programme_id = p.id
    WHERE e.deleted_at IS NULL
    GROUP BY p.kind
),
ce AS (
    SELECT pe.kind, count(*) AS completions
    FROM pe JOIN enrolments e ON e.programme_id = pe.id
    WHERE e.deleted_at IS NULL AND e.status = 'completed'
    GROUP BY pe.kind
),
kinds AS (SELECT kind FROM p UNION SELECT kind FROM pr UNION SELECT kind FROM pe),
k AS (
    SELECT kinds.kind,
           (SELECT count(*) FROM p WHERE p.kind = kinds.kind) AS programmes,
           (SELECT count(*) FROM pr WHERE pr.kind = kinds.kind) AS running,
           (SELECT count(*) FROM pe WHERE pe.kind = kinds.kind) AS ended,
           coalesce(e.person_times, 0)::bigint AS person_times,
           coalesce(e.dropped, 0)::bigint AS dropped,
           coalesce(ce.completions, 0)::bigint AS completions,
           coalesce(e.person_days, 0)::float8 AS person_days,
           coalesce(e.person_hours, 0)::float8 AS person_hours
    FROM kinds LEFT JOIN e ON e.kind = kinds.kind LEFT JOIN ce ON ce.kind = kinds.kind
),
levels AS (
    SELECT p.project_level AS level, count(DISTINCT p.id) AS programmes,
           count(e.id) FILTER (WHERE e.status <> 'dropped') AS person_times
    FROM p LEFT JOIN enrolments e ON e.programme_id = p.id AND e.deleted_at IS NULL
    WHERE p.project_level <> 'none'
    GROUP BY p.project_level
),
persons AS (
    SELECT count(DISTINCT l.person_id) AS persons
    FROM p JOIN enrolments e ON e.programme_id = p.id JOIN learners l ON l.id = e.learner_id
    WHERE e.deleted_at IS NULL AND e.status <> 'dropped'
),
internships_school AS (
    SELECT count(*) AS total, count(*) FILTER (WHERE {THREE_MONTHS}) AS three_months
    FROM internships x
    WHERE x.deleted_at IS NULL
      AND EXISTS (SELECT FROM w WHERE w.org_id = x.school_org_id AND x.end_on >= w.lo AND x.start_on <= w.hi)
),
internships_host AS (
    SELECT count(*) AS total, count(*) FILTER (WHERE {THREE_MONTHS}) AS three_months
    FROM internships x
    WHERE x.deleted_at IS NULL
      AND EXISTS (SELECT FROM w WHERE w.org_id = x.host_org_id AND x.end_on >= w.lo AND x.start_on <= w.hi)
),
practice_school AS (
    SELECT count(DISTINCT t.id) AS practices,
           count(DISTINCT coalesce(t.person_id, t.learner_id)) AS teachers,
           coalesce(sum(least(t.end_on, w.hi) - greatest(t.start_on, w.lo) + 1), 0)::bigint AS days
    FROM w JOIN teacher_practices t ON t.school_org_id = w.org_id AND t.end_on >= w.lo AND t.start_on <= w.hi
    WHERE t.deleted_at IS NULL
),
practice_enterprise AS (
    SELECT count(DISTINCT t.id) AS practices,
           count(DISTINCT coalesce(t.person_id, t.learner_id)) AS teachers,
           coalesce(sum(least(t.end_on, w.hi) - greatest(t.start_on, w.lo) + 1), 0)::bigint AS days
    FROM w JOIN teacher_practices t ON t.enterprise_org_id = w.org_id AND t.end_on >= w.lo AND t.start_on <= w.hi
    WHERE t.deleted_at IS NULL
),
teaching_school AS (
    SELECT count(*) AS person_times, coalesce(sum(t.class_hours), 0)::float8 AS hours
    FROM w JOIN part_time_teaching t ON t.school_org_id = w.org_id AND t.term_end_on BETWEEN w.lo AND w.hi
    WHERE t.deleted_at IS NULL
),
teaching_enterprise AS (
    SELECT count(*) AS person_times, coalesce(sum(t.class_hours), 0)::float8 AS hours
    FROM w JOIN part_time_teaching t ON t.enterprise_org_id = w.org_id AND t.term_end_on BETWEEN w.lo AND w.hi
    WHERE t.deleted_at IS NULL
),
bases AS (
    SELECT count(*) AS total, count(*) FILTER (WHERE b.shared) AS shared,
           count(*) FILTER (WHERE cb.co_built) AS co_built,
           count(*) FILTER (WHERE b.shared AND cb.co_built) AS co_shared
    FROM training_bases b
    CROSS JOIN LATERAL (
        SELECT EXISTS (
            SELECT FROM training_base_co_builders c
            WHERE c.base_id = b.id AND c.deleted_at IS NULL AND (c.since IS NULL OR c.since <= :period_end)
        ) AS co_built
    ) cb
    WHERE b.owner_org_id IN (SELECT w.org_id FROM w WHERE w.hi = :period_end)
      AND b.deleted_at IS NULL
      AND (b.established_on IS NULL OR b.established_on <= :period_end)
      AND (b.closed_on IS NULL OR b.closed_on > :period_end)
),
appraisal_kinds AS (
    SELECT a.certificate_kind AS kind, count(*) AS batches,
           sum(a.passed)::bigint AS passed, sum(a.failed)::bigint AS failed, sum(a.absent)::bigint AS absent
    FROM w JOIN appraisals a ON a.org_id = w.org_id AND a.appraised_on BETWEEN w.lo AND w.hi
    GROUP BY a.certificate_kind
),
certs AS (
    SELECT c.kind, c.recorded, coalesce(l.person_id, c.person_id) AS holder
    FROM w JOIN certificates c ON c.holder_org_id = w.org_id AND c.issued_on BETWEEN w.lo AND w.hi
    LEFT JOIN learners l ON l.id = c.learner_id
),
cert_kinds AS (
    SELECT kind, count(*) AS certificates, count(*) FILTER (WHERE recorded) AS recorded FROM certs GROUP BY kind
),
cert_holders AS (SELECT count(DISTINCT holder) AS holders FROM certs)
SELECT
    (SELECT coalesce(json_agg(k), '[]'::json) FROM k) AS by_kind,
    (SELECT coalesce(json_agg(levels), '[]'::json) FROM levels) AS by_level,
    pp.persons,
    i.total AS internships, i.three_months AS internships_3m,
    ih.total AS hosted, ih.three_months AS hosted_3m,
    ps.practices, ps.days AS practice_days, pe.practices AS hosted_practices, pe.days AS hosted_practice_days,
    ps.teachers AS practice_teachers, pe.teachers AS hosted_practice_teachers,
    ts.person_times AS teaching_times, ts.hours AS teaching_hours,
    te.person_times AS enterprise_teaching_times, te.hours AS enterprise_teaching_hours,
    b.total AS bases, b.shared AS shared_bases, b.co_built AS co_built_bases, b.co_shared AS co_shared_bases,
    (SELECT coalesce(json_agg(ak), '[]'::json) FROM appraisal_kinds ak) AS appraisal_kinds,
    (SELECT coalesce(json_agg(ck), '[]'::json) FROM cert_kinds ck) AS cert_kinds,
    ch.holders AS cert_holders
FROM persons pp, internships_school i, internships_host ih, practice_school ps, practice_enterprise pe,
     teaching_school ts, teaching_enterprise te, bases b, cert_holders ch
"""


def statement(alliance_programmes: bool) -> sa.TextClause:
    programmes = _PROGRAMMES_OF_ALLIANCE if alliance_programmes else _PROGRAMMES_OF_MEMBERS
    return sa.text("WITH " + _WINDOWS + "," + programmes + "," + _REST)


STATEMENTS = {False: statement(False), True: statement(True)}


def person_months(days: int) -> float:
    """人月 = days / 30, rounded half up to one decimal — only here, on the total."""
    return float((Decimal(days) / 30).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


async def compute(
    session: AsyncSession,
    *,
    windows: list[Window],
    period_start: date,
    period_end: date,
    alliance_programmes_of: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Every figure for `windows` (and, with `alliance_programmes_of`, that alliance's programmes)."""
    params: dict[str, Any] = {
        "w_org": [w.org_id for w in windows],
        "w_lo": [w.lo for w in windows],
        "w_hi": [w.hi for w in windows],
        "period_start": period_start,
        "period_end": period_end,
    }
    if alliance_programmes_of is not None:
        params["alliance_id"] = alliance_programmes_of
    row = (await session.execute(STATEMENTS[alliance_programmes_of is not None], params)).mappings().one()
    return dict(row)


def render(
    row: dict[str, Any],
    *,
    org_id: uuid.UUID | None,
    alliance_id: uuid.UUID | None,
    scope: str,
    period_start: date,
    period_end: date,
    member_orgs: int,
) -> TrainingStats:
    kinds = {r["kind"]: r for r in row["by_kind"] or []}
    by_kind = [kind_figures(kind, label, kinds.get(kind, {})) for kind, label in KIND_LABELS.items()]
    # A kind unknown to this module (added later) still counts in the totals.
    by_kind += [kind_figures(kind, kind, r) for kind, r in kinds.items() if kind not in KIND_LABELS]
    rows = list(kinds.values())
    classes = {
        k: ClassFigures(
            classes=kinds.get(k, {}).get("programmes", 0),
            students=kinds.get(k, {}).get("person_times", 0),
            running=kinds.get(k, {}).get("running", 0),
        )
        for k in APPRENTICESHIP_KINDS
    }
    kind, label = periods.kind_of(period_start, period_end)
    return TrainingStats(
        org_id=org_id,
        alliance_id=alliance_id,
        scope=scope,
        period_start=period_start,
        period_end=period_end,
        period=PeriodInfo(kind=kind.value, label=label),
        period_rules=PERIOD_RULES,
        member_orgs=member_orgs,
        programmes=ProgrammeFigures(
            total=sum(r["programmes"] for r in rows),
            running=sum(r["running"] for r in rows),
            ended=sum(r["ended"] for r in rows),
            by_kind=by_kind,
        ),
        person_times=sum(r["person_times"] for r in rows),
        persons=row["persons"],
        person_days=sum(r["person_days"] for r in rows),
        person_hours=sum(r["person_hours"] for r in rows),
        completions=sum(r["completions"] for r in rows),
        dropped=sum(r["dropped"] for r in rows),
        apprenticeship=ApprenticeshipFigures(
            **classes,
            classes=sum(c.classes for c in classes.values()),
            students=sum(c.students for c in classes.values()),
            running=sum(c.running for c in classes.values()),
        ),
        commissioned=commissioned_figures(row["by_level"] or []),
        internships=InternshipFigures(
            total=row["internships"],
            three_months_or_more=row["internships_3m"],
            hosted=row["hosted"],
            hosted_three_months_or_more=row["hosted_3m"],
        ),
        teacher_practice=TeacherPracticeFigures(
            practices=row["practices"],
            teachers=row["practice_teachers"],
            overlap_days=row["practice_days"],
            person_months=person_months(row["practice_days"]),
            hosted_practices=row["hosted_practices"],
            hosted_teachers=row["hosted_practice_teachers"],
            hosted_overlap_days=row["hosted_practice_days"],
            hosted_person_months=person_months(row["hosted_practice_days"]),
        ),
        part_time_teaching=PartTimeTeachingFigures(
            person_times=row["teaching_times"],
            class_hours=row["teaching_hours"],
            enterprise_person_times=row["enterprise_teaching_times"],
            enterprise_class_hours=row["enterprise_teaching_hours"],
        ),
        training_bases=TrainingBaseFigures(
            as_of=period_end,
            total=row["bases"],
            shared=row["shared_bases"],
            co_built=row["co_built_bases"],
            co_built_shared=row["co_shared_bases"],
        ),
        appraisals=appraisal_figures(row["appraisal_kinds"] or []),
        certificates=certificate_figures(row["cert_kinds"] or [], row["cert_holders"]),
    )


def kind_figures(kind: str, label: str, r: dict[str, Any]) -> KindFigures:
    return KindFigures(
        kind=kind,
        label=label,
        programmes=r.get("programmes", 0),
        person_times=r.get("person_times", 0),
        person_days=r.get("person_days", 0.0),
        completions=r.get("completions", 0),
        running=r.get("running", 0),
        ended=r.get("ended", 0),
    )


def commissioned_figures(levels: list[dict[str, Any]]) -> CommissionedFigures:
    """承接的国家、省、市级培养培训项目: programmes opened in the period by project level (every level listed)."""
    found = {r["level"]: r for r in levels}
    by_level = [
        LevelFigures(
            level=level,
            label=PROJECT_LEVEL_LABELS[level],
            programmes=found.get(level, {}).get("programmes", 0),
            person_times=found.get(level, {}).get("person_times", 0),
        )
        for level in COMMISSIONED_LEVELS
    ]
    return CommissionedFigures(total=sum(x.programmes for x in by_level), by_level=by_level)


PERIOD_RULES = [
    FigureRuleInfo(figure=figure, period_rule=r.rule.value, label=periods.RULE_LABELS[r.rule], date_field=r.date_field)
    for figure, r in periods.FIGURE_RULES.items()
]
COMMISSIONED_LEVELS = ("national", "provincial", "municipal", "industry")


def certificate_figures(kinds: list[dict[str, Any]], holders: int) -> CertificateFigures:
    """The certificate block from the per-kind counts (every kind listed, zeros included)."""
    found = {r["kind"]: r for r in kinds}
    by_kind = []
    for kind, rule in KINDS.items():
        r = found.get(kind.value, {})
        total, recorded = r.get("certificates", 0), r.get("recorded", 0)
        by_kind.append(
            CertificateKindFigures(
                kind=kind.value, label=rule.label, certificates=total, issued=total - recorded, recorded=recorded
            )
        )
    total = sum(k.certificates for k in by_kind)
    recorded = sum(k.recorded for k in by_kind)
    return CertificateFigures(
        certificates=total, issued=total - recorded, recorded=recorded, holders=holders, by_kind=by_kind
    )


def pass_rate(passed: int, sat: int) -> float | None:
    """合格率 = passed ÷ sat, rounded half up to 4 places — only here, on the sums; None when nobody sat."""
    if not sat:
        return None
    return float((Decimal(passed) / Decimal(sat)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def appraisal_figures(kinds: list[dict[str, Any]]) -> AppraisalFigures:
    """The appraisal block from the per-kind sums: 鉴定人次 = passed + failed (absent candidates did not sit)."""
    found = {r["kind"]: r for r in kinds}
    by_kind = []
    for kind, label in APPRAISAL_KINDS.items():
        r = found.get(kind, {})
        passed, sat = r.get("passed", 0), r.get("passed", 0) + r.get("failed", 0)
        by_kind.append(
            AppraisalKindFigures(
                kind=kind,
                label=label,
                batches=r.get("batches", 0),
                person_times=sat,
                passed=passed,
                pass_rate=pass_rate(passed, sat),
            )
        )
    passed = sum(r["passed"] for r in kinds)
    failed = sum(r["failed"] for r in kinds)
    return AppraisalFigures(
        batches=sum(r["batches"] for r in kinds),
        person_times=passed + failed,
        passed=passed,
        failed=failed,
        absent=sum(r["absent"] for r in kinds),
        pass_rate=pass_rate(passed, passed + failed),
        by_kind=by_kind,
    )
