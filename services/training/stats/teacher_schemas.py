"""`GET /v1/training-stats/teachers` — the answer: each block names its period rule."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from chanjiao.dates import IsoDate


class PeriodRule(BaseModel):
    code: str = Field(
        description="The rule's code: `ends_in_period`, `overlaps_period`, `term_ends_in_period`, `issued_in_period`"
    )
    zh: str
    en: str


ENDS = PeriodRule(
    code="ends_in_period",
    zh="培训项目结束日期在期间内（联盟：在单位的成员期内）",
    en="the programme's end_on lies in the period (alliance: in the provider's membership within it)",
)
OVERLAPS = PeriodRule(
    code="overlaps_period",
    zh="实践与期间有重叠；人月按重叠天数 ÷ 30 计",
    en="the practice overlaps the period; person-months count the overlap days ÷ 30",
)
TERM_ENDS = PeriodRule(
    code="term_ends_in_period",
    zh="授课学期的结束日期在期间内",
    en="the teaching term's end (term_end_on) lies in the period",
)
ISSUED = PeriodRule(
    code="issued_in_period", zh="证书颁发日期在期间内", en="the certificate's issued_on lies in the period"
)


class DualTeacherTraining(BaseModel):
    period_rule: PeriodRule
    person_times: int = Field(
        description="双师培训人次 — enrolments (not dropped) of teacher learners (learner_type `teacher`, or a record "
        "naming its membership person) in `teacher_training` programmes of the organization (provider)"
    )
    persons: int = Field(
        description="双师培训人数 — distinct teachers among them: the membership person the learner record names, "
        "else the learner's platform person"
    )
    linked_persons: int = Field(description="Of `persons`, those counted by their membership person")


class EnterprisePractice(BaseModel):
    period_rule: PeriodRule
    practices: int = Field(description="教师企业实践 records of the organization's teachers (by school)")
    teachers: int = Field(
        description="教师人数 — distinct teachers: the membership person; a legacy record by the membership person "
        "its learner names, else by the learner's platform person"
    )
    overlap_days: int
    person_months: float = Field(description="人月 = overlap_days / 30, one decimal, rounded only in the total")
    unlinked_practices: int = Field(
        description="Legacy records whose teacher is known only as a training learner (no membership person)"
    )


class PartTimeTeaching(BaseModel):
    period_rule: PeriodRule
    person_times: int = Field(description="兼职教师人次 — records at the organization's schools (by school)")
    class_hours: float = Field(description="任课学时 — Σ class_hours")
    persons: int = Field(description="Distinct membership persons among the records that name one")
    unlinked_records: int = Field(
        description="Records naming the staff member by name only (no person): not in `persons` nor `teachers`"
    )


class CompetitionAwards(BaseModel):
    period_rule: PeriodRule
    awards: int = Field(
        description="职业技能竞赛获奖 — certificates of kind `competition_award` held by membership persons of the "
        "organization (staff certificates, or a learner record naming its membership person)"
    )
    holders: int = Field(description="Distinct persons holding them")


class NotComputed(BaseModel):
    figure: str
    reason_zh: str
    reason_en: str


class TeacherStats(BaseModel):
    org_id: uuid.UUID | None
    alliance_id: uuid.UUID | None
    period_start: IsoDate
    period_end: IsoDate
    member_orgs: int = Field(description="Organizations whose records were counted")
    teachers: int = Field(
        description="教师人数 — distinct teachers across 双师培训, 企业实践 and 兼职授课 (one person "
        "once, however many records, schools or members)"
    )
    unlinked_teachers: int = Field(
        description="Of `teachers`, those known only as a training learner (no membership person named): they may be "
        "a person counted again under their membership person; link the learner record to count them once"
    )
    dual_teacher_training: DualTeacherTraining
    enterprise_practice: EnterprisePractice
    part_time_teaching: PartTimeTeaching
    competition_awards: CompetitionAwards
    not_computed: list[NotComputed] = Field(description="Teacher figures the platform cannot compute yet, and why")


EXAMPLE_PERIOD = {"period_start": date(2023, 1, 1).isoformat(), "period_end": date(2023, 12, 31).isoformat()}
