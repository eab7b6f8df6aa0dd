"""Authorisation scenarios of `/v1/agreements` (the rules: services/matching/agreements/access.py).

An agreement between school_a (a school) and org_a (an enterprise): their principals (org_admin or org_staff with
`matching:write`, or their API keys) are right; org_b is the wrong tenant — 403 when it creates an agreement it is
not a party to, 404 on school_a's agreements (they do not exist for it). Alliance admins, service principals and
principals without `matching:write` are the wrong role."""

from __future__ import annotations

from typing import Any

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("matching:read",)


def _body(w: World) -> dict[str, Any]:
    return {
        "kind": "order_class",
        "title": "矩阵订单班协议",
        "parties": [{"org_id": w.school_a["id"], "role": "school"}, {"org_id": w.org_a["id"], "role": "enterprise"}],
        "period_start": "2025-09-01",
        "committed_amount": "1000.00",
        "payer_org_id": w.org_a["id"],
    }


def _outsiders(w: World, wrong_tenant_status: int | None = None) -> dict[str, Any]:
    return {
        "wrong_tenant": [w.org_staff(w.org_b), w.org_admin(w.org_b), w.org_key(w.org_b)],
        "wrong_role": [
            w.alliance_admin(w.alliance_x),
            w.service("matching"),
            w.service("training"),
            w.org_admin(w.school_a, scopes=READ_ONLY),
        ],
        "wrong_tenant_status": wrong_tenant_status,
    }


async def _agreement(w: World, *, signed: bool = False) -> str:
    aid = (await w.admin_post("/v1/agreements", _body(w)))["id"]
    if signed:
        await w.admin_post(f"/v1/agreements/{aid}/transitions", {"to": "signed", "effective_on": "2025-08-20"})
    return aid


@scenario("POST", "/v1/agreements")
async def create_agreement(w: World) -> Case:
    return Case(
        Req("POST", "/v1/agreements", json=_body(w)), right=w.org_staff(w.school_a), expect=201, **_outsiders(w)
    )


@scenario("PATCH", "/v1/agreements/{agreement_id}")
async def update_agreement(w: World) -> Case:
    aid = await _agreement(w)
    return Case(
        Req("PATCH", f"/v1/agreements/{aid}", json={"planned_students": 30}),
        right=w.org_admin(w.org_a),
        **_outsiders(w, 404),
    )


@scenario("POST", "/v1/agreements/{agreement_id}/transitions")
async def transition_agreement(w: World) -> Case:
    aid = await _agreement(w)
    return Case(
        Req("POST", f"/v1/agreements/{aid}/transitions", json={"to": "signed"}),
        right=w.org_key(w.school_a),
        **_outsiders(w, 404),
    )


@scenario("POST", "/v1/agreements/{agreement_id}/payments")
async def create_payment(w: World) -> Case:
    aid = await _agreement(w, signed=True)
    body = {"amount": "100.00", "paid_on": "2025-09-30", "payer_org_id": w.org_a["id"]}
    return Case(
        Req("POST", f"/v1/agreements/{aid}/payments", json=body),
        right=w.org_staff(w.org_a),
        expect=201,
        **_outsiders(w, 404),
    )


@scenario("POST", "/v1/agreements/{agreement_id}/milestones")
async def create_milestone(w: World) -> Case:
    aid = await _agreement(w)
    return Case(
        Req("POST", f"/v1/agreements/{aid}/milestones", json={"title": "开班"}),
        right=w.org_staff(w.school_a),
        expect=201,
        **_outsiders(w, 404),
    )


@scenario("PATCH", "/v1/agreements/{agreement_id}/milestones/{milestone_id}")
async def update_milestone(w: World) -> Case:
    aid = await _agreement(w)
    mid = (await w.admin_post(f"/v1/agreements/{aid}/milestones", {"title": "开班"}))["id"]
    return Case(
        Req("PATCH", f"/v1/agreements/{aid}/milestones/{mid}", json={"done_on": "2025-09-12"}),
        right=w.org_admin(w.school_a),
        **_outsiders(w, 404),
    )


@private_read("GET", "/v1/agreements/{agreement_id}")
async def read_agreement(w: World) -> Case:
    aid = await w.memo("agreement", lambda: _agreement(w))
    return Case(
        Req("GET", f"/v1/agreements/{aid}"),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_staff(w.org_b), w.org_key(w.org_b), w.alliance_admin(w.alliance_y)],
    )


@private_read("GET", "/v1/agreements/{agreement_id}/payments")
async def read_payments(w: World) -> Case:
    aid = await w.memo("agreement", lambda: _agreement(w))
    return Case(
        Req("GET", f"/v1/agreements/{aid}/payments"),
        right=w.org_key(w.school_a),
        wrong_tenant=[w.org_admin(w.org_b), w.alliance_admin(w.alliance_x)],
    )
