"""Authorisation scenarios of the designation register and people's outside posts (the rules:
services/membership/designations/access.py, services/membership/person_posts/router.py)."""

from __future__ import annotations

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("membership:read",)


def _body(w: World, **extra: object) -> dict:
    return {
        "programme_name": "国家级产教融合型企业",
        "level": "national",
        "stage": "selected",
        "year": 2023,
        "subject_kind": "organization",
        "subject_id": w.org_a["id"],
        **extra,
    }


async def _entry(w: World, **extra: object) -> dict:
    """An entry of organization A recorded by alliance X (A is a member of X): A's people and X's admins write it."""
    return await w.admin_post("/v1/designations", _body(w, alliance_id=w.alliance_x["id"], **extra))


def _outsiders(w: World) -> dict:
    return {
        "wrong_tenant": [w.org_staff(w.org_b), w.alliance_admin(w.alliance_y), w.org_key(w.org_b)],
        "wrong_tenant_status": 404,  # they cannot read it either
        "wrong_role": [w.service("matching"), w.org_key(w.org_a, scopes=READ_ONLY)],
    }


@scenario("POST", "/v1/designations")
async def create_designation(w: World) -> Case:
    return Case(
        Req("POST", "/v1/designations", json=_body(w)),
        right=w.org_staff(w.org_a),
        # alliance X's admin does not name X as the recording alliance: not theirs to write
        wrong_tenant=[w.org_staff(w.org_b), w.alliance_admin(w.alliance_y), w.alliance_admin(w.alliance_x)],
        wrong_role=[w.service("matching"), w.org_key(w.org_a, scopes=READ_ONLY)],
        expect=201,
    )


@scenario("PATCH", "/v1/designations/{designation_id}")
async def patch_designation(w: World) -> Case:
    e = await _entry(w)
    return Case(
        Req("PATCH", f"/v1/designations/{e['id']}", json={"batch": "第二批"}),
        right=w.alliance_admin(w.alliance_x),
        **_outsiders(w),
    )


@scenario("DELETE", "/v1/designations/{designation_id}")
async def delete_designation(w: World) -> Case:
    e = await _entry(w)
    return Case(Req("DELETE", f"/v1/designations/{e['id']}"), right=w.org_key(w.org_a), expect=204, **_outsiders(w))


@scenario("POST", "/v1/designations/{designation_id}/stages")
async def add_designation_stage(w: World) -> Case:
    e = await _entry(w)
    return Case(
        Req("POST", f"/v1/designations/{e['id']}/stages", json={"stage": "recognised", "on": "2024-12-20"}),
        right=w.org_staff(w.org_a),
        **_outsiders(w),
    )


@private_read("GET", "/v1/designations/{designation_id}")
async def read_designation(w: World) -> Case:
    e = await w.memo("designation_a", lambda: w.admin_post("/v1/designations", _body(w)))
    return Case(
        Req("GET", f"/v1/designations/{e['id']}"),
        right=w.alliance_admin(w.alliance_x),  # an alliance A belongs to reads what A records
        wrong_tenant=[
            w.org_staff(w.org_b),
            w.org_key(w.org_b, scopes=READ_ONLY),
            w.alliance_admin(w.alliance_y),
            w.alliance_key(w.alliance_y, scopes=READ_ONLY),
        ],
    )


# ---- people's outside posts -------------------------------------------------------------------------------------
POST_BODY = {
    "body_name": "全国石油和化工职业教育教学指导委员会",
    "post_kind": "member",
    "level": "national",
    "since": "2023-06-01",
}


def _post_outsiders(w: World) -> dict:
    return {
        "wrong_tenant": [w.org_staff(w.org_b), w.org_admin(w.org_b)],
        "wrong_tenant_status": 404,  # another organization's person does not exist for them
        "wrong_role": [w.alliance_admin(w.alliance_x), w.service("matching")],
    }


async def _post(w: World) -> tuple[dict, dict]:
    person = await w.new_person(w.org_a)
    return person, await w.admin_post(f"/v1/people/{person['id']}/outside-posts", POST_BODY)


@scenario("POST", "/v1/people/{person_id}/outside-posts")
async def create_person_post(w: World) -> Case:
    return Case(
        Req("POST", f"/v1/people/{w.person_a['id']}/outside-posts", json=POST_BODY),
        right=w.org_staff(w.org_a),
        expect=201,
        **_post_outsiders(w),
    )


@scenario("PATCH", "/v1/people/{person_id}/outside-posts/{post_id}")
async def patch_person_post(w: World) -> Case:
    person, post = await _post(w)
    return Case(
        Req("PATCH", f"/v1/people/{person['id']}/outside-posts/{post['id']}", json={"until": "2026-05-31"}),
        right=w.org_admin(w.org_a),
        **_post_outsiders(w),
    )


@scenario("DELETE", "/v1/people/{person_id}/outside-posts/{post_id}")
async def delete_person_post(w: World) -> Case:
    person, post = await _post(w)
    return Case(
        Req("DELETE", f"/v1/people/{person['id']}/outside-posts/{post['id']}"),
        right=w.org_key(w.org_a),
        expect=204,
        **_post_outsiders(w),
    )


@private_read("GET", "/v1/people/{person_id}/outside-posts")
async def read_person_posts(w: World) -> Case:
    return Case(
        Req("GET", f"/v1/people/{w.person_a['id']}/outside-posts"),
        right=w.org_staff(w.org_a),
        wrong_tenant=[
            w.org_staff(w.org_b),
            w.alliance_admin(w.alliance_x),
            w.alliance_key(w.alliance_x, scopes=READ_ONLY),
        ],
    )


def _created_one(r) -> None:
    assert r.json()["created"] == 1, r.text


@scenario("POST", "/v1/designations/imports")
async def import_designations(w: World) -> Case:
    rows = ["项目名称,级别,阶段,年份,对象类型,所属单位", f"国家级产教融合型企业,国家级,入选,2023,单位,{w.org_a['id']}"]
    files = {"file": ("designations.csv", ("\n".join(rows) + "\n").encode(), "text/csv")}
    return Case(
        Req("POST", "/v1/designations/imports", files=files, params={"alliance_id": w.alliance_x["id"]}),
        right=w.alliance_admin(w.alliance_x),
        wrong_tenant=[w.alliance_admin(w.alliance_y)],
        wrong_role=[w.service("matching")],
        check=_created_one,
    )
