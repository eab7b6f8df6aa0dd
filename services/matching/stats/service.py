"""The matching figures, computed by PostgreSQL in one statement (the pattern of services/training/stats/service.py).

Whose records count is reduced first to a list of *windows* — (org_id, lo, hi), both ends inclusive:

* an organization: one window, the period itself;
* an alliance: each member's membership periods from the membership service (`joined_on` inclusive, `ended_on`
  exclusive), clipped to the period and merged per organization, so a record matches at most one window of its
  organization.

The windows go to SQL as three arrays (`unnest` → a CTE) and every figure is an aggregate joined to them over
indexed columns (`org_id` of demands and offers, `org_id` of agreement parties). Nothing is loaded into Python but
the aggregates: a few rows per kind and status, one row of sums.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.matching.agreements.models import KIND_LABELS as AGREEMENT_KINDS
from services.matching.agreements.models import PAYABLE, AgreementStatus
from services.matching.demands.models import KIND_LABELS as DEMAND_KINDS
from services.matching.offers.models import KIND_LABELS as OFFER_KINDS
from services.matching.postings import PostingStatus
from services.matching.proposals.models import ProposalStatus
from services.matching.stats.members import MemberPeriod
from services.matching.stats.schemas import (
    MatchingStats,
    MatchingStatsAgreementKind,
    MatchingStatsAgreements,
    MatchingStatsDemandKind,
    MatchingStatsDemands,
    MatchingStatsFunding,
    MatchingStatsOfferKind,
    MatchingStatsOffers,
    MatchingStatsProposals,
)

ONE_DAY = timedelta(days=1)
# A posting counted in the period has been opened, so it is never a draft.
POSTED_STATUSES = tuple(s.value for s in PostingStatus if s is not PostingStatus.draft)
AGREEMENT_STATUSES = tuple(s.value for s in AgreementStatus)
PROPOSAL_STATUSES = tuple(s.value for s in ProposalStatus)


@dataclass(frozen=True)
class Window:
    org_id: uuid.UUID
    lo: date
    hi: date


def org_windows(org_id: uuid.UUID, start: date, end: date) -> list[Window]:
    return [Window(org_id, start, end)]


def member_windows(periods: list[MemberPeriod], start: date, end: date) -> list[Window]:
    """The days each organization was a member within [start, end], as disjoint inclusive windows."""
    by_org: dict[uuid.UUID, list[tuple[date, date]]] = {}
    for p in periods:
        if p.joined_on is None:  # pending or rejected: never a member
            continue
        lo = max(p.joined_on, start)
        hi = min(p.ended_on - ONE_DAY, end) if p.ended_on is not None else end
        if lo <= hi:
            by_org.setdefault(p.org_id, []).append((lo, hi))
    out: list[Window] = []
    for org_id, spans in by_org.items():
        spans.sort()
        cur_lo, cur_hi = spans[0]
        for lo, hi in spans[1:]:
            if lo <= cur_hi + ONE_DAY:
                cur_hi = max(cur_hi, hi)
            else:
                out.append(Window(org_id, cur_lo, cur_hi))
                cur_lo, cur_hi = lo, hi
        out.append(Window(org_id, cur_lo, cur_hi))
    return out


_PAYABLE_SQL = ", ".join(f"'{s}'" for s in PAYABLE)

STATEMENT = sa.text(
    f"""
