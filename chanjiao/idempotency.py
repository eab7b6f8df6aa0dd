"""`Idempotency-Key` on POST: a retry with the same key and body gets the first response.

Keys are scoped to principal + method + path and kept 24 h. Only an HMAC of the body is stored
(bodies may carry ID numbers). A duplicate still in flight gets 409; the same key with another body
gets 422. The reservation is taken in its own short transaction (so a concurrent duplicate sees it);
the response is recorded in the *business* transaction, so a committed create always has its
replay, and a failed one leaves no reservation behind.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Header, Request
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.responses import Response

from chanjiao.auth import current_principal
from chanjiao.errors import BadRequest, Conflict, ValidationFailed

TTL = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=2)
REPLAY_HEADER = "idempotent-replayed"
_KEPT_HEADERS = ("location", "etag", "content-type", "chanjiao-existing-resource")


@dataclass
class IdempotentRequest:
    """What a create route gets: either a `replay` to return as is, or a reservation to `record`."""

    table: sa.Table | None = None
    engine: AsyncEngine | None = None
    scope_hash: bytes | None = None
    replay: Response | None = None
    recorded: bool = field(default=False)

    async def record(self, session: AsyncSession, response: Response) -> None:
        """Store the response in the caller's transaction (commit makes create + replay atomic)."""
        if self.scope_hash is None or self.table is None:
            return
        headers = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
        await session.execute(
            sa.update(self.table)
            .where(self.table.c.scope_hash == self.scope_hash)
            .values(
                state="done",
                response_status=response.status_code,
                response_headers=headers,
                response_body=bytes(response.body),
            )
        )
        self.recorded = True

    async def release(self) -> None:
        if self.scope_hash is None or self.table is None or self.engine is None:
            return
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(self.table).where(
                    self.table.c.scope_hash == self.scope_hash, self.table.c.state == "in_flight"
                )
            )


def _scope_hash(request: Request, key: str) -> bytes:
    p = current_principal(request)
    parts = [p.kind, p.subject, p.org_id or "", request.method, request.url.path, key]
    return hashlib.sha256("\x00".join(parts).encode()).digest()


async def idempotency(request: Request) -> AsyncIterator[IdempotentRequest]:
    key = request.headers.get("idempotency-key")
    if key is None:
        yield IdempotentRequest()
        return
    if not (1 <= len(key) <= 255) or not key.isprintable():
        raise BadRequest(
            detail_zh="Idempotency-Key 须为 1–255 个可打印字符",
            detail_en="Idempotency-Key must be 1–255 printable characters",
        )
    state = request.app.state
    table: sa.Table = state.kernel.idempotency
    engine: AsyncEngine = state.engine
    scope = _scope_hash(request, key)
    # What identifies the request beyond its path: the query string, and the body — or, for uploads,
    # what the route put in `request.state.idempotency_material` (the file's bytes), so a client that
    # rebuilds a multipart request with a new boundary still gets its replay.
    material = getattr(request.state, "idempotency_material", None)
    if material is None:
        material = await request.body()
    mac = hmac.new(state.idempotency_secret, request.url.query.encode() + b"\x00" + material, hashlib.sha256).digest()
    now = sa.func.now()
    stmt = pg_insert(table).values(scope_hash=scope, request_hmac=mac, state="in_flight", expires_at=now + TTL)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.scope_hash],
        set_={
            "request_hmac": mac,
            "state": "in_flight",
            "response_status": None,
            "response_headers": None,
            "response_body": None,
            "created_at": now,
            "expires_at": now + TTL,
        },
        # An expired key is reusable, and so is a reservation abandoned by a process that died: the
        # response is recorded in the business transaction, so a reservation still `in_flight` long
        # after any statement could have run belongs to a request that never committed.
        where=sa.or_(
            table.c.expires_at < now,
            sa.and_(table.c.state == "in_flight", table.c.created_at < now - ABANDONED_AFTER),
        ),
    ).returning(table.c.scope_hash)
    async with engine.begin() as conn:
        reserved = (await conn.execute(stmt)).first() is not None
        row = None if reserved else (await conn.execute(sa.select(table).where(table.c.scope_hash == scope))).first()
    if row is not None:
        if not hmac.compare_digest(row.request_hmac, mac):
            raise ValidationFailed(
                detail_zh="该 Idempotency-Key 已用于另一个请求体，请换一个新键",
                detail_en="This Idempotency-Key was already used with a different body; use a new key",
                extra={"code": "idempotency_key_reused"},
            )
        if row.state == "in_flight":
            raise Conflict(
                detail_zh="相同 Idempotency-Key 的请求正在处理中，请稍后重试",
                detail_en="A request with this Idempotency-Key is still in flight; retry shortly",
                headers={"Retry-After": "1"},
            )
        headers: dict[str, Any] = dict(row.response_headers or {})
        headers[REPLAY_HEADER] = "true"
        yield IdempotentRequest(
            replay=Response(content=row.response_body, status_code=row.response_status, headers=headers)
        )
        return
    handle = IdempotentRequest(table=table, engine=engine, scope_hash=scope)
    try:
        yield handle
    finally:
        if not handle.recorded:
            await handle.release()


IdempotencyDep = Annotated[IdempotentRequest, Depends(idempotency)]


async def forget_responses_mentioning(session: AsyncSession, table: sa.Table, text: str) -> int:
    """Drop stored replay answers that contain `text` (e.g. an erased person's id): a replay must not
    bring back personal data that was erased. A retry with such a key is then executed again."""
    result = await session.execute(
        sa.delete(table).where(
            table.c.response_body.is_not(None),
            sa.func.strpos(sa.func.convert_from(table.c.response_body, "UTF8"), text) > 0,
        )
    )
    return int(result.rowcount or 0)


# The `Idempotency-Key` header, as a route parameter (documents the rules in every POST's OpenAPI).
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description=(
            "幂等键：同一键、同一请求体的重试返回第一次的应答（保留 24 小时） "
            "A retry with the same key and body returns the first response (kept 24 h); the same key with "
            "another body is 422; a duplicate still in flight is 409."
        ),
        # Documented, checked by `idempotency()` (400 naming the header, not a 422).
        json_schema_extra={"minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e\\xa1-\\xac\\xae-\\xff]+$"},
    ),
]
