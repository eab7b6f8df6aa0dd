"""The designation register (`/v1/designations`), people's outside posts and the alliance figures, through the
three services in process (the authorisation matrix's World: alliances X and Y, member organizations A of X and B of
Y). Each figure cites the seed passage it reproduces."""

from __future__ import annotations

import uuid

from tests.authz import conftest as authz
from tests.authz.harness import Req, World

platform, world = authz.platform, authz.world  # the matrix's fixtures: three services and a World of tenants


async def _designation(w: World, principal, body: dict, status: int = 201) -> dict:
    r = await w.send(principal, Req("POST", "/v1/designations", json=body))
    assert r.status_code == status, r.text
    return r.json()


async def _step(w: World, principal, entry: dict, body: dict, status: int = 200):
    r = await w.send(principal, Req("POST", f"/v1/designations/{entry['id']}/stages", json=body))
    assert r.status_code == status, r.text
    return r.json()


async def _stats(w: World, alliance: dict, year: int) -> dict:
    r = await w.send(
        w.alliance_admin(alliance),
        Req("GET", "/v1/designations/stats", params={"alliance_id": alliance["id"], "year": year}),
    )
    assert r.status_code == 200, r.text
    return r.json()


def _reached(stats: dict, programme: str, stage: str) -> int:
    rows = stats["stages_reached"]["by_programme"]
    return sum(r["count"] for r in rows if r["programme_name"] == programme and r["stage"] == stage)


class TestStages:
    async def test_demonstration_group_acceptance(self, world: World) -> None:
        """seed 001「顺利完成全国首批示范职教集团验收工作」: the group, 立项 as a 培育单位, is accepted (验收) in the
        national first batch; stages move forward only, a correction is the way back, nothing follows 撤销; the
        alliance's `recognitions` show the entry while it is held."""
        w = world
        alliance = await w.new_alliance()
        admin = w.alliance_admin(alliance)
        body = {
            "programme_name": "全国示范性职业教育集团",
            "batch": "第一批",
            "stage": "building",
            "year": 2020,
            "recognising_body": "教育部",
            "subject_kind": "alliance",
            "subject_id": alliance["id"],
        }
        r = await w.send(admin, Req("POST", "/v1/designations", json=body))  # level has no default
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "level"], r.text
        entry = await _designation(w, admin, {**body, "level": "national"})
        assert (entry["stage"], entry["stage_label"], entry["alliance_id"], entry["org_id"]) == (
            "building",
            "培育/建设",
            alliance["id"],
            None,
        )
        assert entry["steps"][0]["year"] == 2020 and entry["steps"][0]["on"] is None

        accepted = await _step(w, admin, entry, {"stage": "recognised", "on": "2024-12-20", "note": "验收通过"})
        assert (accepted["stage"], accepted["stage_on"], accepted["stage_year"]) == ("recognised", "2024-12-20", 2024)
        assert [s["stage"] for s in accepted["steps"]] == ["building", "recognised"]
        back = await _step(w, admin, entry, {"stage": "building", "on": "2025-01-01"}, status=409)
        assert back["allowed"] == ["withdrawn"] and back["current"] == "recognised"
        bad = await _step(w, admin, entry, {"stage": "withdrawn", "on": "2024-01-01"}, status=409)
        assert bad["latest"] == "2024-12-20"
        no_date = await _step(w, admin, entry, {"stage": "withdrawn"}, status=422)
        assert no_date["errors"][0]["loc"] == ["body", "on"] and no_date["errors"][0]["type"] == "required"

        a = await w.admin("GET", f"/v1/alliances/{alliance['id']}")
        assert {"title": "全国示范性职业教育集团", "level": "national", "year": 2024, "issuer": "教育部"} in a[
            "recognitions"
        ]
        # Recorded a stage too far: the correction replaces it (kept, marked) and follows the step before it.
        fixed = await _step(w, admin, entry, {"stage": "recommended", "on": "2024-06-30", "correction": True})
        assert fixed["stage"] == "recommended" and [s["corrected"] for s in fixed["steps"]] == [False, True, False]
        gone = await _step(w, admin, entry, {"stage": "withdrawn", "on": "2025-03-01"})
        assert gone["stage"] == "withdrawn"
        assert (await _step(w, admin, entry, {"stage": "recognised", "on": "2025-04-01"}, status=409))["allowed"] == []
        a = await w.admin("GET", f"/v1/alliances/{alliance['id']}")
        assert all(x["title"] != "全国示范性职业教育集团" for x in a["recognitions"])

        # Another alliance's admin neither reads nor writes it.
        other = w.alliance_admin(w.alliance_y)
        assert (await w.send(other, Req("GET", f"/v1/designations/{entry['id']}"))).status_code == 404
        r = await w.send(other, Req("POST", "/v1/designations", json={**body, "level": "national"}))
        assert r.status_code == 403

    async def test_subject_rules_name_the_field(self, world: World) -> None:
        w = world
        base = {"programme_name": "国家“双高”专业群", "level": "national", "stage": "selected", "year": 2019}
        cases = [
            ({"subject_kind": "major_group"}, ["body", "subject_name"], "required"),
            ({"subject_kind": "major_group", "subject_name": "化工技术专业群"}, ["body", "org_id"], "required"),
            ({"subject_kind": "organization"}, ["body", "subject_id"], "required"),
            ({"subject_kind": "person", "subject_id": str(uuid.uuid4())}, ["body", "subject_id"], "person_not_found"),
            (
                {"subject_kind": "organization", "subject_id": w.org_b["id"], "alliance_id": w.alliance_x["id"]},
                ["body", "alliance_id"],
                "not_member",
            ),
            (
                {"subject_kind": "organization", "subject_id": w.org_a["id"], "on": "2020-05-01"},
                ["body", "year"],
                "year_mismatch",
            ),
        ]
        for extra, loc, rule in cases:
            r = await w.send(w.platform_admin, Req("POST", "/v1/designations", json={**base, **extra}))
            assert r.status_code == 422, (extra, r.text)
            assert (r.json()["errors"][0]["loc"], r.json()["errors"][0]["type"]) == (loc, rule), extra
        r = await w.send(
            w.platform_admin,
            Req(
                "POST", "/v1/designations", json={**base, "subject_kind": "alliance", "subject_id": w.alliance_x["id"]}
            ),
        )
        assert r.status_code == 201
        r = await w.send(
            w.platform_admin,
            Req(
                "POST",
                "/v1/designations",
                json={**base, "subject_kind": "organization", "subject_id": w.org_a["id"], "stage": "withdrawn"},
                headers={"Accept-Language": "en"},
            ),
        )
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "initial_stage"


