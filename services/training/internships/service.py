"""Internship rules, and the record's create, read, list, update and soft delete — each write with an audit row
and an outbox event in the caller's transaction (chanjiao/resources.py). Knows nothing of HTTP; the router checks
the caller's tenancy and the organizations (membership, before anything is written) and passes what it found.

Rules: `end_on ≥ start_on`; a `post` internship (岗位实习) needs `insured: true` and an `insurance_policy_no`
(422 naming the missing field); a policy number without `insured` is contradictory (422); the
`three_months_or_more` flag is derived (months.py) and stored for the figures.

Which learner record: the **school's** — the school records the internship, naming a learner record it owns
(`check_learner`: another organization's record is 404, as if it did not exist; a record of the caller that is not
the school's — a host naming its own — is 422). The host sees the internship with a `learner` summary (name, masked
number), never the record. Moving an internship to another school keeps that rule (422)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.db import soft_delete
from chanjiao.errors import FieldError, NotFound, ValidationFailed, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage
from chanjiao.sync_exits import record_exits
from services.training.db import SCHEMA, kernel
from services.training.internships.models import Internship
from services.training.internships.months import three_months_or_more
from services.training.internships.schemas import InternshipCreate, InternshipUpdate
from services.training.learners.models import Learner
from services.training.learners.service import require_learner
from services.training.parties import (
    can_read,
    exit_query,
    list_rows,
    require_visible_learner,
    seen_by,
    visible_filter,
)

ENTITY = "internship"
# The learner's name and masked number are read with every row for display: not the internship's own values.
_SUMMARY = ["learner_name", "learner_id_number_masked"]
AUDIT = Audit(kernel, ENTITY, exclude=frozenset(_SUMMARY))


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


def derived(values: dict[str, Any]) -> dict[str, Any]:
    """The stored derived field, from the record as saved (months.py)."""
    return {"three_months_or_more": three_months_or_more(values["start_on"], values["end_on"])}


def parties(row: Any) -> tuple[uuid.UUID | None, ...]:
    """The organizations whose principals write the record and read it: the school and the host."""
    return (row.school_org_id, row.host_org_id)


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


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get(session: AsyncSession, internship_id: uuid.UUID, *, for_update: bool = False) -> Internship:
    return await load(session, Internship, internship_id, not_found=not_found, for_update=for_update)


async def get_visible(session: AsyncSession, principal: Principal, internship_id: uuid.UUID) -> Internship:
    """An internship the caller may read (its school's or host's principals …); anyone else gets 404."""
    return await load(
        session, Internship, internship_id, not_found=not_found, rule=lambda r: can_read(principal, *parties(r))
    )


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    where: Iterable[sa.ColumnElement[bool]],
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    t: Any = Internship
    columns = (t.school_org_id, t.host_org_id)
    return await list_rows(
        session,
        Internship,
        where=list(where),
        visible=visible_filter(principal, *columns),
        since=since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
        exits=exit_query(principal, ENTITY, Internship, *columns),
    )


# ---- writes --------------------------------------------------------------------------------------------------------
async def create(session: AsyncSession, *, data: InternshipCreate, actor: str) -> Internship:
    """The organizations and the learner (`check_learner`) were checked by the caller. The row comes back with
    its learner summary loaded."""
    values = {**data.model_dump(), "kind": data.kind.value}
    check_rules(values)
    stamp = now()
    row = Internship(id=new_id(), **values, **derived(values), version=1, created_at=stamp, updated_at=stamp)
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    await session.refresh(row, attribute_names=_SUMMARY)
    return row


async def update(
    session: AsyncSession, *, row: Internship, changes: InternshipUpdate, if_match: str | None, actor: str
) -> Internship:
    """`row` is locked by the caller (`get(for_update=True)`); new organizations were checked by the caller. A move
    to another school keeps the learner rule (422 on `school_org_id`)."""
    data = changes.model_dump(exclude_unset=True)
    school = data.get("school_org_id")
    if school is not None and school != row.school_org_id:
        learner = await require_learner(session, row.learner_id)
        if learner.owner_org_id != school:
            raise not_the_schools(["body", "school_org_id"])
    check_if_match(if_match, row.version)
    if "kind" in data:
        data["kind"] = data["kind"].value
    before = AUDIT.snapshot(row)
    seen_before = seen_by(*parties(row))
    merged = {**before, **data}
    check_rules(merged)
    data = {**data, **derived(merged)}
    for key, value in data.items():
        setattr(row, key, value)
    if await AUDIT.updated(session, row, actor=actor, before=before):
        await record_exits(session, SCHEMA, ENTITY, [row.id], before=seen_before, after=seen_by(*parties(row)))
    return row


async def delete(session: AsyncSession, *, row: Internship, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    await soft_delete(session, row)
    await AUDIT.deleted(session, row, actor=actor, before=before)
