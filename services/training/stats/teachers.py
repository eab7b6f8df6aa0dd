"""The teacher figures (`GET /v1/training-stats/teachers`), computed by PostgreSQL in one statement over the same
windows as `/v1/training-stats` (services/training/stats/service.py: an organization's period, or each member's
membership within it).

A teacher is one person (docs/training.md, "A teacher is one person"): every figure joins and de-duplicates through
the membership person —
* 双师培训: enrolments of teacher learners in `teacher_training` programmes; the learner record names its
  membership person (`learners.membership_person_id`), else the teacher counts by the learner's platform person;
* 企业实践: the practice's `person_id`; a legacy record (a learner as the teacher) by the membership person its
  learner names, else by the learner's platform person;
* 兼职授课: the record's `person_id` (records naming the staff member by name only count in 人次/学时, not as persons);
* competition awards: `competition_award` certificates held by membership persons.
`teachers` is the number of distinct keys across the first three; `unlinked_teachers` those known only as a learner."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.training.stats.service import Window, person_months
from services.training.stats.teacher_schemas import (
    ENDS,
    ISSUED,
    OVERLAPS,
    TERM_ENDS,
    CompetitionAwards,
    DualTeacherTraining,
    EnterprisePractice,
    NotComputed,
    PartTimeTeaching,
    TeacherStats,
)

STATEMENT = sa.text(
    """
WITH w AS (
    SELECT * FROM unnest(CAST(:w_org AS uuid[]), CAST(:w_lo AS date[]), CAST(:w_hi AS date[])) AS w(org_id, lo, hi)
),
trained AS MATERIALIZED (
    SELECT e.id, coalesce(l.membership_person_id, l.person_id) AS teacher, l.membership_person_id IS NOT NULL AS linked
    FROM w JOIN programmes p ON p.provider_org_id = w.org_id AND p.end_on BETWEEN w.lo AND w.hi
    JOIN enrolments e ON e.programme_id = p.id
    JOIN learners l ON l.id = e.learner_id
    WHERE p.deleted_at IS NULL AND p.kind = 'teacher_training' AND e.deleted_at IS NULL AND e.status <> 'dropped'
      AND (l.learner_type = 'teacher' OR l.membership_person_id IS NOT NULL)
),
practice AS MATERIALIZED (
    SELECT t.id,
           coalesce(t.person_id, l.membership_person_id, l.person_id) AS teacher,
           (t.person_id IS NOT NULL OR l.membership_person_id IS NOT NULL) AS linked,
           least(t.end_on, w.hi) - greatest(t.start_on, w.lo) + 1 AS days
    FROM w JOIN teacher_practices t ON t.school_org_id = w.org_id AND t.end_on >= w.lo AND t.start_on <= w.hi
    LEFT JOIN learners l ON l.id = t.learner_id
    WHERE t.deleted_at IS NULL
),
teaching AS MATERIALIZED (
    SELECT t.id, t.person_id AS teacher, t.class_hours
    FROM w JOIN part_time_teaching t ON t.school_org_id = w.org_id AND t.term_end_on BETWEEN w.lo AND w.hi
    WHERE t.deleted_at IS NULL
),
awards AS (
    SELECT c.id, coalesce(c.person_id, l.membership_person_id) AS holder
    FROM w JOIN certificates c ON c.holder_org_id = w.org_id AND c.issued_on BETWEEN w.lo AND w.hi
    LEFT JOIN learners l ON l.id = c.learner_id
    WHERE c.kind = 'competition_award' AND coalesce(c.person_id, l.membership_person_id) IS NOT NULL
),
everyone AS (
    SELECT teacher, linked FROM trained
    UNION SELECT teacher, linked FROM practice
    UNION SELECT teacher, true FROM teaching WHERE teacher IS NOT NULL
)
SELECT
    (SELECT count(DISTINCT teacher) FROM everyone) AS teachers,
    (SELECT count(DISTINCT teacher) FILTER (WHERE NOT linked) FROM everyone) AS unlinked_teachers,
    (SELECT count(*) FROM trained) AS trained_times,
    (SELECT count(DISTINCT teacher) FROM trained) AS trained_persons,
    (SELECT count(DISTINCT teacher) FILTER (WHERE linked) FROM trained) AS trained_linked,
    (SELECT count(DISTINCT id) FROM practice) AS practices,
    (SELECT count(DISTINCT teacher) FROM practice) AS practice_teachers,
    (SELECT coalesce(sum(days), 0)::bigint FROM practice) AS practice_days,
    (SELECT count(DISTINCT id) FILTER (WHERE NOT linked) FROM practice) AS practice_unlinked,
    (SELECT count(*) FROM teaching) AS teaching_times,
    (SELECT coalesce(sum(class_hours), 0)::float8 FROM teaching) AS teaching_hours,
    (SELECT count(DISTINCT teacher) FROM teaching) AS teaching_persons,
    (SELECT count(*) FILTER (WHERE teacher IS NULL) FROM teaching) AS teaching_unlinked,
    (SELECT count(DISTINCT id) FROM awards) AS awards,
    (SELECT count(DISTINCT holder) FROM awards) AS award_holders
