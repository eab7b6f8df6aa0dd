"""Authorisation scenarios of the co-builders of a training base (services/training/bases/co_builders.py) and the
teacher figures (`GET /v1/training-stats/teachers`).

Co-builders: org_a owns the base and writes its co-builder list; school_a is the co-builder — it reads the list but
does not write it (a wrong tenant for writes); org_b is a stranger: 404 on the list and the entries. The teacher
figures follow `/v1/training-stats`: an organization's own principals, 403 for anyone else."""

from __future__ import annotations

from typing import Any

from tests.authz.harness import Case, Req, World, alliance_admin, org_admin, org_key, private_read, scenario

READ_ONLY = ("training:read",)
LIST = "/v1/training-bases/{base_id}/co-builders"
ITEM = LIST + "/{co_builder_id}"


async def _base(w: World) -> str:
    body = {"owner_org_id": w.org_a["id"], "name": "矩阵共建实训基地", "kind": "productive", "shared": True}
    return (await w.admin_post("/v1/training-bases", body))["id"]


async def _entry(w: World) -> tuple[str, str]:
    """A fresh base of org_a with school_a as its co-builder: (base id, entry url)."""
    base = await _base(w)
    url = f"/v1/training-bases/{base}/co-builders"
    entry = await w.admin_post(url, {"org_id": w.school_a["id"], "share_percent": "20"})
    return url, f"{url}/{entry['id']}"


def _outsiders(w: World) -> dict[str, Any]:
    return {
        "wrong_tenant": [w.org_staff(w.org_b), w.org_key(w.org_b), w.org_staff(w.school_a)],
        "wrong_role": [w.alliance_admin(w.alliance_x), w.service("matching"), w.org_admin(w.org_a, scopes=READ_ONLY)],
    }


@scenario("POST", LIST)
async def add_co_builder(w: World) -> Case:
    url = f"/v1/training-bases/{await _base(w)}/co-builders"
    body = {"org_id": w.school_a["id"], "investment_cny": "300000.00", "share_percent": "20"}
    return Case(Req("POST", url, json=body), right=w.org_staff(w.org_a), expect=201, **_outsiders(w))


@scenario("PATCH", ITEM)
async def update_co_builder(w: World) -> Case:
    _, item = await _entry(w)
    return Case(Req("PATCH", item, json={"share_percent": "25"}), right=w.org_key(w.org_a), **_outsiders(w))


@scenario("DELETE", ITEM)
async def remove_co_builder(w: World) -> Case:
    _, item = await _entry(w)
    return Case(Req("DELETE", item), right=w.org_admin(w.org_a), expect=204, **_outsiders(w))


@private_read("GET", LIST)
async def read_co_builders(w: World) -> Case:
    url, _ = await _entry(w)
    return Case(
        Req("GET", url),
        right=w.org_staff(w.school_a),  # the co-builder reads the list
        wrong_tenant=[w.org_staff(w.org_b), w.alliance_admin(w.alliance_x)],
    )


@private_read("GET", ITEM)
async def read_co_builder(w: World) -> Case:
    _, item = await _entry(w)
    return Case(
        Req("GET", item),
        right=w.org_key(w.org_a),
        wrong_tenant=[w.org_staff(w.org_b), w.alliance_admin(w.alliance_x)],
    )


@private_read("GET", "/v1/training-stats/teachers")
async def read_teacher_stats(w: World) -> Case:
    def check(r) -> None:
        assert r.json()["org_id"] == w.school_a["id"], r.text

    return Case(
        Req(
            "GET",
            "/v1/training-stats/teachers",
            params={"org_id": w.school_a["id"], "period_start": "2023-01-01", "period_end": "2023-12-31"},
        ),
        right=org_key(w.school_a, scopes=READ_ONLY),
        wrong_tenant=[org_admin(w.org_b), alliance_admin(w.alliance_x)],
        wrong_tenant_status=403,
        check=check,
    )
