"""Authorisation scenarios of the ranking routes and their configuration (the rules: services/matching/ranking/
router.py, services/matching/shortages/router.py, services/matching/alliance_weights/router.py, and the track record
read of services/training/stats/routes_track.py).

* `GET /v1/demands/{id}/matches`, `GET /v1/offers/{id}/matches`: only the posting organization's principals (and
  platform admins) rank a posting; for anyone else — another organization, the counterpart, an alliance admin — it
  does not exist (404).
* Shortage flags and an alliance's weights are written by that alliance's admins (its secretariat or its API key,
  `matching:write`): another alliance's admin is the wrong tenant (403); organizations and services are the wrong
  role.
* The track record of a school is read by its own principals, platform admins and service principals (403 to others:
  organizations are public directory entries)."""

from __future__ import annotations

from typing import Any

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("matching:read",)


def _expect(got: Any, want: Any) -> None:
    assert got == want, (got, want)


async def _open(w: World, noun: str) -> str:
    if noun == "demands":
        body = {"org_id": w.org_a["id"], "kind": "order_class", "title": "矩阵排序需求", "headcount": 10}
    else:
        body = {"org_id": w.school_a["id"], "kind": "graduates", "title": "矩阵排序供给", "count": 10}
    pid = (await w.admin_post(f"/v1/{noun}", body))["id"]
    await w.admin_post(f"/v1/{noun}/{pid}/transitions", {"to": "open"})
    return pid


@private_read("GET", "/v1/demands/{demand_id}/matches")
async def rank_a_demand(w: World) -> Case:
    did = await _open(w, "demands")
    return Case(
        Req("GET", f"/v1/demands/{did}/matches"),
        right=w.org_staff(w.org_a, scopes=READ_ONLY),
        wrong_tenant=[
            w.org_admin(w.org_b),
            w.org_key(w.org_b),
            w.org_admin(w.school_a),  # a candidate of the demand
            w.alliance_admin(w.alliance_x),
        ],
        check=lambda r: _expect(r.json()["demand_id"], did),
    )


@private_read("GET", "/v1/offers/{offer_id}/matches")
async def rank_an_offer(w: World) -> Case:
    oid = await _open(w, "offers")
    return Case(
        Req("GET", f"/v1/offers/{oid}/matches"),
        right=w.org_key(w.school_a, scopes=READ_ONLY),
        wrong_tenant=[w.org_admin(w.org_b), w.org_staff(w.org_a), w.alliance_admin(w.alliance_x)],
    )


def _flag(w: World) -> dict[str, Any]:
    return {
        "alliance_id": w.alliance_x["id"],
        "occupation_code": "6-18-01-01",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
    }


def _alliance_outsiders(w: World) -> dict[str, Any]:
    return {
        "wrong_tenant": [w.alliance_admin(w.alliance_y), w.alliance_key(w.alliance_y)],
        "wrong_role": [w.org_admin(w.org_a), w.org_key(w.school_a), w.service("matching")],
    }


@scenario("POST", "/v1/shortage-occupations")
async def flag_shortage(w: World) -> Case:
    return Case(
        Req("POST", "/v1/shortage-occupations", json=_flag(w)),
        right=w.alliance_admin(w.alliance_x),
        expect=201,
        **_alliance_outsiders(w),
    )


@scenario("DELETE", "/v1/shortage-occupations/{flag_id}")
async def delete_shortage(w: World) -> Case:
    fid = (await w.admin_post("/v1/shortage-occupations", _flag(w)))["id"]
    return Case(
        Req("DELETE", f"/v1/shortage-occupations/{fid}"),
        right=w.alliance_key(w.alliance_x),
        expect=204,
        **_alliance_outsiders(w),
    )


@scenario("PUT", "/v1/matching-weights/{alliance_id}")
async def set_weights(w: World) -> Case:
    return Case(
        Req("PUT", f"/v1/matching-weights/{w.alliance_x['id']}", json={"geography": 200}),
        right=w.alliance_admin(w.alliance_x),
        **_alliance_outsiders(w),
    )


@private_read("GET", "/v1/training-stats/track-record")
async def read_track_record(w: World) -> Case:
    return Case(
        Req("GET", "/v1/training-stats/track-record", params={"org_id": w.school_a["id"]}),
        right=w.service("matching"),
        wrong_tenant=[w.org_admin(w.org_b), w.alliance_admin(w.alliance_x)],
        wrong_tenant_status=403,
        check=lambda r: _expect(r.json()["org_id"], w.school_a["id"]),
    )
