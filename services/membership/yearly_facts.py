"""What the yearly facts of members share (`school_facts/`, `enterprise_facts/`, `member_facts/`): who reads an
organization's facts, the year bounds and the 万元 amount type.

Who reads (docs/domain.md, "Yearly facts of members"): the organization's own principals (org_admin, org_staff,
its API keys), the admins of an alliance the organization is a current member of (active or suspended — the
membership's status today: a member shares its yearly facts with its alliances, to be counted in their figures),
service principals with `membership:read`, platform admins. Anyone else gets 404, as if the year had no facts.
Who writes: whoever may edit the organization's record (services/membership/tenancy.py `ensure_org_writer`)."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import ALLIANCE_ADMIN, ORG_ADMIN, Principal, allow
from chanjiao.errors import NotFound
from chanjiao.sync import Since
from chanjiao.validators.errors import CodeError
from services.membership import tenancy
from services.membership.memberships import service as memberships
from services.membership.memberships.models import MEMBER

FIRST_YEAR, LAST_YEAR = 1949, 2100
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR, description="年份（公历年） Calendar year", examples=[2023])]

READ = allow(scopes=("membership:read",))
WRITE = allow(roles=(ORG_ADMIN, ALLIANCE_ADMIN), scopes=("membership:write",), tenant="organization")
WHO_READS = (
    "\n\n**谁可以读 Who reads:** the organization's own principals, the admins of an alliance it is a current member "
    "of (active or suspended), service principals with `membership:read` and platform admins; anyone else gets 404."
)
WHO_WRITES = (
    "\n\n**谁可以写 Who writes:** the organization's own org_admin (a user or its API key); an admin of the alliance "
    "that registered it, until its org admin has claimed it; platform admins. Another organization's principals get "
    "403 — a membership alone gives no right to write a member's facts."
)

_WAN = re.compile(r"^[0-9]{1,10}(\.[0-9]{1,2})?$")
MAX_WAN = Decimal("9999999999.99")


def _parse_wan(value: object) -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, Decimal):
        text = f"{value:f}"
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise CodeError(
            "decimal_string",
            '金额须为十进制数字符串（万元），如 "3000.50"',
            'An amount is a decimal string (万元), e.g. "3000.50"',
        )
    if not _WAN.match(text):
        raise CodeError(
            "decimal_places",
            "金额须为非负数（万元），至多两位小数",
            "An amount is a non-negative number of 万元 with at most 2 decimal places",
        )
    return Decimal(text).quantize(Decimal("0.01"))


Wan = Annotated[
    Decimal,
    BeforeValidator(_parse_wan),
    PlainSerializer(lambda v: f"{v.quantize(Decimal('0.01')):f}", return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{1,10}(\.[0-9]{1,2})?$",
            "description": "金额（万元，十进制字符串，至多两位小数） — amount in 万元 (10 000 CNY) as a decimal string",
            "examples": ["3000.00"],
        },
        mode="validation",
    ),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "examples": ["3000.00"]}, mode="serialization"),
]


async def member_of_administered(session: AsyncSession, principal: Principal, org_id: uuid.UUID) -> bool:
    """True when the principal administers an alliance the organization is a current member of."""
    if ALLIANCE_ADMIN not in principal.roles or not principal.alliances:
        return False
    cursor: str | None = None
    while True:
        page = await memberships.list_memberships(
            session,
            alliance_id=None,
            org_id=org_id,
            status=None,
            role=None,
            active_between=None,
            since=Since(),
            cursor=cursor,
            limit=200,
        )
        if any(m.status in MEMBER and principal.administers_alliance(m.alliance_id) for m in page.rows):
            return True
        cursor = page.next_cursor
        if cursor is None:
            return False


async def may_read(session: AsyncSession, principal: Principal, org_id: uuid.UUID) -> bool:
    if await tenancy.can_read_private(session, principal, [org_id]):
        return True
    return await member_of_administered(session, principal, org_id)


class FactsNotFound(NotFound):
    slug = "yearly-facts-not-found"
    title_zh, title_en = "没有可读的年度数据", "No yearly facts you may read"


async def ensure_reader(session: AsyncSession, principal: Principal, org_id: uuid.UUID) -> None:
    """404 unless the principal may read the organization's yearly facts (as if there were none)."""
    if not await may_read(session, principal, org_id):
        raise FactsNotFound(
            detail_zh="没有该单位的年度数据，或无权查看",
            detail_en="No yearly facts of this organization that you may read",
        )
