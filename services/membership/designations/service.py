"""Designation rules: create, read, list, update, soft delete and stage steps — each write leaving an audit row and
an outbox event in the caller's transaction (chanjiao/resources.py). Knows nothing of HTTP.

Rules (docs/domain.md, "Designation register"): the subject is named by id for an organization, an alliance, a person
or a training base, by name (and code) for a course, a major, a 专业群 or a project; the holder organization is the
organization itself, the person's organization, or given (`org_id`) for the other kinds; an alliance's own entries
have no holder organization. A base lives in the training service and is referenced by id unchecked. An entry recorded
by an alliance (`alliance_id`) names a current member. Steps go forward only (申报 → 立项/入选 → 培育/建设 → 推荐 →
验收/认定, skipping allowed), 撤销 follows any stage and nothing follows it; a step is never dated before the one it
follows. A correction replaces the latest step (kept, marked corrected) and follows the step before it.

An organization's `honours` and an alliance's `recognitions` are entries of this register (`origin = 'honours'`):
`replace_listed` writes such a list, `models.listed_json` reads it back."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.db import soft_delete
from chanjiao.errors import NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.pagination import keyset, page_of
from chanjiao.resources import Audit, load, now
from chanjiao.transitions import IllegalTransition, OutOfOrderEvent
from services.membership.alliances import service as alliances
from services.membership.db import kernel
from services.membership.designations import access
from services.membership.designations.models import (
    BY_NAME,
    HELD,
    ORDER,
    STAGE_LABELS,
    Designation,
    DesignationStage,
)
from services.membership.designations.schemas import DesignationCreate, DesignationUpdate, StageCreate
from services.membership.organizations import service as organizations

# Audited and in events: every column but the list order of an honours list.
AUDIT = Audit(kernel, "designation", exclude=frozenset({"position"}))


class DesignationNotFound(NotFound):
    slug = "designation-not-found"
    title_zh, title_en = "认定记录不存在", "Designation not found"


def not_found() -> DesignationNotFound:
    return DesignationNotFound(
        detail_zh="没有该认定记录，或已被删除", detail_en="No such designation, or it was deleted"
    )


def _bad(field: str, rule: str, zh: str, en: str):
    return field_error(["body", field], rule, zh, en)


def step_year(on: date | None, year: int | None) -> int:
    """The year of a step: from its date, or given alone; one of them is required and they must agree."""
    if on is None and year is None:
        raise _bad("on", "required", "请填写日期 on 或年份 year", "Give the step's date (on) or at least its year")
    if on is not None and year is not None and on.year != year:
        raise _bad("year", "year_mismatch", "年份与日期 on 不一致", "year differs from the year of on")
    return on.year if on is not None else year  # type: ignore[return-value]


def _required(field: str, kind: str) -> Exception:
    return _bad(field, "required", f"{kind} 类对象须填写 {field}", f"A {kind} subject needs {field}")


async def _live_org(session: AsyncSession, org_id: uuid.UUID, field: str) -> None:
    if not await organizations.is_live(session, org_id):
        raise _bad(field, "org_not_found", "没有该单位，或已被删除", "No such organization, or it was deleted")


async def resolve_owner(session: AsyncSession, data: DesignationCreate) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The holder organization and the recording alliance of a new entry (checked; 422 naming the field)."""
    kind = data.subject_kind.value
    org_id, alliance_id = data.org_id, data.alliance_id
    if kind in BY_NAME:
        if data.subject_name is None:
            raise _required("subject_name", kind)
        if data.subject_id is not None:
            raise _bad("subject_id", "not_allowed", f"{kind} 类对象以名称登记", f"A {kind} subject is named, not an id")
    elif data.subject_id is None:
        raise _required("subject_id", kind)
    if kind == "organization":
        await _live_org(session, data.subject_id, "subject_id")  # type: ignore[arg-type]
        if org_id is not None and org_id != data.subject_id:
            raise _bad("org_id", "mismatch", "单位对象的所属单位即其本身", "An organization subject holds itself")
        org_id = data.subject_id
    elif kind == "person":
        org_id_of_person = await access.person_org(session, data.subject_id)  # type: ignore[arg-type]
        if org_id_of_person is None:
            raise _bad("subject_id", "person_not_found", "没有该人员，或已被删除", "No such person, or deleted")
        if org_id is not None and org_id != org_id_of_person:
            raise _bad("org_id", "mismatch", "人员对象的所属单位即其所在单位", "A person is held by their organization")
        org_id = org_id_of_person
    elif kind == "alliance":
        if not await alliances.is_live(session, data.subject_id):  # type: ignore[arg-type]
            raise _bad("subject_id", "alliance_not_found", "没有该联盟，或已被删除", "No such alliance, or deleted")
        if org_id is not None:
            raise _bad("org_id", "not_allowed", "联盟对象没有所属单位", "An alliance has no holder organization")
        if alliance_id is not None and alliance_id != data.subject_id:
            raise _bad("alliance_id", "mismatch", "联盟对象由其本身登记", "An alliance subject is recorded by itself")
        return None, data.subject_id
    else:  # training_base and the named kinds: the holder organization is given
        if org_id is None:
            raise _required("org_id", kind)
        await _live_org(session, org_id, "org_id")
    if alliance_id is not None:
        if not await alliances.is_live(session, alliance_id):
            raise _bad("alliance_id", "alliance_not_found", "没有该联盟，或已被删除", "No such alliance, or deleted")
        if not await access.is_member(session, org_id, alliance_id):  # type: ignore[arg-type]
            raise _bad(
                "alliance_id", "not_member", "所属单位不是该联盟的现有成员", "The holder is not a current member"
            )
    return org_id, alliance_id


