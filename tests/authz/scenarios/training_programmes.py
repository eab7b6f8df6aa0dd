"""Authorisation scenarios of the training service's programme and enrolment write routes, and their private
reads. Writers: org_admin/org_staff (users or the org's API key) of the programme's provider organization, and
platform admins; alliance admins, other organizations and service principals get 403."""

from __future__ import annotations

from chanjiao.dates import today
from tests.authz.harness import Case, Req, World, private_read, scenario
from tests.training.enrolment_factories import insert_learners

PROGRAMME = {
    "name": "矩阵订单班",
    "kind": "order_class",
    "start_on": "2025-09-01",
    "end_on": "2026-06-30",
    "planned_hours": 120,
    "capacity": 50,
    "delivery": "blended",
}


def _outsiders(w: World) -> dict:
    return {
        "wrong_tenant": [w.org_admin(w.org_b), w.org_staff(w.org_b), w.org_key(w.org_b)],
        "wrong_role": [w.alliance_admin(w.alliance_x), w.service("matching")],
    }


async def _programme(w: World, **extra) -> dict:
    return await w.admin_post("/v1/programmes", {**PROGRAMME, "provider_org_id": w.org_a["id"], **extra})


async def _learner(w: World, owner_org_id=None) -> str:
    """A learner record of `owner_org_id` (default org A, the provider of the programmes here)."""
    engine = w.platform.apps["training"].state.engine
    (lid,) = await insert_learners(engine, 1, owner_org_id=owner_org_id or w.org_a["id"])
    return lid


async def _enrolment(w: World, owner_org_id=None) -> dict:
    """An enrolment in org A's programme; a platform admin may enrol another organization's record."""
    p = await _programme(w)
    lid = await _learner(w, owner_org_id)
    return await w.admin_post("/v1/enrolments", {"learner_id": lid, "programme_id": p["id"]})


# ---- programmes ---------------------------------------------------------------------------------------------------
@scenario("POST", "/v1/programmes")
async def create_programme(w: World) -> Case:
    return Case(
        Req("POST", "/v1/programmes", json={**PROGRAMME, "provider_org_id": w.org_a["id"]}),
        right=w.org_staff(w.org_a),
        expect=201,
        **_outsiders(w),
    )


@scenario("PATCH", "/v1/programmes/{programme_id}")
async def patch_programme(w: World) -> Case:
    p = await _programme(w)
    return Case(
        Req("PATCH", f"/v1/programmes/{p['id']}", json={"capacity": 60}),
        right=w.org_key(w.org_a),
        **_outsiders(w),
    )


@scenario("DELETE", "/v1/programmes/{programme_id}")
async def delete_programme(w: World) -> Case:
    p = await _programme(w)
    return Case(Req("DELETE", f"/v1/programmes/{p['id']}"), right=w.org_admin(w.org_a), expect=204, **_outsiders(w))


@private_read("GET", "/v1/programmes/{programme_id}")
async def read_programme(w: World) -> Case:
    p = await _programme(w)
    return Case(
        Req("GET", f"/v1/programmes/{p['id']}"),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_admin(w.org_b), w.alliance_admin(w.alliance_y)],
    )


# ---- enrolments ---------------------------------------------------------------------------------------------------
@scenario("POST", "/v1/enrolments")
async def create_enrolment(w: World) -> Case:
    p = await _programme(w)
    lid = await _learner(w)
    return Case(
        Req("POST", "/v1/enrolments", json={"learner_id": lid, "programme_id": p["id"]}),
        right=w.org_staff(w.org_a),
        expect=201,
        **_outsiders(w),
    )


@scenario("POST", "/v1/enrolments/batch")
async def create_enrolment_batch(w: World) -> Case:
    p = await _programme(w)
    lid = await _learner(w)

    def check(r) -> None:
        assert r.json()["created"] == 1, r.text

    return Case(
        Req("POST", "/v1/enrolments/batch", json={"items": [{"learner_id": lid, "programme_id": p["id"]}]}),
        right=w.org_key(w.org_a),
        check=check,
        **_outsiders(w),
    )


@scenario("PATCH", "/v1/enrolments/{enrolment_id}")
async def patch_enrolment(w: World) -> Case:
    school = await w.new_org("higher_vocational")
    e = await _enrolment(w, owner_org_id=school["id"])
    outsiders = _outsiders(w)
    return Case(
        Req("PATCH", f"/v1/enrolments/{e['id']}", json={"days_attended": 3, "hours_attended": 24}),
        right=w.org_staff(w.org_a),
        wrong_tenant=[*outsiders["wrong_tenant"], w.org_admin(school)],  # the learner record's owner reads only
        wrong_role=outsiders["wrong_role"],
    )


@scenario("POST", "/v1/enrolments/{enrolment_id}/transitions")
async def transition_enrolment(w: World) -> Case:
    e = await _enrolment(w)
    return Case(
        Req("POST", f"/v1/enrolments/{e['id']}/transitions", json={"to": "dropped", "effective_on": str(today())}),
        right=w.org_admin(w.org_a),
        **_outsiders(w),
    )


@private_read("GET", "/v1/enrolments/{enrolment_id}")
async def read_enrolment(w: World) -> Case:
    school = await w.new_org("higher_vocational")
    e = await _enrolment(w, owner_org_id=school["id"])
    return Case(
        Req("GET", f"/v1/enrolments/{e['id']}"),
        right=w.org_staff(school),  # the organization owning the learner record reads it
        wrong_tenant=[w.org_admin(w.org_b), w.alliance_admin(w.alliance_x)],
    )


@scenario("POST", "/v1/enrolments/imports")
async def import_enrolments(w: World) -> Case:
    p = await _programme(w)
    lid = await _learner(w)
    text = f"学员ID,培训项目ID\n{lid},{p['id']}\n"

    def check(r) -> None:
        assert r.json()["created"] == 1, r.text

    return Case(
        Req("POST", "/v1/enrolments/imports", files={"file": ("roster.csv", text.encode(), "text/csv")}),
        right=w.org_staff(w.org_a),
        check=check,
        **_outsiders(w),
    )
