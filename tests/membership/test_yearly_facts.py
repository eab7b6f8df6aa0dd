"""A school's and an enterprise's facts by calendar year: writes, reads, rules and who sees them
(services/membership/school_facts/, services/membership/enterprise_facts/, docs/domain.md "Yearly facts of
members"). One platform and World per module (tests/authz/harness.py)."""

from __future__ import annotations

from tests.authz import conftest as authz
from tests.authz.harness import Req, World

platform, world = authz.platform, authz.world
READ_ONLY = ("membership:read",)
EN = {"Accept-Language": "en"}


async def _member(w: World, org_type: str) -> dict:
    org = await w.new_org(org_type)
    await w.new_member(w.alliance_x, org)
    return org


async def test_a_school_keeps_its_facts_by_year(world: World) -> None:
    """seed 000 教育设施表「教室 平方米 48000 山工职院」「实验室 个 55」「实习实训基地 个 189」: a school records its
    facilities, 全日制在校生, intake per major and channel and its 专业群 for a year; PUT replaces, PATCH changes what
    is sent, DELETE removes the year."""
    w = world
    school = await _member(w, "higher_vocational")
    admin = w.org_admin(school)
    url = f"/v1/organizations/{school['id']}/school-years/2019"
    body = {
        "full_time_students": 12800,
        "classroom_area_m2": 48000,
        "laboratories": 55,
        "training_bases": 189,
        "equipment_value_wan": "21000.5",
        "intakes": [
            {"major_code": "430102", "channel": "regular", "planned": 300, "actual": 288},
            {"major_code": "430102", "channel": "apprenticeship", "planned": 40, "actual": 40},
        ],
        "major_groups": [
            {"name": "钢铁智能冶金技术专业群", "designation": "national_double_high", "major_codes": ["430102"]}
        ],
    }
    r = await w.send(admin, Req("PUT", url, json=body))
    assert r.status_code == 201, r.text
    year = r.json()
    assert (year["classroom_area_m2"], year["laboratories"], year["training_bases"]) == (48000, 55, 189)
    assert year["equipment_value_wan"] == "21000.50" and year["training_rooms"] is None
    assert [(i["channel"], i["channel_label"]) for i in year["intakes"]] == [
        ("apprenticeship", "现代学徒制"),
        ("regular", "普通招生"),
    ]
    assert year["major_groups"][0]["designation_label"] == "国家“双高”专业群"
    etag = r.headers["ETag"]
    # Reading back, with 304 on the same tag.
    r = await w.send(admin, Req("GET", url))
    assert r.status_code == 200 and r.json() == year
    assert (await w.send(admin, Req("GET", url, headers={"If-None-Match": etag}))).status_code == 304
    # PATCH: only what is sent changes; a list sent replaces that list; a stale tag is 412.
    patch = {"full_time_students": 13200, "major_groups": []}
    r = await w.send(admin, Req("PATCH", url, json=patch, headers={"If-Match": etag}))
    assert r.status_code == 200, r.text
    assert r.json()["full_time_students"] == 13200 and r.json()["major_groups"] == []
    assert len(r.json()["intakes"]) == 2 and r.json()["version"] == 2
    assert (await w.send(admin, Req("PATCH", url, json=patch, headers={"If-Match": etag}))).status_code == 412
    # PUT replaces the whole year: figures left out are no longer recorded.
    r = await w.send(admin, Req("PUT", url, json={"laboratories": 56}))
    assert r.status_code == 200 and r.json()["full_time_students"] is None and r.json()["intakes"] == []
    listed = await w.send(admin, Req("GET", f"/v1/organizations/{school['id']}/school-years"))
    assert [y["year"] for y in listed.json()["items"]] == [2019]
    assert (await w.send(admin, Req("DELETE", url))).status_code == 204
    r = await w.send(admin, Req("GET", url))
    assert r.status_code == 404 and r.json()["type"].endswith("school-year-not-found"), r.text


async def test_school_facts_refuse_bad_input_naming_field_and_rule(world: World) -> None:
    w = world
    school = await _member(w, "secondary_vocational")
    admin = w.org_admin(school)
    url = f"/v1/organizations/{school['id']}/school-years/2023"
    twice = [{"major_code": "660301", "channel": "three_two", "actual": 1}] * 2
    r = await w.send(admin, Req("PUT", url, json={"intakes": twice}))
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["type"] == "duplicate" and "同一专业" in r.json()["errors"][0]["msg"], r.text
    r = await w.send(admin, Req("PUT", url, json={"laboratories": -1}, headers=EN))
    err = r.json()["errors"][0]
    assert r.status_code == 422 and err["loc"][-1] == "laboratories" and err["msg"].isascii(), r.text
    r = await w.send(admin, Req("PUT", url, json={"intakes": [{"major_code": "66030", "channel": "nco"}]}))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "major_code"
    r = await w.send(admin, Req("PUT", url, json={"intakes": [{"major_code": "660301", "channel": "士官"}]}))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "channel"
    r = await w.send(admin, Req("PATCH", url, json={"intakes": None}))
    assert r.status_code in (404, 422)
    r = await w.send(admin, Req("PUT", f"/v1/organizations/{school['id']}/school-years/1800", json={}))
    assert r.status_code == 422
    # Only schools keep school facts, only enterprises enterprise facts.
    enterprise = await _member(w, "enterprise")
    r = await w.send(
        w.org_admin(enterprise), Req("PUT", f"/v1/organizations/{enterprise['id']}/school-years/2023", json={})
    )
    assert r.status_code == 409 and r.json()["type"].endswith("school-facts-not-a-school"), r.text
    r = await w.send(admin, Req("PUT", f"/v1/organizations/{school['id']}/enterprise-years/2023", json={}))
    assert r.status_code == 409 and r.json()["type"].endswith("enterprise-facts-not-an-enterprise"), r.text
    # Nothing half-written.
    assert (await w.send(admin, Req("GET", f"/v1/organizations/{school['id']}/school-years"))).json()["items"] == []