async def _subject_changed(session: AsyncSession, row: Designation) -> None:
    """An organization's or an alliance's entry changed: its record's `honours`/`recognitions` answer did too."""
    if row.subject_kind == "organization" and row.subject_id is not None:
        await organizations.honours_changed(session, row.subject_id)
    elif row.subject_kind == "alliance" and row.subject_id is not None:
        await alliances.recognitions_changed(session, row.subject_id)


def _step(row: Designation, seq: int, stage: str, on: date | None, year: int, note: str | None, actor: str):
    return DesignationStage(
        id=new_id(),
        designation_id=row.id,
        seq=seq,
        stage=stage,
        on_date=on,
        year=year,
        note=note,
        corrected=False,
        actor=actor,
        recorded_at=now(),
    )


async def create(
    session: AsyncSession,
    *,
    data: DesignationCreate,
    org_id: uuid.UUID | None,
    alliance_id: uuid.UUID | None,
    actor: str,
) -> tuple[Designation, list[DesignationStage]]:
    if data.stage.value == "withdrawn":
        raise _bad("stage", "initial_stage", "新登记的认定不能处于撤销阶段", "A new entry cannot start withdrawn")
    year = step_year(data.on, data.year)
    if data.recognising_org_id is not None:
        await _live_org(session, data.recognising_org_id, "recognising_org_id")
    stamp = now()
    row = Designation(
        id=new_id(),
        programme_name=data.programme_name,
        level=data.level.value,
        batch=data.batch,
        stage=data.stage.value,
        stage_on=data.on,
        stage_year=year,
        recognising_body=data.recognising_body,
        recognising_org_id=data.recognising_org_id,
        subject_kind=data.subject_kind.value,
        subject_id=data.subject_id,
        subject_name=data.subject_name,
        subject_code=data.subject_code,
        org_id=org_id,
        alliance_id=alliance_id,
        origin="register",
        note=data.note,
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    await AUDIT.created(session, row, actor=actor)
    first = _step(row, 1, row.stage, data.on, year, None, actor)
    session.add(first)
    await session.flush()
    await _subject_changed(session, row)
    return row, [first]


async def get(session: AsyncSession, designation_id: uuid.UUID, *, for_update: bool = False) -> Designation:
    return await load(session, Designation, designation_id, not_found=not_found, for_update=for_update)


async def steps_of(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[DesignationStage]]:
    out: dict[uuid.UUID, list[DesignationStage]] = defaultdict(list)
    if ids:
        stmt = (
            sa.select(DesignationStage)
            .where(DesignationStage.designation_id.in_(ids))
            .order_by(DesignationStage.designation_id, DesignationStage.seq)
        )
        for s in (await session.execute(stmt)).scalars():
            out[s.designation_id].append(s)
    return out


async def list_designations(
    session: AsyncSession,
    *,
    filters: dict[str, Any],
    visible: sa.ColumnElement[bool] | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Designation], str | None]:
    stmt = sa.select(Designation).where(Designation.deleted_at.is_(None))
    if visible is not None:
        stmt = stmt.where(visible)
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Designation, name) == value)
    rows = (await session.execute(keyset(stmt, [Designation.id], cursor, limit))).scalars().all()
    return page_of(rows, limit, lambda r: (r.id,))


