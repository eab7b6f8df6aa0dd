"""The shape of `GET /v1/training-stats` — each figure's definition lives in its field description
(and so in the OpenAPI document)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

# The 17 programme kinds (docs/training.md), in the order reports list them, with the labels of
# services/training/programmes/models.py (a test keeps the two in step).
KIND_LABELS: dict[str, str] = {
    "order_class": "订单班",
    "modern_apprenticeship": "现代学徒制班",
    "enterprise_apprenticeship": "企业新型学徒制班",
    "field_engineer": "现场工程师培养",
    "targeted": "定向/定岗培训",
    "study_training": "学训班",
    "special_operations": "特种作业培训",
    "special_equipment": "特种设备作业人员培训",
    "safety_training": "安全培训",
    "pre_job": "岗前/入职培训",
    "on_job": "在岗培训",
    "upskilling": "技能提升培训",
    "reskilling": "转岗培训",
    "continuing_education": "继续教育",
    "teacher_training": "师资/双师培训",
    "social_training": "社会培训",
    "other": "其他",
}
# The certificate kinds an appraisal leads to, with the labels of services/training/certificates/rules.py.
APPRAISAL_KINDS: dict[str, str] = {"skill_level": "职业技能等级证书", "skill_level_1x": "1+X 职业技能等级证书"}
APPRENTICESHIP_KINDS = ("order_class", "modern_apprenticeship", "enterprise_apprenticeship")


class StatsScope(StrEnum):
    members = "members"
    alliance_programmes = "alliance_programmes"


class KindFigures(BaseModel):
    kind: str = Field(description="Programme kind (docs/training.md)")
    label: str = Field(description="Its report label, e.g. 订单班")
    programmes: int = Field(description="开设 — programmes of this kind whose `start_on` falls in the period (班/个)")
    person_times: int = Field(description="Their enrolments, dropped ones excluded (人次)")
    person_days: float = Field(description="Σ `days_attended` of their enrolments, dropped ones included (人日)")
    completions: int = Field(
        description="结业人数 — enrolments with status `completed` of the programmes of this kind whose `end_on` "
        "falls in the period (completions count when the class ends)"
    )
    running: int = Field(description="在办 — programmes of this kind in progress on at least one day of the period")
    ended: int = Field(description="结业 — programmes of this kind whose `end_on` falls in the period")


class ProgrammeFigures(BaseModel):
    total: int = Field(
        description="开设培训项目/班 — programmes (not deleted) whose `start_on` falls in the period (a class counts "
        "in the period it opens), attributed to their provider organization (or, with `scope=alliance_programmes`, "
        "tagged with the alliance)"
    )
    running: int = Field(
        description="在办 — programmes in progress on at least one day of the period (`start_on` ≤ period end and "
        "`end_on` ≥ period start): a three-year class runs in each of its years"
    )
    ended: int = Field(description="结业 — programmes whose `end_on` falls in the period")
    period_rule: str = Field(default="opened_in_period", description="How `total` falls in the period")
    by_kind: list[KindFigures] = Field(description="The same figures for each of the 17 kinds, zeros included")


class ClassFigures(BaseModel):
    classes: int = Field(description="开设 — classes of the kind opened in the period (`start_on` in it) (班)")
    students: int = Field(description="Their enrolments, dropped ones excluded (人)")
    running: int = Field(default=0, description="在办 — classes of the kind in progress on a day of the period")


class ApprenticeshipFigures(BaseModel):
    order_class: ClassFigures = Field(description="订单班")
    modern_apprenticeship: ClassFigures = Field(description="现代学徒制班")
    enterprise_apprenticeship: ClassFigures = Field(description="企业新型学徒制班")
    classes: int = Field(description="The three kinds together, opened in the period (班)")
    students: int = Field(description="The three kinds together — 校企联合培养学生 (人)")
    running: int = Field(default=0, description="The three kinds together, in progress in the period (班)")
    period_rule: str = Field(default="opened_in_period", description="How `classes` and `students` fall in the period")


class LevelFigures(BaseModel):
    level: str = Field(description="项目级别 national | provincial | municipal | industry")
    label: str = Field(description="国家级 · 省级 · 市级 · 行业")
    programmes: int = Field(description="Commissioned programmes of this level opened in the period")
    person_times: int = Field(description="Their enrolments, dropped ones excluded (人次)")


class CommissionedFigures(BaseModel):
    total: int = Field(
        description="承接国家、省、市级培养培训项目 — programmes opened in the period with a `project_level` other "
        "than `none` (commissioned by a national, provincial, municipal or industry body)"
    )
    by_level: list[LevelFigures] = Field(description="The same count for each level, zeros included")
    period_rule: str = Field(default="opened_in_period", description="How a programme falls in the period")


class PeriodInfo(BaseModel):
    kind: str = Field(
        description="calendar_year 自然年 (1 January – 31 December) · school_year 学年 (1 September – 31 August) · "
        "custom 自定义期间"
    )
    label: str = Field(description="e.g. 2023年, 2025–2026学年")


class FigureRuleInfo(BaseModel):
    figure: str = Field(description="The figure's path in this answer, e.g. `programmes.total`")
    period_rule: str = Field(
        description="opened_in_period · running_in_period · ended_in_period · overlap · dated_in_period · "
        'open_at_period_end (docs/domain.md, "Training figures")'
    )
    label: str = Field(description="The rule in Chinese")
    date_field: str = Field(description="The record's date(s) the rule reads")


class InternshipFigures(BaseModel):
    total: int = Field(
        description="实习 (人次) — internships of the organization's students: attributed to the **school** "
        "(`school_org_id`); an internship counts when it is in progress on at least one day of the period "
        "(`start_on` ≤ period end and `end_on` ≥ period start) — for an alliance, of the intersection of the "
        "period with the school's membership — so one spanning two periods counts in both"
    )
    three_months_or_more: int = Field(
        description="Of those, internships of 3 months or more — the derived flag `three_months_or_more` of "
        "`/v1/internships` (calendar months: `end_on` ≥ the day before the same day three months after `start_on`, "
        "e.g. 03-01 → 05-31, 01-31 → 04-30)"
    )
    hosted: int = Field(
        description="接收实习 (人次) — the same count attributed to the **host** enterprise (`host_org_id`) instead"
    )
    hosted_three_months_or_more: int = Field(description="Of the hosted ones, 3 months or more")


class TeacherPracticeFigures(BaseModel):
    practices: int = Field(
        description="教师企业实践 (人次) — teacher practices attributed to the **school** that overlap the period "
        "(for an alliance: the intersection of the period with the school's membership)"
    )
    teachers: int = Field(
        description="教师 (人) — distinct teachers of those practices: one membership person (`person_id`) counts "
        "once however many practices and schools (for an alliance: members) it has; a legacy record without a "
        "person counts by its `learner_id`"
    )
    overlap_days: int = Field(
        description="Σ over those practices of the days (both ends inclusive) they overlap the period — for an "
        "alliance, the intersection of the period with the school's membership periods"
    )
    person_months: float = Field(
        description="教师企业实践 人月 = `overlap_days` / 30, rounded to one decimal only here (never per record)"
    )
    hosted_practices: int = Field(description="The same count attributed to the **enterprise** (`enterprise_org_id`)")
    hosted_teachers: int = Field(description="Distinct teachers of the practices attributed to the enterprise")
    hosted_overlap_days: int = Field(description="Overlap days attributed to the enterprise")
    hosted_person_months: float = Field(description="`hosted_overlap_days` / 30, rounded to one decimal")


class PartTimeTeachingFigures(BaseModel):
    person_times: int = Field(
        description="企业兼职教师 (人次) — part-time teaching records (one enterprise staff member, one course, one "
        "term) attributed to the **school**, counted when the term ends (`term_end_on`) in the period — for an "
        "alliance, while the school is a member"
    )
    class_hours: float = Field(description="任课总量 (学时) — Σ `class_hours` of those records")
    enterprise_person_times: int = Field(
        description="The same records attributed to the staff member's **enterprise** (`enterprise_org_id`)"
    )
    enterprise_class_hours: float = Field(description="Σ `class_hours` attributed to the enterprise")


class TrainingBaseFigures(BaseModel):
    as_of: date = Field(description="The day whose members' bases are counted: `period_end`")
    total: int = Field(
        description="实训基地 (个) — training bases open on `period_end` (not deleted; `established_on` on or before "
        "it or unknown; `closed_on` after it or none), attributed to their **owner**; for an alliance, owners that "
        "are members on `period_end`. A base without `established_on` counts for every period (reports are often "
        "entered after the fact)"
    )
    shared: int = Field(description="开放共享实训基地 (个) — of those, the ones marked `shared` 开放共享")
    co_built: int = Field(
        default=0,
        description="共建实训基地 (个) — of those, the ones with at least one co-builder 共建单位 "
        "(`/v1/training-bases/{id}/co-builders`, not deleted, `since` on or before `period_end` or unknown)",
    )
    co_built_shared: int = Field(
        default=0,
        description="共建共享实训基地 (个) — of those, the ones both co-built (≥ 1 co-builder) and `shared`; period "
        "rule: open on `period_end` (as-of the period's last day, owners that are members on that day)",
    )


class AppraisalKindFigures(BaseModel):
    kind: str = Field(description="证书类别 skill_level (职业技能等级证书) | skill_level_1x (1+X 职业技能等级证书)")
    label: str = Field(description="Its report label, e.g. 职业技能等级证书")
    batches: int = Field(description="Appraisal batches of this kind in the period (批次)")
    person_times: int = Field(description="鉴定人次 — their candidates who sat (passed + failed)")
    passed: int = Field(description="合格 — their candidates who passed")
    pass_rate: float | None = Field(description="合格率 = passed ÷ person_times, 4 places; null when nobody sat")


class AppraisalFigures(BaseModel):
    batches: int = Field(
        description="技能鉴定批次 — appraisal batches (`/v1/appraisals`) of the **appraising organization** whose "
        "`appraised_on` falls in the period (for an alliance: in the organization's membership within the period)"
    )
    person_times: int = Field(
        description="鉴定人次 — candidates of those batches who **sat** the appraisal: passed + failed; absent "
        "candidates (缺考) are not counted"
    )
    passed: int = Field(description="合格人次 — candidates who passed (each was issued a certificate)")
    failed: int = Field(description="不合格人次 — candidates who failed")
    absent: int = Field(description="缺考人次 — candidates who did not sit (not in person_times)")
    pass_rate: float | None = Field(
        description="合格率 = passed ÷ person_times, a ratio between 0 and 1 rounded to 4 places only here; null when "
        "nobody sat"
    )
    by_kind: list[AppraisalKindFigures] = Field(
        description="The same figures for each certificate kind an appraisal leads to, zeros included"
    )


class CertificateKindFigures(BaseModel):
    kind: str = Field(description='证书类别 — a certificate kind (`docs/domain.md`, "Certificate")')
    label: str = Field(description="Its report label, e.g. 特种作业操作证")
    certificates: int = Field(description="Certificates of this kind issued in the period (issued + recorded)")
    issued: int = Field(description="Of them, issued on the platform by the holder organization")
    recorded: int = Field(description="Of them, recorded from an outside authority (应急管理局, 市场监督管理局, 1+X …)")


class CertificateFigures(BaseModel):
    certificates: int = Field(
        description="取证人次 — certificates held by the organizations' learners and people whose `issued_on` falls in "
        "the period (for an alliance: in the holder organization's membership within the period), issued on the "
        "platform or recorded from an outside authority alike; revoked and replaced ones included (they were issued)"
    )
    issued: int = Field(description="Of them, issued on the platform (`recorded: false`)")
    recorded: int = Field(description="Of them, recorded, not issued by the platform (`recorded: true`)")
    holders: int = Field(
        description="取证人数 — distinct holders: learners counted once per person (the learners' counting key), "
        "staff once per membership person"
    )
    by_kind: list[CertificateKindFigures] = Field(description="The same counts for every kind, zeros included")


class TrainingStats(BaseModel):
    org_id: uuid.UUID | None = Field(description="The organization asked for (or null)")
    alliance_id: uuid.UUID | None = Field(description="The alliance asked for (or null)")
    scope: str = Field(
        description="`organization` (org_id), `members` (an alliance's member organizations during their "
        "membership periods) or `alliance_programmes` (programmes tagged with the alliance)"
    )
    period_start: date
    period_end: date
    period: PeriodInfo = Field(description="What the period is: a calendar year, a 学年 or another range")
    period_rules: list[FigureRuleInfo] = Field(description="Each figure's period rule (how a record falls in it)")
    member_orgs: int = Field(
        description="Organizations whose records count: 1 for an organization; for an alliance, members on at "
        "least one day of the period"
    )
    programmes: ProgrammeFigures
    person_times: int = Field(
        description="培训人次 — enrolments (not deleted) in the programmes counted above (so an enrolment counts "
        "by its programme's `start_on`), with status enrolled, completed or failed; **dropped enrolments are not "
        "counted** (they gave their seat back)"
    )
    persons: int = Field(
        description="培训人数 — distinct **people** among those enrolments (`person_times`' enrolments): one person "
        "counts once however many enrolments they have and however many organizations hold a learner record of "
        "them (the platform-wide person key; it survives erasure — docs/learners.md)"
    )
    person_days: float = Field(
        description="培训人日 — Σ `days_attended` of the same programmes' enrolments, **dropped ones included** "
        "(the days they did attend were trained)"
    )
    person_hours: float = Field(description="培训学时 — Σ `hours_attended`, same enrolments as `person_days`")
    completions: int = Field(
        description="结业 — enrolments with status `completed` of the programmes whose `end_on` falls in the period "
        "(counted when the class ends, not when it opens)"
    )
    dropped: int = Field(description="Enrolments of the same programmes with status `dropped` (not in person_times)")
    apprenticeship: ApprenticeshipFigures = Field(
        description="订单班 / 现代学徒制班 / 企业新型学徒制班 opened in the period and their students (a view of "
        "`programmes.by_kind`)"
    )
    commissioned: CommissionedFigures = Field(
        description="承接的国家、省、市级培养培训项目 — commissioned programmes by project level"
    )
    internships: InternshipFigures
    teacher_practice: TeacherPracticeFigures
    part_time_teaching: PartTimeTeachingFigures
    training_bases: TrainingBaseFigures
    appraisals: AppraisalFigures = Field(
        description="技能鉴定 — appraisal batches, person-times (鉴定人次) and pass rates of the appraising "
        'organizations (docs/domain.md, "Appraisal 技能鉴定")'
    )
    certificates: CertificateFigures = Field(
        description="证书 — certificates obtained in the period by the organizations' learners and people, issued and "
        'recorded alike (docs/domain.md, "Certificate")'
    )


EXAMPLE = {
    "org_id": None,
    "alliance_id": "019abf2e-8d4b-7e3f-8c2b-4a1d3e5f6a7c",
    "scope": "members",
    "period_start": "2023-01-01",
    "period_end": "2023-12-31",
    "period": {"kind": "calendar_year", "label": "2023年"},
    "period_rules": [
        {
            "figure": "programmes.total",
            "period_rule": "opened_in_period",
            "label": "按开班日期计入（开班在期内）",
            "date_field": "programmes.start_on",
        },
        {
            "figure": "completions",
            "period_rule": "ended_in_period",
            "label": "按结束日期计入（结束在期内）",
            "date_field": "programmes.end_on",
        },
    ],
    "member_orgs": 81,
    "programmes": {
        "total": 72,
        "running": 131,
        "ended": 58,
        "period_rule": "opened_in_period",
        "by_kind": [
            {
                "kind": "order_class",
                "label": "订单班",
                "programmes": 20,
                "person_times": 1200,
                "person_days": 24000.0,
                "completions": 1150,
                "running": 52,
                "ended": 18,
            },
            {
                "kind": "modern_apprenticeship",
                "label": "现代学徒制班",
                "programmes": 12,
                "person_times": 600,
                "person_days": 18000.0,
                "completions": 590,
                "running": 30,
                "ended": 10,
            },
        ],
    },
    "person_times": 5400,
    "persons": 4870,
    "person_days": 65324.0,
    "person_hours": 522592.0,
    "completions": 5210,
    "dropped": 37,
    "apprenticeship": {
        "order_class": {"classes": 20, "students": 1200, "running": 52},
        "modern_apprenticeship": {"classes": 12, "students": 600, "running": 30},
        "enterprise_apprenticeship": {"classes": 10, "students": 450, "running": 21},
        "classes": 42,
        "students": 2250,
        "running": 103,
        "period_rule": "opened_in_period",
    },
    "commissioned": {
        "total": 30,
        "by_level": [
            {"level": "national", "label": "国家级", "programmes": 4, "person_times": 320},
            {"level": "provincial", "label": "省级", "programmes": 11, "person_times": 870},
            {"level": "municipal", "label": "市级", "programmes": 15, "person_times": 1260},
            {"level": "industry", "label": "行业", "programmes": 0, "person_times": 0},
        ],
        "period_rule": "opened_in_period",
    },
    "internships": {"total": 3100, "three_months_or_more": 2400, "hosted": 2950, "hosted_three_months_or_more": 2300},
    "teacher_practice": {
        "practices": 1602,
        "teachers": 1410,
        "overlap_days": 288420,
        "person_months": 9614.0,
        "hosted_practices": 1580,
        "hosted_teachers": 1395,
        "hosted_overlap_days": 284400,
        "hosted_person_months": 9480.0,
    },
    "part_time_teaching": {
        "person_times": 3512,
        "class_hours": 34128.0,
        "enterprise_person_times": 3380,
        "enterprise_class_hours": 33010.0,
    },
    "training_bases": {"as_of": "2023-12-31", "total": 58, "shared": 35, "co_built": 33, "co_built_shared": 32},
    "appraisals": {
        "batches": 14,
        "person_times": 1180,
        "passed": 1003,
        "failed": 177,
        "absent": 21,
        "pass_rate": 0.85,
        "by_kind": [
            {
                "kind": "skill_level",
                "label": "职业技能等级证书",
                "batches": 9,
                "person_times": 820,
                "passed": 705,
                "pass_rate": 0.8598,
            },
            {
                "kind": "skill_level_1x",
                "label": "1+X 职业技能等级证书",
                "batches": 5,
                "person_times": 360,
                "passed": 298,
                "pass_rate": 0.8278,
            },
        ],
    },
    "certificates": {
        "certificates": 1460,
        "issued": 1003,
        "recorded": 457,
        "holders": 1312,
        "by_kind": [
            {"kind": "skill_level", "label": "职业技能等级证书", "certificates": 705, "issued": 705, "recorded": 0},
            {
                "kind": "special_operations",
                "label": "特种作业操作证",
                "certificates": 312,
                "issued": 0,
                "recorded": 312,
            },
        ],
    },
}
