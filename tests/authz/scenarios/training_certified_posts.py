"""Authorisation scenarios of certified posts (持证岗位) and their holders, and of the compliance answer
(services/training/certified_posts/).

The shared world: org_a (an enterprise) owns every post; its person `person_a` holds them. Writers: org_admin,
org_staff or the API key of org_a with `training:write`; org_b is the wrong tenant (a post of another organization is
404 to it on every route naming the post, and creating one for org_a is 403). Alliance admins, service principals
and principals without `training:write` are the wrong role. The compliance of org_a is for org_a's principals:
another organization, and the admin of org_a's own alliance, get 403 (as for the training figures)."""

from __future__ import annotations

from typing import Any

from tests.authz.harness import Case, Req, World, alliance_admin, org_admin, org_key, private_read, scenario

READ_ONLY = ("training:read",)
POSTS = "/v1/certified-posts"


def _wrong_role(w: World) -> list[Any]:
    return [w.alliance_admin(w.alliance_x), w.service("matching"), w.org_admin(w.org_a, scopes=READ_ONLY)]


async def _post(w: World, **extra: Any) -> dict[str, Any]:
    body = {"org_id": w.org_a["id"], "name": "天车工", "required_kind": "special_equipment", "headcount": 4, **extra}
    return await w.admin_post(POSTS, body)


async def _held(w: World) -> tuple[dict[str, Any], dict[str, Any]]:
    post = await _post(w)
    holder = await w.admin_post(f"{POSTS}/{post['id']}/holders", {"person_id": w.person_a["id"]})
    return post, holder


@scenario("POST", POSTS)
async def create_post(w: World) -> Case:
    return Case(
        Req("POST", POSTS, json={"org_id": w.org_a["id"], "name": "电工", "required_kind": "special_operations"}),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_staff(w.org_b), w.org_key(w.org_b)],
        wrong_role=_wrong_role(w),
        expect=201,
    )


@scenario("PATCH", f"{POSTS}/{{post_id}}")
async def patch_post(w: World) -> Case:
    post = await _post(w)
    return Case(
        Req("PATCH", f"{POSTS}/{post['id']}", json={"headcount": 6}),
        right=w.org_key(w.org_a),
        wrong_tenant=[w.org_staff(w.org_b), w.org_key(w.org_b)],
        wrong_role=_wrong_role(w),
        wrong_tenant_status=404,
    )


@scenario("DELETE", f"{POSTS}/{{post_id}}")
async def delete_post(w: World) -> Case:
    post = await _post(w)
    return Case(
        Req("DELETE", f"{POSTS}/{post['id']}"),
        right=w.org_admin(w.org_a),
        wrong_tenant=[w.org_admin(w.org_b)],
        wrong_role=_wrong_role(w),
        wrong_tenant_status=404,
        expect=204,
    )


@scenario("POST", f"{POSTS}/{{post_id}}/holders")
async def add_holder(w: World) -> Case:
    post = await _post(w)
    return Case(
        Req("POST", f"{POSTS}/{post['id']}/holders", json={"person_id": w.person_a["id"]}),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_staff(w.org_b), w.org_key(w.org_b)],
        wrong_role=_wrong_role(w),
        wrong_tenant_status=404,
        expect=201,
    )


@scenario("DELETE", f"{POSTS}/{{post_id}}/holders/{{holder_id}}")
async def end_holder(w: World) -> Case:
    post, holder = await _held(w)
    return Case(
        Req("DELETE", f"{POSTS}/{post['id']}/holders/{holder['id']}"),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_admin(w.org_b)],
        wrong_role=_wrong_role(w),
        wrong_tenant_status=404,
        expect=204,
    )


@private_read("GET", f"{POSTS}/{{post_id}}")
async def read_post(w: World) -> Case:
    post = await _post(w)
    return Case(
        Req("GET", f"{POSTS}/{post['id']}"),
        right=w.org_staff(w.org_a, scopes=READ_ONLY),
        wrong_tenant=[w.org_staff(w.org_b), w.alliance_admin(w.alliance_x)],
    )


@private_read("GET", f"{POSTS}/{{post_id}}/holders")
async def read_holders(w: World) -> Case:
    post, holder = await _held(w)

    def check(r) -> None:
        assert [h["id"] for h in r.json()["items"]] == [holder["id"]], r.text

    return Case(
        Req("GET", f"{POSTS}/{post['id']}/holders"),
        right=w.org_key(w.org_a, scopes=READ_ONLY),
        wrong_tenant=[w.org_key(w.org_b), w.alliance_admin(w.alliance_x)],
        check=check,
    )


@private_read("GET", f"{POSTS}/{{post_id}}/holders/{{holder_id}}")
async def read_holder(w: World) -> Case:
    post, holder = await _held(w)
    return Case(
        Req("GET", f"{POSTS}/{post['id']}/holders/{holder['id']}"),
        right=w.org_admin(w.org_a, scopes=READ_ONLY),
        wrong_tenant=[w.org_staff(w.org_b), w.alliance_admin(w.alliance_x)],
    )


@private_read("GET", "/v1/certificates/compliance")
async def read_compliance(w: World) -> Case:
    await _held(w)

    def check(r) -> None:
        body = r.json()
        assert body["org_id"] == w.org_a["id"] and body["total"]["holders"] >= 1, r.text

    return Case(
        Req("GET", "/v1/certificates/compliance", params={"org_id": w.org_a["id"]}),
        right=org_key(w.org_a, scopes=READ_ONLY),
        wrong_tenant=[
            org_admin(w.org_b),
            org_key(w.org_b, scopes=READ_ONLY),
            alliance_admin(w.alliance_x),  # org_a is a member of X: the alliance does not read its compliance
        ],
        wrong_tenant_status=403,
        check=check,
    )
