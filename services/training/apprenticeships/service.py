"""Apprenticeship rules (现代学徒制): the programme, the contract, the status, and the record's create, read, list,
update and soft delete — each write with an audit row and an outbox event in the caller's transaction
(chanjiao/resources.py). The school writes; the enterprise reads and records its own mentor; alliance admins read the
records of their alliance's members (the router gives the organizations). Knows nothing of HTTP (the router checks
tenancy, the organizations and the mentors first); docs/domain.md, "Apprenticeship 现代学徒制"."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.db import soft_delete
from chanjiao.errors import Conflict, FieldError, NotFound, ValidationFailed, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load, now
from chanjiao.sync import Since, SyncPage
from services.training.apprenticeships.models import (
    CONTRACT_KIND_LABELS,
    CONTRACT_PARTY_LABELS,
    REQUIRED_PARTIES,
    Apprenticeship,
)
from services.training.apprenticeships.schemas import ApprenticeshipCreate, ApprenticeshipUpdate
from services.training.db import kernel
from services.training.parties import can_read, exit_query, list_rows, visible_filter
from services.training.programmes import service as programmes

ENTITY = "apprenticeship"
# Audited and in events: the people by id only — the mentors' names (never changed by a client) stay out of them.
AUDIT = Audit(kernel, ENTITY, exclude=frozenset({"school_mentor_name", "enterprise_mentor_name"}))
APPRENTICESHIP_KINDS = ("modern_apprenticeship", "enterprise_apprenticeship")
FINAL = ("completed", "ended_early")


class ApprenticeshipNotFound(NotFound):
    slug = "apprenticeship-not-found"
    title_zh, title_en = "学徒记录不存在", "Apprenticeship not found"


class ApprenticeshipEnded(Conflict):
    slug = "apprenticeship-ended"
    title_zh, title_en = "学徒培养已结束", "Apprenticeship has ended"


def not_found() -> ApprenticeshipNotFound:
    return ApprenticeshipNotFound(
        detail_zh="没有该学徒记录，或已被删除", detail_en="No such apprenticeship, or deleted"
    )


def parties(row: Any) -> tuple[uuid.UUID | None, ...]:
    """The organizations whose principals read the record: the school and the enterprise."""
    return (row.school_org_id, row.enterprise_org_id)


def _refuse(errors: list[FieldError]) -> None:
    if errors:
        names = ", ".join(str(e.loc[-1]) for e in errors)
        raise ValidationFailed(
            detail_zh=f"以下字段未通过校验：{names}",
            detail_en=f"These fields failed validation: {names}",
            errors=errors,
        )


def check_values(values: dict[str, Any]) -> None:
    """The rules one record obeys (422 naming every broken field): a contract is a kind with its signing day and
    the parties its kind needs, or nothing at all; a final status has its end day, not before the start (and an
    early end its reason); `active` has none."""
    errors: list[FieldError] = []
    kind = values.get("contract_kind")
    parties_ = {str(p) for p in values.get("contract_parties") or []}
    if kind is None:
        for name in ("contract_number", "contract_signed_on"):
            if values.get(name) is not None:
                errors.append(
                    FieldError(["body", name], "未填合同类型", "Give contract_kind with the contract", "contract_kind")
                )
        if parties_:
            errors.append(
                FieldError(
                    ["body", "contract_parties"],
                    "未填合同类型",
                    "Give contract_kind with the contract",
                    "contract_kind",
                )
            )
    else:
        kind = str(kind)
        if values.get("contract_signed_on") is None:
            errors.append(
                FieldError(["body", "contract_signed_on"], "合同须填写签订日期", "A contract needs its day", "required")
            )
        missing = REQUIRED_PARTIES[kind] - parties_
        if missing:
            names = "、".join(CONTRACT_PARTY_LABELS[p] for p in sorted(missing))
            errors.append(
                FieldError(
                    ["body", "contract_parties"],
                    f"{CONTRACT_KIND_LABELS[kind]}须有签约方：{names}",
                    f"A {kind} contract is signed by: {', '.join(sorted(REQUIRED_PARTIES[kind]))}",
                    "contract_parties",
                )
            )
    status = str(values.get("status") or "active")
    ended_on = values.get("ended_on")
    if status == "active" and ended_on is not None:
        errors.append(FieldError(["body", "ended_on"], "在培学徒没有结束日期", "Active: no ended_on", "active"))
    if status != "active" and ended_on is None:
        errors.append(FieldError(["body", "ended_on"], "结束时须填写结束日期", "An end needs its day", "required"))
    if ended_on is not None and ended_on < values["start_on"]:
        errors.append(
            FieldError(["body", "ended_on"], "结束日期不能早于开始日期", "ended_on before start_on", "period")
        )
    if status == "ended_early" and not values.get("end_reason"):
        errors.append(
            FieldError(["body", "end_reason"], "提前终止须说明原因", "An early end needs its reason", "required")
        )
    _refuse(errors)


async def check_programme(
    session: AsyncSession, programme_id: uuid.UUID, school_org_id: uuid.UUID, enterprise_org_id: uuid.UUID
) -> None:
    """422 on `programme_id` unless it is a live 现代学徒制 / 企业新型学徒制 programme that the school or the
    enterprise provides or partners in (one answer for a programme that does not exist and one of others)."""
    p = await programmes.find_live(session, programme_id)
    ours = p is not None and {school_org_id, enterprise_org_id} & {p.provider_org_id, *(p.partner_org_ids or [])}
    if p is None or not ours:
        raise field_error(
            ["body", "programme_id"],
            "programme_not_found",
            "学校或企业没有该培训项目",
            "No such programme of the school or the enterprise",
        )
    if p.kind not in APPRENTICESHIP_KINDS:
        raise field_error(
            ["body", "programme_id"],
            "apprenticeship_programme",
            "须是现代学徒制班或企业新型学徒制班",
            "Must be a modern_apprenticeship or enterprise_apprenticeship programme",
        )


def check_learner(learner: Any, school_org_id: uuid.UUID) -> None:
    if learner.owner_org_id != school_org_id:
        raise field_error(
            ["body", "learner_id"], "learner_not_of_school", "学徒须是学校登记的学员", "Not a learner of the school"
        )


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get(session: AsyncSession, apprenticeship_id: uuid.UUID, *, for_update: bool = False) -> Apprenticeship:
    return await load(session, Apprenticeship, apprenticeship_id, not_found=not_found, for_update=for_update)


def readable(principal: Principal, row: Any, alliance_orgs: Collection[uuid.UUID]) -> bool:
    return can_read(principal, *parties(row)) or bool(set(parties(row)) & set(alliance_orgs))


async def get_visible(
    session: AsyncSession, principal: Principal, apprenticeship_id: uuid.UUID, alliance_orgs: Collection[uuid.UUID]
) -> Apprenticeship:
    """A record the caller may read (the school's and the enterprise's principals, the admins of an alliance either
    is a member of …); anyone else gets 404."""
    return await load(
        session,
        Apprenticeship,
        apprenticeship_id,
        not_found=not_found,
        rule=lambda r: readable(principal, r, alliance_orgs),
    )


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    where: Iterable[sa.ColumnElement[bool]],
    alliance_orgs: Collection[uuid.UUID] | None,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    """`alliance_orgs`: for an alliance admin listing an alliance, its members — the records of those schools and
    enterprises; otherwise the caller's own records."""
    t: Any = Apprenticeship
    columns = (t.school_org_id, t.enterprise_org_id)
    if alliance_orgs is not None:
        orgs = list(alliance_orgs)
        visible = sa.or_(t.school_org_id.in_(orgs), t.enterprise_org_id.in_(orgs))
        exits = None
    else:
        visible = visible_filter(principal, *columns)
        exits = exit_query(principal, ENTITY, Apprenticeship, *columns)
    return await list_rows(
        session,
        Apprenticeship,
        where=list(where),
        visible=visible,
        since=since,
        include_deleted=include_deleted,
        cursor=cursor,
        limit=limit,
        exits=exits,
    )


