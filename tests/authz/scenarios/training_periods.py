"""Authorisation scenario of the programme import: principals of the provider organization (org_admin, org_staff,
its API key) and platform admins import programmes; another organization's principals, alliance admins and service
principals get 403."""

from __future__ import annotations

from tests.authz.harness import Case, Req, World, scenario

CSV = (
    "项目名称,培训类型,开始日期,结束日期,委托单位,项目级别\n矩阵导入班,学训班,2023-06-05,2023-06-30,潍坊市教育局,市级\n"
)


@scenario("POST", "/v1/programmes/imports")
async def import_programmes(w: World) -> Case:
    def check(r) -> None:
        assert r.json()["created"] == 1 and r.json()["rejected"] == [], r.text

    return Case(
        Req(
            "POST",
            "/v1/programmes/imports",
            params={"org_id": w.org_a["id"]},
            files={"file": ("programmes.csv", CSV.encode(), "text/csv")},
        ),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_admin(w.org_b), w.org_key(w.org_b)],
        wrong_role=[w.alliance_admin(w.alliance_x), w.service("matching")],
        check=check,
    )
