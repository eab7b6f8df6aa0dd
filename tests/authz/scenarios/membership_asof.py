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


async def _relation_of_x(w: World) -> dict:
    other = await w.new_alliance(kind="city_consortium")
    body = {"related_alliance_id": other["id"], "kind": "community_led_by_member", "since": "2024-03-01"}
    return await w.admin_post(f"/v1/alliances/{w.alliance_x['id']}/relations", body)


def _alliance_outsiders(w: World) -> dict:
    return {
        "wrong_tenant": [w.alliance_admin(w.alliance_y), w.alliance_key(w.alliance_y)],
        "wrong_role": [w.org_admin(w.org_a), w.org_staff(w.org_a), w.service("matching")],
    }


@scenario("POST", "/v1/alliances/{alliance_id}/relations")
async def alliance_relation_create(w: World) -> Case:
    other = await w.new_alliance(kind="industry_community")
    body = {"related_alliance_id": other["id"], "kind": "sub_alliance"}
    return Case(
        Req("POST", f"/v1/alliances/{w.alliance_x['id']}/relations", json=body),
        right=w.alliance_key(w.alliance_x),
        expect=201,
        **_alliance_outsiders(w),
    )


@scenario("PATCH", "/v1/alliances/{alliance_id}/relations/{relation_id}")
async def alliance_relation_update(w: World) -> Case:
    rel = await _relation_of_x(w)
    return Case(
        Req("PATCH", f"/v1/alliances/{w.alliance_x['id']}/relations/{rel['id']}", json={"until": "2026-06-30"}),
        right=w.alliance_admin(w.alliance_x),
        expect=200,
        **_alliance_outsiders(w),
    )


@scenario("DELETE", "/v1/alliances/{alliance_id}/relations/{relation_id}")
async def alliance_relation_delete(w: World) -> Case:
    rel = await _relation_of_x(w)
    return Case(
        Req("DELETE", f"/v1/alliances/{w.alliance_x['id']}/relations/{rel['id']}"),
        right=w.alliance_key(w.alliance_x),
        expect=204,
        **_alliance_outsiders(w),
    )
