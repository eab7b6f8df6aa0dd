"""Authorisation scenarios of the yearly facts of members (services/membership/yearly_facts.py has the rules): an
organization writes its own facts; the admins of its alliances read them; another tenant gets 404 on a read and 403
on a write."""

from __future__ import annotations

from chanjiao.auth import Principal
from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("membership:read",)
SCHOOL_YEAR = {"full_time_students": 4200, "intakes": [{"major_code": "470201", "channel": "nco", "planned": 60}]}
ENTERPRISE_YEAR = {"staff": 1200, "rd_staff": 80, "cooperation_spending_wan": "350.00"}


async def _school(w: World) -> dict:
    """A school (a member of X, registered by a platform admin) and its own admin."""
    school = await w.new_org("higher_vocational")
    await w.new_member(w.alliance_x, school)
    return school


async def _enterprise(w: World) -> dict:
    enterprise = await w.new_org("enterprise")
    await w.new_member(w.alliance_x, enterprise)
    return enterprise


def _outsiders(w: World, org: dict) -> dict[str, list[Principal]]:
    """Writers of `org`'s facts are its own org_admin (or key); the admins of its alliance X only read them."""
    return {
        "wrong_tenant": [
            w.alliance_admin(w.alliance_x),
            w.alliance_admin(w.alliance_y),
            w.org_admin(w.org_b),
            w.org_key(w.org_b),
        ],
        "wrong_role": [w.org_staff(org), w.service("matching")],
    }


def _csv(text: str) -> dict:
    return {"file": ("facts.csv", text.encode(), "text/csv")}


# ---- school facts -------------------------------------------------------------------------------------------------
@scenario("PUT", "/v1/organizations/{org_id}/school-years/{year}")
async def put_school_year(w: World) -> Case:
    school = await _school(w)
    return Case(
        Req("PUT", f"/v1/organizations/{school['id']}/school-years/2023", json=SCHOOL_YEAR),
        right=w.org_admin(school),
        expect=201,
        **_outsiders(w, school),
    )


@scenario("PATCH", "/v1/organizations/{org_id}/school-years/{year}")
async def patch_school_year(w: World) -> Case:
    school = await _school(w)
    await w.admin("PUT", f"/v1/organizations/{school['id']}/school-years/2023", json=SCHOOL_YEAR)
    return Case(
        Req("PATCH", f"/v1/organizations/{school['id']}/school-years/2023", json={"laboratories": 55}),
        right=w.org_key(school),
        **_outsiders(w, school),
    )


@scenario("DELETE", "/v1/organizations/{org_id}/school-years/{year}")
async def delete_school_year(w: World) -> Case:
    school = await _school(w)
    await w.admin("PUT", f"/v1/organizations/{school['id']}/school-years/2023", json=SCHOOL_YEAR)
    return Case(
        Req("DELETE", f"/v1/organizations/{school['id']}/school-years/2023"),
        right=w.org_admin(school),
        expect=204,
        **_outsiders(w, school),
    )


@scenario("POST", "/v1/organizations/{org_id}/school-year-imports")
async def import_school_years(w: World) -> Case:
    school = await _school(w)
    text = "年度,专业代码,招生渠道,计划招生人数,实际招生人数\n2023,470201,三二连读,120,118\n"
    return Case(
        Req("POST", f"/v1/organizations/{school['id']}/school-year-imports", files=_csv(text)),
        right=w.org_admin(school),
        **_outsiders(w, school),
    )


@private_read("GET", "/v1/organizations/{org_id}/school-years/{year}")
async def read_school_year(w: World) -> Case:
    school = await w.memo("facts_school", lambda: _school(w))
    await w.admin("PUT", f"/v1/organizations/{school['id']}/school-years/2023", json=SCHOOL_YEAR)
    return Case(
        Req("GET", f"/v1/organizations/{school['id']}/school-years/2023"),
        right=w.alliance_key(w.alliance_x, scopes=READ_ONLY),  # an admin of its alliance reads it
        wrong_tenant=[
            w.alliance_admin(w.alliance_y),
            w.alliance_key(w.alliance_y, scopes=READ_ONLY),
            w.org_admin(w.org_b),
            w.org_key(w.org_a, scopes=READ_ONLY),  # a fellow member of X
        ],
    )