"""
)

NOT_COMPUTED = [
    NotComputed(
        figure="dual_qualified 双师型教师",
        reason_zh="双师型是成员服务人员的标签（`dual_qualified`），由成员服务的人员列表按标签统计"
        "（`/v1/people?tag=dual_qualified`）；培训服务不持有人员标签",
        reason_en="双师型 is a tag of membership people (`dual_qualified`), counted by membership's people list "
        "(`/v1/people?tag=dual_qualified`); training does not hold people's tags",
    ),
    NotComputed(
        figure="titles 称号（山东省技术技能大师等）",
        reason_zh="人员称号是成员服务认定登记册的条目，由成员服务统计；培训服务不持有",
        reason_en="People's titles are entries of membership's designation register, counted there; training does not "
        "hold them",
    ),
    NotComputed(
        figure="teaching competitions 教学能力比赛",
        reason_zh="教学比赛获奖（团队、个人）尚无记录；职业技能竞赛获奖证书见 competition_awards",
        reason_en="Teaching-competition awards (teams, persons) are not recorded yet; skills-competition award "
        "certificates are `competition_awards`",
    ),
]


async def compute(session: AsyncSession, windows: list[Window]) -> dict[str, Any]:
    params = {
        "w_org": [w.org_id for w in windows],
        "w_lo": [w.lo for w in windows],
        "w_hi": [w.hi for w in windows],
    }
    return dict((await session.execute(STATEMENT, params)).mappings().one())


def render(
    row: dict[str, Any],
    *,
    org_id: uuid.UUID | None,
    alliance_id: uuid.UUID | None,
    period_start: date,
    period_end: date,
    member_orgs: int,
) -> TeacherStats:
    return TeacherStats(
        org_id=org_id,
        alliance_id=alliance_id,
        period_start=period_start,
        period_end=period_end,
        member_orgs=member_orgs,
        teachers=row["teachers"],
        unlinked_teachers=row["unlinked_teachers"],
        dual_teacher_training=DualTeacherTraining(
            period_rule=ENDS,
            person_times=row["trained_times"],
            persons=row["trained_persons"],
            linked_persons=row["trained_linked"],
        ),
        enterprise_practice=EnterprisePractice(
            period_rule=OVERLAPS,
            practices=row["practices"],
            teachers=row["practice_teachers"],
            overlap_days=row["practice_days"],
            person_months=person_months(row["practice_days"]),
            unlinked_practices=row["practice_unlinked"],
        ),
        part_time_teaching=PartTimeTeaching(
            period_rule=TERM_ENDS,
            person_times=row["teaching_times"],
            class_hours=row["teaching_hours"],
            persons=row["teaching_persons"],
            unlinked_records=row["teaching_unlinked"],
        ),
        competition_awards=CompetitionAwards(period_rule=ISSUED, awards=row["awards"], holders=row["award_holders"]),
        not_computed=NOT_COMPUTED,
    )