class TestFigures:
    async def test_projects_selected_and_courses_recommended_in_the_year(self, world: World) -> None:
        """seed 001「教育部供需对接就业育人项目立项 232 项」 and 「26 门核心课程立项…其中 2 门推荐至教育部」:
        entries count in the year their step is dated; an alliance records them for its members."""
        w = world
        alliance = await w.new_alliance()
        school = await w.new_org("higher_vocational")
        await w.new_member(alliance, school)
        admin = w.alliance_admin(alliance)
        project = {
            "programme_name": "教育部供需对接就业育人项目",
            "level": "national",
            "stage": "selected",
            "subject_kind": "project",
            "org_id": school["id"],
            "alliance_id": alliance["id"],
        }
        for i, year in enumerate((2023, 2023, 2023, 2022)):
            await _designation(w, admin, {**project, "subject_name": f"就业育人项目{i}", "year": year})
        course = {
            "programme_name": "职业教育一流核心课程",
            "level": "provincial",
            "stage": "selected",
            "subject_kind": "course",
            "org_id": school["id"],
            "on": "2023-03-01",
        }
        school_staff = w.org_staff(school)
        courses = [
            await _designation(w, school_staff, {**course, "subject_name": f"化工单元操作{i}"}) for i in range(3)
        ]
        for c in courses[:2]:
            await _step(w, school_staff, c, {"stage": "recommended", "on": "2023-09-01", "note": "推荐至教育部"})

        figures = await _stats(w, alliance, 2023)
        assert _reached(figures, "教育部供需对接就业育人项目", "selected") == 3
        assert _reached(figures, "职业教育一流核心课程", "selected") == 3
        assert _reached(figures, "职业教育一流核心课程", "recommended") == 2
        assert {t["stage"]: t["count"] for t in figures["stages_reached"]["totals"]} == {
            "selected": 6,
            "recommended": 2,
        }
        assert "calendar year" in figures["stages_reached"]["period_rule"]
        assert _reached(await _stats(w, alliance, 2022), "教育部供需对接就业育人项目", "selected") == 1
        # The alliance reads what it recorded and what its member recorded; the list hides others' entries.
        listed = await w.send(admin, Req("GET", "/v1/designations", params={"org_id": school["id"]}))
        assert len(listed.json()["items"]) == 7
        outsider = await w.send(w.org_staff(w.org_b), Req("GET", "/v1/designations", params={"org_id": school["id"]}))
        assert outsider.json()["items"] == []

    async def test_teachers_titles_held_at_the_year_end(self, world: World) -> None:
        """seed 001「集团内 12 名教师获得“山东省技术技能大师”称号」: titles of people of member organizations, held on
        31 December (a withdrawn title stops counting); a non-member's teacher is not counted."""
        w = world
        alliance = await w.new_alliance()
        school = await w.new_org("technician_college")
        await w.new_member(alliance, school)
        outsider_school = await w.new_org("technician_college")
        title = {
            "programme_name": "山东省技术技能大师",
            "level": "provincial",
            "stage": "recognised",
            "on": "2023-10-10",
        }
        teachers = [await w.new_person(school) for _ in range(2)]
        entries = [
            await _designation(w, w.org_admin(school), {**title, "subject_kind": "person", "subject_id": t["id"]})
            for t in teachers
        ]
        assert entries[0]["org_id"] == school["id"]
        stranger = await w.new_person(outsider_school)
        await _designation(w, w.platform_admin, {**title, "subject_kind": "person", "subject_id": stranger["id"]})
        await _step(w, w.org_admin(school), entries[1], {"stage": "withdrawn", "on": "2024-05-01"})

        def held(stats: dict) -> int:
            rows = stats["titles_held"]["by_programme"]
            return sum(r["people"] for r in rows if r["programme_name"] == "山东省技术技能大师")

        assert held(await _stats(w, alliance, 2023)) == 2
        assert held(await _stats(w, alliance, 2024)) == 1
        assert held(await _stats(w, alliance, 2022)) == 0

    async def test_people_on_the_industry_steering_committee(self, world: World) -> None:
        """seed 001「14 家集团成员单位的 46 人担任副主任委员或委员」: people of member organizations holding a post in
        the year, by post kind; a post that ended the year before does not count."""
        w = world
        alliance = await w.new_alliance()
        firm = await w.new_org("enterprise")
        await w.new_member(alliance, firm)
        staff = w.org_staff(firm)
        body = {"body_name": "全国石油和化工职业教育教学指导委员会", "level": "national", "since": "2023-06-01"}
        people = [await w.new_person(firm) for _ in range(3)]
        for person, kind in zip(people, ("vice_chair", "member", "member"), strict=True):
            r = await w.send(
                staff, Req("POST", f"/v1/people/{person['id']}/outside-posts", json={**body, "post_kind": kind})
            )
            assert r.status_code == 201, r.text
        ended = {**body, "post_kind": "member", "since": "2019-01-01", "until": "2022-12-31"}
        r = await w.send(staff, Req("POST", f"/v1/people/{people[0]['id']}/outside-posts", json=ended))
        assert r.status_code == 201 and r.json()["post_kind_label"] == "委员"
        bad = {**body, "post_kind": "member", "until": "2020-01-01"}
        r = await w.send(staff, Req("POST", f"/v1/people/{people[0]['id']}/outside-posts", json=bad))
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "until"]

        posts = (await _stats(w, alliance, 2023))["outside_posts"]
        assert {p["post_kind"]: p["people"] for p in posts["by_kind"]} == {"member": 2, "vice_chair": 1}
        assert posts["people"] == 3
        assert (await _stats(w, alliance, 2022))["outside_posts"]["people"] == 1
        # Posts are private like the person: another organization's admin gets 404.
        r = await w.send(w.org_admin(w.org_b), Req("GET", f"/v1/people/{people[0]['id']}/outside-posts"))
        assert r.status_code == 404
        r = await w.send(
            staff, Req("GET", f"/v1/people/{people[0]['id']}/outside-posts", params={"held_on": "2023-07-01"})
        )
        assert [p["post_kind"] for p in r.json()["items"]] == ["vice_chair"]