# ---- enterprise facts ---------------------------------------------------------------------------------------------
@scenario("PUT", "/v1/organizations/{org_id}/enterprise-years/{year}")
async def put_enterprise_year(w: World) -> Case:
    enterprise = await _enterprise(w)
    return Case(
        Req("PUT", f"/v1/organizations/{enterprise['id']}/enterprise-years/2023", json=ENTERPRISE_YEAR),
        right=w.org_admin(enterprise),
        expect=201,
        **_outsiders(w, enterprise),
    )


@scenario("PATCH", "/v1/organizations/{org_id}/enterprise-years/{year}")
async def patch_enterprise_year(w: World) -> Case:
    enterprise = await _enterprise(w)
    await w.admin("PUT", f"/v1/organizations/{enterprise['id']}/enterprise-years/2023", json=ENTERPRISE_YEAR)
    return Case(
        Req("PATCH", f"/v1/organizations/{enterprise['id']}/enterprise-years/2023", json={"rd_staff": 90}),
        right=w.org_key(enterprise),
        **_outsiders(w, enterprise),
    )


@scenario("DELETE", "/v1/organizations/{org_id}/enterprise-years/{year}")
async def delete_enterprise_year(w: World) -> Case:
    enterprise = await _enterprise(w)
    await w.admin("PUT", f"/v1/organizations/{enterprise['id']}/enterprise-years/2023", json=ENTERPRISE_YEAR)
    return Case(
        Req("DELETE", f"/v1/organizations/{enterprise['id']}/enterprise-years/2023"),
        right=w.org_admin(enterprise),
        expect=204,
        **_outsiders(w, enterprise),
    )


@scenario("POST", "/v1/organizations/{org_id}/enterprise-year-imports")
async def import_enterprise_years(w: World) -> Case:
    enterprise = await _enterprise(w)
    text = "年度,在岗职工,专职研发人员,校企合作经费支出（万元）\n2023,1200,80,350\n"
    return Case(
        Req("POST", f"/v1/organizations/{enterprise['id']}/enterprise-year-imports", files=_csv(text)),
        right=w.org_admin(enterprise),
        **_outsiders(w, enterprise),
    )


@private_read("GET", "/v1/organizations/{org_id}/enterprise-years/{year}")
async def read_enterprise_year(w: World) -> Case:
    enterprise = await w.memo("facts_enterprise", lambda: _enterprise(w))
    await w.admin("PUT", f"/v1/organizations/{enterprise['id']}/enterprise-years/2023", json=ENTERPRISE_YEAR)
    return Case(
        Req("GET", f"/v1/organizations/{enterprise['id']}/enterprise-years/2023"),
        right=w.alliance_admin(w.alliance_x),
        wrong_tenant=[
            w.alliance_admin(w.alliance_y),
            w.alliance_key(w.alliance_y, scopes=READ_ONLY),
            w.org_admin(w.org_b),
            w.org_staff(w.school_a),  # a fellow member of X
        ],
    )


# ---- the alliance's figures ---------------------------------------------------------------------------------------
@private_read("GET", "/v1/alliances/{alliance_id}/member-facts")
async def read_member_facts(w: World) -> Case:
    return Case(
        Req("GET", f"/v1/alliances/{w.alliance_x['id']}/member-facts", params={"year": 2023}),
        right=w.alliance_key(w.alliance_x, scopes=READ_ONLY),
        wrong_tenant=[w.alliance_admin(w.alliance_y), w.org_admin(w.org_a), w.org_key(w.school_a, scopes=READ_ONLY)],
    )
