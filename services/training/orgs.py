"""What training asks the membership service: does this organization exist and is it active, which
organizations were members of an alliance when, and who is this person (a membership person — a teacher
or an enterprise's staff member — and the organization it belongs to).

Calls go through the gateway as the service principal `service:training` (read scopes only; never
on a user's behalf — `chanjiao/service_client.py`). Answers are cached for `org_cache_ttl_seconds`:

* within the TTL a cached answer is used even while membership is down;
* past it the answer is fetched again; if membership cannot answer, the caller gets 503 with
  `Retry-After` before anything is written (writes check organizations first, then open their
  transaction's work); reads of training's own records never need membership.

An organization that does not exist is remembered for a short time too (a typo is not retried at
every row of a batch). So is a person that does not exist.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.requests import Request

from chanjiao.errors import FieldError, ServiceUnavailable, ValidationFailed
from chanjiao.http import call
from chanjiao.service_client import make_service_client
from services.training.settings import TrainingSettings

NEGATIVE_TTL_SECONDS = 10.0


@dataclass(frozen=True)
class OrgInfo:
    id: uuid.UUID
    name: str
    org_type: str
    status: str  # active | inactive

    @property
    def is_active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class MemberPeriod:
    """One membership period of an organization in an alliance (`joined_on`/`ended_on`, docs/membership.md)."""

    org_id: uuid.UUID
    joined_on: date | None  # None: never became active (pending, rejected)
    ended_on: date | None  # None: still a member


@dataclass(frozen=True)
class PersonInfo:
    """A membership person (`/v1/people/{id}`) as training needs it: the name and the organization."""

    id: uuid.UUID
    name: str
    org_id: uuid.UUID


class OrgDirectory:
    def __init__(self, settings: TrainingSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.ttl = settings.org_cache_ttl_seconds
        self._settings = settings
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._orgs: dict[uuid.UUID, tuple[float, OrgInfo | None]] = {}
        self._members: dict[uuid.UUID, tuple[float, list[MemberPeriod] | None]] = {}
        self._people: dict[uuid.UUID, tuple[float, PersonInfo | None]] = {}

    # ---- plumbing ---------------------------------------------------------------------------
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            kwargs: dict[str, Any] = {"read": self._settings.membership_timeout_seconds}
            if self._transport is not None:
                kwargs["transport"] = self._transport
            self._client = make_service_client(self._settings, **kwargs)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def use_transport(self, transport: httpx.AsyncBaseTransport | None) -> None:
        """Reach the gateway through `transport` from the next call on (tests whose gateway exists only after the
        service started: an in-process gateway). The cached answers stay."""
        await self.close()
        self._transport = transport

    async def _get(
        self, path: str, what: tuple[str, str] = ("单位", "the organization"), **params: Any
    ) -> httpx.Response:
        r = await call(self.client(), "GET", path, upstream="membership", params=params or None)
        if r.status_code >= 500 or r.status_code in (401, 403, 429):
            raise ServiceUnavailable(
                detail_zh=f"成员服务暂不可用，无法核实{what[0]}",
                detail_en=f"Membership cannot confirm {what[1]} now",
                headers={"Retry-After": r.headers.get("retry-after", "5")},
            )
        return r

    # ---- organizations ----------------------------------------------------------------------
    async def get(self, org_id: uuid.UUID) -> OrgInfo | None:
        """The organization, or None when membership says it does not exist."""
        now = time.monotonic()
        hit = self._orgs.get(org_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        r = await self._get(f"/v1/organizations/{org_id}")
        if r.status_code == 404:
            self._orgs[org_id] = (now + min(self.ttl, NEGATIVE_TTL_SECONDS), None)
            return None
        body = r.json()
        info = OrgInfo(id=org_id, name=body["name"], org_type=body["org_type"], status=body.get("status", "active"))
        self._orgs[org_id] = (now + self.ttl, info)
        return info

    async def require_active(self, refs: Mapping[str, uuid.UUID | None]) -> dict[str, OrgInfo]:
        """Check every referenced organization (field name → id); 422 naming each field whose
        organization does not exist or is inactive; 503 when membership cannot answer."""
        ids = {v for v in refs.values() if v is not None}
        found = dict(zip(ids, await asyncio.gather(*(self.get(i) for i in ids)), strict=True))
        errors: list[FieldError] = []
        out: dict[str, OrgInfo] = {}
        for name, org_id in refs.items():
            if org_id is None:
                continue
            info = found[org_id]
            if info is None:
                errors.append(
                    FieldError(["body", name], "单位不存在", "No such organization", "organization_not_found")
                )
            elif not info.is_active:
                errors.append(
                    FieldError(
                        ["body", name],
                        "单位已停用，不能登记新记录",
                        "The organization is inactive",
                        "organization_inactive",
                    )
                )
            else:
                out[name] = info
        if errors:
            raise ValidationFailed(
                detail_zh="引用的单位不存在或已停用：" + ", ".join(str(e.loc[-1]) for e in errors),
                detail_en="Referenced organizations missing or inactive: " + ", ".join(str(e.loc[-1]) for e in errors),
                errors=errors,
            )
        return out

    # ---- people -----------------------------------------------------------------------------------------
    async def person(self, person_id: uuid.UUID) -> PersonInfo | None:
        """The person, or None when membership says it does not exist (or was deleted)."""
        now = time.monotonic()
        hit = self._people.get(person_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        r = await self._get(f"/v1/people/{person_id}", ("人员", "the person"))
        if r.status_code == 404:
            self._people[person_id] = (now + min(self.ttl, NEGATIVE_TTL_SECONDS), None)
            return None
        body = r.json()
        info = PersonInfo(id=person_id, name=body["name"], org_id=uuid.UUID(body["org_id"]))
        self._people[person_id] = (now + self.ttl, info)
        return info

    async def require_person_of(self, field: str, person_id: uuid.UUID, org_id: uuid.UUID) -> PersonInfo:
        """The person `person_id` if it belongs to `org_id`; else 422 naming `body.<field>` — one answer for a
        person that does not exist, was deleted or belongs to another organization, so a caller cannot tell
        them apart; 503 when membership cannot answer."""
        info = await self.person(person_id)
        if info is None or info.org_id != org_id:
            raise ValidationFailed(
                detail_zh="该人员不存在，或不属于所填单位",
                detail_en="No such person in that organization",
                errors=[
                    FieldError(
                        ["body", field],
                        "所填单位没有该人员",
                        "No such person in that organization",
                        "person_not_found",
                    )
                ],
            )
        return info

    # ---- alliances --------------------------------------------------------------------------
    async def alliance_members(self, alliance_id: uuid.UUID) -> list[MemberPeriod] | None:
        """Every membership period of the alliance (None when the alliance does not exist)."""
        now = time.monotonic()
        hit = self._members.get(alliance_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        r = await self._get(f"/v1/alliances/{alliance_id}")
        if r.status_code == 404:
            self._members[alliance_id] = (now + min(self.ttl, NEGATIVE_TTL_SECONDS), None)
            return None
        periods: list[MemberPeriod] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"alliance_id": str(alliance_id), "limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = (await self._get("/v1/memberships", **params)).json()
            for m in page["items"]:
                periods.append(
                    MemberPeriod(
                        org_id=uuid.UUID(m["org_id"]),
                        joined_on=date.fromisoformat(m["joined_on"]) if m.get("joined_on") else None,
                        ended_on=date.fromisoformat(m["ended_on"]) if m.get("ended_on") else None,
                    )
                )
            cursor = page.get("next_cursor")
            if not cursor:
                break
        self._members[alliance_id] = (now + self.ttl, periods)
        return periods


async def open_directory(app: FastAPI) -> None:
    """At start-up (the service's lifespan, services/training/main.py): the app's one directory and its client. It
    reaches the gateway through `app.state.gateway_transport` when one is set before start-up (tests), else over
    HTTP."""
    directory = OrgDirectory(app.state.settings, getattr(app.state, "gateway_transport", None))
    directory.client()
    app.state.org_directory = directory


async def close_directory(app: FastAPI) -> None:
    """At shutdown: close the directory's connections to the gateway."""
    directory: OrgDirectory | None = getattr(app.state, "org_directory", None)
    if directory is not None:
        await directory.close()


def org_directory(request: Request) -> OrgDirectory:
    """The app's directory, made at start-up (`open_directory`)."""
    return request.app.state.org_directory


def ids_of(values: Iterable[uuid.UUID | None]) -> set[uuid.UUID]:
    return {v for v in values if v is not None}
