"""Teacher enterprise practice rules (教师企业实践): the period, the teacher, the derived figures, and `RECORDS`
(create, read, list, update, soft delete — each with an audit row and an outbox event; practice/records.py).
The teacher is a learner of learner_type `teacher` (a record the writing organization owns). Knows
nothing of HTTP (the router checks tenancy and organizations first)."""

from __future__ import annotations

from datetime import date
from typing import Any

from chanjiao.errors import NotFound, field_error
from services.training.learners.models import Learner
from services.training.practice.models import TeacherPractice
from services.training.practice.records import Records, from_row
from services.training.practice.schemas import TeacherPracticePublic

ENTITY = "teacher_practice"
FIELDS = ("learner_id", "school_org_id", "enterprise_org_id", "start_on", "end_on", "post", "content")


class TeacherPracticeNotFound(NotFound):
    slug = "teacher-practice-not-found"
    title_zh, title_en = "教师企业实践记录不存在", "Teacher practice not found"


def not_found() -> TeacherPracticeNotFound:
    return TeacherPracticeNotFound(
        detail_zh="没有该教师企业实践记录，或已被删除", detail_en="No such teacher practice, or it was deleted"
    )


def days(start_on: date, end_on: date) -> int:
    return (end_on - start_on).days + 1


def person_months(start_on: date, end_on: date) -> float:
    """人月 of the whole span: days / 30 (rounded to 2 places for display only)."""
    return round(days(start_on, end_on) / 30, 2)


def _check_period(values: dict[str, Any]) -> None:
    if values["end_on"] < values["start_on"]:
        raise field_error(["body", "end_on"], "period", "结束日期不能早于开始日期", "end_on is before start_on")


def check_teacher(learner: Learner) -> None:
    if learner.learner_type != "teacher":
        raise field_error(
            ["body", "learner_id"],
            "learner_not_teacher",
            "教师企业实践的学员类型应为教师（teacher）",
            "The learner of a teacher practice must have learner_type teacher",
        )


def public(row: TeacherPractice) -> TeacherPracticePublic:
    return from_row(
        TeacherPracticePublic,
        row,
        days=days(row.start_on, row.end_on),
        person_months=person_months(row.start_on, row.end_on),
    )


RECORDS = Records(
    model=TeacherPractice,
    entity=ENTITY,
    fields=FIELDS,
    parties=("school_org_id", "enterprise_org_id"),
    not_found=not_found,
    public=public,
    check=_check_period,
)
