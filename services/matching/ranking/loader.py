"""Open candidates for a ranking, loaded fast: one raw statement (asyncpg, only the ids and versions of the open
postings of the compatible kinds) decides which cached profiles are still current; only new or changed postings are
read in full. The cache is exact — a posting's profile is reused only while its `version` is the one in the table,
and a posting that left the open set is dropped — so a ranking never sees stale postings (docs/matching-ranking-
routes.md, "Speed")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.scoring.columns import Columns
from services.matching.scoring.components import Prepared
from services.matching.scoring.profiles import EDUCATION_LEVELS, DemandProfile, OfferProfile

_COMMON = (
    "id::text AS id, org_id::text AS org_id, kind, major_codes, occupation_codes, education_level, region_code, "
    "period_start, period_end, alliance_id::text AS alliance_id"
)
OFFER_COLUMNS = _COMMON + ", count, cohort_year"
DEMAND_COLUMNS = _COMMON + ", headcount"


def _level(value: str | None) -> str | None:
    """The engine knows the three vocational levels; any other stated level (不限, 普通本科 …) counts as unstated, so
    the level of the posting's majors is used (services/matching/scoring/components.py `level_rank`)."""
    return value if value in EDUCATION_LEVELS else None


def offer_profile(r: Any) -> OfferProfile:
    return OfferProfile(
        id=r["id"],
        org_id=r["org_id"],
        kind=r["kind"],
        major_codes=tuple(r["major_codes"]),
        occupation_codes=tuple(r["occupation_codes"]),
        education_level=_level(r["education_level"]),
        count=r["count"],
        region_code=r["region_code"],
        period_start=r["period_start"],
        period_end=r["period_end"],
        cohort_year=r["cohort_year"],
        alliance_id=r["alliance_id"],
    )


def demand_profile(r: Any) -> DemandProfile:
    return DemandProfile(
        id=r["id"],
        org_id=r["org_id"],
        kind=r["kind"],
        major_codes=tuple(r["major_codes"]),
        occupation_codes=tuple(r["occupation_codes"]),
        education_level=_level(r["education_level"]),
        headcount=r["headcount"],
        region_code=r["region_code"],
        period_start=r["period_start"],
        period_end=r["period_end"],
        alliance_id=r["alliance_id"],
    )


async def raw(session: AsyncSession) -> Any:
    """The asyncpg connection under the session's connection (same transaction)."""
    conn = await session.connection()
    fairy = await conn.get_raw_connection()
    return fairy.driver_connection


@dataclass
class ProfileCache:
    """Profiles of open postings of one table by id, each with the version it was read at (and, for demands, the
    engine's per-demand preparation, built on first use)."""

    table: str  # offers | demands
    entries: dict[str, tuple[int, Any]] = field(default_factory=dict)
    prepared: dict[str, Prepared] = field(default_factory=dict)
    reads: int = 0  # postings read in full so far (the bench and the tests watch it)

    @property
    def columns(self) -> str:
        return OFFER_COLUMNS if self.table == "offers" else DEMAND_COLUMNS

    def build(self, r: Any) -> Any:
        return offer_profile(r) if self.table == "offers" else demand_profile(r)

    async def all_open(self, session: AsyncSession) -> tuple[list[Any], list[Any]]:
        """Every open posting, as profiles (ordered by id), and those among them read anew."""
        con = await raw(session)
        current = await con.fetch(
            f"SELECT id::text AS id, version FROM matching.{self.table} WHERE status = 'open' ORDER BY id"
        )
        fresh: list[Any] = []
        return await self._current(con, current, None, None, fresh), fresh

    async def open_candidates(self, session: AsyncSession, kinds: list[str], other_than_org: str) -> list[Any]:
        """Every open posting of `kinds` not of `other_than_org`, as profiles (ordered by id)."""
        if not kinds:
            return []
        con = await raw(session)
        current = await con.fetch(
            f"SELECT id::text AS id, version FROM matching.{self.table} "
            "WHERE status = 'open' AND kind = any($1::text[]) AND org_id <> $2::uuid ORDER BY id",
            kinds,
            other_than_org,
        )
        return await self._current(con, current, kinds, other_than_org)

    async def _current(
        self,
        con: Any,
        current: list[Any],
        kinds: list[str] | None,
        other_than_org: str | None,
        fresh: list[Any] | None = None,
    ) -> list:
        entries = self.entries
        stale = [r["id"] for r in current if (hit := entries.get(r["id"])) is None or hit[0] != r["version"]]
        if stale:
            rows = await con.fetch(
                f"SELECT {self.columns}, version FROM matching.{self.table} WHERE id = any($1::uuid[])", stale
            )
            for r in rows:
                profile = self.build(r)
                entries[r["id"]] = (r["version"], profile)
                self.prepared.pop(r["id"], None)
                if fresh is not None:
                    fresh.append(profile)
            self.reads += len(rows)
        out = []
        for r in current:
            hit = entries.get(r["id"])
            if hit is not None and hit[0] == r["version"]:
                out.append(hit[1])
        self._forget_closed(kinds, {r["id"] for r in current}, other_than_org)
        return out

    def _forget_closed(self, kinds: list[str] | None, open_ids: set[str], other_than_org: str | None) -> None:
        """Drop cached postings of `kinds` (None: all) that are no longer open (those of `other_than_org` were not
        asked)."""
        wanted = None if kinds is None else set(kinds)
        gone = [
            key
            for key, (_v, p) in self.entries.items()
            if (wanted is None or p.kind in wanted) and p.org_id != other_than_org and key not in open_ids
        ]
        for key in gone:
            del self.entries[key]
            self.prepared.pop(key, None)

    def prepare(self, demand: DemandProfile) -> Prepared:
        prep = self.prepared.get(demand.id)
        if prep is None or prep.demand is not demand:
            prep = self.prepared[demand.id] = Prepared(demand)
        return prep


async def load_one(session: AsyncSession, table: str, posting_id: str) -> Any:
    """The profile of one posting (any status), or None."""
    cache = ProfileCache(table)
    con = await raw(session)
    r = await con.fetchrow(f"SELECT {cache.columns} FROM matching.{table} WHERE id = $1::uuid", posting_id)
    return None if r is None else cache.build(r)


# A fingerprint of the open offers: their number and a sum of hashes of (id, version). Equal fingerprints mean the
# same open offers at the same versions (a collision of the 64-bit hashes aside).
FINGERPRINT = (
    "SELECT count(*) AS n, coalesce(sum(hashtextextended(id::text || ':' || version, 0)), 0) AS h "
    "FROM matching.offers WHERE status = 'open'"
)


@dataclass
class OfferColumnsCache:
    """Every open offer (of every kind) as `Columns`, rebuilt only when the fingerprint of the open offers changes;
    then only the new or changed offers are read in full (`ProfileCache`)."""

    profiles: ProfileCache = field(default_factory=lambda: ProfileCache("offers"))
    columns: Columns | None = None
    fingerprint: tuple[int, int] | None = None

    @property
    def reads(self) -> int:
        return self.profiles.reads

    async def current(self, session: AsyncSession) -> Columns:
        con = await raw(session)
        row = await con.fetchrow(FINGERPRINT)
        fingerprint = (row["n"], int(row["h"]))
        if self.columns is not None and fingerprint == self.fingerprint:
            return self.columns
        reads = self.profiles.reads
        offers, changed = await self.profiles.all_open(session)
        if (
            self.columns is None
            or self.profiles.reads == reads
            or not self.columns.patch([o.id for o in offers], changed)
        ):
            self.columns = Columns.build(offers)
        self.fingerprint = fingerprint
        return self.columns
