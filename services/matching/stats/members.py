"""Which organizations were members of an alliance, and when — asked of the membership service (`/v1/alliances/{id}`
to know it exists, then every page of `/v1/memberships?alliance_id=`), the way training's figures ask it
(services/training/orgs.py `alliance_members`).

The call goes through the app's membership directory client (services/matching/agreements/membership.py: the service
principal `service:matching`, read scopes only) and the answer is cached for `org_cache_ttl_seconds`: within the TTL a
cached answer is used even while membership is down; past it, when membership cannot answer, the figures are 503
with `Retry-After`. An alliance that does not exist is remembered for a short time only."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
from starlette.requests import Request

from chanjiao.errors import ServiceUnavailable
from chanjiao.http import call

PAGE = 500
NEGATIVE_TTL_SECONDS = 10.0


@dataclass(frozen=True)
class MemberPeriod:
    """One membership period of an organization in an alliance (`joined_on`/`ended_on`, docs/membership.md)."""

    org_id: uuid.UUID
    joined_on: date | None  # None: never became active (pending, rejected)
    ended_on: date | None  # None: still a member


class AllianceRolls:
    """The membership periods of alliances, cached per alliance."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._cache: dict[uuid.UUID, tuple[float, list[MemberPeriod] | None]] = {}

    async def _get(self, client: httpx.AsyncClient, path: str, **params: Any) -> httpx.Response:
        r = await call(client, "GET", path, upstream="membership", params=params or None)
        if r.status_code >= 500 or r.status_code in (401, 403, 429):
            raise ServiceUnavailable(
                detail_zh="成员服务暂不可用，无法取得联盟成员",
                detail_en="Membership cannot give the alliance's members now",
                headers={"Retry-After": r.headers.get("retry-after", "5")},
            )
        return r

    async def periods(self, client: httpx.AsyncClient, alliance_id: uuid.UUID) -> list[MemberPeriod] | None:
        """Every membership period of the alliance (None when the alliance does not exist)."""
        now = time.monotonic()
        hit = self._cache.get(alliance_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        if (await self._get(client, f"/v1/alliances/{alliance_id}")).status_code == 404:
            self._cache[alliance_id] = (now + min(self.ttl, NEGATIVE_TTL_SECONDS), None)
            return None
        periods: list[MemberPeriod] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"alliance_id": str(alliance_id), "limit": PAGE}
            if cursor:
                params["cursor"] = cursor
            page = (await self._get(client, "/v1/memberships", **params)).json()
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
        self._cache[alliance_id] = (now + self.ttl, periods)
        return periods


async def alliance_members(request: Request, alliance_id: uuid.UUID) -> list[MemberPeriod] | None:
    """The alliance's membership periods, through the app's one roll cache (made on first use)."""
    state = request.app.state
    rolls: AllianceRolls | None = getattr(state, "alliance_rolls", None)
    if rolls is None:
        rolls = state.alliance_rolls = AllianceRolls(state.settings.org_cache_ttl_seconds)
    # The app's one membership client, made at start-up (`open_directory` in services/matching/main.py).
    return await rolls.periods(state.membership_directory.client(), alliance_id)
