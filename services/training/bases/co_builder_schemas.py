"""Co-builders of a training base 共建单位 — request/response models."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from services.training.bases.models import CO_BUILDER_ROLE_LABELS, CoBuilderRole
from services.training.parties import Tombstone, not_null, short_text

ROLE_DESCRIPTION = "角色: co_builder 共建单位"
INVESTMENT_DESCRIPTION = (
    "投入资金（元）: the money the co-builder put into the base, in CNY, as a decimal string (2 places)"
)
SHARE_DESCRIPTION = (
    "份额 %: the co-builder's share of the base, 0 < share ≤ 100 (2 places); the shares of a base's co-builders total "
    "at most 100 (the rest is the owner's) — else 422 rule `share_total` on `share_percent`"
)
SINCE_DESCRIPTION = "共建起始日期: from this day the base counts as co-built (unknown: for every period)"
CENT = Decimal("0.01")


def _cents(value: Decimal | None) -> Decimal | None:
    """Stored and answered with 2 places, as the column holds it."""
    return None if value is None else value.quantize(CENT)


Investment = Annotated[
    Decimal | None,
    Field(ge=0, max_digits=16, decimal_places=2, description=INVESTMENT_DESCRIPTION),
    AfterValidator(_cents),
]
Share = Annotated[
    Decimal | None,
    Field(gt=0, le=100, max_digits=5, decimal_places=2, description=SHARE_DESCRIPTION),
    AfterValidator(_cents),
]
InKind = short_text("实物投入: equipment, premises, staff or other in-kind contributions", 500, "捐赠DCS仿真系统 1 套")

_EXAMPLE_ORG = "019abf2e-0000-7000-8000-000000000002"


class CoBuilderCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "org_id": _EXAMPLE_ORG,
                    "investment_cny": "1200000.00",
                    "share_percent": "30",
                    "in_kind": "捐赠DCS仿真系统 1 套",
                    "since": "2022-09-01",
                }
            ]
        },
    )

    org_id: uuid.UUID = Field(description="共建单位: an existing, active organization other than the base's owner")
    role: CoBuilderRole = Field(default=CoBuilderRole.co_builder, description=ROLE_DESCRIPTION)
    investment_cny: Investment = None
    share_percent: Share = None
    in_kind: InKind = None
    since: IsoDate | None = Field(default=None, description=SINCE_DESCRIPTION)


class CoBuilderUpdate(BaseModel):
    """Partial update: only the fields sent change; `null` clears `investment_cny`, `share_percent`, `in_kind` and
    `since`. The organization cannot change (delete the entry and add another)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"share_percent": "25.5"}]})

    role: CoBuilderRole | None = Field(default=None, description=ROLE_DESCRIPTION)
    investment_cny: Investment = None
    share_percent: Share = None
    in_kind: InKind = None
    since: IsoDate | None = Field(default=None, description=SINCE_DESCRIPTION)

    _not_null = not_null("role")


class CoBuilderPublic(BaseModel):
    id: uuid.UUID
    base_id: uuid.UUID
    org_id: uuid.UUID
    role: CoBuilderRole
    role_label: str
    investment_cny: Decimal | None = Field(description=INVESTMENT_DESCRIPTION)
    share_percent: Decimal | None = Field(description=SHARE_DESCRIPTION)
    in_kind: str | None
    since: IsoDate | None = Field(description=SINCE_DESCRIPTION)
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class CoBuilderPage(Page[CoBuilderPublic | Tombstone]):
    pass


def render(row: Any) -> CoBuilderPublic:
    return CoBuilderPublic(
        id=row.id,
        base_id=row.base_id,
        org_id=row.org_id,
        role=row.role,
        role_label=CO_BUILDER_ROLE_LABELS[row.role],
        investment_cny=row.investment_cny,
        share_percent=row.share_percent,
        in_kind=row.in_kind,
        since=row.since,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
