"""Organization extensions: group structure (parent_id), sponsor, honours, majors and school statistics."""

from __future__ import annotations

import random
import uuid

import asyncpg
import pytest

from chanjiao.validators.credit_code import _org_code_check, compute_check_character

_rng = random.Random()


def credit_code() -> str:
    """A fresh, valid unified social credit code (GB 32100 and GB 11714 checks)."""
    org8 = "".join(_rng.choice("0123456789") for _ in range(8))
    first17 = "91370000" + org8 + _org_code_check(org8)
    return first17 + compute_check_character(first17)


def org(**overrides: object) -> dict:
    body = {"name": f"结构测试单位{uuid.uuid4().hex[:8]}", "org_type": "enterprise", "region_code": "370102"}
    body.update(overrides)
    return body


async def create(client, **overrides: object) -> dict:
    r = await client.post("/v1/organizations", json=org(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


class TestParent:
    async def test_group_members_listed_by_parent(self, membership_client):
        group = await create(membership_client, name=f"山钢集团{uuid.uuid4().hex[:6]}")
        a = await create(membership_client, name=f"济钢{uuid.uuid4().hex[:6]}", parent_id=group["id"])
        b = await create(membership_client, name=f"莱钢{uuid.uuid4().hex[:6]}", parent_id=group["id"])
        await create(membership_client)  # not a member
        assert a["parent_id"] == group["id"]
        r = await membership_client.get("/v1/organizations", params={"parent_id": group["id"]})
        assert [i["id"] for i in r.json()["items"]] == [a["id"], b["id"]]

    @pytest.mark.parametrize(
        "lang,msg", [(None, "上级单位不存在或已被删除"), ("en", "The parent organization does not exist")]
    )
    async def test_unknown_or_deleted_parent_is_422(self, membership_client, lang, msg):
        headers = {"Accept-Language": lang} if lang else {}
        r = await membership_client.post("/v1/organizations", json=org(parent_id=str(uuid.uuid4())), headers=headers)
        assert r.status_code == 422
        err = r.json()["errors"][0]
        assert err["loc"] == ["body", "parent_id"] and err["type"] == "not_found" and err["msg"] == msg
        gone = await create(membership_client)
        assert (await membership_client.delete(f"/v1/organizations/{gone['id']}")).status_code == 204
        r = await membership_client.post("/v1/organizations", json=org(parent_id=gone["id"]))
        assert r.status_code == 422

    async def test_cycles_are_409(self, membership_client):
        top = await create(membership_client)
        mid = await create(membership_client, parent_id=top["id"])
        low = await create(membership_client, parent_id=mid["id"])
        r = await membership_client.patch(f"/v1/organizations/{top['id']}", json={"parent_id": low["id"]})
        assert r.status_code == 409 and r.json()["type"].endswith("organization-hierarchy-cycle")
        r = await membership_client.patch(f"/v1/organizations/{top['id']}", json={"parent_id": top["id"]})
        assert r.status_code == 409
        # moving a branch elsewhere is fine, and null detaches
        other = await create(membership_client)
        r = await membership_client.patch(f"/v1/organizations/{mid['id']}", json={"parent_id": other["id"]})
        assert r.status_code == 200 and r.json()["parent_id"] == other["id"]
        r = await membership_client.patch(f"/v1/organizations/{mid['id']}", json={"parent_id": None})
        assert r.status_code == 200 and r.json()["parent_id"] is None
        # low stays under mid, so top → low is no longer a loop
        r = await membership_client.patch(f"/v1/organizations/{top['id']}", json={"parent_id": low["id"]})
        assert r.status_code == 200

    async def test_a_parent_with_members_cannot_be_deleted(self, membership_client):
        group = await create(membership_client)
        member = await create(membership_client, parent_id=group["id"])
        r = await membership_client.delete(f"/v1/organizations/{group['id']}")
        assert r.status_code == 409 and r.json()["dependants"] == 1
        await membership_client.patch(f"/v1/organizations/{member['id']}", json={"parent_id": None})
        assert (await membership_client.delete(f"/v1/organizations/{group['id']}")).status_code == 204


class TestSponsor:
    async def test_only_schools_have_a_sponsor(self, membership_client):
        sponsor = await create(membership_client, name=f"山钢集团{uuid.uuid4().hex[:6]}")
        school = await create(membership_client, org_type="higher_vocational", sponsor_org_id=sponsor["id"])
        assert school["sponsor_org_id"] == sponsor["id"]
        r = await membership_client.post("/v1/organizations", json=org(sponsor_org_id=sponsor["id"]))
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "school_only"
        # turning the school into an enterprise needs the sponsor cleared in the same request
        url = f"/v1/organizations/{school['id']}"
        r = await membership_client.patch(url, json={"org_type": "enterprise"})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "sponsor_org_id"]
        r = await membership_client.patch(url, json={"org_type": "enterprise", "sponsor_org_id": None})
        assert r.status_code == 200 and r.json()["sponsor_org_id"] is None

    async def test_sponsor_must_exist_and_not_be_itself(self, membership_client):
        r = await membership_client.post(
            "/v1/organizations", json=org(org_type="technician_college", sponsor_org_id=str(uuid.uuid4()))
        )
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "not_found"
        school = await create(membership_client, org_type="secondary_vocational")
        r = await membership_client.patch(f"/v1/organizations/{school['id']}", json={"sponsor_org_id": school["id"]})
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "self"


class TestHonours:
    async def test_stored_validated_and_replaced(self, membership_client):
        honours = [
            {"title": " 产教融合型企业 ", "level": "provincial", "year": 2022, "issuer": "山东省发展和改革委员会"},
            {"title": "技能大师工作室", "level": "national", "year": 2021},
        ]
        created = await create(membership_client, honours=honours)
        assert created["honours"][0]["title"] == "产教融合型企业"
        assert created["honours"][1] == {"title": "技能大师工作室", "level": "national", "year": 2021, "issuer": None}
        url = f"/v1/organizations/{created['id']}"
        for bad, rule in (
            ([{"title": "x", "level": "county", "year": 2022}], "enum"),
            ([{"title": "x", "level": "national", "year": 1800}], "greater_than_equal"),
            ([{"title": "", "level": "national", "year": 2020}], "length"),
            ([{"title": "x", "level": "national"}], "missing"),
            ([{"title": "x", "level": "national", "year": 2020, "rank": 1}], "extra_forbidden"),
            ([{"title": "x", "level": "national", "year": 2020}] * 2, "duplicate"),
        ):
            r = await membership_client.patch(url, json={"honours": bad})
            assert r.status_code == 422, bad
            assert r.json()["errors"][0]["type"] == rule and r.json()["errors"][0]["loc"][:2] == ["body", "honours"]
        assert (await membership_client.patch(url, json={"honours": None})).status_code == 422
        r = await membership_client.patch(url, json={"honours": []})
        assert r.status_code == 200 and r.json()["honours"] == [] and r.json()["version"] == 2


class TestMajors:
    async def test_put_replaces_one_year_and_flags_unknown_codes(self, membership_client):
        school = await create(membership_client, org_type="higher_vocational")
        url = f"/v1/organizations/{school['id']}/majors"
        y2024 = {"year": 2024, "majors": [{"major_code": "460104", "enrolment": 100, "graduates": 90}]}
        r = await membership_client.put(url, json=y2024)
        assert r.status_code == 200, r.text
        y2025 = {
            "year": 2025,
            "majors": [
                {"major_code": "５２０１０１ｋ", "enrolment": 60, "graduates": 0},
                {"major_code": "469999", "enrolment": 10, "graduates": 5},
            ],
        }
        r = await membership_client.put(url, json=y2025)
        items = r.json()["items"]
        assert [(i["year"], i["major_code"], i["code_known"]) for i in items] == [
            (2025, "469999", False),
            (2025, "520101K", True),
        ]
        assert items[1]["major_name"] == "临床医学" and items[0]["major_name"] is None
        y2025["majors"] = y2025["majors"][1:]
        await membership_client.put(url, json=y2025)
        all_years = (await membership_client.get(url)).json()["items"]
        assert [(i["year"], i["major_code"]) for i in all_years] == [(2024, "460104"), (2025, "469999")]
        only = (await membership_client.get(url, params={"year": 2024})).json()["items"]
        assert [i["major_code"] for i in only] == ["460104"]

    async def test_rules(self, membership_client):
        school = await create(membership_client, org_type="secondary_vocational")
        url = f"/v1/organizations/{school['id']}/majors"
        for majors, rule in (
            ([{"major_code": "4601", "enrolment": 1, "graduates": 1}], "format"),
            ([{"major_code": "460104", "enrolment": -1, "graduates": 1}], "greater_than_equal"),
            ([{"major_code": "460104", "enrolment": 1, "graduates": 1}] * 2, "duplicate"),
        ):
            r = await membership_client.put(url, json={"year": 2025, "majors": majors})
            assert r.status_code == 422 and r.json()["errors"][0]["type"] == rule, r.text
        enterprise = await create(membership_client)
        r = await membership_client.put(
            f"/v1/organizations/{enterprise['id']}/majors", json={"year": 2025, "majors": []}
        )
        assert r.status_code == 409 and r.json()["type"].endswith("organization-not-a-school")
        r = await membership_client.put(f"/v1/organizations/{uuid.uuid4()}/majors", json={"year": 2025, "majors": []})
        assert r.status_code == 404


class TestSchoolStats:
    async def test_put_get_and_etags(self, membership_client, database):
        school = await create(membership_client, org_type="technician_college")
        url = f"/v1/organizations/{school['id']}/school-stats/2025"
        assert (await membership_client.get(url)).status_code == 404
        figures = {"full_time_enrolment": 4200, "students": 12800, "graduates": 3900}
        r = await membership_client.put(url, json=figures)
        assert r.status_code == 201 and r.headers["etag"] == '"1"' and r.json()["students"] == 12800
        again = await membership_client.put(url, json=figures)
        assert again.status_code == 200 and again.json()["version"] == 1  # nothing changed
        r = await membership_client.put(url, json={**figures, "students": 13000}, headers={"If-Match": '"1"'})
        assert r.status_code == 200 and r.json()["version"] == 2
        stale = await membership_client.put(url, json={**figures, "students": 1}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        got = await membership_client.get(url)
        assert got.json()["students"] == 13000 and got.headers["etag"] == '"2"'
        listed = (await membership_client.get(f"/v1/organizations/{school['id']}/school-stats")).json()
        assert [i["year"] for i in listed["items"]] == [2025]
        bad = await membership_client.put(url, json={**figures, "graduates": -5})
        assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "graduates"]
        assert (await membership_client.put(url.replace("2025", "1900"), json=figures)).status_code == 422
        conn = await asyncpg.connect(database.admin_url)
        try:
            events = await conn.fetch(
                "select type from membership.outbox where aggregate_id=$1 order by seq", uuid.UUID(school["id"])
            )
            audit = await conn.fetch(
                "select action from membership.audit_log where entity_id=$1", uuid.UUID(school["id"])
            )
        finally:
            await conn.close()
        assert [e["type"] for e in events] == [
            "organization.created",
            "organization.school_stats_updated",
            "organization.school_stats_updated",
        ]
        assert len(audit) == 3

    async def test_only_schools(self, membership_client):
        enterprise = await create(membership_client)
        r = await membership_client.put(
            f"/v1/organizations/{enterprise['id']}/school-stats/2025",
            json={"full_time_enrolment": 1, "students": 1, "graduates": 1},
        )
        assert r.status_code == 409


class TestFilters:
    async def test_status_filter_and_bad_values(self, membership_client):
        r = await membership_client.get("/v1/organizations", params={"status": "closed"})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "status"]
        r = await membership_client.get("/v1/organizations", params={"parent_id": "nope"})
        assert r.status_code == 422


async def test_control_characters_are_422_not_500(membership_client):
    r = await membership_client.post("/v1/organizations", json=org(name="山东\u0000工业职业学院"))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "charset"
    r = await membership_client.post("/v1/organizations", json=org(name="山东\n工业职业学院"))  # whitespace collapses
    assert r.status_code == 201 and r.json()["name"] == "山东 工业职业学院"
    o = await create(membership_client)
    r = await membership_client.post(
        f"/v1/organizations/{o['id']}/status-changes", json={"to": "inactive", "reason": "a\u0000b"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "reason"]
