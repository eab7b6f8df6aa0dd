"""Authorisation scenarios of a committee's status and plan and of the alliance's outside experts (the rules:
services/membership/tenancy.py)."""

from __future__ import annotations

import uuid

from chanjiao.auth import Principal
from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("membership:read",)


def _outsiders(w: World) -> dict[str, list[Principal]]:
    return {
        "wrong_tenant": [w.alliance_admin(w.alliance_y), w.alliance_key(w.alliance_y)],
        "wrong_role": [w.org_admin(w.org_a), w.org_key(w.org_a), w.org_staff(w.org_a)],
    }


async def _expert(w: World) -> dict:
    return await w.admin_post(
        f"/v1/alliances/{w.alliance_x['id']}/outside-experts", {"name": f"矩阵专家{uuid.uuid4().hex[:4]}"}
    )


@scenario("POST", "/v1/committees/{committee_id}/transitions")
async def transition_committee(w: World) -> Case:
    c = await w.new_committee(w.alliance_x, status="preparing")
    return Case(
        Req("POST", f"/v1/committees/{c['id']}/transitions", json={"to": "active", "effective_on": "2021-03-18"}),
        right=w.alliance_admin(w.alliance_x),
        **_outsiders(w),
    )


@scenario("PUT", "/v1/committees/{committee_id}/plan")
async def put_plan(w: World) -> Case:
    body = {"items": [{"category": "school", "planned_min": 30, "planned_max": 50}]}
    return Case(
        Req("PUT", f"/v1/committees/{w.committee_x['id']}/plan", json=body),
        right=w.alliance_key(w.alliance_x),
        **_outsiders(w),
    )


@scenario("POST", "/v1/alliances/{alliance_id}/outside-experts")
async def create_outside_expert(w: World) -> Case:
    return Case(
        Req("POST", f"/v1/alliances/{w.alliance_x['id']}/outside-experts", json={"name": "矩阵外聘专家"}),
        right=w.alliance_admin(w.alliance_x),
        expect=201,
        **_outsiders(w),
    )


@scenario("PATCH", "/v1/alliances/{alliance_id}/outside-experts/{expert_id}")
async def patch_outside_expert(w: World) -> Case:
    e = await _expert(w)
    return Case(
        Req("PATCH", f"/v1/alliances/{w.alliance_x['id']}/outside-experts/{e['id']}", json={"title": "教授"}),
        right=w.alliance_admin(w.alliance_x),
        **_outsiders(w),
    )


@scenario("DELETE", "/v1/alliances/{alliance_id}/outside-experts/{expert_id}")
async def delete_outside_expert(w: World) -> Case:
    e = await _expert(w)
    return Case(
        Req("DELETE", f"/v1/alliances/{w.alliance_x['id']}/outside-experts/{e['id']}"),
        right=w.alliance_admin(w.alliance_x),
        expect=204,
        **_outsiders(w),
    )


@private_read("GET", "/v1/alliances/{alliance_id}/outside-experts/{expert_id}")
async def read_outside_expert(w: World) -> Case:
    e = await _expert(w)
    return Case(
        Req("GET", f"/v1/alliances/{w.alliance_x['id']}/outside-experts/{e['id']}"),
        right=w.org_staff(w.org_a),  # a principal of a member of X reads X's pool
        wrong_tenant=[
            w.alliance_admin(w.alliance_y),
            w.alliance_key(w.alliance_y, scopes=READ_ONLY),
            w.org_admin(w.org_b),
            w.org_key(w.org_b, scopes=READ_ONLY),
        ],
    )


@private_read("GET", "/v1/alliances/{alliance_id}/outside-experts")
async def list_outside_experts(w: World) -> Case:
    return Case(
        Req("GET", f"/v1/alliances/{w.alliance_x['id']}/outside-experts"),
        right=w.alliance_key(w.alliance_x, scopes=READ_ONLY),
        wrong_tenant=[w.alliance_admin(w.alliance_y), w.org_staff(w.org_b)],
    )


@scenario("POST", "/v1/committees/{committee_id}/applications")
async def apply_for_seat(w: World) -> Case:
    c = await w.new_committee(w.alliance_x)
    return Case(
        Req("POST", f"/v1/committees/{c['id']}/applications", json={"org_id": w.org_a["id"]}),
        right=w.org_admin(w.org_a),
        expect=201,
        # The admin of another organization, or of another alliance, does not apply for A.
        wrong_tenant=[w.org_admin(w.org_b), w.alliance_admin(w.alliance_y)],
        wrong_role=[w.org_staff(w.org_a)],
    )


@scenario("POST", "/v1/committees/{committee_id}/applications/{application_id}/decision")
async def decide_application(w: World) -> Case:
    c = await w.new_committee(w.alliance_x)
    a = await w.admin_post(f"/v1/committees/{c['id']}/applications", {"org_id": w.org_a["id"]})
    return Case(
        Req(
            "POST",
            f"/v1/committees/{c['id']}/applications/{a['id']}/decision",
            json={"to": "accepted", "start_on": "2021-03-18"},
        ),
        right=w.alliance_admin(w.alliance_x),
        **_outsiders(w),
    )
