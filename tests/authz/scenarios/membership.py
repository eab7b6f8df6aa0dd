"""Authorisation scenarios of the membership service's write routes (the rules: services/membership/tenancy.py)."""

from __future__ import annotations

import uuid

from chanjiao.auth import Principal
from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("membership:read",)


def _csv(*rows: str) -> dict:
    text = "\n".join(("单位名称,单位类型,行政区划代码", *rows)) + "\n"
    return {"file": ("roll.csv", text.encode(), "text/csv")}


def _answers(key: str, value: object):
    def check(r) -> None:
        assert r.json()[key] == value, r.text

    return check


def _unit() -> str:
    return f"矩阵导入单位{uuid.uuid4().hex[:8]},企业,370303"


async def _unclaimed_member_of_x(w: World, org_type: str = "enterprise") -> dict:
    """An organization X's secretariat registered (so X keeps its record until claimed), a member of X."""
    body = {"name": f"矩阵单位{uuid.uuid4().hex[:8]}", "org_type": org_type, "region_code": "370303"}
    r = await w.send(w.alliance_key(w.alliance_x), Req("POST", "/v1/organizations", json=body))
    assert r.status_code == 201, r.text
    org = r.json()
    await w.new_member(w.alliance_x, org)
    return org


def _org_outsiders(w: World, org: dict) -> dict[str, list[Principal]]:
    """For an organization record of `org` (a member of X): who is of the wrong tenant and of the wrong role."""
    return {
        "wrong_tenant": [w.alliance_admin(w.alliance_y), w.org_admin(w.org_b), w.org_key(w.org_b)],
        "wrong_role": [w.org_staff(org), w.service("matching")],
    }


# ---- organizations ----------------------------------------------------------------------------------------------
@scenario("POST", "/v1/organizations")
async def create_org(w: World) -> Case:
    body = {"name": f"矩阵新单位{uuid.uuid4().hex[:8]}", "org_type": "enterprise", "region_code": "370303"}
    return Case(
        Req("POST", "/v1/organizations", json=body),
        right=w.alliance_admin(w.alliance_x),
        wrong_role=[w.org_admin(w.org_a), w.org_staff(w.org_a), w.org_key(w.org_a), w.service("training")],
        expect=201,
    )


@scenario("POST", "/v1/organizations/batch")
async def create_org_batch(w: World) -> Case:
    body = {
        "items": [{"name": f"矩阵批量单位{uuid.uuid4().hex[:8]}", "org_type": "enterprise", "region_code": "370303"}]
    }
    return Case(
        Req("POST", "/v1/organizations/batch", json=body),
        right=w.alliance_key(w.alliance_x),
        wrong_role=[w.org_admin(w.org_a), w.org_staff(w.org_a)],
        expect=200,
        check=_answers("created", 1),
    )


@scenario("POST", "/v1/organizations/imports")
async def import_orgs(w: World) -> Case:
    return Case(
        Req("POST", "/v1/organizations/imports", files=_csv(_unit())),
        right=w.alliance_admin(w.alliance_y),
        wrong_role=[w.org_admin(w.org_b), w.org_key(w.org_b)],
        expect=200,
    )


@scenario("PATCH", "/v1/organizations/{org_id}")
async def patch_org(w: World) -> Case:
    org = await _unclaimed_member_of_x(w)
    return Case(
        Req("PATCH", f"/v1/organizations/{org['id']}", json={"industry_codes": ["2614"]}),
        right=w.alliance_admin(w.alliance_x),
        **_org_outsiders(w, org),
    )


@scenario("DELETE", "/v1/organizations/{org_id}")
async def delete_org(w: World) -> Case:
    org = await _unclaimed_member_of_x(w)
    return Case(
        Req("DELETE", f"/v1/organizations/{org['id']}"), right=w.org_key(org), expect=204, **_org_outsiders(w, org)
    )


@scenario("PUT", "/v1/organizations/{org_id}/majors")
async def put_majors(w: World) -> Case:
    school = await _unclaimed_member_of_x(w, "higher_vocational")
    body = {"year": 2025, "majors": [{"major_code": "460104", "enrolment": 120, "graduates": 98}]}
    return Case(
        Req("PUT", f"/v1/organizations/{school['id']}/majors", json=body),
        right=w.org_admin(school),
        **_org_outsiders(w, school),
    )