WITH w AS (
    SELECT * FROM unnest(CAST(:w_org AS uuid[]), CAST(:w_lo AS date[]), CAST(:w_hi AS date[])) AS w(org_id, lo, hi)
),
d AS (
    SELECT d.kind, d.status, d.headcount
    FROM w JOIN demands d ON d.org_id = w.org_id
    WHERE (SELECT min(t.effective_on) FROM demand_transitions t WHERE t.demand_id = d.id AND t.to_status = 'open')
          BETWEEN w.lo AND w.hi
),
o AS (
    SELECT o.kind, o.status, o.count
    FROM w JOIN offers o ON o.org_id = w.org_id
    WHERE (SELECT min(t.effective_on) FROM offer_transitions t WHERE t.offer_id = o.id AND t.to_status = 'open')
          BETWEEN w.lo AND w.hi
),
a AS (
    SELECT a.kind, a.status, a.planned_students, a.committed_amount
    FROM agreements a
    WHERE EXISTS (
        SELECT FROM agreement_parties p JOIN w ON w.org_id = p.org_id
        WHERE p.agreement_id = a.id
          AND a.period_start <= w.hi AND (a.period_end IS NULL OR a.period_end >= w.lo)
    )
),
pr AS (
    SELECT x.status, count(*) AS n
    FROM proposals x
    WHERE EXISTS (
        SELECT FROM w
        WHERE w.org_id IN (x.demand_org_id, x.offer_org_id)
          AND (x.created_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN w.lo AND w.hi
    )
    GROUP BY x.status
),
pay AS (
    SELECT count(*) AS payments, coalesce(sum(x.amount), 0) AS paid
    FROM agreement_payments x
    WHERE EXISTS (
        SELECT FROM agreement_parties p JOIN w ON w.org_id = p.org_id
        WHERE p.agreement_id = x.agreement_id AND x.paid_on BETWEEN w.lo AND w.hi
    )
),
dk AS (SELECT kind, status, count(*) AS n, coalesce(sum(headcount), 0)::bigint AS people FROM d GROUP BY kind, status),
ok AS (SELECT kind, status, count(*) AS n, coalesce(sum(count), 0)::bigint AS people FROM o GROUP BY kind, status),
ak AS (
    SELECT kind, status, count(*) AS n, coalesce(sum(planned_students), 0)::bigint AS people,
           coalesce(sum(committed_amount) FILTER (WHERE status IN ({_PAYABLE_SQL})), 0)::text AS committed
    FROM a GROUP BY kind, status
)
SELECT
    (SELECT coalesce(json_agg(dk), '[]'::json) FROM dk) AS demands,
    (SELECT coalesce(json_agg(ok), '[]'::json) FROM ok) AS offers,
    (SELECT coalesce(json_agg(ak), '[]'::json) FROM ak) AS agreements,
    (SELECT coalesce(json_object_agg(status, n), '{{}}'::json) FROM pr) AS proposals,
    pay.payments, pay.paid::text AS paid
FROM pay
"""
)


async def compute(session: AsyncSession, windows: list[Window]) -> dict[str, Any]:
    """Every aggregate for `windows`: rows of (kind, status, n, people[, committed]) and the payments' sums."""
    params = {
        "w_org": [w.org_id for w in windows],
        "w_lo": [w.lo for w in windows],
        "w_hi": [w.hi for w in windows],
    }
    return dict((await session.execute(STATEMENT, params)).mappings().one())


def _amount(value: Decimal) -> str:
    """CNY as the API writes it: a decimal string with exactly two places (services/matching/agreements/money.py)."""
    return f"{value.quantize(Decimal('0.01')):f}"


def _tally(
    rows: list[dict[str, Any]], labels: dict[str, str], statuses: tuple[str, ...]
) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Per kind (every known kind first, in their order, then any other found): n, people and n by status; and the
    totals by status."""
    kinds: dict[str, dict[str, Any]] = {
        k: {"label": v, "n": 0, "people": 0, "by_status": dict.fromkeys(statuses, 0)} for k, v in labels.items()
    }
    by_status = dict.fromkeys(statuses, 0)
    for r in rows:
        k = kinds.setdefault(
            r["kind"], {"label": r["kind"], "n": 0, "people": 0, "by_status": dict.fromkeys(statuses, 0)}
        )
        k["n"] += r["n"]
        k["people"] += r["people"]
        k["by_status"][r["status"]] = k["by_status"].get(r["status"], 0) + r["n"]
        by_status[r["status"]] = by_status.get(r["status"], 0) + r["n"]
    return kinds, by_status


def render(
    row: dict[str, Any],
    *,
    org_id: uuid.UUID | None,
    alliance_id: uuid.UUID | None,
    period_start: date,
    period_end: date,
    member_orgs: int,
) -> MatchingStats:
    demand_kinds, demand_status = _tally(row["demands"] or [], DEMAND_KINDS, POSTED_STATUSES)
    offer_kinds, offer_status = _tally(row["offers"] or [], OFFER_KINDS, POSTED_STATUSES)
    agreement_rows = row["agreements"] or []
    agreement_kinds, agreement_status = _tally(agreement_rows, AGREEMENT_KINDS, AGREEMENT_STATUSES)
    committed = sum((Decimal(r["committed"]) for r in agreement_rows), Decimal(0))
    return MatchingStats(
        org_id=org_id,
        alliance_id=alliance_id,
        scope="organization" if org_id is not None else "members",
        period_start=period_start,
        period_end=period_end,
        member_orgs=member_orgs,
        demands=MatchingStatsDemands(
            count=sum(k["n"] for k in demand_kinds.values()),
            headcount=sum(k["people"] for k in demand_kinds.values()),
            by_kind=[
                MatchingStatsDemandKind(kind=kind, label=k["label"], count=k["n"], headcount=k["people"])
                for kind, k in demand_kinds.items()
            ],
            by_status=demand_status,
        ),
        offers=MatchingStatsOffers(
            count=sum(k["n"] for k in offer_kinds.values()),
            places=sum(k["people"] for k in offer_kinds.values()),
            by_kind=[
                MatchingStatsOfferKind(kind=kind, label=k["label"], count=k["n"], places=k["people"])
                for kind, k in offer_kinds.items()
            ],
            by_status=offer_status,
        ),
        proposals=MatchingStatsProposals(
            count=sum((row["proposals"] or {}).values()),
            by_outcome={s: (row["proposals"] or {}).get(s, 0) for s in PROPOSAL_STATUSES},
        ),
        agreements=MatchingStatsAgreements(
            count=sum(k["n"] for k in agreement_kinds.values()),
            planned_students=sum(k["people"] for k in agreement_kinds.values()),
            by_kind=[
                MatchingStatsAgreementKind(kind=kind, label=k["label"], count=k["n"], by_status=k["by_status"])
                for kind, k in agreement_kinds.items()
            ],
            by_status=agreement_status,
        ),
        funding=MatchingStatsFunding(
            committed=_amount(committed), paid=_amount(Decimal(row["paid"])), payments=row["payments"]
        ),
    )
