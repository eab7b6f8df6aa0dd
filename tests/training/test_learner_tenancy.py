"""A learner record belongs to the organization that registered it; the person behind it is counted once.

Two schools (A, B) of one alliance and a host enterprise. School A registers a person; every way school B could
reach A's record — naming it in an enrolment, a batch item, an import row, an internship — is 404, and afterwards
B still cannot read, correct, reveal or erase it. No answer to B differs by whether A registered the person
(registration, search, batches, dry-run reports, name conflicts). Each school's own record of the person counts as
one person in the alliance's figures, also after erasure."""

from __future__ import annotations

import io
import uuid

import pytest

from tests.training.test_enrolments_api import PROGRAMME
from tests.training.test_learners_api import fetch, register, resident_id, unscanned

# The programmes open in September 2025 (test_enrolments_api.PROGRAMME): a class counts in the period it opens.
PERIOD = {"period_start": "2025-01-01", "period_end": "2026-12-31"}
REASON = {"reason": "本人申请删除个人信息"}


@pytest.fixture(scope="module")
async def world(tp):
    a, b = await tp.new_org(), await tp.new_org()
    host = await tp.new_org("enterprise")
    alliance = await tp.new_alliance()
    for org in (a, b, host):
        await tp.join(org, alliance, "2023-01-01")
    return {"a": a, "b": b, "host": host, "alliance": alliance}