@scenario("PUT", "/v1/organizations/{org_id}/school-stats/{year}")
async def put_school_stats(w: World) -> Case:
    school = await _unclaimed_member_of_x(w, "secondary_vocational")
    body = {"full_time_enrolment": 420, "students": 1280, "graduates": 390}
    return Case(
        Req("PUT", f"/v1/organizations/{school['id']}/school-stats/2025", json=body),
        right=w.alliance_key(w.alliance_x),
        expect=201,
        **_org_outsiders(w, school),
    )


@scenario("POST", "/v1/organizations/{org_id}/status-changes")
async def org_status_change(w: World) -> Case:
    org = await _unclaimed_member_of_x(w)
    return Case(
        Req("POST", f"/v1/organizations/{org['id']}/status-changes", json={"to": "inactive", "reason": "注销"}),
        right=w.org_admin(org),
        expect=201,
        **_org_outsiders(w, org),
    )


# ---- reference codes ----------------------------------------------------------------------------------------------
_CANDIDATES = {
    "regions": (["379981", "379982", "379983", "379984"], "county"),
    "majors": (["469981", "469982", "469983", "469984"], "major"),
    "occupations": (["6-99-98-01", "6-99-98-02", "6-99-98-03"], "4"),
    "industries": (["3398", "3397", "3396", "3395"], "4"),
}


def _reference(kind: str):
    async def build(w: World) -> Case:
        codes, level = _CANDIDATES[kind]
        for code in codes:
            r = await w.send(None, Req("GET", f"/v1/reference/{kind}/{code}"))
            if r.status_code == 404:
                break
        else:
            raise AssertionError(f"no free {kind} code among {codes}")
        return Case(
            Req("POST", f"/v1/reference/{kind}", json={"code": code, "name": "矩阵测试代码", "level": level}),
            right=w.platform_admin,
            wrong_role=[w.alliance_admin(w.alliance_x), w.org_admin(w.org_a), w.org_key(w.org_a)],
            expect=201,
        )

    return build


for _kind in _CANDIDATES:
    scenario("POST", f"/v1/reference/{_kind}")(_reference(_kind))


# ---- alliances ------------------------------------------------------------------------------------------------------
@scenario("POST", "/v1/alliances")
async def create_alliance(w: World) -> Case:
    body = {"name": f"矩阵新联盟{uuid.uuid4().hex[:8]}", "kind": "city_consortium", "level": "municipal"}
    return Case(
        Req("POST", "/v1/alliances", json=body),
        right=w.platform_admin,
        wrong_role=[w.alliance_admin(w.alliance_x), w.alliance_key(w.alliance_x), w.org_admin(w.org_a)],
        expect=201,
    )


@scenario("PATCH", "/v1/alliances/{alliance_id}")
async def patch_alliance(w: World) -> Case:
    return Case(
        Req("PATCH", f"/v1/alliances/{w.alliance_x['id']}", json={"industry_focus": ["化工", "新材料"]}),
        right=w.alliance_admin(w.alliance_x),
        wrong_tenant=[w.alliance_admin(w.alliance_y), w.alliance_key(w.alliance_y)],
        wrong_role=[w.org_admin(w.org_a), w.org_key(w.org_a)],
    )


@scenario("DELETE", "/v1/alliances/{alliance_id}")
async def delete_alliance(w: World) -> Case:
    z = await w.new_alliance()
    return Case(
        Req("DELETE", f"/v1/alliances/{z['id']}"),
        right=w.platform_admin,
        wrong_role=[w.alliance_admin(z), w.alliance_key(z), w.org_admin(w.org_a)],
        expect=204,
    )


@scenario("POST", "/v1/alliances/{alliance_id}/role-changes")
async def role_changes(w: World) -> Case:
    z = await w.new_alliance()
    m = await w.new_member(z, await w.new_org())
    body = {"effective_on": "2024-01-08", "changes": [{"membership_id": m["id"], "role": "director"}]}
    return Case(
        Req("POST", f"/v1/alliances/{z['id']}/role-changes", json=body),
        right=w.alliance_admin(z),
        wrong_tenant=[w.alliance_admin(w.alliance_x), w.alliance_key(w.alliance_y)],
        wrong_role=[w.org_admin(m["org_id"]), w.org_key(m["org_id"])],
    )