class TestHonours:
    async def test_honours_are_register_entries(self, world: World) -> None:
        """An organization's `honours` are its held entries of the register: written through the old field they
        become 验收/认定 entries; entries recorded at /v1/designations show on the organization too and survive a
        rewrite of the list."""
        w = world
        org = await w.new_org(
            "enterprise",
            honours=[{"title": "国家级产教融合型企业", "level": "national", "year": 2020, "issuer": "国家发展改革委"}],
        )
        entries = (await w.admin("GET", "/v1/designations", params={"subject_id": org["id"]}))["items"]
        assert [(e["programme_name"], e["stage"], e["stage_year"]) for e in entries] == [
            ("国家级产教融合型企业", "recognised", 2020)
        ]
        await _designation(
            w,
            w.org_admin(org),
            {
                "programme_name": "山东省新一代信息技术与制造业融合发展示范项目",
                "level": "provincial",
                "stage": "selected",
                "on": "2023-08-01",
                "subject_kind": "organization",
                "subject_id": org["id"],
            },
        )
        got = await w.admin("GET", f"/v1/organizations/{org['id']}")
        assert got["version"] == org["version"] + 1  # its answer changed: a new ETag
        assert [h["title"] for h in got["honours"]] == [
            "国家级产教融合型企业",
            "山东省新一代信息技术与制造业融合发展示范项目",
        ]
        r = await w.send(
            w.platform_admin,
            Req(
                "PATCH",
                f"/v1/organizations/{org['id']}",
                json={"honours": [{"title": "行业领军企业", "level": "industry", "year": 2024}]},
            ),
        )
        assert r.status_code == 200, r.text
        assert [h["title"] for h in r.json()["honours"]] == [
            "行业领军企业",
            "山东省新一代信息技术与制造业融合发展示范项目",
        ]
        assert r.json()["version"] == got["version"] + 1
        again = await w.send(
            w.platform_admin,
            Req(
                "PATCH",
                f"/v1/organizations/{org['id']}",
                json={"honours": [{"title": "行业领军企业", "level": "industry", "year": 2024}]},
            ),
        )
        assert again.json()["version"] == r.json()["version"]  # the same list writes nothing
        # The list as read, sent back: the register's own entry is not written a second time.
        shown = r.json()["honours"]
        back = await w.send(w.platform_admin, Req("PATCH", f"/v1/organizations/{org['id']}", json={"honours": shown}))
        assert back.json()["honours"] == shown and back.json()["version"] == r.json()["version"]


