"""Who may write and read a posting (a demand or an offer), and the lifecycle both share: the access rule each
noun's `access.py` binds, and the transition that appends a dated history row (docs/matching-core.md, "Access" and
"State machine").

Access: the owning organization's principals (org_admin or org_staff, users or the org's API key) with
`matching:write` write — create, update, transitions; platform admins write everything. A draft is seen only by
its owner (and platform admins); a published posting (any status but draft) is on the market: every principal with
`matching:read` sees it — other organizations, alliance admins, service principals. A posting never goes back to
draft and never changes owner, so once seen it stays visible (no sync exits)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import ORG_ADMIN, ORG_STAFF, Principal, allow
from chanjiao.dates import today
from chanjiao.errors import Conflict, Forbidden, field_error
from chanjiao.ids import new_id
from chanjiao.resources import Audit, now, record_named
from chanjiao.transitions import StateMachine
from chanjiao.validators import normalize_code
from services.matching.fields import PostingTransitionCreate

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)
READ = allow(scopes=("matching:read",))
WRITE = allow(roles=ORG_ROLES, scopes=("matching:write",), tenant="organization")

WHO = (
    "\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of the posting's `org_id`, "
    "with `matching:write`, and platform admins; anyone else gets 403."
)
VISIBLE = (
    "\n\n**可见 Visible to:** a draft only to its own organization's principals and platform admins (to anyone "
    "else 404, absent from lists); a published posting (open, matched, closed, cancelled) to every principal with "
    "`matching:read` — the market."
)


@dataclass(frozen=True)
class MarketAccess:
    """The access rule of one posting table (`model` has `org_id` and `status`)."""

    model: Any
    what_zh: str

    def ensure_owner(self, principal: Principal, org_id: uuid.UUID) -> None:
        """403 unless the principal acts for `org_id` (platform admins pass)."""
        if not principal.acts_for_org(org_id, ORG_ROLES):
            raise Forbidden(
                detail_zh=f"只有发布单位可以登记或修改{self.what_zh}",
                detail_en="Only the posting organization may write it",
            )

    @staticmethod
    def _mine(principal: Principal, org_id: uuid.UUID) -> bool:
        return principal.org_id is not None and principal.org_id == str(org_id)

    def can_read(self, principal: Principal, row: Any) -> bool:
        return principal.is_platform_admin or row.status != "draft" or self._mine(principal, row.org_id)

    def visible(self, principal: Principal) -> sa.ColumnElement[bool] | None:
        """The WHERE clause of the rows the caller may read (None: all)."""
        if principal.is_platform_admin:
            return None
        published = self.model.status != "draft"
        try:
            org = uuid.UUID(principal.org_id or "")
        except ValueError:
            return published
        return sa.or_(published, self.model.org_id == org)


class PostingEnded(Conflict):
    slug = "posting-ended"
    title_zh, title_en = "已关闭或已撤销，不能修改", "Closed or cancelled: no longer editable"


def ensure_editable(machine: StateMachine, row: Any) -> None:
    """A closed or cancelled posting (a terminal state) is kept as it ended: a PATCH is 409."""
    if machine.is_terminal(row.status):
        raise PostingEnded(
            detail_zh=f"状态为 {row.status}，不能再修改；如需重新发布，请登记新的记录",
            detail_en=f"The posting is {row.status} and can no longer change; post a new one instead",
            extra={"current": row.status},
        )


async def transition(
    session: AsyncSession,
    *,
    row: Any,
    event_model: Any,
    parent_key: str,
    machine: StateMachine,
    audit: Audit,
    data: PostingTransitionCreate,
    actor: str,
) -> Any:
    """One status change of a locked posting: the lifecycle's legal moves (409 naming the allowed ones), dates in
    order and not in the future (409 / 422), a history row, the new status on the posting, its audit row and the
    `<entity>.transitioned` event — in the caller's transaction."""
    to = data.to.value
    machine.check(row.status, to)
    effective_on = data.effective_on or today()
    if effective_on > today():
        raise field_error(
            ["body", "effective_on"],
            "not_in_future",
            "日期不能晚于今天（北京时间）",
            "The date cannot be after today (Asia/Shanghai)",
        )
    StateMachine.check_effective_on(row.status_changed_on, effective_on)
    before = audit.snapshot(row)
    from_status = row.status
    seq = (
        await session.execute(
            sa.select(sa.func.coalesce(sa.func.max(event_model.seq), 0)).where(
                getattr(event_model, parent_key) == row.id
            )
        )
    ).scalar_one() + 1
    stamp = now()
    event = event_model(
        id=new_id(),
        seq=seq,
        from_status=from_status,
        to_status=to,
        effective_on=effective_on,
        reason=data.reason,
        actor=actor,
        recorded_at=stamp,
        **{parent_key: row.id},
    )
    session.add(event)
    row.status, row.status_changed_on = to, effective_on
    row.version += 1
    row.updated_at = stamp
    await session.flush()
    await record_named(
        audit,
        session,
        row,
        action="transition",
        event="transitioned",
        actor=actor,
        before=before,
        after=audit.snapshot(row),
        payload={
            "org_id": row.org_id,
            "from": from_status,
            "to": to,
            "effective_on": effective_on,
            "reason": data.reason,
        },
    )
    return row


async def history(session: AsyncSession, event_model: Any, parent_key: str, record_id: uuid.UUID) -> list[Any]:
    """The posting's status changes, first to last."""
    stmt = sa.select(event_model).where(getattr(event_model, parent_key) == record_id).order_by(event_model.seq)
    return list((await session.execute(stmt)).scalars())


def filters(
    model: Any,
    *,
    org_id: uuid.UUID | None,
    kind: str | None,
    status: str | None,
    alliance_id: uuid.UUID | None,
    region_prefix: str | None,
    major_code: str | None,
    occupation_code: str | None,
) -> list[sa.ColumnElement[bool]]:
    """The list filters both postings offer (each given one narrows the list); codes are compared as stored
    (normalized: full-width folded, upper-cased)."""
    where: list[sa.ColumnElement[bool]] = []
    for column, value in (
        (model.org_id, org_id),
        (model.kind, kind),
        (model.status, status),
        (model.alliance_id, alliance_id),
    ):
        if value is not None:
            where.append(column == value)
    if region_prefix is not None:
        where.append(model.region_code.startswith(region_prefix, autoescape=True))
    if major_code is not None:
        where.append(model.major_codes.contains([normalize_code(major_code)]))
    if occupation_code is not None:
        where.append(model.occupation_codes.contains([normalize_code(occupation_code)]))
    return where
