"""Authorisation scenarios of apprenticeships (services/training/apprenticeships/) and of the accreditation register
and 1+X pilot registrations (services/training/accreditations/).

Apprenticeships: school_a (a member of X) writes; org_a (an enterprise, member of X) is the enterprise: it reads
and may send only its own mentor; X's admins read; org_b is the wrong tenant (404 on a read)."""

from __future__ import annotations

from typing import Any

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("training:read",)
PATH = "/v1/apprenticeships"


async def _class(w: World) -> str:
    body = {
        "name": "矩阵现代学徒制班",
        "kind": "modern_apprenticeship",
        "provider_org_id": w.school_a["id"],
        "partner_org_ids": [w.org_a["id"]],
        "start_on": "2024-09-01",
        "end_on": "2027-06-30",
    }
    return (await w.admin_post("/v1/programmes", body))["id"]


async def _body(w: World) -> dict[str, Any]:
    from tests.training.practice_support import id_number

    learner = {"name": "矩阵学徒", "id_number": id_number(), "learner_type": "student", "org_id": w.school_a["id"]}
    teacher = await w.memo("apprentice-teacher", lambda: w.new_person(w.school_a))
    return {
        "learner_id": (await w.admin_post("/v1/learners", learner))["id"],
        "school_org_id": w.school_a["id"],
        "enterprise_org_id": w.org_a["id"],
        "programme_id": await w.memo("apprentice-class", lambda: _class(w)),
        "school_mentor_person_id": teacher["id"],
        "start_on": "2024-09-01",
    }


def _outsiders(w: World) -> dict[str, Any]:
    return {
        "wrong_tenant": [w.org_staff(w.org_b), w.org_key(w.org_b)],
        "wrong_role": [
            w.alliance_admin(w.alliance_x),
            w.service("matching"),
            w.org_admin(w.school_a, scopes=READ_ONLY),
        ],
    }


@scenario("POST", PATH)
async def create_apprenticeship(w: World) -> Case:
    return Case(Req("POST", PATH, json=await _body(w)), right=w.org_staff(w.school_a), expect=201, **_outsiders(w))


@scenario("PATCH", PATH + "/{apprenticeship_id}")
async def patch_apprenticeship(w: World) -> Case:
    row = await w.admin_post(PATH, await _body(w))
    return Case(
        Req("PATCH", f"{PATH}/{row['id']}", json={"recruited_on": "2024-09-01"}),
        right=w.org_key(w.school_a),
        **_outsiders(w),
    )


@scenario("DELETE", PATH + "/{apprenticeship_id}")
async def delete_apprenticeship(w: World) -> Case:
    row = await w.admin_post(PATH, await _body(w))
    out = _outsiders(w)
    # the enterprise reads the record but may not delete it
    out["wrong_tenant"] = [*out["wrong_tenant"], w.org_staff(w.org_a)]
    return Case(Req("DELETE", f"{PATH}/{row['id']}"), right=w.org_admin(w.school_a), expect=204, **out)


@private_read("GET", PATH + "/{apprenticeship_id}")
async def read_apprenticeship(w: World) -> Case:
    row = await w.admin_post(PATH, await _body(w))
    return Case(
        Req("GET", f"{PATH}/{row['id']}"),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_staff(w.org_b), w.alliance_admin(w.alliance_y)],
    )
