"""Authorisation scenarios of `/v1/learners` (the rules: services/training/learners/service.py and router.py).

A learner record belongs to the organization that registered it: org A registers the learners here, so A's
principals are right, B's the wrong tenant — to whom A's record does not exist (404 on every route, writes
included); alliance admins and services have no role on learners."""

import io
import itertools

from chanjiao.auth import ALL_SCOPES
from chanjiao.validators import compute_check_digit
from tests.authz.harness import Case, Req, World, private_read, scenario

_seq = itertools.count(1)
WITHOUT_REVEAL = tuple(s for s in ALL_SCOPES if s != "training:reveal")


def resident_id() -> str:
    n = next(_seq)
    body = f"370102199{n % 10}{(n % 12) + 1:02d}{(n % 28) + 1:02d}{(500 + n) % 1000:03d}"
    return body + compute_check_digit(body)


async def new_learner(w: World, **overrides) -> dict:
    body = {"name": "矩阵学员", "id_number": resident_id(), "learner_type": "student", "org_id": w.org_a["id"]}
    return await w.admin_post("/v1/learners", {**body, **overrides})


def _outsiders(w: World) -> dict:
    return {
        "wrong_tenant": [w.org_staff(w.org_b), w.org_admin(w.org_b), w.org_key(w.org_b)],
        "wrong_role": [w.alliance_admin(w.alliance_x), w.alliance_key(w.alliance_x), w.service("training")],
    }


@scenario("POST", "/v1/learners")
async def create_learner(w: World) -> Case:
    body = {"name": "矩阵学员", "id_number": resident_id(), "learner_type": "student", "org_id": w.org_a["id"]}
    return Case(Req("POST", "/v1/learners", json=body), right=w.org_staff(w.org_a), expect=201, **_outsiders(w))


@scenario("PATCH", "/v1/learners/{learner_id}")
async def patch_learner(w: World) -> Case:
    learner = await new_learner(w)
    return Case(
        Req("PATCH", f"/v1/learners/{learner['id']}", json={"learner_type": "employee"}),
        right=w.org_key(w.org_a),
        wrong_tenant_status=404,  # another organization's record does not exist for B
        **_outsiders(w),
    )


@scenario("POST", "/v1/learners/search")
async def search_learner(w: World) -> Case:
    number = resident_id()
    await new_learner(w, id_number=number)
    return Case(
        Req("POST", "/v1/learners/search", json={"id_type": "resident_id", "id_number": number}),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_admin(w.org_b), w.org_key(w.org_b)],
        wrong_tenant_status=404,  # a search never says that someone else's learner exists
        wrong_role=[w.org_key(w.org_a, scopes=("membership:read",))],
    )


@scenario("POST", "/v1/learners/{learner_id}/reveal")
async def reveal_learner(w: World) -> Case:
    learner = await new_learner(w)
    return Case(
        Req("POST", f"/v1/learners/{learner['id']}/reveal", json={"reason": "向人社部门报送鉴定名单"}),
        right=w.org_admin(w.org_a),
        wrong_tenant=[w.org_admin(w.org_b), w.org_key(w.org_b)],
        wrong_tenant_status=404,
        wrong_role=[
            w.org_staff(w.org_a),
            w.org_admin(w.org_a, scopes=WITHOUT_REVEAL),
            w.org_key(w.org_a, scopes=WITHOUT_REVEAL),
            w.alliance_admin(w.alliance_x),
            w.service("training"),
        ],
    )


@scenario("POST", "/v1/learners/{learner_id}/erasure")
async def erase_learner(w: World) -> Case:
    learner = await new_learner(w, current_org_id=w.org_a["id"])
    return Case(
        Req("POST", f"/v1/learners/{learner['id']}/erasure", json={"reason": "本人申请删除个人信息"}),
        right=w.org_admin(w.org_a),
        wrong_tenant=[w.org_admin(w.org_b), w.org_key(w.org_b)],
        wrong_tenant_status=404,
        wrong_role=[w.org_staff(w.org_a), w.alliance_admin(w.alliance_x), w.service("training")],
    )


@scenario("POST", "/v1/learners/batch")
async def batch_learners(w: World) -> Case:
    items = [{"name": "矩阵学员", "id_number": resident_id(), "learner_type": "student", "org_id": w.org_a["id"]}]
    return Case(Req("POST", "/v1/learners/batch", json={"items": items}), right=w.org_staff(w.org_a), **_outsiders(w))


@scenario("POST", "/v1/learners/imports")
async def import_learners(w: World) -> Case:
    csv = f"姓名,证件号码,学员类型\n矩阵学员,{resident_id()},学生\n".encode()
    return Case(
        Req(
            "POST",
            "/v1/learners/imports",
            params={"org_id": w.org_a["id"]},
            files={"file": ("learners.csv", io.BytesIO(csv), "text/csv")},
        ),
        right=w.org_admin(w.org_a),
        **_outsiders(w),
    )


@private_read("GET", "/v1/learners/{learner_id}")
async def read_learner(w: World) -> Case:
    learner = await new_learner(w)
    return Case(
        Req("GET", f"/v1/learners/{learner['id']}"),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_admin(w.org_b), w.org_key(w.org_b), w.alliance_admin(w.alliance_x)],
    )
