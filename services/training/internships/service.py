"""Internship rules, and `RECORDS`: create, read, list, update, soft delete — each with an audit row and an outbox
event in the caller's transaction (practice/records.py). Knows nothing of HTTP; the router checks the caller's
tenancy and the organizations (membership, before anything is written) and passes what it found.

Rules: `end_on ≥ start_on`; a `post` internship (岗位实习) needs `insured: true` and an `insurance_policy_no`
(422 naming the missing field); a policy number without `insured` is contradictory (422); the
`three_months_or_more` flag is derived (months.py) and stored for the figures."""

from __future__ import annotations

from typing import Any

from chanjiao.errors import FieldError, NotFound, ValidationFailed
from services.training.internships.models import KIND_LABELS, Internship
from services.training.internships.months import three_months_or_more
from services.training.internships.schemas import InternshipPublic
from services.training.learners.models import LinkVia
from services.training.practice.records import Records, from_row

ENTITY = "internship"
FIELDS = (
    "learner_id",
    "school_org_id",
    "host_org_id",
    "kind",
    "start_on",
    "end_on",
    "position",
    "mentor_name",
    "mentor_person_id",
    "insured",
    "insurance_policy_no",
    "stipend_monthly_cny",
    "three_months_or_more",
)


class InternshipNotFound(NotFound):
    slug = "internship-not-found"
    title_zh, title_en = "实习记录不存在", "Internship not found"


def not_found() -> InternshipNotFound:
    return InternshipNotFound(detail_zh="没有该实习记录，或已被删除", detail_en="No such internship, or it was deleted")


def check_rules(values: dict[str, Any]) -> None:
    """The cross-field rules, on the record as it would be saved (422 naming each broken field)."""
    errors: list[FieldError] = []
    if values["end_on"] < values["start_on"]:
        errors.append(FieldError(["body", "end_on"], "结束日期不能早于开始日期", "end_on is before start_on", "period"))
    if values["kind"] == "post":
        if not values["insured"]:
            errors.append(
                FieldError(
                    ["body", "insured"],
                    "岗位实习须投保实习责任保险（insured 应为 true）",
                    "A post internship must carry liability insurance (insured: true)",
                    "insurance_required",
                )
            )
        if not values.get("insurance_policy_no"):
            errors.append(
                FieldError(
                    ["body", "insurance_policy_no"],
                    "岗位实习须填写实习责任保险保单号",
                    "A post internship needs the liability insurance policy number",
                    "insurance_required",
                )
            )
    elif values.get("insurance_policy_no") and not values["insured"]:
        errors.append(
            FieldError(
                ["body", "insured"],
                "填写了保单号，insured 应为 true",
                "A policy number is given, so insured must be true",
                "insurance_contradiction",
            )
        )
    if errors:
        names = ", ".join(str(e.loc[-1]) for e in errors)
        raise ValidationFailed(
            detail_zh=f"以下字段未通过校验：{names}",
            detail_en=f"These fields failed validation: {names}",
            errors=errors,
        )


def _prepare(row: Internship | None, data: dict[str, Any]) -> dict[str, Any]:
    if "kind" in data:
        data["kind"] = data["kind"].value
    return data


def _derive(values: dict[str, Any]) -> dict[str, Any]:
    return {"three_months_or_more": three_months_or_more(values["start_on"], values["end_on"])}


def public(row: Internship) -> InternshipPublic:
    return from_row(InternshipPublic, row, kind_label=KIND_LABELS[row.kind], days=(row.end_on - row.start_on).days + 1)


RECORDS = Records(
    model=Internship,
    entity=ENTITY,
    fields=FIELDS,
    parties=("school_org_id", "host_org_id"),
    not_found=not_found,
    public=public,
    link_via=LinkVia.internship.value,
    prepare=_prepare,
    check=check_rules,
    derive=_derive,
)
