"""Internship rules, and `RECORDS`: create, read, list, update, soft delete — each with an audit row and an outbox
event in the caller's transaction (practice/records.py). Knows nothing of HTTP; the router checks the caller's
tenancy and the organizations (membership, before anything is written) and passes what it found.

Rules: `end_on ≥ start_on`; a `post` internship (岗位实习) needs `insured: true` and an `insurance_policy_no`
(422 naming the missing field); a policy number without `insured` is contradictory (422); the
`three_months_or_more` flag is derived (months.py) and stored for the figures.

Which learner record: the **school's** — the school records the internship, naming a learner record it owns
(`check_learner`: another organization's record is 404, as if it did not exist; a record of the caller that is not
the school's — a host naming its own — is 422). The host sees the internship with a `learner` summary (name, masked
number), never the record. Moving an internship to another school keeps that rule (422)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.errors import FieldError, NotFound, ValidationFailed, field_error
from services.training.internships.models import KIND_LABELS, Internship
from services.training.internships.months import three_months_or_more
from services.training.internships.schemas import InternshipPublic
from services.training.learners.models import Learner
from services.training.learners.schemas import LearnerSummary
from services.training.learners.service import require_learner
from services.training.parties import require_visible_learner
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


def not_the_schools(loc: list[str | int]) -> ValidationFailed:
    return field_error(
        loc,
        "learner_not_of_school",
        "实习须关联学校登记的学员（学生由学校登记并记录实习）",
        "The learner must be a record of the school (the school registers its student and records the internship)",
    )


async def check_learner(
    session: AsyncSession, principal: Principal, learner_id: uuid.UUID, school_org_id: uuid.UUID
) -> Learner:
    """The learner of a new internship: a record the caller owns (else 404) that belongs to the school (else 422)."""
    learner = await require_visible_learner(session, principal, learner_id)
    if learner.owner_org_id != school_org_id:
        raise not_the_schools(["body", "learner_id"])
    return learner


def public(row: Internship) -> InternshipPublic:
    return from_row(
        InternshipPublic,
        row,
        kind_label=KIND_LABELS[row.kind],
        days=(row.end_on - row.start_on).days + 1,
        learner=LearnerSummary(name=row.learner_name, id_number_masked=row.learner_id_number_masked),
    )


_SUMMARY = ["learner_name", "learner_id_number_masked"]


@dataclass(frozen=True)
class InternshipRecords(Records[Internship]):
    """`Records` with the school rule on a move and the learner summary loaded after a create."""

    async def create(
        self, session: AsyncSession, *, data: BaseModel, actor: str, extra: dict[str, Any] | None = None
    ) -> Internship:
        row = await super().create(session, data=data, actor=actor, extra=extra)
        await session.refresh(row, attribute_names=_SUMMARY)
        return row

    async def update(
        self, session: AsyncSession, *, row: Internship, changes: BaseModel, if_match: str | None, actor: str
    ) -> Internship:
        school = changes.model_dump(exclude_unset=True).get("school_org_id")
        if school is not None and school != row.school_org_id:
            learner = await require_learner(session, row.learner_id)
            if learner.owner_org_id != school:
                raise not_the_schools(["body", "school_org_id"])
        return await super().update(session, row=row, changes=changes, if_match=if_match, actor=actor)


RECORDS = InternshipRecords(
    model=Internship,
    entity=ENTITY,
    fields=FIELDS,
    parties=("school_org_id", "host_org_id"),
    not_found=not_found,
    public=public,
    prepare=_prepare,
    check=check_rules,
    derive=_derive,
)
