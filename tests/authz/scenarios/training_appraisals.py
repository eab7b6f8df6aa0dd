"""Authorisation scenarios of `/v1/appraisals` (the rules: services/training/appraisals/router.py).

A batch belongs to its appraising organization: school_a appraises its own learners here, so school_a's principals
(org_admin or org_staff with `training:write`, or its API key) are right; org_b is the wrong tenant — 403 when it
names school_a as the appraising organization, 404 on school_a's batches (they do not exist for it). Alliance admins,
service principals and principals without `training:write` are the wrong role."""

from __future__ import annotations

import uuid
from typing import Any

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("training:read",)


async def _learner(w: World) -> str:
    from tests.training.practice_support import id_number

    body = {"name": "矩阵考生", "id_number": id_number(), "learner_type": "student", "org_id": w.school_a["id"]}
    return (await w.admin_post("/v1/learners", body))["id"]


async def _body(w: World) -> dict[str, Any]:
    return {
        "org_id": w.school_a["id"],
        "certificate_kind": "skill_level_1x",
        "occupation_name": "工业机器人操作与运维",
        "level": "中级",
        "appraised_on": "2025-06-20",
        "candidates": [
            {
                "learner_id": await _learner(w),
                "result": "pass",
                "score": 80,
                "certificate_number": f"JZ{uuid.uuid4().hex[:10].upper()}",
            }
        ],
    }


@scenario("POST", "/v1/appraisals")
async def create_appraisal(w: World) -> Case:
    return Case(
        Req("POST", "/v1/appraisals", json=await _body(w)),
        right=w.org_staff(w.school_a),
        expect=201,
        wrong_tenant=[w.org_staff(w.org_b), w.org_admin(w.org_b), w.org_key(w.org_b)],
        wrong_role=[
            w.alliance_admin(w.alliance_x),
            w.service("matching"),
            w.service("training"),
            w.org_admin(w.school_a, scopes=READ_ONLY),
        ],
    )


@private_read("GET", "/v1/appraisals/{appraisal_id}")
async def read_appraisal(w: World) -> Case:
    appraisal = await w.admin_post("/v1/appraisals", await _body(w))
    return Case(
        Req("GET", f"/v1/appraisals/{appraisal['id']}"),
        right=w.org_key(w.school_a, scopes=READ_ONLY),
        wrong_tenant=[w.org_admin(w.org_b), w.org_staff(w.org_b), w.alliance_admin(w.alliance_x)],
    )
