"""Part-time teaching rules (兼职授课 — enterprise staff teaching at a school): the term and its dates, and
`RECORDS` (create, read, list, update, soft delete — each with an audit row and an outbox event;
practice/records.py). The staff member is named (optionally referencing a membership person); no personal data
beyond the name is kept. Knows nothing of HTTP."""

from __future__ import annotations

from datetime import date
from typing import Any

from chanjiao.errors import NotFound, field_error
from services.training.practice.models import PartTimeTeaching
from services.training.practice.records import Records, from_row
from services.training.practice.schemas import PartTimeTeachingPublic

ENTITY = "part_time_teaching"
FIELDS = (
    "staff_name",
    "person_id",
    "enterprise_org_id",
    "school_org_id",
    "term",
    "term_start_on",
    "term_end_on",
    "course",
    "class_hours",
)


class PartTimeTeachingNotFound(NotFound):
    slug = "part-time-teaching-not-found"
    title_zh, title_en = "兼职授课记录不存在", "Part-time teaching record not found"


def not_found() -> PartTimeTeachingNotFound:
    return PartTimeTeachingNotFound(
        detail_zh="没有该兼职授课记录，或已被删除", detail_en="No such part-time teaching record, or it was deleted"
    )


def term_dates(term: str) -> tuple[date, date]:
    """The default dates of a well-formed term `YYYY-YYYY-N` (422 on `term` when the years do not follow):
    term 1 = 1 Sep (first year) – 31 Jan (second year); term 2 = 1 Feb – 31 Jul (second year)."""
    first, second, n = int(term[:4]), int(term[5:9]), term[10]
    if second != first + 1:
        raise field_error(
            ["body", "term"],
            "term_years",
            "学年的第二个年份应为第一个年份加一，如 2024-2025-1",
            "The school year's second year must follow the first, e.g. 2024-2025-1",
        )
    if n == "1":
        return date(first, 9, 1), date(second, 1, 31)
    return date(second, 2, 1), date(second, 7, 31)


def _check_dates(values: dict[str, Any]) -> None:
    if values["term_end_on"] < values["term_start_on"]:
        raise field_error(
            ["body", "term_end_on"], "period", "学期结束日期不能早于开始日期", "term_end_on is before term_start_on"
        )


def _prepare(row: PartTimeTeaching | None, data: dict[str, Any]) -> dict[str, Any]:
    """On create, the dates default from the term; on update, a new term sent without dates resets them to its
    defaults (a term sent again unchanged is only checked)."""
    if row is None:
        default_start, default_end = term_dates(data["term"])
        data["term_start_on"] = data["term_start_on"] or default_start
        data["term_end_on"] = data["term_end_on"] or default_end
    elif "term" in data and data["term"] != row.term:
        default_start, default_end = term_dates(data["term"])
        data.setdefault("term_start_on", default_start)
        data.setdefault("term_end_on", default_end)
    elif "term" in data:
        term_dates(data["term"])
    return data


def public(row: PartTimeTeaching) -> PartTimeTeachingPublic:
    return from_row(PartTimeTeachingPublic, row, class_hours=float(row.class_hours))


RECORDS = Records(
    model=PartTimeTeaching,
    entity=ENTITY,
    fields=FIELDS,
    parties=("enterprise_org_id", "school_org_id"),
    not_found=not_found,
    public=public,
    prepare=_prepare,
    check=_check_dates,
)