@scenario("POST", "/v1/alliances/{alliance_id}/member-imports")
async def member_imports(w: World) -> Case:
    z = await w.new_alliance()
    return Case(
        Req("POST", f"/v1/alliances/{z['id']}/member-imports", files=_csv(_unit())),
        right=w.alliance_key(z),
        wrong_tenant=[w.alliance_admin(w.alliance_x), w.alliance_key(w.alliance_y)],
        wrong_role=[w.org_admin(w.org_a), w.org_key(w.org_a)],
        check=_answers("memberships_created", 1),
    )


# ---- memberships -------------------------------------------------------------------------------------------------
@scenario("POST", "/v1/memberships")
async def apply(w: World) -> Case:
    org = await w.new_org()
    body = {"org_id": org["id"], "alliance_id": w.alliance_x["id"], "role": "director", "applied_on": "2019-03-01"}
    return Case(
        Req("POST", "/v1/memberships", json=body),
        right=w.alliance_admin(w.alliance_x),
        wrong_tenant=[w.alliance_admin(w.alliance_y), w.org_admin(w.org_b), w.org_key(w.org_b)],
        # The applicant's own org_admin may apply only today: a dated (historic) application is the secretariat's.
        wrong_role=[w.org_staff(org), w.org_admin(org), w.service("matching")],
        expect=201,
    )


@scenario("POST", "/v1/memberships/{membership_id}/transitions")
async def transition(w: World) -> Case:
    org = await w.new_org()
    m = await w.new_member(w.alliance_x, org, active=False)
    return Case(
        Req("POST", f"/v1/memberships/{m['id']}/transitions", json={"to": "active", "effective_on": "2020-02-01"}),
        right=w.alliance_admin(w.alliance_x),
        wrong_tenant=[w.alliance_admin(w.alliance_y), w.org_admin(w.org_b)],
        # An organization cannot approve itself (its org_admin may only withdraw).
        wrong_role=[w.org_admin(org), w.org_key(org), w.org_staff(org)],
    )


# ---- committees ----------------------------------------------------------------------------------------------------
def _committee_outsiders(w: World) -> dict[str, list[Principal]]:
    return {
        "wrong_tenant": [w.alliance_admin(w.alliance_y), w.alliance_key(w.alliance_y)],
        "wrong_role": [w.org_admin(w.org_a), w.org_key(w.org_a), w.org_staff(w.org_a)],
    }


@scenario("POST", "/v1/committees")
async def create_committee(w: World) -> Case:
    body = {
        "alliance_id": w.alliance_x["id"],
        "name": f"就业创业指导委员会{uuid.uuid4().hex[:6]}",
        "body_type": "working_committee",
    }
    return Case(
        Req("POST", "/v1/committees", json=body),
        right=w.alliance_admin(w.alliance_x),
        expect=201,
        **_committee_outsiders(w),
    )


@scenario("PATCH", "/v1/committees/{committee_id}")
async def patch_committee(w: World) -> Case:
    return Case(
        Req("PATCH", f"/v1/committees/{w.committee_x['id']}", json={"description": "指导专业建设"}),
        right=w.alliance_key(w.alliance_x),
        **_committee_outsiders(w),
    )


@scenario("POST", "/v1/committees/{committee_id}/seats")
async def add_seat(w: World) -> Case:
    c = await w.new_committee(w.alliance_x)
    body = {"org_id": w.org_a["id"], "seat_role": "member_unit", "start_on": "2021-03-18"}
    return Case(
        Req("POST", f"/v1/committees/{c['id']}/seats", json=body),
        right=w.alliance_admin(w.alliance_x),
        expect=201,
        **_committee_outsiders(w),
    )


@scenario("POST", "/v1/committees/{committee_id}/seats/{seat_id}/end")
async def end_seat(w: World) -> Case:
    c = await w.new_committee(w.alliance_x)
    seat = await w.admin_post(
        f"/v1/committees/{c['id']}/seats",
        {"org_id": w.org_a["id"], "seat_role": "member_unit", "start_on": "2021-03-18"},
    )
    return Case(
        Req(
            "POST", f"/v1/committees/{c['id']}/seats/{seat['id']}/end", json={"end_on": "2024-03-17", "reason": "换届"}
        ),
        right=w.alliance_admin(w.alliance_x),
        **_committee_outsiders(w),
    )


