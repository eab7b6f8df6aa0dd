"""Authorisation scenarios of `/v1/fairs` and `/v1/allocations` (the rules: services/matching/fairs/access.py and
services/matching/allocations/access.py).

A fair organized by school_a in alliance X: school_a's principals and X's admins manage it; org_b and Y's admins are
the wrong tenant (403). A registration is its posting's organization's: org_a registers its open demand, org_b may
not (403). An allocation over explicit ids is run by the organization whose demands it names (org_a) and read by it;
org_b is the wrong tenant — 403 when it runs org_a's demands, 404 on org_a's run. Service principals and principals
with `matching:read` only are the wrong role."""

from __future__ import annotations

from typing import Any

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("matching:read",)


def _fair_body(w: World) -> dict[str, Any]:
    return {
        "organizer_org_id": w.school_a["id"],
        "alliance_id": w.alliance_x["id"],
        "title": "矩阵双选会",
        "held_on": "2024-05-18",
    }


async def _fair(w: World) -> str:
    fid = (await w.admin_post("/v1/fairs", _fair_body(w)))["id"]
    await w.admin_post(f"/v1/fairs/{fid}/transitions", {"to": "open"})
    return fid


async def _open(w: World, noun: str, org: dict[str, Any]) -> str:
    body: dict[str, Any] = {"org_id": org["id"], "kind": "order_class", "title": "矩阵订单班", "headcount": 5}
    if noun == "offers":
        body = {"org_id": org["id"], "kind": "graduates", "title": "矩阵毕业生", "count": 5}
    pid = (await w.admin_post(f"/v1/{noun}", body))["id"]
    await w.admin_post(f"/v1/{noun}/{pid}/transitions", {"to": "open"})
    return pid


def _wrong_role(w: World, org: dict[str, Any]) -> list[Any]:
    return [w.service("matching"), w.service("training"), w.org_admin(org, scopes=READ_ONLY)]


@scenario("POST", "/v1/fairs")
async def create_fair(w: World) -> Case:
    return Case(
        Req("POST", "/v1/fairs", json=_fair_body(w)),
        right=w.org_staff(w.school_a),
        expect=201,
        wrong_tenant=[w.org_staff(w.org_b), w.org_key(w.org_b), w.alliance_admin(w.alliance_y)],
        wrong_role=_wrong_role(w, w.school_a),
    )


@scenario("POST", "/v1/fairs/{fair_id}/transitions")
async def transition_fair(w: World) -> Case:
    fid = (await w.admin_post("/v1/fairs", _fair_body(w)))["id"]
    return Case(
        Req("POST", f"/v1/fairs/{fid}/transitions", json={"to": "open"}),
        right=w.alliance_admin(w.alliance_x),
        wrong_tenant=[w.org_admin(w.org_b), w.alliance_admin(w.alliance_y)],
        wrong_role=_wrong_role(w, w.school_a),
    )


@scenario("POST", "/v1/fairs/{fair_id}/registrations")
async def register(w: World) -> Case:
    fid = await w.memo("fair", lambda: _fair(w))
    did = await _open(w, "demands", w.org_a)
    return Case(
        Req("POST", f"/v1/fairs/{fid}/registrations", json={"demand_id": did}),
        right=w.org_staff(w.org_a),
        expect=201,
        wrong_tenant=[w.org_staff(w.org_b), w.org_key(w.org_b)],
        wrong_role=[*_wrong_role(w, w.org_a), w.alliance_admin(w.alliance_y)],
    )


@scenario("DELETE", "/v1/fairs/{fair_id}/registrations/{registration_id}")
async def withdraw_registration(w: World) -> Case:
    fid = await w.memo("fair", lambda: _fair(w))
    did = await _open(w, "demands", w.org_a)
    rid = (await w.admin_post(f"/v1/fairs/{fid}/registrations", {"demand_id": did}))["id"]
    return Case(
        Req("DELETE", f"/v1/fairs/{fid}/registrations/{rid}"),
        right=w.org_admin(w.org_a),
        wrong_tenant=[w.org_staff(w.org_b), w.org_key(w.org_b)],
        wrong_role=_wrong_role(w, w.org_a),
    )


async def _explicit(w: World) -> dict[str, Any]:
    return {
        "scope": {
            "demand_ids": [await _open(w, "demands", w.org_a)],
            "offer_ids": [await _open(w, "offers", w.school_a)],
        }
    }


@scenario("POST", "/v1/allocations")
async def create_allocation(w: World) -> Case:
    return Case(
        Req("POST", "/v1/allocations", json=await _explicit(w)),
        right=w.org_staff(w.org_a),
        expect=202,
        wrong_tenant=[w.org_staff(w.org_b), w.org_key(w.org_b)],
        wrong_role=[*_wrong_role(w, w.org_a), w.alliance_admin(w.alliance_x)],
    )


async def _allocation(w: World) -> str:
    r = await w.send(w.org_admin(w.org_a), Req("POST", "/v1/allocations", json=await _explicit(w)))
    assert r.status_code == 202, r.text
    return r.json()["id"]


@private_read("GET", "/v1/allocations/{allocation_id}")
async def read_allocation(w: World) -> Case:
    aid = await w.memo("allocation", lambda: _allocation(w))
    return Case(
        Req("GET", f"/v1/allocations/{aid}"),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_staff(w.org_b), w.org_key(w.org_b), w.alliance_admin(w.alliance_y)],
    )


@private_read("GET", "/v1/allocations/{allocation_id}/result")
async def read_allocation_result(w: World) -> Case:
    aid = await w.memo("allocation", lambda: _allocation(w))
    return Case(
        Req("GET", f"/v1/allocations/{aid}/result"),
        right=w.org_key(w.org_a),
        wrong_tenant=[w.org_admin(w.org_b), w.alliance_admin(w.alliance_x)],
    )
