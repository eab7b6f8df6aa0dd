"""Authorisation scenarios of certificates many at once (services/training/certificates/routes_batch.py and
routes_import.py): school_a issues and records for its own learners; org_b naming school_a as issuer or holder is
the wrong tenant (403 for the whole batch or import). Inside school_a's own batch, an item naming org_b's learner
fails alone with 404 — exactly like a learner that does not exist — and nothing is written for it."""

from __future__ import annotations

import io
from typing import Any

import httpx

from tests.authz.harness import Case, Req, World, scenario
from tests.authz.scenarios.training_certificates import _issue_body, _number, _outsiders
from tests.training.practice_support import id_number


async def _learner_of(w: World, org: dict[str, Any]) -> str:
    body = {"name": "矩阵他校学员", "id_number": id_number(), "learner_type": "student", "org_id": org["id"]}
    return (await w.admin_post("/v1/learners", body))["id"]


@scenario("POST", "/v1/certificates/batch")
async def batch_certificates(w: World) -> Case:
    own = await _issue_body(w)
    foreign = {**(await _issue_body(w)), "learner_id": await _learner_of(w, w.org_b)}

    async def check(r: httpx.Response) -> None:
        assert [x["status"] for x in r.json()["results"]] == [201, 404], r.text
        assert r.json()["results"][1]["problem"]["type"].endswith("learner-not-found")
        # nothing written for the failed item: org_b's learner holds no certificate
        listed = await w.admin("GET", "/v1/certificates", params={"learner_id": foreign["learner_id"]})
        assert listed["items"] == []

    return Case(
        Req("POST", "/v1/certificates/batch", json={"items": [own, foreign]}),
        right=w.org_staff(w.school_a),
        check=check,
        **_outsiders(w),
    )


@scenario("POST", "/v1/certificates/imports")
async def import_certificates(w: World) -> Case:
    learner = (await _issue_body(w))["learner_id"]
    csv = f"证书类别,证书编号,学员ID,职业名称,发证日期\ncompletion,{_number()},{learner},数控车工,2024-06-30\n".encode()
    return Case(
        Req(
            "POST",
            "/v1/certificates/imports",
            params={"org_id": w.school_a["id"]},
            files={"file": ("certificates.csv", io.BytesIO(csv), "text/csv")},
        ),
        right=w.org_admin(w.school_a),
        **_outsiders(w),
    )