async def update(
    session: AsyncSession, *, row: Designation, changes: DesignationUpdate, if_match: str | None, actor: str
) -> None:
    check_if_match(if_match, row.version)
    data = changes.model_dump(exclude_unset=True)
    if data.get("recognising_org_id") is not None:
        await _live_org(session, data["recognising_org_id"], "recognising_org_id")
    if "subject_name" in data and data["subject_name"] is None and row.subject_id is None:
        raise _bad("subject_name", "not_null", "按名称登记的对象须保留名称", "A named subject keeps its name")
    before = AUDIT.snapshot(row)
    for key, value in data.items():
        setattr(row, key, value.value if hasattr(value, "value") else value)
    if await AUDIT.updated(session, row, actor=actor, before=before):
        await _subject_changed(session, row)


async def _delete(session: AsyncSession, row: Designation, actor: str) -> None:
    before = AUDIT.snapshot(row)
    await soft_delete(session, row)
    await AUDIT.deleted(session, row, actor=actor, before=before)


async def delete(session: AsyncSession, *, row: Designation, if_match: str | None, actor: str) -> None:
    check_if_match(if_match, row.version)
    await _delete(session, row, actor)
    await _subject_changed(session, row)


def _allowed_after(stage: str | None) -> list[str]:
    if stage is None:
        return list(ORDER)
    if stage == "withdrawn":
        return []
    return [*ORDER[ORDER.index(stage) + 1 :], "withdrawn"]


def _check_order(base: DesignationStage | None, stage: str, on: date | None, year: int) -> None:
    allowed = _allowed_after(base.stage if base else None)
    if stage not in allowed:
        current = base.stage if base else "—"
        zh = "、".join(f"{a}（{STAGE_LABELS[a]}）" for a in allowed) or "无（已撤销）"
        raise IllegalTransition(
            detail_zh=f"认定不能从 {current} 变为 {stage}：阶段只能向前推进，撤销后不能再变更；允许的阶段：{zh}。"
            "记错的阶段请以更正（correction）替换",
            detail_en=f"A designation cannot go from {current} to {stage}: stages only move forward and nothing "
            f"follows withdrawn; allowed: {', '.join(allowed) or 'none (withdrawn)'}. "
            "Replace a wrong step with a correction",
            extra={"current": current, "allowed": allowed},
        )
    if base is None:
        return
    if (on is not None and base.on_date is not None and on < base.on_date) or year < base.year:
        latest = base.on_date.isoformat() if base.on_date else str(base.year)
        raise OutOfOrderEvent(
            detail_zh=f"该阶段的日期早于上一阶段（{latest}）",
            detail_en=f"The step is dated before the step it follows ({latest})",
            extra={"latest": latest},
        )


