"""Authorisation scenarios of the practice records: internships (+ batch), teacher practices, part-time teaching,
training bases (the rules: services/training/practice/common.py).

The shared world: school_a (a school, member of X) and org_a (an enterprise, member of X) are the parties of
every record; org_b is the wrong tenant. Writers: org_admin/org_staff of either party with `training:write`.
Alliance admins, service principals and principals without `training:write` are the wrong role."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("training:read",)


async def _learner(w: World, learner_type: str = "student") -> str:
    """A learner that school_a sees: registered through `POST /v1/learners` when that route is there, else rows
    written straight into learners + learner_orgs."""
    app = w.platform.apps["training"]
    if "/v1/learners" in app.openapi()["paths"]:
        from tests.training.practice_support import id_number

        body = {"name": "矩阵学员", "id_number": id_number(), "learner_type": learner_type, "org_id": w.school_a["id"]}
        return (await w.admin_post("/v1/learners", body))["id"]
    learner_id = uuid.uuid4()
    async with app.state.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "insert into training.learners (id, name, id_type, id_number_hash, id_number_ciphertext, "
                "id_number_masked, learner_type, version, created_at, updated_at) values (:id, '矩阵学员', "
                "'resident_id', :hash, 'x', '3707************34', :type, 1, now(), now())"
            ),
            {"id": learner_id, "hash": uuid.uuid4().bytes, "type": learner_type},
        )
        await conn.execute(
            sa.text("insert into training.learner_orgs (learner_id, org_id, via) values (:l, :o, 'registration')"),
            {"l": learner_id, "o": uuid.UUID(w.school_a["id"])},
        )
    return str(learner_id)


def _outsiders(w: World, party: Any) -> dict[str, Any]:
    return {
        "wrong_tenant": [w.org_staff(w.org_b), w.org_key(w.org_b)],
        "wrong_role": [
            w.alliance_admin(w.alliance_x),
            w.service("matching"),
            w.org_admin(party, scopes=READ_ONLY),
        ],
    }


# ---- internships --------------------------------------------------------------------------------------------------
async def _internship_body(w: World) -> dict[str, Any]:
    return {
        "learner_id": await w.memo("practice-student", lambda: _learner(w)),
        "school_org_id": w.school_a["id"],
        "host_org_id": w.org_a["id"],
        "kind": "shadow",
        "start_on": "2024-03-01",
        "end_on": "2024-06-30",
    }


async def _internship(w: World) -> dict[str, Any]:
    return await w.admin_post("/v1/internships", await _internship_body(w))


@scenario("POST", "/v1/internships")
async def create_internship(w: World) -> Case:
    return Case(
        Req("POST", "/v1/internships", json=await _internship_body(w)),
        right=w.org_staff(w.school_a),
        expect=201,
        **_outsiders(w, w.school_a),
    )


@scenario("POST", "/v1/internships/batch")
async def create_internship_batch(w: World) -> Case:
    return Case(
        Req("POST", "/v1/internships/batch", json={"items": [await _internship_body(w)]}),
        right=w.org_key(w.school_a),
        expect=200,
        **_outsiders(w, w.school_a),
    )


@scenario("PATCH", "/v1/internships/{internship_id}")
async def patch_internship(w: World) -> Case:
    x = await _internship(w)
    return Case(
        Req("PATCH", f"/v1/internships/{x['id']}", json={"position": "装配工"}),
        right=w.org_staff(w.org_a),  # the host is a party too
        expect=200,
        **_outsiders(w, w.org_a),
    )


@scenario("DELETE", "/v1/internships/{internship_id}")
async def delete_internship(w: World) -> Case:
    x = await _internship(w)
    return Case(
        Req("DELETE", f"/v1/internships/{x['id']}"),
        right=w.org_admin(w.school_a),
        expect=204,
        **_outsiders(w, w.school_a),
    )


@private_read("GET", "/v1/internships/{internship_id}")
async def read_internship(w: World) -> Case:
    x = await _internship(w)
    return Case(
        Req("GET", f"/v1/internships/{x['id']}"),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_staff(w.org_b), w.alliance_admin(w.alliance_x)],
    )


# ---- teacher practices --------------------------------------------------------------------------------------------
async def _practice_body(w: World) -> dict[str, Any]:
    return {
        "learner_id": await w.memo("practice-teacher", lambda: _learner(w, "teacher")),
        "school_org_id": w.school_a["id"],
        "enterprise_org_id": w.org_a["id"],
        "start_on": "2024-07-01",
        "end_on": "2024-08-29",
    }


async def _practice(w: World) -> dict[str, Any]:
    return await w.admin_post("/v1/teacher-practices", await _practice_body(w))


@scenario("POST", "/v1/teacher-practices")
async def create_teacher_practice(w: World) -> Case:
    return Case(
        Req("POST", "/v1/teacher-practices", json=await _practice_body(w)),
        right=w.org_staff(w.org_a),
        expect=201,
        **_outsiders(w, w.org_a),
    )


@scenario("PATCH", "/v1/teacher-practices/{practice_id}")
async def patch_teacher_practice(w: World) -> Case:
    x = await _practice(w)
    return Case(
        Req("PATCH", f"/v1/teacher-practices/{x['id']}", json={"post": "工艺员"}),
        right=w.org_staff(w.school_a),
        expect=200,
        **_outsiders(w, w.school_a),
    )


@scenario("DELETE", "/v1/teacher-practices/{practice_id}")
async def delete_teacher_practice(w: World) -> Case:
    x = await _practice(w)
    return Case(
        Req("DELETE", f"/v1/teacher-practices/{x['id']}"),
        right=w.org_key(w.org_a),
        expect=204,
        **_outsiders(w, w.org_a),
    )


@private_read("GET", "/v1/teacher-practices/{practice_id}")
async def read_teacher_practice(w: World) -> Case:
    x = await _practice(w)
    return Case(
        Req("GET", f"/v1/teacher-practices/{x['id']}"),
        right=w.org_staff(w.school_a),
        wrong_tenant=[w.org_staff(w.org_b), w.alliance_admin(w.alliance_x)],
    )


# ---- part-time teaching -------------------------------------------------------------------------------------------
def _teaching_body(w: World) -> dict[str, Any]:
    return {
        "staff_name": "李师傅",
        "enterprise_org_id": w.org_a["id"],
        "school_org_id": w.school_a["id"],
        "term": "2024-2025-1",
        "course": "数控车削加工",
        "class_hours": 64,
    }


@scenario("POST", "/v1/part-time-teaching")
async def create_part_time_teaching(w: World) -> Case:
    return Case(
        Req("POST", "/v1/part-time-teaching", json=_teaching_body(w)),
        right=w.org_staff(w.org_a),
        expect=201,
        **_outsiders(w, w.org_a),
    )


@scenario("PATCH", "/v1/part-time-teaching/{record_id}")
async def patch_part_time_teaching(w: World) -> Case:
    x = await w.admin_post("/v1/part-time-teaching", _teaching_body(w))
    return Case(
        Req("PATCH", f"/v1/part-time-teaching/{x['id']}", json={"class_hours": 48}),
        right=w.org_admin(w.school_a),
        expect=200,
        **_outsiders(w, w.school_a),
    )


@scenario("DELETE", "/v1/part-time-teaching/{record_id}")
async def delete_part_time_teaching(w: World) -> Case:
    x = await w.admin_post("/v1/part-time-teaching", _teaching_body(w))
    return Case(
        Req("DELETE", f"/v1/part-time-teaching/{x['id']}"),
        right=w.org_staff(w.org_a),
        expect=204,
        **_outsiders(w, w.org_a),
    )


@private_read("GET", "/v1/part-time-teaching/{record_id}")
async def read_part_time_teaching(w: World) -> Case:
    x = await w.admin_post("/v1/part-time-teaching", _teaching_body(w))
    return Case(
        Req("GET", f"/v1/part-time-teaching/{x['id']}"),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_staff(w.org_b), w.alliance_admin(w.alliance_x)],
    )


# ---- training bases -----------------------------------------------------------------------------------------------
def _base_body(w: World) -> dict[str, Any]:
    return {"owner_org_id": w.org_a["id"], "name": "矩阵实训基地", "kind": "productive", "major_codes": ["460103"]}


def _base_outsiders(w: World) -> dict[str, Any]:
    # school_a is a party to the other records but not the base's owner: a wrong tenant here.
    out = _outsiders(w, w.org_a)
    out["wrong_tenant"] = [*out["wrong_tenant"], w.org_staff(w.school_a)]
    return out


@scenario("POST", "/v1/training-bases")
async def create_training_base(w: World) -> Case:
    return Case(
        Req("POST", "/v1/training-bases", json=_base_body(w)),
        right=w.org_staff(w.org_a),
        expect=201,
        **_base_outsiders(w),
    )


@scenario("PATCH", "/v1/training-bases/{base_id}")
async def patch_training_base(w: World) -> Case:
    x = await w.admin_post("/v1/training-bases", _base_body(w))
    return Case(
        Req("PATCH", f"/v1/training-bases/{x['id']}", json={"shared": True}),
        right=w.org_key(w.org_a),
        expect=200,
        **_base_outsiders(w),
    )


@scenario("DELETE", "/v1/training-bases/{base_id}")
async def delete_training_base(w: World) -> Case:
    x = await w.admin_post("/v1/training-bases", _base_body(w))
    return Case(
        Req("DELETE", f"/v1/training-bases/{x['id']}"), right=w.org_admin(w.org_a), expect=204, **_base_outsiders(w)
    )
