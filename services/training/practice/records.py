"""One service layer for the practice records (internships, teacher practice, part-time teaching, training
bases): get (404 for a missing or deleted row), create, update (If-Match, cross-field rules, derived fields),
soft delete — each with an audit row and an outbox event in the caller's transaction — and the keyset list with
its party visibility filter. A `Records` is parameterised by the model, its audited fields, its party columns,
its `public()` renderer and a few hooks; it knows nothing of HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.audit import record_change
from chanjiao.auth import Principal
from chanjiao.db import soft_delete
from chanjiao.errors import NotFound
from chanjiao.etag import check_if_match
from chanjiao.ids import new_id
from chanjiao.sync import Since, SyncPage
from chanjiao.sync_exits import ORGANIZATION, Exit, ExitQuery, ExitTombstone, Tenant, record_exits, tenants
from services.training.db import SCHEMA, kernel
from services.training.parties import Tombstone, equal, list_rows, overlapping, visible_filter

M = TypeVar("M")


def _org(principal: Principal) -> list[uuid.UUID]:
    """The organization a principal reads practice records for (as `visible_filter` reads it)."""
    try:
        return [uuid.UUID(principal.org_id or "")]
    except ValueError:
        return []


P = TypeVar("P", bound=BaseModel)

Values = dict[str, Any]


def _same(row: Any, data: Values) -> Values:
    return data


def from_row(schema: type[P], row: Any, **derived: Any) -> P:
    """`schema` filled from the row's attributes of the same names, plus the derived fields."""
    return schema(**{name: getattr(row, name) for name in schema.model_fields if name not in derived}, **derived)


__all__ = ["Records", "equal", "from_row", "overlapping"]


def now() -> datetime:
    return datetime.now(UTC)


def snapshot(row: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(row, f) for f in fields}


@dataclass(frozen=True)
class Records(Generic[M]):
    model: type[M]
    entity: str  # audit entity and outbox event prefix (`<entity>.created` …)
    fields: tuple[str, ...]  # audited and compared on update
    parties: tuple[str, ...]  # the organization columns whose principals write (and, if private, read) a row
    not_found: Callable[[], NotFound]
    public: Callable[[M], BaseModel]
    private: bool = True  # reads limited to the parties (else open to every reader)
    prepare: Callable[[M | None, Values], Values] = _same  # incoming values (row None on create) → values to save
    check: Callable[[Values], None] | None = None  # cross-field rules on the record as it would be saved
    derive: Callable[[Values], Values] | None = None  # stored derived fields, from the record as saved

    # ---- tenancy -----------------------------------------------------------------------------------------------
    def party_ids(self, row: Any) -> tuple[uuid.UUID | None, ...]:
        return tuple(getattr(row, p) for p in self.parties)

    def visible(self, principal: Principal | None) -> sa.ColumnElement[bool] | None:
        if not self.private:
            return None
        assert principal is not None
        return visible_filter(principal, *(getattr(self.model, p) for p in self.parties))

    def seeing(self, row: Any) -> set[Tenant]:
        """The organizations that see a private row (its parties); an open record is seen by every reader."""
        return tenants(ORGANIZATION, *self.party_ids(row)) if self.private else set()

    def exit_query(self, principal: Principal | None) -> ExitQuery | None:
        """The exits the principal gets on a token pull (chanjiao/sync_exits.py); None for an open record."""
        visible = self.visible(principal)
        if visible is None or principal is None:
            return None
        model: Any = self.model
        mine = sorted(tenants(ORGANIZATION, *_org(principal)))
        return ExitQuery(SCHEMA, self.entity, mine, sa.select(model.id).where(visible, model.deleted_at.is_(None)))

    # ---- reads -------------------------------------------------------------------------------------------------
    async def get(self, session: AsyncSession, record_id: uuid.UUID, *, for_update: bool = False) -> M:
        model: Any = self.model
        stmt = sa.select(model).where(model.id == record_id, model.deleted_at.is_(None))
        if for_update:
            stmt = stmt.with_for_update()
        row = (await session.execute(stmt)).scalar_one_or_none()
        if row is None:
            raise self.not_found()
        return row

    async def page(
        self,
        session: AsyncSession,
        principal: Principal | None,
        *,
        where: Iterable[sa.ColumnElement[bool]],
        since: Since,
        include_deleted: bool,
        cursor: str | None,
        limit: int,
    ) -> SyncPage:
        return await list_rows(
            session,
            self.model,
            where=list(where),
            visible=self.visible(principal),
            since=since,
            include_deleted=include_deleted,
            cursor=cursor,
            limit=limit,
            exits=self.exit_query(principal),
        )

    def render(self, rows: list[M | Exit]) -> list[Any]:
        return [
            ExitTombstone.of(r)
            if isinstance(r, Exit)
            else Tombstone(id=r.id, deleted_at=r.deleted_at)  # type: ignore[attr-defined]
            if r.deleted_at is not None  # type: ignore[attr-defined]
            else self.public(r)
            for r in rows
        ]

    # ---- writes ------------------------------------------------------------------------------------------------
    async def _audit(
        self,
        session: AsyncSession,
        row: Any,
        action: str,
        actor: str,
        before: Values | None,
        after: Values | None,
        payload: Values,
    ) -> None:
        """The audit row and the outbox event (`<entity>.<action>d`) of one write."""
        await record_change(
            session,
            kernel,
            entity=self.entity,
            entity_id=row.id,
            action=action,
            actor=actor,
            before=before,
            after=after,
            payload=payload,
        )

    async def create(self, session: AsyncSession, *, data: BaseModel, actor: str, extra: Values | None = None) -> M:
        """`extra`: stored values the caller resolved besides the body (e.g. a snapshot of a person's name)."""
        values = self.prepare(None, {**data.model_dump(), **(extra or {})})
        if self.check is not None:
            self.check(values)
        if self.derive is not None:
            values = {**values, **self.derive(values)}
        stamp = now()
        row: Any = self.model(id=new_id(), **values, version=1, created_at=stamp, updated_at=stamp)
        session.add(row)
        await session.flush()
        after = snapshot(row, self.fields)
        await self._audit(session, row, "create", actor, None, after, after)
        return row

    async def update(self, session: AsyncSession, *, row: M, changes: BaseModel, if_match: str | None, actor: str) -> M:
        """`row` is locked by the caller (get(for_update=True)); new organizations were checked by the caller."""
        target: Any = row
        check_if_match(if_match, target.version)
        data = self.prepare(row, changes.model_dump(exclude_unset=True))
        before = snapshot(row, self.fields)
        seen_before = self.seeing(row)
        merged = {**before, **data}
        if self.check is not None:
            self.check(merged)
        if self.derive is not None:
            data = {**data, **self.derive(merged)}
        for key, value in data.items():
            setattr(row, key, value)
        after = snapshot(row, self.fields)
        if after == before:
            return row
        target.version += 1
        target.updated_at = now()
        await session.flush()
        changed = {k: v for k, v in after.items() if before.get(k) != v}
        await self._audit(session, target, "update", actor, before, after, {"changed": changed})
        await record_exits(session, SCHEMA, self.entity, [target.id], before=seen_before, after=self.seeing(row))
        return row

    async def delete(self, session: AsyncSession, *, row: M, if_match: str | None, actor: str) -> None:
        target: Any = row
        check_if_match(if_match, target.version)
        before = snapshot(row, self.fields)
        await soft_delete(session, row)
        await self._audit(session, target, "delete", actor, before, None, {})
