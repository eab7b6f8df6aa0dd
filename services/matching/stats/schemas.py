"""The shape of `GET /v1/matching-stats` — each figure's definition lives in its field description (and so in the
OpenAPI document); docs/matching-stats.md explains the period rules."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

MONEY_SCHEMA = {"pattern": r"^[0-9]+\.[0-9]{2}$", "examples": ["1200000.00"]}


class MatchingStatsDemandKind(BaseModel):
    kind: str = Field(description="需求类别 Demand kind (docs/matching-core.md)")
    label: str = Field(description="类别名称 Its label, e.g. 订单班")
    count: int = Field(description="需求数 Demands of this kind opened in the period")
    headcount: int = Field(description="需求人数 Σ `headcount` of those demands")


class MatchingStatsDemands(BaseModel):
    count: int = Field(
        description="需求数 — demands first opened (the `effective_on` of their first transition to `open`) in the "
        "period by their enterprise (`org_id`; for an alliance: while it was a member); drafts never opened do not "
        "count"
    )
    headcount: int = Field(description="需求人数 — Σ `headcount` of those demands")
    by_kind: list[MatchingStatsDemandKind] = Field(description="The same for each demand kind, zeros included")
    by_status: dict[str, int] = Field(
        description="Those demands by their status now (open / matched / closed / cancelled), zeros included"
    )


class MatchingStatsOfferKind(BaseModel):
    kind: str = Field(description="供给类别 Offer kind (docs/matching-core.md)")
    label: str = Field(description="类别名称 Its label, e.g. 毕业生")
    count: int = Field(description="供给数 Offers of this kind opened in the period")
    places: int = Field(description="供给人数/容量 Σ `count` of those offers")


class MatchingStatsOffers(BaseModel):
    count: int = Field(
        description="供给数 — offers first opened (their first transition to `open`) in the period by their school "
        "(`org_id`; for an alliance: while it was a member); drafts never opened do not count"
    )
    places: int = Field(description="供给人数/容量 — Σ `count` of those offers")
    by_kind: list[MatchingStatsOfferKind] = Field(description="The same for each offer kind, zeros included")
    by_status: dict[str, int] = Field(
        description="Those offers by their status now (open / matched / closed / cancelled), zeros included"
    )


class MatchingStatsAgreementKind(BaseModel):
    kind: str = Field(description="协议类别 Agreement kind (docs/matching-agreements.md)")
    label: str = Field(description="类别名称 Its label, e.g. 产业学院")
    count: int = Field(description="协议数 Agreements of this kind in force during the period")
    by_status: dict[str, int] = Field(description="Those agreements by status now, zeros included")


class MatchingStatsAgreements(BaseModel):
    count: int = Field(
        description="校企合作协议数 — agreements whose own period (`period_start` … `period_end`, open-ended when "
        "`period_end` is null) overlaps the period, with the organization as a party (for an alliance: a party that "
        "was a member on a day of the overlap); an agreement with two member parties counts once"
    )
    planned_students: int = Field(description="计划培养人数 — Σ `planned_students` of those agreements")
    by_kind: list[MatchingStatsAgreementKind] = Field(description="The same for each agreement kind, zeros included")
    by_status: dict[str, int] = Field(
        description="Those agreements by status now (draft / signed / active / completed / terminated), zeros included"
    )


class MatchingStatsFunding(BaseModel):
    committed: str = Field(
        description="承诺投入（元）— Σ `committed_amount` of the counted agreements that are signed, active or "
        "completed (a draft commits nothing; a terminated one no longer does); a decimal string with two places",
        json_schema_extra=MONEY_SCHEMA,
    )
    paid: str = Field(
        description="到位资金（元）— Σ of the ledger's payments whose `paid_on` falls in the period, of agreements "
        "the organization is a party to (for an alliance: a party that was a member on `paid_on`); a decimal string",
        json_schema_extra=MONEY_SCHEMA,
    )
    payments: int = Field(description="付款笔数 — the number of those payments")


class MatchingStatsProposals(BaseModel):
    count: int = Field(
        description="对接意向数 — proposals made in the period (Asia/Shanghai day of `created_at`) whose demand or "
        "offer is the organization's (for an alliance: an organization that was a member that day); counted once"
    )
    by_outcome: dict[str, int] = Field(
        description="按结果 — by current status: pending, accepted, declined, withdrawn, expired (every one present)"
    )


class MatchingStats(BaseModel):
    org_id: uuid.UUID | None = Field(description="单位 The organization asked for (or null)")
    alliance_id: uuid.UUID | None = Field(description="联盟 The alliance asked for (or null)")
    scope: Literal["organization", "members"] = Field(
        description="`organization`: the organization's own records; `members`: the alliance's members' records "
        "while they were members"
    )
    period_start: date = Field(description="统计期间起（含）First day of the period")
    period_end: date = Field(description="统计期间止（含）Last day of the period")
    member_orgs: int = Field(description="成员单位数 — organizations whose records count (1 for an organization)")
    demands: MatchingStatsDemands = Field(description="企业需求 Demands")
    offers: MatchingStatsOffers = Field(description="院校供给 Offers")
    proposals: MatchingStatsProposals = Field(description="对接意向 Proposals, by outcome")
    agreements: MatchingStatsAgreements = Field(description="校企合作协议 Agreements")
    funding: MatchingStatsFunding = Field(description="资金 Funding of those agreements")


EXAMPLE = {
    "org_id": None,
    "alliance_id": "0192f3a4-5b6c-7d8e-9f00-112233445566",
    "scope": "members",
    "period_start": "2026-01-01",
    "period_end": "2026-12-31",
    "member_orgs": 17,
    "demands": {
        "count": 4,
        "headcount": 95,
        "by_kind": [{"kind": "order_class", "label": "订单班", "count": 1, "headcount": 40}],
        "by_status": {"open": 4, "matched": 0, "closed": 0, "cancelled": 0},
    },
    "offers": {
        "count": 3,
        "places": 150,
        "by_kind": [{"kind": "graduates", "label": "毕业生", "count": 2, "places": 120}],
        "by_status": {"open": 3, "matched": 0, "closed": 0, "cancelled": 0},
    },
    "proposals": {
        "count": 5,
        "by_outcome": {"pending": 1, "accepted": 2, "declined": 1, "withdrawn": 0, "expired": 1},
    },
    "agreements": {
        "count": 2,
        "planned_students": 70,
        "by_kind": [
            {
                "kind": "order_class",
                "label": "订单班",
                "count": 1,
                "by_status": {"draft": 0, "signed": 0, "active": 1, "completed": 0, "terminated": 0},
            }
        ],
        "by_status": {"draft": 0, "signed": 1, "active": 1, "completed": 0, "terminated": 0},
    },
    "funding": {"committed": "1800000.00", "paid": "600000.00", "payments": 2},
}
