"""What the training records of one or two organizations (internships, teacher practices, part-time teaching,
training bases) share: access declarations, tenant checks, the keyset list query with its visibility filter and
exits, the tombstone, list filters and the text field types of their schemas.

Tenancy (docs/identity.md): a record names two organizations (school + host/enterprise; a training
base only its owner). Principals (org_admin or org_staff, users or the org's API key) of either organization
write it; platform admins write everything. Reads of a record are private to the same principals plus service
principals holding `training:read` and platform admins: anyone else gets 404 and does not see it in lists.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Request
from pydantic import AfterValidator, BaseModel, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import ORG_ADMIN, ORG_STAFF, Principal, allow
from chanjiao.errors import Forbidden, problem_responses
from chanjiao.spreadsheets import list_ok
from chanjiao.sync import Since, SyncPage
from chanjiao.sync_exits import ORGANIZATION, ExitQuery, Tenant, sync_page_with_exits, tenants
from chanjiao.validators import CodeError, normalize_name
from services.training.db import SCHEMA
from services.training.learners.models import Learner
from services.training.learners.service import require_own_learner
from services.training.orgs import org_directory

ORG_ROLES = (ORG_ADMIN, ORG_STAFF)
READ = allow(scopes=("training:read",))
WRITE = allow(roles=ORG_ROLES, scopes=("training:write",), tenant="organization")


def who(first: str, second: str | None = None) -> str:
    parties = f"`{first}`" + (f" or `{second}`" if second else "")
    return (
        f"\n\n**谁可以 Who:** principals (org_admin or org_staff, users or the org's API key) of {parties}, with "
        "`training:write`, and platform admins; anyone else gets 403."
    )


def private(first: str, second: str | None = None) -> str:
    parties = f"`{first}`" + (f" or `{second}`" if second else "")
    return (
        f"\n\n**可见 Visible to:** principals of {parties}, service principals with `training:read` and platform "
        "admins; to anyone else the record is 404 and absent from lists."
    )


def acts_for_any(principal: Principal, org_ids: Sequence[uuid.UUID | None]) -> bool:
    return any(o is not None and principal.acts_for_org(o, ORG_ROLES) for o in org_ids)


def ensure_party(principal: Principal, *org_ids: uuid.UUID | None) -> None:
    """403 unless the principal acts for one of the organizations (platform admins pass)."""
    if not acts_for_any(principal, org_ids):
        raise Forbidden(
            detail_zh="只能登记或修改本单位参与的记录",
            detail_en="You may only write records your organization is part of",
        )


def sees_everything(principal: Principal) -> bool:
    return principal.is_platform_admin or (principal.kind == "service" and "training:read" in principal.scopes)


def can_read(principal: Principal, *org_ids: uuid.UUID | None) -> bool:
    if sees_everything(principal):
        return True
    return principal.org_id is not None and any(o is not None and str(o) == principal.org_id for o in org_ids)


def visible_filter(principal: Principal, *columns: Any) -> sa.ColumnElement[bool] | None:
    """The WHERE clause of the records the caller may read (None: all)."""
    if sees_everything(principal):
        return None
    try:
        org = uuid.UUID(principal.org_id or "")
    except ValueError:
        return sa.false()
    return sa.or_(*(c == org for c in columns))


def seen_by(*org_ids: uuid.UUID | None) -> set[Tenant]:
    """The organizations that see a private record: its parties (chanjiao/sync_exits.py)."""
    return tenants(ORGANIZATION, *org_ids)


def exit_query(principal: Principal, entity: str, model: Any, *columns: Any) -> ExitQuery | None:
    """The exits of a private record the principal gets on a token pull (chanjiao/sync_exits.py); None for a
    principal who sees every record."""
    visible = visible_filter(principal, *columns)
    if visible is None:
        return None
    try:
        mine = sorted(tenants(ORGANIZATION, uuid.UUID(principal.org_id or "")))
    except ValueError:
        mine = []
    return ExitQuery(SCHEMA, entity, mine, sa.select(model.id).where(visible, model.deleted_at.is_(None)))


def equal(*filters: tuple[Any, Any]) -> list[sa.ColumnElement[bool]]:
    """`column == value` for each (column, value) whose value is given (not None), in order."""
    return [column == value for column, value in filters if value is not None]


def overlapping(start: Any, end: Any, period_start: date | None, period_end: date | None) -> list[Any]:
    """Records overlapping the inclusive period (either bound optional)."""
    where = []
    if period_start is not None:
        where.append(end >= period_start)
    if period_end is not None:
        where.append(start <= period_end)
    return where


def list_responses(example: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    """A list route's 200 (the JSON page with `example`, or the `.xlsx` export) and its problems."""
    return {**list_ok({"items": [example], "next_cursor": None}), **problem_responses(401, 403, 422)}