class TestImport:
    async def test_a_secretariat_imports_its_members_designations(self, world: World) -> None:
        """seed 001「国家“双高”专业群 5 个」 and 「12 名教师获得“山东省技术技能大师”称号」, kept by the secretariat in a
        spreadsheet: rows for members are recorded by the alliance, a non-member's row and a row without a level
        are rejected by row, field and rule; the template lists the columns."""
        w = world
        alliance = await w.new_alliance()
        school = await w.new_org("higher_vocational", credit_code=None)
        await w.new_member(alliance, school)
        teacher = await w.new_person(school, name="王大师")
        rows = [
            "项目名称,级别,批次,阶段,日期,年份,认定单位,对象类型,所属单位,对象",
            f"国家“双高”专业群,国家级,第一批,立项,,2019,教育部,专业群,{school['name']},化工技术专业群",
            f"山东省技术技能大师,省级,,认定,2023-10-10,,山东省人力资源和社会保障厅,人员,{school['id']},王大师",
            f"国家“双高”专业群,,,立项,,2019,教育部,专业群,{school['id']},应用化工专业群",
            f"国家“双高”专业群,国家级,,立项,,2019,教育部,专业群,{w.org_b['id']},石油化工专业群",
        ]
        files = {"file": ("designations.csv", ("\n".join(rows) + "\n").encode(), "text/csv")}
        admin = w.alliance_admin(alliance)
        r = await w.send(
            admin, Req("POST", "/v1/designations/imports", files=files, params={"alliance_id": alliance["id"]})
        )
        assert r.status_code == 200, r.text
        report = r.json()
        assert (report["rows"], report["created"]) == (4, 2)
        assert [(x["row"], x["field"], x["rule"]) for x in report["rejected"]] == [
            (4, "level", "missing"),
            (5, "alliance_id", "not_member"),
        ]
        listed = (await w.send(admin, Req("GET", "/v1/designations", params={"org_id": school["id"]}))).json()["items"]
        assert {(e["subject_kind"], e["subject_name"] or e["subject_id"], e["stage"]) for e in listed} == {
            ("major_group", "化工技术专业群", "selected"),
            ("person", teacher["id"], "recognised"),
        }
        assert all(e["alliance_id"] == alliance["id"] for e in listed)
        r = await w.send(
            w.alliance_admin(w.alliance_y),
            Req("POST", "/v1/designations/imports", files=files, params={"alliance_id": alliance["id"]}),
        )
        assert r.status_code == 403
        template = await w.send(
            admin, Req("GET", "/v1/designations/import-template.xlsx", headers={"Accept": "application/json"})
        )
        assert [c["heading"] for c in template.json()][:2] == ["项目名称", "级别"]