async def add_step(
    session: AsyncSession, *, row: Designation, data: StageCreate, if_match: str | None, actor: str
) -> list[DesignationStage]:
    """Record the entry's next stage (or a correction of its latest step); the entry's stage follows."""
    check_if_match(if_match, row.version)
    year = step_year(data.on, data.year)
    steps = (await steps_of(session, [row.id]))[row.id]
    live = [s for s in steps if not s.corrected]
    if data.correction:
        replaced, base = live[-1], (live[-2] if len(live) > 1 else None)
        if base is None and data.stage.value == "withdrawn":
            raise _bad("stage", "initial_stage", "首个阶段不能是撤销", "The first step cannot be withdrawn")
    else:
        replaced, base = None, live[-1]
    _check_order(base, data.stage.value, data.on, year)
    if replaced is not None:
        replaced.corrected = True
    new = _step(row, steps[-1].seq + 1, data.stage.value, data.on, year, data.note, actor)
    session.add(new)
    before = AUDIT.snapshot(row)
    row.stage, row.stage_on, row.stage_year = data.stage.value, data.on, year
    if not await AUDIT.updated(session, row, actor=actor, before=before):
        row.version += 1  # a correction to the same stage and date still changes the entry's history
        row.updated_at = now()
    await session.flush()
    await _subject_changed(session, row)
    return [*steps, new]


# ---- honours and recognitions: an organization's or an alliance's list, kept as entries ----------------------------
async def replace_listed(
    session: AsyncSession,
    *,
    subject_kind: str,
    subject_id: uuid.UUID,
    items: list[dict[str, Any]],
    actor: str,
) -> bool:
    """Write an organization's `honours` (an alliance's `recognitions`) list: it replaces the entries written through
    that list (and those moved from it), each a 验收/认定 entry of its year; entries recorded through the register are
    left alone, and an item that repeats one of them (a list read and sent back) is not written twice. False when
    the list is what it was (nothing written)."""
    stmt = (
        sa.select(Designation)
        .where(
            Designation.subject_kind == subject_kind,
            Designation.subject_id == subject_id,
            Designation.origin == "honours",
            Designation.deleted_at.is_(None),
        )
        .order_by(Designation.position, Designation.id)
        .with_for_update()
    )
    current = list((await session.execute(stmt)).scalars())

    def key(title: str, level: str, year: int, issuer: str | None) -> tuple[Any, ...]:
        return (title, level, year, issuer)

    own = sa.select(Designation.programme_name, Designation.level, Designation.stage_year, Designation.recognising_body)
    own = own.where(
        Designation.subject_kind == subject_kind,
        Designation.subject_id == subject_id,
        Designation.origin == "register",
        Designation.deleted_at.is_(None),
        Designation.stage.in_(HELD),
    )
    registered = {tuple(r) for r in (await session.execute(own)).all()}
    old = [key(r.programme_name, r.level, r.stage_year, r.recognising_body) for r in current]
    new = [k for i in items if (k := key(i["title"], i["level"], i["year"], i.get("issuer"))) not in registered]
    if old == new:
        return False
    for r in current:
        await _delete(session, r, actor)
    stamp = now()
    org_id = subject_id if subject_kind == "organization" else None
    alliance_id = subject_id if subject_kind == "alliance" else None
    for position, (title, level, year, issuer) in enumerate(new):
        row = Designation(
            id=new_id(),
            programme_name=title,
            level=level,
            stage="recognised",
            stage_year=year,
            recognising_body=issuer,
            subject_kind=subject_kind,
            subject_id=subject_id,
            org_id=org_id,
            alliance_id=alliance_id,
            origin="honours",
            position=position,
            version=1,
            created_at=stamp,
            updated_at=stamp,
        )
        session.add(row)
        await AUDIT.created(session, row, actor=actor)
        session.add(_step(row, 1, "recognised", None, year, None, actor))
    await session.flush()
    return True
