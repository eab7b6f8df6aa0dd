"""Authorisation scenarios of `/v1/certificates` (the rules: services/training/certificates/router.py and
routes_status.py).

A certificate belongs to its holder organization: school_a issues to its learner and records for its person here,
so school_a's principals (org_admin or org_staff with `training:write`, or its API key) are right; org_b is the
wrong tenant — 403 when it names school_a as issuer or holder, 404 on school_a's certificates (they do not exist
for it). Alliance admins, service principals and principals without `training:write` are the wrong role."""

from __future__ import annotations

import uuid
from typing import Any

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("training:read",)


async def _learner(w: World) -> str:
    from tests.training.practice_support import id_number

    body = {"name": "矩阵持证人", "id_number": id_number(), "learner_type": "student", "org_id": w.school_a["id"]}
    return (await w.admin_post("/v1/learners", body))["id"]


def _number() -> str:
    return f"JZ{uuid.uuid4().hex[:10].upper()}"


async def _issue_body(w: World) -> dict[str, Any]:
    return {
        "kind": "completion",
        "number": _number(),
        "learner_id": await w.memo("certificate-learner", lambda: _learner(w)),
        "issuer_org_id": w.school_a["id"],
        "occupation_name": "数控车工",
        "issued_on": "2024-06-30",
    }


async def _record_body(w: World) -> dict[str, Any]:
    person = await w.memo("certificate-person", lambda: w.new_person(w.school_a))
    return {
        "kind": "special_operations",
        "number": _number(),
        "person_id": person["id"],
        "holder_org_id": w.school_a["id"],
        "issuer_name": "潍坊市应急管理局",
        "issuer_authority": "emergency_management",
        "occupation_name": "低压电工作业",
        "issued_on": "2024-03-15",
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


async def _certificate(w: World, *, recorded: bool = False, suspended: bool = False) -> str:
    path, body = (
        ("/v1/certificates/records", await _record_body(w))
        if recorded
        else (
            "/v1/certificates",
            await _issue_body(w),
        )
    )
    cid = (await w.admin_post(path, body))["id"]
    if suspended:
        await w.admin_post(f"/v1/certificates/{cid}/suspension", {"reason": "矩阵测试暂停"})
    return cid


@scenario("POST", "/v1/certificates")
async def issue_certificate(w: World) -> Case:
    return Case(
        Req("POST", "/v1/certificates", json=await _issue_body(w)),
        right=w.org_staff(w.school_a),
        expect=201,
        **_outsiders(w),
    )


@scenario("POST", "/v1/certificates/records")
async def record_certificate(w: World) -> Case:
    return Case(
        Req("POST", "/v1/certificates/records", json=await _record_body(w)),
        right=w.org_key(w.school_a),
        expect=201,
        **_outsiders(w),
    )


@scenario("POST", "/v1/certificates/{certificate_id}/suspension")
async def suspend_certificate(w: World) -> Case:
    cid = await _certificate(w)
    return Case(
        Req("POST", f"/v1/certificates/{cid}/suspension", json={"reason": "核查中"}),
        right=w.org_staff(w.school_a),
        **_outsiders(w, 404),
    )


@scenario("POST", "/v1/certificates/{certificate_id}/reinstatement")
async def reinstate_certificate(w: World) -> Case:
    cid = await _certificate(w, suspended=True)
    return Case(
        Req("POST", f"/v1/certificates/{cid}/reinstatement", json={"reason": "核查无误"}),
        right=w.org_admin(w.school_a),
        **_outsiders(w, 404),
    )


@scenario("POST", "/v1/certificates/{certificate_id}/revocation")
async def revoke_certificate(w: World) -> Case:
    cid = await _certificate(w, recorded=True)
    return Case(
        Req("POST", f"/v1/certificates/{cid}/revocation", json={"reason": "证书信息有误"}),
        right=w.org_key(w.school_a),
        **_outsiders(w, 404),
    )


@scenario("POST", "/v1/certificates/{certificate_id}/reviews")
async def review_certificate(w: World) -> Case:
    cid = await _certificate(w, recorded=True)
    return Case(
        Req("POST", f"/v1/certificates/{cid}/reviews", json={"reviewed_on": "2025-03-01", "result": "pass"}),
        right=w.org_staff(w.school_a),
        expect=201,
        **_outsiders(w, 404),
    )


def _read(suffix: str, *, recorded: bool = False) -> Any:
    async def read(w: World) -> Case:
        cid = await _certificate(w, recorded=recorded)
        return Case(
            Req("GET", f"/v1/certificates/{cid}{suffix}"),
            right=w.org_staff(w.school_a),
            wrong_tenant=[w.org_admin(w.org_b), w.org_key(w.org_b), w.alliance_admin(w.alliance_x)],
        )

    return read


private_read("GET", "/v1/certificates/{certificate_id}")(_read(""))
private_read("GET", "/v1/certificates/{certificate_id}/reviews")(_read("/reviews", recorded=True))
private_read("GET", "/v1/certificates/{certificate_id}/status-changes")(_read("/status-changes"))


@private_read("GET", "/v1/learners/{learner_id}/certificates")
async def read_learner_certificates(w: World) -> Case:
    body = await _issue_body(w)
    await w.admin_post("/v1/certificates", body)
    return Case(
        Req("GET", f"/v1/learners/{body['learner_id']}/certificates"),
        right=w.org_key(w.school_a, scopes=READ_ONLY),
        wrong_tenant=[w.org_admin(w.org_b), w.org_staff(w.org_b), w.alliance_admin(w.alliance_x)],
    )
