"""Authorisation scenarios of `/v1/hires` (the rules: services/matching/hires/access.py).

A hire of a school_a graduate by org_a: school_a records it (org_admin or org_staff with `matching:write`, or its
API key), org_a confirms or disputes it. org_b is the wrong tenant: 403 when it records for school_a or supplies
school_a's graduate count, 404 on the hire (it does not exist for it). Alliance admins, service principals and
principals without `matching:write` are the wrong role."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("matching:read",)
HIRED_ON = (dt.date.today() - dt.timedelta(days=30)).isoformat()


def _body(w: World) -> dict[str, Any]:
    return {
        "org_id": w.school_a["id"],
        "person_name": f"矩阵{uuid.uuid4().hex[:6]}",
        "school_org_id": w.school_a["id"],
        "employer_org_id": w.org_a["id"],
        "hired_on": HIRED_ON,
        "post": "数控车工",
        "channel": "order_class",
    }


async def _hire(w: World) -> str:
    return (await w.admin_post("/v1/hires", _body(w)))["id"]


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


@scenario("POST", "/v1/hires")
async def create_hire(w: World) -> Case:
    return Case(
        Req("POST", "/v1/hires", json=_body(w)), right=w.org_staff(w.school_a), expect=201, **_outsiders(w, w.school_a)
    )


@scenario("POST", "/v1/hires/batch")
async def create_hire_batch(w: World) -> Case:
    return Case(
        Req("POST", "/v1/hires/batch", json={"items": [_body(w)]}),
        right=w.org_admin(w.school_a),
        **_outsiders(w, w.school_a),
    )


@scenario("POST", "/v1/hires/imports")
async def import_hires(w: World) -> Case:
    csv = (
        "姓名,学校ID,用人单位ID,入职日期,岗位,渠道\n"
        f"矩阵导入{uuid.uuid4().hex[:6]},{w.school_a['id']},{w.org_a['id']},{HIRED_ON},电工,其他\n"
    ).encode()
    return Case(
        Req(
            "POST",
            "/v1/hires/imports",
            params={"org_id": w.school_a["id"]},
            files={"file": ("hires.csv", csv, "text/csv")},
        ),
        right=w.org_key(w.school_a),
        **_outsiders(w, w.school_a),
    )


@scenario("POST", "/v1/hires/{hire_id}/confirmation")
async def confirm_hire(w: World) -> Case:
    hid = await _hire(w)
    return Case(
        Req("POST", f"/v1/hires/{hid}/confirmation", json={}),
        right=w.org_admin(w.org_a),
        **_outsiders(w, w.org_a, 404),
    )


@scenario("POST", "/v1/hires/{hire_id}/dispute")
async def dispute_hire(w: World) -> Case:
    hid = await _hire(w)
    return Case(
        Req("POST", f"/v1/hires/{hid}/dispute", json={"reason": "非本单位员工"}),
        right=w.org_key(w.org_a),
        **_outsiders(w, w.org_a, 404),
    )


@scenario("PUT", "/v1/hires/graduate-counts/{org_id}/{year}")
async def put_graduate_count(w: World) -> Case:
    return Case(
        Req("PUT", f"/v1/hires/graduate-counts/{w.school_a['id']}/2026", json={"graduates": 1200, "in_field": 900}),
        right=w.org_admin(w.school_a),
        expect=(200, 201),
        **_outsiders(w, w.school_a),
    )


@private_read("GET", "/v1/hires/{hire_id}")
async def read_hire(w: World) -> Case:
    hid = await _hire(w)
    return Case(
        Req("GET", f"/v1/hires/{hid}"),
        right=w.org_staff(w.org_a, scopes=READ_ONLY),
        wrong_tenant=[w.org_admin(w.org_b), w.org_key(w.org_b), w.alliance_admin(w.alliance_x)],
    )
