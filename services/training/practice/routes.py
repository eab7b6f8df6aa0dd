"""The endpoints every practice record has — create, get, patch, delete — added to a router from a `Records` and
each route's own documentation (summary, description, example, access declaration). Thin: check the caller and
the organizations, call one `Records` method, commit once.

Each endpoint keeps the name (→ OpenAPI operation id) and the path parameter name of the route it stands for."""

import inspect
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.params import Depends
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.app import SessionDep
from chanjiao.auth import Principal, PrincipalDep
from chanjiao.errors import problem_responses
from chanjiao.etag import IfMatch, IfNoneMatch, etag_for, if_none_match_hits
from chanjiao.etag import versioned_response as one
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from services.training.orgs import org_directory
from services.training.parties import READ, WRITE, can_read, ensure_party
from services.training.practice.records import Records


@dataclass(frozen=True)
class Route:
    """One route's documentation: operation name (the handler's name before), summary, description."""

    name: str
    summary: str
    description: str
    access: Depends = field(default=WRITE)


def _shaped(fn: Callable[..., Awaitable[Response]], id_name: str, drop: Sequence[str] = ()) -> Callable[..., Any]:
    """`fn` with its `record_id` parameter renamed to `id_name` and the `drop` parameters left out of the
    signature FastAPI reads (they keep their defaults)."""
    sig = inspect.signature(fn)
    params = [p.replace(name=id_name) if p.name == "record_id" else p for p in sig.parameters.values()]

    async def endpoint(**kwargs: Any) -> Response:
        if id_name in kwargs:
            kwargs["record_id"] = kwargs.pop(id_name)
        return await fn(**kwargs)

    endpoint.__signature__ = sig.replace(parameters=[p for p in params if p.name not in drop])  # type: ignore[attr-defined]
    return endpoint


