"""Authorisation scenarios of an organization's dated type/region changes and of alliance relations."""

from __future__ import annotations

import uuid

from tests.authz.harness import Case, Req, World, scenario


async def _unclaimed_member_of_x(w: World, org_type: str = "technical_school") -> dict:
    """An organization X's secretariat registered (X keeps its record until it is claimed), a member of X."""
    body = {"name": f"矩阵技工学校{uuid.uuid4().hex[:8]}", "org_type": org_type, "region_code": "370702"}
    r = await w.send(w.alliance_key(w.alliance_x), Req("POST", "/v1/organizations", json=body))
    assert r.status_code == 201, r.text
    org = r.json()
    await w.new_member(w.alliance_x, org)
    return org


@scenario("POST", "/v1/organizations/{org_id}/changes")
async def org_type_change(w: World) -> Case:
    org = await _unclaimed_member_of_x(w)
    body = {"org_type": "technician_college", "effective_on": "2024-09-01", "reason": "升格为技师学院"}
    return Case(
        Req("POST", f"/v1/organizations/{org['id']}/changes", json=body),
        right=w.alliance_key(w.alliance_x),
        expect=201,
        wrong_tenant=[w.alliance_admin(w.alliance_y), w.org_admin(w.org_b), w.org_key(w.org_b)],
        wrong_role=[w.org_staff(org), w.service("matching")],
    )