# ---- writes --------------------------------------------------------------------------------------------------------
async def create(
    session: AsyncSession,
    *,
    data: ApprenticeshipCreate,
    learner: Any,
    school_mentor_name: str,
    enterprise_mentor_name: str | None,
    actor: str,
) -> Apprenticeship:
    """The organizations, the learner and the mentors were checked by the router."""
    values = data.model_dump(mode="python")
    check_learner(learner, data.school_org_id)
    check_values(values)
    await check_programme(session, data.programme_id, data.school_org_id, data.enterprise_org_id)
    values["contract_kind"] = data.contract_kind.value if data.contract_kind else None
    values["contract_parties"] = [p.value for p in data.contract_parties]
    stamp = now()
    row = Apprenticeship(
        id=new_id(),
        **values,
        school_mentor_name=school_mentor_name,
        enterprise_mentor_name=enterprise_mentor_name,
        status="active",
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row, ["learner_name"])
    await AUDIT.created(session, row, actor=actor)
    return row


async def update(
    session: AsyncSession,
    *,
    row: Apprenticeship,
    changes: ApprenticeshipUpdate,
    names: dict[str, str | None],
    if_match: str | None,
    actor: str,
) -> Apprenticeship:
    """`row` is locked by the caller; the mentors named anew were checked by the caller (`names`: their names)."""
    check_if_match(if_match, row.version)
    data = changes.model_dump(exclude_unset=True, mode="python")
    if row.status in FINAL and set(data) - {"enterprise_mentor_person_id", "end_reason"}:
        raise ApprenticeshipEnded(
            detail_zh="已出师或提前终止的学徒记录只能补记企业导师和终止原因",
            detail_en="A completed or ended apprenticeship takes only its enterprise mentor and end reason",
        )
    if data.get("contract_kind", "unset") is None:  # clearing the contract clears all of it
        data.update(contract_number=None, contract_signed_on=None, contract_parties=[])
    for key in ("contract_kind", "status"):
        if data.get(key) is not None:
            data[key] = data[key].value
    if data.get("contract_parties") is not None:
        data["contract_parties"] = [p.value for p in data["contract_parties"]]
    before = AUDIT.snapshot(row)
    check_values({**before, **data})
    if "programme_id" in data:
        await check_programme(session, data["programme_id"], row.school_org_id, row.enterprise_org_id)
    for key, value in data.items():
        setattr(row, key, value)
    row.school_mentor_name = names.get("school_mentor_person_id") or row.school_mentor_name
    if "enterprise_mentor_person_id" in data:
        row.enterprise_mentor_name = names.get("enterprise_mentor_person_id")
    # The school and the enterprise never change, so no one leaves the record's view (chanjiao/sync_exits.py).
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row


async def delete(session: AsyncSession, *, row: Apprenticeship, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, row.version)
    before = AUDIT.snapshot(row)
    await soft_delete(session, row)
    await AUDIT.deleted(session, row, actor=actor, before=before)