def add_create(
    router: APIRouter,
    records: Records[Any],
    route: Route,
    *,
    body_model: type[BaseModel],
    public_model: type[BaseModel],
    example: dict[str, Any],
    problems: Sequence[int],
    check_body: Callable[[Any], object] | None = None,
    check_refs: Callable[[AsyncSession, Principal, Any], Awaitable[object]] | None = None,
    resolve: Callable[[Request, Principal, Any], Awaitable[dict[str, Any]]] | None = None,
) -> None:
    """`POST ""`: idempotent; the caller must act for a party; `check_body` runs before membership confirms the
    organizations, `check_refs` (e.g. the learner) after; `resolve` (e.g. a membership person) after them too, and
    answers values stored with the record besides the body."""

    async def create(
        request: Request,
        body: body_model,  # type: ignore[valid-type]
        session: SessionDep,
        principal: PrincipalDep,
        idem: IdempotencyDep,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        if idem.replay is not None:
            return idem.replay
        ensure_party(principal, *records.party_ids(body))
        if check_body is not None:
            check_body(body)
        await org_directory(request).require_active({p: getattr(body, p) for p in records.parties})
        if check_refs is not None:
            await check_refs(session, principal, body)
        extra = await resolve(request, principal, body) if resolve is not None else None
        row: Any = await records.create(session, data=body, actor=principal.actor, extra=extra)
        response = one(records.public(row), 201, Location=f"{router.prefix}/{row.id}")
        await idem.record(session, response)
        await session.commit()
        return response

    router.add_api_route(
        "",
        create,
        methods=["POST"],
        name=route.name,
        status_code=201,
        response_model=public_model,
        dependencies=[route.access],
        summary=route.summary,
        description=route.description,
        responses={
            201: {
                "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
                "content": {"application/json": {"example": example}},
            },
            **problem_responses(*problems),
        },
    )


def add_get(
    router: APIRouter,
    records: Records[Any],
    route: Route,
    *,
    id_name: str,
    public_model: type[BaseModel],
    example: dict[str, Any],
) -> None:
    """`GET /{id}`: a private record the caller may not read is 404; `If-None-Match` → 304."""

    async def get(
        record_id: uuid.UUID,
        session: SessionDep,
        principal: PrincipalDep = None,  # type: ignore[assignment]
        if_none_match: IfNoneMatch = None,
    ) -> Response:
        row: Any = await records.get(session, record_id)
        if records.private and not can_read(principal, *records.party_ids(row)):
            raise records.not_found()
        if if_none_match_hits(if_none_match, row.version):
            return Response(status_code=304, headers={"ETag": etag_for(row.version)})
        return one(records.public(row))

    router.add_api_route(
        f"/{{{id_name}}}",
        _shaped(get, id_name, drop=() if records.private else ("principal",)),
        methods=["GET"],
        name=route.name,
        response_model=public_model,
        dependencies=[READ],
        summary=route.summary,
        description=route.description,
        responses={
            200: {"content": {"application/json": {"example": example}}},
            304: {"description": "Not modified"},
            **problem_responses(401, 403, 404, 422),
        },
    )


def add_patch(
    router: APIRouter,
    records: Records[Any],
    route: Route,
    *,
    id_name: str,
    body_model: type[BaseModel],
    public_model: type[BaseModel],
    example: dict[str, Any],
    check_change: Callable[[Request, Principal, Any, Any], Awaitable[object]] | None = None,
) -> None:
    """`PATCH /{id}`: the caller must act for a party before and after the change; new organizations are
    confirmed with membership before the row is locked (when the body can move the record at all);
    `check_change(request, principal, current row, body)` then checks what else the change references (e.g. a
    membership person) — before the row is locked too."""
    moves = [p for p in records.parties if p in body_model.model_fields]

    async def patch(
        request: Request,
        record_id: uuid.UUID,
        body: body_model,  # type: ignore[valid-type]
        session: SessionDep,
        principal: PrincipalDep,
        if_match: IfMatch = None,
    ) -> Response:
        if moves or check_change is not None:
            current: Any = await records.get(session, record_id)
            ensure_party(principal, *records.party_ids(current))
            ensure_party(principal, *(getattr(body, p, None) or getattr(current, p) for p in records.parties))
            refs = {p: getattr(body, p) for p in moves if getattr(body, p)}
            if refs:
                await org_directory(request).require_active(refs)
            if check_change is not None:
                await check_change(request, principal, current, body)
        row = await records.get(session, record_id, for_update=True)
        ensure_party(principal, *records.party_ids(row))
        row = await records.update(session, row=row, changes=body, if_match=if_match, actor=principal.actor)
        response = one(records.public(row))
        await session.commit()
        return response

    router.add_api_route(
        f"/{{{id_name}}}",
        _shaped(patch, id_name),
        methods=["PATCH"],
        name=route.name,
        response_model=public_model,
        dependencies=[route.access],
        summary=route.summary,
        description=route.description,
        responses={
            200: {"content": {"application/json": {"example": {**example, "version": 2}}}},
            **problem_responses(401, 403, 404, 412, 422, *((503,) if moves or check_change is not None else ())),
        },
    )


def add_delete(router: APIRouter, records: Records[Any], route: Route, *, id_name: str) -> None:
    """`DELETE /{id}`: soft delete by a party."""

    async def delete(
        record_id: uuid.UUID, session: SessionDep, principal: PrincipalDep, if_match: IfMatch = None
    ) -> Response:
        row = await records.get(session, record_id, for_update=True)
        ensure_party(principal, *records.party_ids(row))
        await records.delete(session, row=row, if_match=if_match, actor=principal.actor)
        await session.commit()
        return Response(status_code=204)

    router.add_api_route(
        f"/{{{id_name}}}",
        _shaped(delete, id_name),
        methods=["DELETE"],
        name=route.name,
        status_code=204,
        dependencies=[route.access],
        summary=route.summary,
        description=route.description,
        responses=problem_responses(401, 403, 404, 412, 422),
    )
