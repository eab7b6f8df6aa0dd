"""Authorisation scenarios of `/v1/demands` and `/v1/offers` (the rules: services/matching/market.py and each noun's
`access.py`).

A posting belongs to its organization: org_a posts demands, school_a posts offers, so their principals
(org_admin or org_staff with `matching:write`, or their API key) are right. Another organization (org_b) is the
wrong tenant — 403 when it posts for them or writes a published posting, 404 on a draft (it does not exist for
it). Alliance admins, service principals and principals with `matching:read` only are the wrong role. A draft is
a private read: org_b and alliance admins get 404."""

from __future__ import annotations

from typing import Any

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("matching:read",)


def _body(noun: str, org_id: str) -> dict[str, Any]:
    if noun == "demands":
        return {"org_id": org_id, "kind": "order_class", "title": "矩阵订单班", "headcount": 20}
    return {"org_id": org_id, "kind": "graduates", "title": "矩阵毕业生", "count": 20}


def _owner(w: World, noun: str) -> dict[str, Any]:
    return w.org_a if noun == "demands" else w.school_a


async def _posting(w: World, noun: str, *, published: bool) -> str:
    pid = (await w.admin_post(f"/v1/{noun}", _body(noun, _owner(w, noun)["id"])))["id"]
    if published:
        await w.admin_post(f"/v1/{noun}/{pid}/transitions", {"to": "open"})
    return pid


def _outsiders(w: World, noun: str, wrong_tenant_status: int | None = None) -> dict[str, Any]:
    return {
        "wrong_tenant": [w.org_staff(w.org_b), w.org_admin(w.org_b), w.org_key(w.org_b)],
        "wrong_role": [
            w.alliance_admin(w.alliance_x),
            w.service("matching"),
            w.service("training"),
            w.org_admin(_owner(w, noun), scopes=READ_ONLY),
        ],
        "wrong_tenant_status": wrong_tenant_status,
    }


def _create(noun: str) -> Any:
    async def create(w: World) -> Case:
        return Case(
            Req("POST", f"/v1/{noun}", json=_body(noun, _owner(w, noun)["id"])),
            right=w.org_staff(_owner(w, noun)),
            expect=201,
            **_outsiders(w, noun),
        )

    return create


def _update(noun: str) -> Any:
    async def update(w: World) -> Case:
        pid = await _posting(w, noun, published=True)
        return Case(
            Req("PATCH", f"/v1/{noun}/{pid}", json={"title": "矩阵修改后的标题"}),
            right=w.org_key(_owner(w, noun)),
            **_outsiders(w, noun),
        )

    return update


def _transition(noun: str) -> Any:
    async def transition(w: World) -> Case:
        pid = await _posting(w, noun, published=False)
        return Case(
            Req("POST", f"/v1/{noun}/{pid}/transitions", json={"to": "open"}),
            right=w.org_admin(_owner(w, noun)),
            **_outsiders(w, noun, 404),
        )

    return transition


def _read_draft(noun: str, suffix: str) -> Any:
    async def read(w: World) -> Case:
        pid = await _posting(w, noun, published=False)
        return Case(
            Req("GET", f"/v1/{noun}/{pid}{suffix}"),
            right=w.org_staff(_owner(w, noun), scopes=READ_ONLY),
            wrong_tenant=[w.org_admin(w.org_b), w.org_key(w.org_b), w.alliance_admin(w.alliance_x)],
        )

    return read


for _noun, _key in (("demands", "demand_id"), ("offers", "offer_id")):
    scenario("POST", f"/v1/{_noun}")(_create(_noun))
    scenario("PATCH", f"/v1/{_noun}/{{{_key}}}")(_update(_noun))
    scenario("POST", f"/v1/{_noun}/{{{_key}}}/transitions")(_transition(_noun))
    private_read("GET", f"/v1/{_noun}/{{{_key}}}")(_read_draft(_noun, ""))
    private_read("GET", f"/v1/{_noun}/{{{_key}}}/transitions")(_read_draft(_noun, "/transitions"))


def _batch(noun: str) -> Any:
    async def batch(w: World) -> Case:
        return Case(
            Req("POST", f"/v1/{noun}/batch", json={"items": [_body(noun, _owner(w, noun)["id"])]}),
            right=w.org_staff(_owner(w, noun)),
            **_outsiders(w, noun),
        )

    return batch


scenario("POST", "/v1/demands/batch")(_batch("demands"))
scenario("POST", "/v1/offers/batch")(_batch("offers"))


def _import(noun: str) -> Any:
    async def run(w: World) -> Case:
        heading = "需求类型,标题,需求人数" if noun == "demands" else "供给类型,标题,人数"
        kind = "订单班" if noun == "demands" else "毕业生"
        csv = f"{heading}\n{kind},矩阵导入,10\n".encode()
        return Case(
            Req(
                "POST",
                f"/v1/{noun}/imports",
                params={"org_id": _owner(w, noun)["id"]},
                files={"file": ("list.csv", csv, "text/csv")},
            ),
            right=w.org_admin(_owner(w, noun)),
            **_outsiders(w, noun),
        )

    return run


scenario("POST", "/v1/demands/imports")(_import("demands"))
scenario("POST", "/v1/offers/imports")(_import("offers"))