async def test_an_enterprise_keeps_its_facts_and_its_size_is_derived(world: World) -> None:
    """seed 000「在岗职工 4.2 万人」「实现营业收入 1892 亿元」「一线技术和管理人员6657人、专职研发人员312人」
    「校企合作经费支出超过 3000 万元以上」「设立负责推进产教融合相应工作机构并配备专门人员力量」:
    山钢集团's year 2019 as enterprise facts; its size class, not recorded, is derived 大型 from staff and revenue."""
    w = world
    enterprise = await _member(w, "enterprise")
    admin = w.org_admin(enterprise)
    url = f"/v1/organizations/{enterprise['id']}/enterprise-years/2019"
    body = {
        "staff": 42000,
        "frontline_technical_staff": 6657,
        "rd_staff": 312,
        "revenue_wan": "18920000",
        "ownership": "state_owned",
        "cooperation_spending_wan": "3000",
        "outside_agreements_wan": "2600",
        "pe_office": "产教融合办公室",
        "pe_office_staff": 6,
    }
    r = await w.send(admin, Req("PUT", url, json=body))
    assert r.status_code == 201, r.text
    year = r.json()
    assert (year["size_class"], year["size_class_label"], year["size_class_derived"]) == ("large", "大型", True)
    assert (year["ownership_label"], year["cooperation_spending_wan"]) == ("国有", "3000.00")
    # A recorded size class wins over the derived one; a small firm derives 小型.
    r = await w.send(admin, Req("PATCH", url, json={"size_class": "medium"}, headers={"If-Match": r.headers["ETag"]}))
    assert (r.json()["size_class"], r.json()["size_class_derived"]) == ("medium", False), r.text
    small = f"/v1/organizations/{enterprise['id']}/enterprise-years/2020"
    r = await w.send(admin, Req("PUT", small, json={"staff": 45, "revenue_wan": "800"}))
    assert (r.json()["size_class"], r.json()["size_class_derived"]) == ("small", True), r.text
    r = await w.send(admin, Req("PUT", small, json={"staff": 45}))
    assert r.json()["size_class"] is None  # revenue unknown: no derivation
    r = await w.send(admin, Req("PATCH", small, json={"cooperation_spending_wan": 3000.123}))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "cooperation_spending_wan", r.text
    r = await w.send(admin, Req("PATCH", url, json={"outside_agreements_wan": "3000.01"}))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "exceeds_total", r.text
    r = await w.send(admin, Req("PATCH", small, json={"ownership": "state"}))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "ownership"
    listed = await w.send(admin, Req("GET", f"/v1/organizations/{enterprise['id']}/enterprise-years"))
    assert [y["year"] for y in listed.json()["items"]] == [2019, 2020]


async def test_who_reads_and_writes_a_members_facts(world: World) -> None:
    """The organization writes its own facts; the admins of its alliances read them; another tenant gets 404 — a
    fellow member, another alliance's admins and an organization of another alliance alike."""
    w = world
    enterprise = await _member(w, "enterprise")
    url = f"/v1/organizations/{enterprise['id']}/enterprise-years/2023"
    assert (await w.send(w.org_admin(enterprise), Req("PUT", url, json={"rd_staff": 12}))).status_code == 201
    for reader in (
        w.org_staff(enterprise),
        w.alliance_admin(w.alliance_x),
        w.alliance_key(w.alliance_x, scopes=READ_ONLY),
        w.service("training"),
    ):
        r = await w.send(reader, Req("GET", url))
        assert r.status_code == 200 and r.json()["rd_staff"] == 12, r.text
        r = await w.send(reader, Req("GET", f"/v1/organizations/{enterprise['id']}/enterprise-years"))
        assert r.status_code == 200 and len(r.json()["items"]) == 1
    for outsider in (w.alliance_admin(w.alliance_y), w.org_admin(w.org_a), w.org_admin(w.org_b)):
        for path in (url, f"/v1/organizations/{enterprise['id']}/enterprise-years"):
            r = await w.send(outsider, Req("GET", path))
            assert r.status_code == 404 and "rd_staff" not in r.text, r.text
    # The alliance's admin reads but does not write a claimed member's facts.
    r = await w.send(w.alliance_admin(w.alliance_x), Req("PATCH", url, json={"rd_staff": 13}))
    assert r.status_code == 403
    # Once the organization leaves the alliance, its admins no longer read its facts.
    memberships = await w.send(w.platform_admin, Req("GET", "/v1/memberships", params={"org_id": enterprise["id"]}))
    m = memberships.json()["items"][0]
    await w.admin_post(f"/v1/memberships/{m['id']}/transitions", {"to": "withdrawn", "effective_on": "2024-06-30"})
    assert (await w.send(w.alliance_admin(w.alliance_x), Req("GET", url))).status_code == 404
