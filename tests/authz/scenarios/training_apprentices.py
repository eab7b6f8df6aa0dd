"""Authorisation scenarios of apprenticeships (services/training/apprenticeships/) and of the accreditation register
and 1+X pilot registrations (services/training/accreditations/).

Apprenticeships: school_a (a member of X) writes; org_a (an enterprise, member of X) is the enterprise: it reads
and may send only its own mentor; X's admins read; org_b is the wrong tenant (404 on a read)."""

from __future__ import annotations

import uuid
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


@scenario("POST", PATH + "/imports")
async def import_apprenticeships(w: World) -> Case:
    b = await _body(w)
    text = f"学员ID,合作企业ID,学校导师人员ID,开始日期\n{b['learner_id']},{b['enterprise_org_id']},"
    text += f"{b['school_mentor_person_id']},2024-09-01\n"
    params = {"school_org_id": w.school_a["id"], "programme_id": b["programme_id"]}

    def check(r) -> None:
        assert r.json()["created"] == 1, r.text

    return Case(
        Req("POST", PATH + "/imports", params=params, files={"file": ("apprentices.csv", text.encode(), "text/csv")}),
        right=w.org_staff(w.school_a),
        check=check,
        **_outsiders(w),
    )


@private_read("GET", PATH + "/{apprenticeship_id}")
async def read_apprenticeship(w: World) -> Case:
    row = await w.admin_post(PATH, await _body(w))
    return Case(
        Req("GET", f"{PATH}/{row['id']}"),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_staff(w.org_b), w.alliance_admin(w.alliance_y)],
    )


# ---- the accreditation register and 1+X pilot registrations: the organization writes its own; a public directory --
# Each on an organization of its own: an organization that keeps the register has its appraisal batches and 1+X
# certificates checked against it (services/training/accreditations/checks.py), which the shared world's other
# scenarios do not expect.
async def _station_org(w: World) -> dict[str, Any]:
    return await w.memo("register-station-org", lambda: w.new_org("enterprise"))


async def _pilot_school(w: World) -> dict[str, Any]:
    return await w.memo("register-pilot-school", lambda: w.new_org("higher_vocational"))


async def _station(w: World) -> dict[str, Any]:
    return {
        "org_id": (await _station_org(w))["id"],
        "kind": "appraisal_station",
        "name": "矩阵鉴定站",
        "granting_body": "山东省人力资源和社会保障厅",
        "valid_from": "2019-07-01",
        "occupations": [{"name": "炼钢工", "levels": []}],
    }


async def _registration(w: World) -> dict[str, Any]:
    return {
        "school_org_id": (await _pilot_school(w))["id"],
        "certificate_name": f"矩阵1+X证书{uuid.uuid4().hex[:6]}",
        "registered_on": "2019-06-20",
    }


def _register_outsiders(w: World, party: Any) -> dict[str, Any]:
    return {
        "wrong_tenant": [w.org_staff(w.org_b), w.org_key(w.org_b)],
        "wrong_role": [w.alliance_admin(w.alliance_x), w.service("matching"), w.org_admin(party, scopes=READ_ONLY)],
    }


@scenario("POST", "/v1/accreditations")
async def create_accreditation(w: World) -> Case:
    station = await _station_org(w)
    return Case(
        Req("POST", "/v1/accreditations", json=await _station(w)),
        right=w.org_staff(station),
        expect=201,
        **_register_outsiders(w, station),
    )


@scenario("PATCH", "/v1/accreditations/{accreditation_id}")
async def patch_accreditation(w: World) -> Case:
    station = await _station_org(w)
    row = await w.admin_post("/v1/accreditations", await _station(w))
    return Case(
        Req("PATCH", f"/v1/accreditations/{row['id']}", json={"valid_until": "2029-06-30"}),
        right=w.org_key(station),
        **_register_outsiders(w, station),
    )


@scenario("DELETE", "/v1/accreditations/{accreditation_id}")
async def delete_accreditation(w: World) -> Case:
    station = await _station_org(w)
    row = await w.admin_post("/v1/accreditations", await _station(w))
    return Case(
        Req("DELETE", f"/v1/accreditations/{row['id']}"),
        right=w.org_admin(station),
        expect=204,
        **_register_outsiders(w, station),
    )


@scenario("POST", "/v1/pilot-registrations")
async def create_pilot_registration(w: World) -> Case:
    school = await _pilot_school(w)
    return Case(
        Req("POST", "/v1/pilot-registrations", json=await _registration(w)),
        right=w.org_staff(school),
        expect=201,
        **_register_outsiders(w, school),
    )


@scenario("PATCH", "/v1/pilot-registrations/{registration_id}")
async def patch_pilot_registration(w: World) -> Case:
    school = await _pilot_school(w)
    row = await w.admin_post("/v1/pilot-registrations", await _registration(w))
    return Case(
        Req("PATCH", f"/v1/pilot-registrations/{row['id']}", json={"batch": 2}),
        right=w.org_key(school),
        **_register_outsiders(w, school),
    )


@scenario("DELETE", "/v1/pilot-registrations/{registration_id}")
async def delete_pilot_registration(w: World) -> Case:
    school = await _pilot_school(w)
    row = await w.admin_post("/v1/pilot-registrations", await _registration(w))
    return Case(
        Req("DELETE", f"/v1/pilot-registrations/{row['id']}"),
        right=w.org_admin(school),
        expect=204,
        **_register_outsiders(w, school),
    )
