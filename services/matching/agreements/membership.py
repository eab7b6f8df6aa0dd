"""What agreements ask the membership service: does this organization exist and is it active (and of which type),
does this alliance exist, and does this appointment (双栖双聘, `/v1/appointments/{id}`) exist — with its host and its
person's organization. Only ids are stored on the agreement; membership keeps the facts.

Calls go through the gateway as the service principal `service:matching` (read scopes only —
chanjiao/service_client.py), cached for `org_cache_ttl_seconds` like services/training/orgs.py: within the TTL a
cached answer is used even while membership is down; past it, a write that needs the answer gets 503 with
`Retry-After` before anything is written. A "does not exist" answer is remembered for a short time only."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.requests import Request

from chanjiao.errors import ServiceUnavailable
from chanjiao.http import call
from chanjiao.service_client import make_service_client
from services.matching.settings import MatchingSettings

NEGATIVE_TTL_SECONDS = 10.0
SCHOOL_ORG_TYPES = frozenset(
    {"undergraduate", "higher_vocational", "secondary_vocational", "technical_school", "technician_college"}
)
ENTERPRISE_ORG_TYPES = frozenset({"enterprise"})


@dataclass(frozen=True)
class OrgInfo:
    id: uuid.UUID
    org_type: str
    status: str  # active | inactive

    @property
    def is_active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class AppointmentInfo:
    """An appointment as an agreement needs it: where it is held and whose organization its person belongs to."""

    id: uuid.UUID
    host_org_id: uuid.UUID
    person_org_id: uuid.UUID


class MembershipDirectory:
    def __init__(self, settings: MatchingSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.ttl = settings.org_cache_ttl_seconds
        self._settings = settings
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._cache: dict[tuple[str, uuid.UUID], tuple[float, Any]] = {}

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
        """Reach the gateway through `transport` from the next call on (tests with an in-process gateway)."""
        await self.close()
        self._transport = transport

    async def _fetch(self, kind: str, key: uuid.UUID, path: str, what: tuple[str, str]) -> dict[str, Any] | None:
        """The JSON body of `path` (None on 404), cached under (kind, key)."""
        now = time.monotonic()
        hit = self._cache.get((kind, key))
        if hit is not None and hit[0] > now:
            return hit[1]
        r = await call(self.client(), "GET", path, upstream="membership")
        if r.status_code >= 500 or r.status_code in (401, 403, 429):
            raise ServiceUnavailable(
                detail_zh=f"成员服务暂不可用，无法核实{what[0]}",
                detail_en=f"Membership cannot confirm {what[1]} now",
                headers={"Retry-After": r.headers.get("retry-after", "5")},
            )
        if r.status_code == 404:
            self._cache[(kind, key)] = (now + min(self.ttl, NEGATIVE_TTL_SECONDS), None)
            return None
        body = r.json()
        self._cache[(kind, key)] = (now + self.ttl, body)
        return body

    async def org(self, org_id: uuid.UUID) -> OrgInfo | None:
        body = await self._fetch("org", org_id, f"/v1/organizations/{org_id}", ("单位", "the organization"))
        if body is None:
            return None
        return OrgInfo(id=org_id, org_type=body["org_type"], status=body.get("status", "active"))

    async def alliance_exists(self, alliance_id: uuid.UUID) -> bool:
        body = await self._fetch("alliance", alliance_id, f"/v1/alliances/{alliance_id}", ("联盟", "the alliance"))
        return body is not None

    async def appointment(self, appointment_id: uuid.UUID) -> AppointmentInfo | None:
        body = await self._fetch(
            "appointment", appointment_id, f"/v1/appointments/{appointment_id}", ("聘任", "the appointment")
        )
        if body is None:
            return None
        person_id = uuid.UUID(body["person_id"])
        person = await self._fetch("person", person_id, f"/v1/people/{person_id}", ("人员", "the person"))
        if person is None:
            return None
        return AppointmentInfo(
            id=appointment_id, host_org_id=uuid.UUID(body["host_org_id"]), person_org_id=uuid.UUID(person["org_id"])
        )


async def open_directory(app: FastAPI) -> None:
    """At start-up (services/matching/main.py): the app's one directory; it reaches the gateway through
    `app.state.gateway_transport` when one is set before start-up (tests), else over HTTP."""
    directory = MembershipDirectory(app.state.settings, getattr(app.state, "gateway_transport", None))
    directory.client()
    app.state.membership_directory = directory


async def close_directory(app: FastAPI) -> None:
    directory: MembershipDirectory | None = getattr(app.state, "membership_directory", None)
    if directory is not None:
        await directory.close()


def membership_directory(request: Request) -> MembershipDirectory:
    return request.app.state.membership_directory
