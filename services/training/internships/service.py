"""Internship rules: create, read, list, update, soft delete — each with an audit row and an outbox event in the
caller's transaction. Knows nothing of HTTP; the router checks the caller's tenancy and the organizations
(membership, before anything is written) and passes what it found.

Rules: `end_on ≥ start_on`; a `post` internship (岗位实习) needs `insured: true` and an `insurance_policy_no`
(422 naming the missing field); a policy number without `insured` is contradictory (422); the
`three_months_or_more` flag is derived (months.py) and stored for the figures."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.db import soft_delete
from chanjiao.errors import FieldError, NotFound, ValidationFailed
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from services.training.internships.models import KIND_LABELS, Internship
from services.training.internships.months import three_months_or_more
from services.training.internships.schemas import InternshipCreate, InternshipPublic, InternshipUpdate
from services.training.learners.models import LinkVia
from services.training.learners.service import link_learner
from services.training.practice.common import Tombstone, list_rows, now, record, snapshot

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


async def create_internship(session: AsyncSession, *, data: InternshipCreate, actor: str) -> Internship:
    """`data.learner_id` must be a live learner (the caller checked it); its organizations are linked to it."""
    values = data.model_dump()
    values["kind"] = data.kind.value
    check_rules(values)
    stamp = now()
    internship = Internship(
        id=new_id(),
        **values,
        three_months_or_more=three_months_or_more(data.start_on, data.end_on),
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(internship)
    await session.flush()
    for org in {data.school_org_id, data.host_org_id}:
        await link_learner(session, data.learner_id, org, LinkVia.internship.value)
    after = snapshot(internship, FIELDS)
    await record(
        session,
        entity=ENTITY,
        entity_id=internship.id,
        action="create",
        actor=actor,
        before=None,
        after=after,
        payload=after,
    )
    return internship


async def get_internship(session: AsyncSession, internship_id: uuid.UUID, *, for_update: bool = False) -> Internship:
    stmt = sa.select(Internship).where(Internship.id == internship_id, Internship.deleted_at.is_(None))
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise not_found()
    return row


async def list_internships(
    session: AsyncSession,
    *,
    school_org_id: uuid.UUID | None,
    host_org_id: uuid.UUID | None,
    learner_id: uuid.UUID | None,
    kind: str | None,
    period_start: date | None,
    period_end: date | None,
    three_months: bool | None,
    updated_since: Any,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
    visible: sa.ColumnElement[bool] | None,
) -> tuple[list[Internship], str | None]:
    where: list[sa.ColumnElement[bool]] = []
    if school_org_id is not None:
        where.append(Internship.school_org_id == school_org_id)
    if host_org_id is not None:
        where.append(Internship.host_org_id == host_org_id)
    if learner_id is not None:
        where.append(Internship.learner_id == learner_id)
    if kind is not None:
        where.append(Internship.kind == kind)
    if period_start is not None:
        where.append(Internship.end_on >= period_start)
    if period_end is not None:
        where.append(Internship.start_on <= period_end)
    if three_months is not None:
        where.append(Internship.three_months_or_more.is_(three_months))
    return await list_rows(
        session,
        Internship,
        where=where,
        visible=visible,
        updated_since=updated_since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
    )


async def update_internship(
    session: AsyncSession, *, internship: Internship, changes: InternshipUpdate, if_match: str | None, actor: str
) -> Internship:
    """`internship` is the row locked by the caller (get_internship(for_update=True)); new organizations were
    checked by the caller."""
    check_if_match(if_match, internship.version)
    data = changes.model_dump(exclude_unset=True)
    if "kind" in data:
        data["kind"] = data["kind"].value
    merged = {**snapshot(internship, FIELDS), **data}
    check_rules(merged)
    before = snapshot(internship, FIELDS)
    for key, value in data.items():
        setattr(internship, key, value)
    internship.three_months_or_more = three_months_or_more(internship.start_on, internship.end_on)
    after = snapshot(internship, FIELDS)
    if after == before:
        return internship
    internship.version += 1
    internship.updated_at = now()
    await session.flush()
    for key in ("school_org_id", "host_org_id"):
        if after[key] != before[key]:
            await link_learner(session, internship.learner_id, after[key], LinkVia.internship.value)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    await record(
        session,
        entity=ENTITY,
        entity_id=internship.id,
        action="update",
        actor=actor,
        before=before,
        after=after,
        payload={"changed": changed},
    )
    return internship


async def delete_internship(session: AsyncSession, *, internship: Internship, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, internship.version)
    before = snapshot(internship, FIELDS)
    await soft_delete(session, internship)
    await record(
        session,
        entity=ENTITY,
        entity_id=internship.id,
        action="delete",
        actor=actor,
        before=before,
        after=None,
        payload={},
    )


def render(rows: list[Internship]) -> list[InternshipPublic | Tombstone]:
    out: list[InternshipPublic | Tombstone] = []
    for r in rows:
        if r.deleted_at is not None:
            out.append(Tombstone(id=r.id, deleted_at=r.deleted_at))
            continue
        out.append(
            InternshipPublic(
                id=r.id,
                learner_id=r.learner_id,
                school_org_id=r.school_org_id,
                host_org_id=r.host_org_id,
                kind=r.kind,
                kind_label=KIND_LABELS[r.kind],
                start_on=r.start_on,
                end_on=r.end_on,
                days=(r.end_on - r.start_on).days + 1,
                three_months_or_more=r.three_months_or_more,
                position=r.position,
                mentor_name=r.mentor_name,
                mentor_person_id=r.mentor_person_id,
                insured=r.insured,
                insurance_policy_no=r.insurance_policy_no,
                stipend_monthly_cny=r.stipend_monthly_cny,
                version=r.version,
                created_at=r.created_at,
                updated_at=r.updated_at,
            )
        )
    return out


def public(row: Internship) -> InternshipPublic:
    out = render([row])[0]
    assert isinstance(out, InternshipPublic)
    return out
