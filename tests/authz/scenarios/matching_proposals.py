"""Authorisation scenarios of `/v1/proposals` (the rules: services/matching/proposals/access.py).

org_a (an enterprise) posts an open demand, school_a (a school) an open offer; org_a proposes. Proposing is for the
principals of either party with `matching:write`; the counterparty (school_a) accepts or declines, the proposer
(org_a) withdraws. org_b is the wrong tenant: 403 when it proposes on the pair, 404 on the proposal (it does not
exist for it). Alliance admins, service principals and principals without `matching:write` are the wrong role."""

from __future__ import annotations

from typing import Any

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("matching:read",)


async def _pair(w: World) -> dict[str, str]:
    demand = await w.admin_post(
        "/v1/demands", {"org_id": w.org_a["id"], "kind": "order_class", "title": "矩阵订单班", "headcount": 20}
    )
    offer = await w.admin_post(
        "/v1/offers", {"org_id": w.school_a["id"], "kind": "graduates", "title": "矩阵毕业生", "count": 20}
    )
    for noun, row in (("demands", demand), ("offers", offer)):
        await w.admin_post(f"/v1/{noun}/{row['id']}/transitions", {"to": "open"})
    return {"demand_id": demand["id"], "offer_id": offer["id"]}


async def _proposal(w: World) -> str:
    return (await w.admin_post("/v1/proposals", await _pair(w)))["id"]


def _outsiders(w: World, who: dict[str, Any], wrong_tenant_status: int | None = None) -> dict[str, Any]:
    return {
        "wrong_tenant": [w.org_staff(w.org_b), w.org_admin(w.org_b), w.org_key(w.org_b)],
        "wrong_role": [
            w.alliance_admin(w.alliance_x),
            w.service("matching"),
            w.service("training"),
            w.org_admin(who, scopes=READ_ONLY),
        ],
        "wrong_tenant_status": wrong_tenant_status,
    }


@scenario("POST", "/v1/proposals")
async def create_proposal(w: World) -> Case:
    return Case(
        Req("POST", "/v1/proposals", json=await _pair(w)),
        right=w.org_staff(w.org_a),
        expect=201,
        **_outsiders(w, w.org_a),
    )


@scenario("POST", "/v1/proposals/{proposal_id}/acceptance")
async def accept_proposal(w: World) -> Case:
    pid = await _proposal(w)
    return Case(
        Req("POST", f"/v1/proposals/{pid}/acceptance", json={}),
        right=w.org_admin(w.school_a),
        **_outsiders(w, w.school_a, 404),
    )


@scenario("POST", "/v1/proposals/{proposal_id}/declination")
async def decline_proposal(w: World) -> Case:
    pid = await _proposal(w)
    return Case(
        Req("POST", f"/v1/proposals/{pid}/declination", json={"reason": "名额已满"}),
        right=w.org_key(w.school_a),
        **_outsiders(w, w.school_a, 404),
    )


@scenario("POST", "/v1/proposals/{proposal_id}/withdrawal")
async def withdraw_proposal(w: World) -> Case:
    pid = await _proposal(w)
    return Case(
        Req("POST", f"/v1/proposals/{pid}/withdrawal", json={}),
        right=w.org_staff(w.org_a),
        **_outsiders(w, w.org_a, 404),
    )


@private_read("GET", "/v1/proposals/{proposal_id}")
async def read_proposal(w: World) -> Case:
    pid = await _proposal(w)
    return Case(
        Req("GET", f"/v1/proposals/{pid}"),
        right=w.org_staff(w.school_a, scopes=READ_ONLY),
        wrong_tenant=[w.org_admin(w.org_b), w.org_key(w.org_b), w.alliance_admin(w.alliance_x)],
    )
