"""Shared set-up of the governance tests (meetings, activities, duties): an alliance with three members and an
outsider in another alliance, and principals acting for them."""

from __future__ import annotations

import uuid

from chanjiao.auth import ALL_SCOPES, ALLIANCE_ADMIN, ORG_STAFF, Principal
from tests.conftest import token_headers
from tests.membership.test_alliances_api import apply, make_org, move


def staff(org_id: str) -> dict[str, str]:
    """Headers of an org_staff user of `org_id`."""
    return token_headers(
        Principal(kind="user", subject=f"staff-{org_id}", org_id=org_id, roles=(ORG_STAFF,), scopes=ALL_SCOPES)
    )


def admin_of(alliance_id: str) -> dict[str, str]:
    """Headers of an alliance_admin user of `alliance_id`."""
    return token_headers(
        Principal(
            kind="user",
            subject=f"admin-{alliance_id}",
            roles=(ALLIANCE_ADMIN,),
            scopes=ALL_SCOPES,
            alliances=(alliance_id,),
        )
    )


async def alliance(c, name: str) -> str:
    r = await c.post(
        "/v1/alliances",
        json={"name": f"{name}{uuid.uuid4().hex[:4]}", "kind": "vocational_education_group", "level": "municipal"},
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def member(c, alliance_id: str, name: str, org_type: str = "enterprise", joined: str = "2020-02-01") -> str:
    org = await make_org(c, name, org_type, "370703")
    m = await apply(c, alliance_id, org, "2020-01-01")
    await move(c, m, "active", joined)
    return org


async def setup_governance(c) -> dict[str, str]:
    """潍坊市化工职业教育集团-like alliance with three members; another alliance with its own member."""
    a = await alliance(c, "潍坊市化工职业教育集团")
    other = await alliance(c, "淄博市技工教育联盟")
    return {
        "alliance": a,
        "other": other,
        "school": await member(c, a, "潍坊职业学院", "higher_vocational"),
        "firm": await member(c, a, "潍坊化工有限公司"),
        "firm2": await member(c, a, "寿光石化有限公司"),
        "outsider": await member(c, other, "淄博齐鲁化工公司"),
    }