async def list_rows(
    session: AsyncSession,
    model: Any,
    *,
    where: Sequence[sa.ColumnElement[bool]],
    visible: sa.ColumnElement[bool] | None,
    since: Since,
    include_deleted: bool,
    cursor: str | None,
    limit: int,
    exits: ExitQuery | None = None,
) -> SyncPage:
    """Keyset page of `model` rows: by id, or for an incremental sync by (txid, id) after a sync token or by
    (updated_at, id) after a change time (chanjiao/sync.py); `exits`: on a token pull with `include_deleted`, the
    records that left the caller's view come too (chanjiao/sync_exits.py)."""
    stmt = sa.select(model)
    if visible is not None:
        stmt = stmt.where(visible)
    if not include_deleted:
        stmt = stmt.where(model.deleted_at.is_(None))
    for clause in where:
        stmt = stmt.where(clause)
    return await sync_page_with_exits(
        session,
        stmt,
        model,
        since=since,
        cursor=cursor,
        limit=limit,
        exits=exits,
        include_deleted=include_deleted,
    )


class Tombstone(BaseModel):
    """Returned in lists with `include_deleted=true` for records deleted since `updated_since`."""

    id: uuid.UUID
    deleted: bool = True
    deleted_at: datetime


async def require_visible_learner(session: AsyncSession, principal: Principal, learner_id: uuid.UUID) -> Learner:
    """The learner a new record is about: a record the caller's organization owns (it registered it); otherwise
    404, as if it did not exist, so a record never becomes a way to reach — or to learn of — another
    organization's learner. Platform admins may name any record."""
    return await require_own_learner(session, principal, learner_id)


# ---- field types shared by the schemas -------------------------------------------------------------------------
def _clean_text(value: str | None, max_len: int) -> str | None:
    if value is None:
        return None
    text = normalize_name(value)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
    if len(text) > max_len:
        raise CodeError("length", f"长度至多为 {max_len} 个字符", f"At most {max_len} characters")
    return text or None


def _required_text(value: str, max_len: int) -> str:
    text = _clean_text(value, max_len)
    if text is None:
        raise CodeError("required", "不能为空", "May not be empty")
    return text


def short_text(description: str, max_len: int = 100, example: str | None = None) -> Any:
    return Annotated[
        str | None,
        Field(max_length=max_len * 4, description=description, examples=[example] if example else None),
        AfterValidator(lambda v: _clean_text(v, max_len)),
    ]


def required_text(description: str, max_len: int = 100, example: str | None = None) -> Any:
    return Annotated[
        str,
        Field(max_length=max_len * 4, description=description, examples=[example] if example else None),
        AfterValidator(lambda v: _required_text(v, max_len)),
    ]


def not_null(*fields: str) -> Any:
    """A `field_validator` rejecting an explicit null for fields that may be omitted but never cleared."""

    def check(cls: Any, v: object) -> object:
        if v is None:
            raise CodeError("not_null", "该字段不能为 null", "This field cannot be null")
        return v

    return field_validator(*fields, mode="before")(classmethod(check))


async def check_move(
    request: Request, principal: Principal, current: Any, body: BaseModel, names: Sequence[str]
) -> None:
    """Before a change to a record is written: the caller acts for one of its organizations `names` as the record is
    and as it would be, and every organization the body names anew exists and is active (membership; 503 when it
    cannot answer)."""
    ensure_party(principal, *(getattr(current, n) for n in names))
    ensure_party(principal, *(getattr(body, n, None) or getattr(current, n) for n in names))
    refs = {n: getattr(body, n) for n in names if getattr(body, n, None)}
    if refs:
        await org_directory(request).require_active(refs)
