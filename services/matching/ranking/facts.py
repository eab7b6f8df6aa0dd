"""The facts a ranking asks other sources for, cached per organization (docs/matching-ranking-routes.md, "Facts").

* same alliance — membership: the alliances the subject's organization is an active member of
  (`GET /v1/memberships?org_id=…&status=active`), then the active members of each
  (`GET /v1/memberships?alliance_id=…&status=active`); a candidate's organization in one of them shares an alliance.
* track record — training: `GET /v1/training-stats/track-record?org_id=…&occupation_codes=…` of the offering school
  in the demand's occupations (services/training/stats/track.py).
* past agreements — this service's agreements (signed, active or completed) between the two organizations.
* shortage — this service's shortage occupations of the demand's alliance (services/matching/shortages/).

Calls go through the gateway as `service:matching` with a short timeout (`facts_timeout_seconds`). Each answer is
reused for `facts_cache_ttl_seconds`: a fact is at most that old. A source that cannot answer (connection error,
timeout, 5xx, refused) raises `SourceDown`; the ranking then marks its components unavailable and lists the source in
`degraded` — a cached answer still inside its TTL is used instead."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from chanjiao.service_client import make_service_client
from services.matching.ranking.loader import OfferColumnsCache, ProfileCache
from services.matching.scoring.profiles import TrackRecord
from services.matching.settings import MatchingSettings
from services.matching.shortages.service import flagged

SOURCES = ("membership", "training")
PAGE = 500
CONCURRENCY = 8
COUNTED_STATUSES = ("signed", "active", "completed")
TRACK_PATH = "/v1/training-stats/track-record"


class SourceDown(Exception):
    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.source = source


class FactsSource:
    def __init__(self, settings: MatchingSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.ttl = settings.facts_cache_ttl_seconds
        self._settings = settings
        self._transport = transport
        self._urls: dict[str, str] = {}
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._cache: dict[tuple[Any, ...], tuple[float, Any]] = {}

    def client(self, source: str) -> httpx.AsyncClient:
        c = self._clients.get(source)
        if c is None:
            timeout = self._settings.facts_timeout_seconds
            settings = self._settings
            kwargs: dict[str, Any] = {"connect": timeout, "read": timeout}
            if source in self._urls:
                settings = settings.model_copy(update={"gateway_url": self._urls[source]})
            elif self._transport is not None:
                kwargs["transport"] = self._transport
            c = self._clients[source] = make_service_client(settings, **kwargs)
        return c

    async def close(self) -> None:
        for c in self._clients.values():
            await c.aclose()
        self._clients.clear()

    async def use_transport(self, transport: httpx.AsyncBaseTransport | None) -> None:
        """Reach the gateway through `transport` from the next call on (tests with an in-process gateway)."""
        await self.close()
        self._transport = transport

    async def reach(self, source: str, base_url: str | None) -> None:
        """Ask `source` at `base_url` instead of the gateway (None: the gateway again); forgets cached answers."""
        await self.close()
        if base_url is None:
            self._urls.pop(source, None)
        else:
            self._urls[source] = base_url
        self._cache.clear()

    @staticmethod
    def _key(path: str, params: dict[str, Any]) -> tuple[Any, ...]:
        return (path, *sorted(params.items()))

    async def _get(self, source: str, path: str, params: dict[str, Any]) -> Any:
        key = self._key(path, params)
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            r = await self.client(source).get(path, params=params)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise SourceDown(source) from exc
        if r.status_code >= 500 or r.status_code in (401, 403, 429):
            raise SourceDown(source)
        body = None if r.status_code == 404 else r.json()
        self._cache[key] = (now + self.ttl, body)
        return body

    async def _memberships(self, **by: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {**by, "status": "active", "limit": PAGE}
            if cursor:
                params["cursor"] = cursor
            body = await self._get("membership", "/v1/memberships", params) or {}
            items += body.get("items", [])
            cursor = body.get("next_cursor")
            if not cursor:
                return items

    async def alliances_of(self, org_id: str) -> frozenset[str]:
        return frozenset(m["alliance_id"] for m in await self._memberships(org_id=org_id))

    async def partners(self, org_id: str) -> frozenset[str]:
        """The organizations sharing an alliance with `org_id` (active members)."""
        out: set[str] = set()
        for alliance in sorted(await self.alliances_of(org_id)):
            out.update(m["org_id"] for m in await self._memberships(alliance_id=alliance))
        return frozenset(out)

    @staticmethod
    def _track_params(org_id: str, codes: tuple[str, ...]) -> dict[str, Any]:
        return {"org_id": org_id, "occupation_codes": ",".join(codes)}

    def _track_key(self, org_id: str, codes: tuple[str, ...]) -> tuple[Any, ...]:
        return self._key(TRACK_PATH, self._track_params(org_id, codes))

    @staticmethod
    def _track(body: dict[str, Any] | None) -> TrackRecord:
        if body is None:
            return TrackRecord()
        return TrackRecord(certificates=body["certificates"], completed_internships=body["completed_internships"])

    async def track_record(self, org_id: str, codes: tuple[str, ...]) -> TrackRecord:
        return self._track(await self._get("training", TRACK_PATH, self._track_params(org_id, codes)))

    async def track_records(
        self, pairs: Iterable[tuple[str, tuple[str, ...]]]
    ) -> tuple[dict[tuple[str, tuple[str, ...]], TrackRecord], bool]:
        """The track record of each (school, occupations) pair, and whether training was down for any of them."""
        gate = asyncio.Semaphore(CONCURRENCY)
        records: dict[tuple[str, tuple[str, ...]], TrackRecord] = {}
        wanted = []
        now = time.monotonic()
        for pair in set(pairs):  # answers still in the cache without a coroutine each
            hit = self._cache.get(self._track_key(*pair))
            if hit is not None and hit[0] > now:
                records[pair] = self._track(hit[1])
            else:
                wanted.append(pair)
        wanted.sort()

        async def one(pair: tuple[str, tuple[str, ...]]) -> TrackRecord | None:
            async with gate:
                try:
                    return await self.track_record(*pair)
                except SourceDown:
                    return None

        found = await asyncio.gather(*(one(p) for p in wanted))
        records.update((p, r) for p, r in zip(wanted, found, strict=True) if r is not None)
        return records, any(r is None for r in found)


async def past_agreements(session: AsyncSession, org_id: str) -> dict[str, int]:
    """Counterpart organization → agreements (signed, active or completed) it shares with `org_id`."""
    rows = await session.execute(
        sa.text(
            "SELECT other.org_id::text AS org, count(DISTINCT a.id) AS n FROM matching.agreements a "
            "JOIN matching.agreement_parties me ON me.agreement_id = a.id AND me.org_id = :org "
            "JOIN matching.agreement_parties other ON other.agreement_id = a.id AND other.org_id <> :org "
            "WHERE a.status = any(:statuses) GROUP BY other.org_id"
        ),
        {"org": uuid.UUID(org_id), "statuses": list(COUNTED_STATUSES)},
    )
    return {r.org: r.n for r in rows}


async def shortage_flags(session: AsyncSession, alliance_ids: Iterable[str]) -> dict[str, list[tuple[str, date, date]]]:
    """Alliance → its live flags (occupation code, first day, last day)."""
    ids = sorted(set(alliance_ids))
    if not ids:
        return {}
    rows = await session.execute(
        sa.text(
            "SELECT alliance_id::text AS alliance, occupation_code, period_start, period_end "
            "FROM matching.shortage_occupations WHERE deleted_at IS NULL AND alliance_id = any(CAST(:ids AS uuid[]))"
        ),
        {"ids": ids},
    )
    out: dict[str, list[tuple[str, date, date]]] = {}
    for r in rows:
        out.setdefault(r.alliance, []).append((r.occupation_code, r.period_start, r.period_end))
    return out


def in_shortage(demand: Any, flags: dict[str, list[tuple[str, date, date]]], today: date) -> bool:
    """A demand is in a shortage occupation when its alliance flags one of its occupations (or a group above it) for a
    period meeting the demand's: both dates — that period; only a start — from that day on; only an end — today (or
    the end, if past) to the end; none — today."""
    if demand.alliance_id is None or not demand.occupation_codes:
        return False
    start, end = demand.period_start, demand.period_end
    if start is not None:
        lo, hi = start, end or date.max
    elif end is not None:
        lo, hi = min(today, end), end
    else:
        lo = hi = today
    live = [code for code, first, last in flags.get(demand.alliance_id, ()) if first <= hi and last >= lo]
    return flagged(demand.occupation_codes, live)


async def open_facts(app: FastAPI) -> None:
    """At start-up (services/matching/main.py): the app's facts source and its posting caches."""
    source = FactsSource(app.state.settings, getattr(app.state, "gateway_transport", None))
    app.state.ranking_facts = source
    app.state.ranking_caches = {"offers": OfferColumnsCache(), "demands": ProfileCache("demands")}


async def close_facts(app: FastAPI) -> None:
    source: FactsSource | None = getattr(app.state, "ranking_facts", None)
    if source is not None:
        await source.close()


def facts_source(request: Request) -> FactsSource:
    return request.app.state.ranking_facts
