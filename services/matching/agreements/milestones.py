"""Milestones of an agreement (the first order class opens, the base is equipped …): title, due date, done date;
each write audited on the agreement's event stream (chanjiao/resources.py `record_on`)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import NotFound, field_error
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.resources import Audit, now, record_on
from chanjiao.sync import Since, SyncPage, sync_page
from services.matching.agreements.models import Agreement, AgreementMilestone
from services.matching.agreements.schemas import MilestoneCreate, MilestoneUpdate
from services.matching.agreements.service import ensure_editable, not_future
from services.matching.db import kernel

MILESTONE_AUDIT = Audit(kernel, "agreement_milestone")


class MilestoneNotFound(NotFound):
    slug = "milestone-not-found"
    title_zh, title_en = "里程碑不存在", "Milestone not found"


def _check_done(done_on: Any) -> None:
    if done_on is not None:
        not_future(done_on, ["body", "done_on"])


async def create(
    session: AsyncSession, *, agreement: Agreement, data: MilestoneCreate, actor: str
) -> AgreementMilestone:
    ensure_editable(agreement, ("增加里程碑", "adding milestones"))
    _check_done(data.done_on)
    stamp = now()
    m = AgreementMilestone(
        id=new_id(), agreement_id=agreement.id, **data.model_dump(), version=1, created_at=stamp, updated_at=stamp
    )
    session.add(m)
    await session.flush()
    after = MILESTONE_AUDIT.snapshot(m)
    await record_on(
        MILESTONE_AUDIT,
        session,
        m.id,
        aggregate=("agreement", agreement.id),
        action="create",
        event="created",
        actor=actor,
        before=None,
        after=after,
        payload=after,
    )
    return m


async def get(
    session: AsyncSession, agreement_id: uuid.UUID, milestone_id: uuid.UUID, *, for_update: bool = False
) -> AgreementMilestone:
    m: Any = AgreementMilestone
    stmt = sa.select(m).where(m.id == milestone_id, m.agreement_id == agreement_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise MilestoneNotFound(detail_zh="该协议没有这个里程碑", detail_en="No such milestone of this agreement")
    return row


async def update(
    session: AsyncSession,
    *,
    agreement: Agreement,
    row: AgreementMilestone,
    changes: MilestoneUpdate,
    if_match: str | None,
    actor: str,
) -> AgreementMilestone:
    check_if_match(if_match, row.version)
    ensure_editable(agreement, ("修改里程碑", "changing milestones"))
    data = changes.model_dump(exclude_unset=True)
    if "title" in data and data["title"] is None:
        raise field_error(["body", "title"], "not_null", "该字段不能为 null", "This field cannot be null")
    _check_done(data.get("done_on"))
    before = MILESTONE_AUDIT.snapshot(row)
    for key, value in data.items():
        setattr(row, key, value)
    after = MILESTONE_AUDIT.snapshot(row)
    if after != before:
        row.version += 1
        row.updated_at = now()
        await session.flush()
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        await record_on(
            MILESTONE_AUDIT,
            session,
            row.id,
            aggregate=("agreement", agreement.id),
            action="update",
            event="updated",
            actor=actor,
            before=before,
            after=after,
            payload={"changed": changed},
        )
    return row


async def page(
    session: AsyncSession, agreement_id: uuid.UUID, *, since: Since, cursor: str | None, limit: int
) -> SyncPage:
    m: Any = AgreementMilestone
    stmt = sa.select(m).where(m.agreement_id == agreement_id)
    return await sync_page(session, stmt, m, since=since, cursor=cursor, limit=limit)