@scenario("POST", "/v1/committees/{committee_id}/positions")
async def add_position(w: World) -> Case:
    body = {"person_id": w.person_a["id"], "title": "委员", "start_on": "2021-03-18"}
    return Case(
        Req("POST", f"/v1/committees/{w.committee_x['id']}/positions", json=body),
        right=w.alliance_admin(w.alliance_x),
        expect=201,
        **_committee_outsiders(w),
    )


# ---- people ------------------------------------------------------------------------------------------------------
def _people_outsiders(w: World) -> dict[str, list[Principal]]:
    """For a record of org A: B's principals are the wrong tenant; alliance admins (even X's) the wrong role."""
    return {
        "wrong_tenant": [w.org_staff(w.org_b), w.org_admin(w.org_b), w.org_key(w.org_b)],
        "wrong_role": [w.alliance_admin(w.alliance_x), w.alliance_key(w.alliance_x), w.service("training")],
    }


@scenario("POST", "/v1/people")
async def create_person(w: World) -> Case:
    body = {"name": "王建国", "org_id": w.org_a["id"], "title": "高级工程师"}
    return Case(Req("POST", "/v1/people", json=body), right=w.org_staff(w.org_a), expect=201, **_people_outsiders(w))


@scenario("PATCH", "/v1/people/{person_id}")
async def patch_person(w: World) -> Case:
    p = await w.new_person(w.org_a)
    return Case(
        Req("PATCH", f"/v1/people/{p['id']}", json={"title": "正高级工程师"}),
        right=w.org_key(w.org_a),
        **_people_outsiders(w),
    )


@scenario("DELETE", "/v1/people/{person_id}")
async def delete_person(w: World) -> Case:
    p = await w.new_person(w.org_a)
    return Case(Req("DELETE", f"/v1/people/{p['id']}"), right=w.org_admin(w.org_a), expect=204, **_people_outsiders(w))


@private_read("GET", "/v1/people/{person_id}")
async def read_person(w: World) -> Case:
    return Case(
        Req("GET", f"/v1/people/{w.person_a['id']}"),
        right=w.org_staff(w.org_a),
        wrong_tenant=[
            # Membership is not visibility: the admins of org A's alliance do not read its people.
            w.alliance_admin(w.alliance_x),
            w.alliance_key(w.alliance_x, scopes=READ_ONLY),
            w.org_admin(w.org_b),
            w.org_key(w.org_b, scopes=READ_ONLY),
            w.alliance_admin(w.alliance_y),
            w.alliance_key(w.alliance_y, scopes=READ_ONLY),
        ],
    )


# ---- appointments ---------------------------------------------------------------------------------------------------
@scenario("POST", "/v1/appointments")
async def create_appointment(w: World) -> Case:
    p = await w.new_person(w.org_a)
    body = {
        "person_id": p["id"],
        "host_org_id": w.school_a["id"],
        "appointment_type": "part_time_teacher",
        "start_on": "2026-09-01",
    }
    return Case(
        Req("POST", "/v1/appointments", json=body), right=w.org_staff(w.org_a), expect=201, **_people_outsiders(w)
    )


@scenario("PATCH", "/v1/appointments/{appointment_id}")
async def patch_appointment(w: World) -> Case:
    return Case(
        Req("PATCH", f"/v1/appointments/{w.appointment_a['id']}", json={"note": "鲁教职字〔2026〕12号"}),
        right=w.org_admin(w.school_a),  # the host
        **_people_outsiders(w),
    )


@scenario("DELETE", "/v1/appointments/{appointment_id}")
async def delete_appointment(w: World) -> Case:
    a = await w.new_appointment(await w.new_person(w.org_a), w.school_a)
    return Case(
        Req("DELETE", f"/v1/appointments/{a['id']}"), right=w.org_key(w.org_a), expect=204, **_people_outsiders(w)
    )


@private_read("GET", "/v1/appointments/{appointment_id}")
async def read_appointment(w: World) -> Case:
    return Case(
        Req("GET", f"/v1/appointments/{w.appointment_a['id']}"),
        right=w.org_staff(w.school_a),
        wrong_tenant=[
            w.org_staff(w.org_b),
            w.org_key(w.org_b, scopes=READ_ONLY),
            w.alliance_admin(w.alliance_x),  # the alliance both organizations belong to
            w.alliance_admin(w.alliance_y),
        ],
    )