async def programme(tp, provider: str, **extra) -> dict:
    r = await tp.as_org(provider).post("/v1/programmes", json={**PROGRAMME, "provider_org_id": provider, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def internship(learner: str, school: str, host: str) -> dict:
    return {
        "learner_id": learner,
        "school_org_id": school,
        "host_org_id": host,
        "kind": "shadow",
        "start_on": "2026-03-01",
        "end_on": "2026-05-31",
    }


def csv(text: str) -> dict:
    return {"file": ("r.csv", io.BytesIO(text.encode()), "text/csv")}


def comparable(problem: dict) -> dict:
    """A problem answer without what differs between any two requests (instance, request id)."""
    return {k: v for k, v in problem.items() if k not in ("instance", "request_id")}


async def test_another_schools_learner_is_404_as_a_reference_and_on_every_route(tp, world):
    a, b, host = world["a"], world["b"], world["host"]
    number = resident_id()
    mine = await register(tp.as_org(a), id_number=number, name="陈小红", phone="13600001234", current_org_id=a)
    assert mine.status_code == 201
    lid = mine.json()["id"]
    pb = await programme(tp, b)
    school_b = tp.as_org(b, "org_staff")

    # Enrolment, batch item, import row (by id and by number), internship and internship batch item: all 404.
    r = await school_b.post("/v1/enrolments", json={"learner_id": lid, "programme_id": pb["id"]})
    assert r.status_code == 404 and r.json()["type"].endswith("learner-not-found")
    r = await school_b.post("/v1/enrolments/batch", json={"items": [{"learner_id": lid, "programme_id": pb["id"]}]})
    assert r.status_code == 200 and r.json()["results"][0]["status"] == 404
    assert r.json()["results"][0]["problem"]["type"].endswith("learner-not-found")
    r = await school_b.post(
        "/v1/enrolments/imports",
        params={"programme_id": pb["id"]},
        files=csv(f"学员ID,证件号码\n{lid},\n,{number}\n"),
    )
    assert r.status_code == 200 and r.json()["created"] == 0
    assert [(x["row"], x["rule"]) for x in r.json()["rejected"]] == [(2, "learner-not-found"), (3, "learner_not_found")]
    r = await school_b.post("/v1/internships", json=internship(lid, b, host))
    assert r.status_code == 404 and r.json()["type"].endswith("learner-not-found")
    r = await school_b.post("/v1/internships/batch", json={"items": [internship(lid, b, host)]})
    assert r.status_code == 200 and r.json()["results"][0]["status"] == 404
    # Naming A as the school does not help B either: B is not A, and the host never reaches A's record.
    r = await tp.as_org(host).post("/v1/internships", json=internship(lid, a, host))
    assert r.status_code == 404
    assert (await fetch(tp, "select 1 from training.enrolments where learner_id = $1", uuid.UUID(lid))) == []
    assert (await fetch(tp, "select 1 from training.internships where learner_id = $1", uuid.UUID(lid))) == []

    # After all of it, A's record is still not B's: read, list, search, correct, reveal, erase — 404 / absent.
    path = f"/v1/learners/{lid}"
    assert (await school_b.get(path)).status_code == 404
    assert lid not in [i["id"] for i in (await school_b.get("/v1/learners?limit=500")).json()["items"]]
    assert (await school_b.post("/v1/learners/search", json={"id_number": number})).status_code == 404
    assert (await tp.as_org(b).patch(path, json={"name": "改名"})).status_code == 404
    assert (await unscanned(tp, b).post(f"{path}/reveal", json={"reason": "核对身份信息"})).status_code == 404
    assert (await tp.as_org(b).post(f"{path}/erasure", json=REASON)).status_code == 404
    got = (await tp.as_org(a).get(path)).json()
    assert (got["name"], got["version"], got["erased"], got["phone_masked"]) == ("陈小红", 1, False, "136****1234")


async def test_no_answer_tells_that_another_school_has_the_person(tp, world):
    a, b = world["a"], world["b"]
    known, fresh = resident_id(), resident_id()
    assert (await register(tp.as_org(a), id_number=known, name="林一")).status_code == 201
    school_b = tp.as_org(b)

    # Search: the same 404 for a number A registered and for one nobody did.
    r1 = await school_b.post("/v1/learners/search", json={"id_number": known})
    r2 = await school_b.post("/v1/learners/search", json={"id_number": fresh})
    assert r1.status_code == r2.status_code == 404 and comparable(r1.json()) == comparable(r2.json())

    # Dry-run imports: the same report for A's person and for a stranger (no `existing`, no conflict).
    reports = []
    for number in (known, fresh):
        r = await school_b.post(
            "/v1/learners/imports",
            params={"dry_run": "true"},
            files=csv(f"姓名,证件号码,学员类型\n林二,{number},学生\n"),
        )
        assert r.status_code == 200, r.text
        reports.append(r.json())
    assert reports[0] == reports[1] and reports[0]["created"] == 1 and reports[0]["rejected"] == []
    pb = await programme(tp, b)
    reports = []
    for number in (known, fresh):
        r = await school_b.post(
            "/v1/enrolments/imports",
            params={"programme_id": pb["id"], "dry_run": "true"},
            files=csv(f"姓名,证件号码\n林一,{number}\n"),
        )
        reports.append(r.json())
    assert reports[0] == reports[1] and reports[0]["rejected"][0]["rule"] == "learner_not_found"

    # Batch: another name for A's person is an ordinary creation for B, exactly like the stranger.
    items = [{"name": "林二", "id_number": n, "learner_type": "student"} for n in (known, fresh)]
    r = await school_b.post("/v1/learners/batch", json={"items": items})
    assert [(x["status"], x["outcome"]) for x in r.json()["results"]] == [(201, "created"), (201, "created")]

    # Registration under another name than A's: 201 — never the 409 that would confirm A's record.
    other = resident_id()
    assert (await register(tp.as_org(a), id_number=other, name="欧阳明")).status_code == 201
    r = await register(tp.as_org(b), id_number=other, name="李明")
    assert r.status_code == 201 and "chanjiao-existing-resource" not in r.headers
    # Correcting B's record to a number only A holds: no `learner-id-number-taken` either.
    mine = (await register(tp.as_org(b), id_number=resident_id(), name="周三")).json()
    held_by_a = resident_id()
    assert (await register(tp.as_org(a), id_number=held_by_a, name="周三")).status_code == 201
    r = await tp.as_org(b).patch(f"/v1/learners/{mine['id']}", json={"id_number": held_by_a})
    assert r.status_code == 200, r.text
    rows = await fetch(
        tp,
        "select distinct person_id from training.learners where id_number_hash = "
        "(select id_number_hash from training.learners where id = $1)",
        uuid.UUID(mine["id"]),
    )
    assert len(rows) == 1  # B's corrected record now counts as A's person


async def test_records_of_others_show_a_summary_never_the_record(tp, world):
    a, b, host = world["a"], world["b"], world["host"]
    student = (await register(tp.as_org(a), id_number=resident_id(), name="黄小米")).json()
    # A's programme with B as partner: A enrols its own record; B sees the enrolment with a summary only.
    pa = await programme(tp, a, partner_org_ids=[b])
    r = await tp.as_org(a).post("/v1/enrolments", json={"learner_id": student["id"], "programme_id": pa["id"]})
    assert r.status_code == 201, r.text
    summary = {"name": "黄小米", "id_number_masked": student["id_number_masked"]}
    assert r.json()["learner"] == summary
    seen = await tp.as_org(b).get(f"/v1/enrolments/{r.json()['id']}")
    assert seen.status_code == 200 and seen.json()["learner"] == summary
    assert (await tp.as_org(b).get(f"/v1/learners/{student['id']}")).status_code == 404

    # The internship points to the school's record; the host sees the summary, not the record.
    r = await tp.as_org(a).post("/v1/internships", json=internship(student["id"], a, host))
    assert r.status_code == 201, r.text
    assert r.json()["learner"] == summary
    seen = await tp.as_org(host).get(f"/v1/internships/{r.json()['id']}")
    assert seen.status_code == 200 and seen.json()["learner"] == summary
    listed = (await tp.as_org(host).get("/v1/internships", params={"learner_id": student["id"]})).json()["items"]
    assert [i["learner"] for i in listed] == [summary]
    assert (await tp.as_org(host).get(f"/v1/learners/{student['id']}")).status_code == 404
    # A host's own record is not the school's: 422; moving the internship to another school keeps the rule.
    own = (await register(tp.as_org(host), id_number=resident_id(), name="员工甲")).json()
    r = await tp.as_org(host).post("/v1/internships", json=internship(own["id"], a, host))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "learner_not_of_school"
    r = await tp.admin.patch(f"/v1/internships/{seen.json()['id']}", json={"school_org_id": b})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "school_org_id"]

    # Erased, the summary says so and shows no number.
    assert (await tp.as_org(a).post(f"/v1/learners/{student['id']}/erasure", json=REASON)).status_code == 200
    seen = await tp.as_org(host).get(f"/v1/internships/{seen.json()['id']}")
    assert seen.json()["learner"] == {"name": "已注销", "id_number_masked": None}


async def test_one_person_counts_once_in_the_alliance_and_erasure_keeps_the_count(tp):
    a, b = await tp.new_org(), await tp.new_org()
    alliance = await tp.new_alliance()
    for org in (a, b):
        await tp.join(org, alliance, "2023-01-01")
    number = resident_id()
    records = []
    for school, name in ((a, "吴小北"), (b, "吴小贝")):  # each school spells the name its own way
        r = await register(tp.as_org(school), id_number=number, name=name)
        assert r.status_code == 201
        records.append(r.json()["id"])
        p = await programme(tp, school)
        r = await tp.as_org(school).post("/v1/enrolments", json={"learner_id": r.json()["id"], "programme_id": p["id"]})
        assert r.status_code == 201, r.text
    shown = (await tp.as_org(a).get(f"/v1/learners/{records[0]}")).text
    assert "person" not in shown.replace('"membership_person_id"', "")  # the counting key never leaves

    async def figures(**whose) -> tuple[int, int]:
        r = await tp.admin.get("/v1/training-stats", params={**whose, **PERIOD})
        assert r.status_code == 200, r.text
        return r.json()["person_times"], r.json()["persons"]

    # Two person-times (one enrolment each), one person — in the alliance, though two schools hold a record.
    assert await figures(alliance_id=alliance) == (2, 1)
    assert await figures(org_id=a) == (1, 1) and await figures(org_id=b) == (1, 1)
    rows = await fetch(
        tp, "select person_id from training.learners where id = any($1::uuid[])", [uuid.UUID(r) for r in records]
    )
    assert len(rows) == 2 and rows[0]["person_id"] == rows[1]["person_id"]
    person = rows[0]["person_id"]

    # A erases its record: B's is untouched, the person still counts once, the hash stays (B's record holds it).
    assert (await tp.as_org(a).post(f"/v1/learners/{records[0]}/erasure", json=REASON)).status_code == 200
    assert (await tp.as_org(b).get(f"/v1/learners/{records[1]}")).json()["name"] == "吴小贝"
    assert await figures(alliance_id=alliance) == (2, 1)
    (row,) = await fetch(tp, "select id_number_hash from training.persons where id = $1", person)
    assert row["id_number_hash"] is not None
    # B erases too: still counted once; now the platform holds no hash of the number at all.
    assert (await tp.as_org(b).post(f"/v1/learners/{records[1]}/erasure", json=REASON)).status_code == 200
    assert await figures(alliance_id=alliance) == (2, 1)
    (row,) = await fetch(tp, "select id_number_hash from training.persons where id = $1", person)
    assert row["id_number_hash"] is None
    # Registering the number again starts a new person (documented: docs/learners.md).
    again = (await register(tp.as_org(a), id_number=number, name="吴小北")).json()
    (row,) = await fetch(tp, "select person_id from training.learners where id = $1", uuid.UUID(again["id"]))
    assert row["person_id"] != person
