"""`/v1/appointments` (双栖双聘) through the membership app (ASGI, real Postgres clone per module)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, timedelta

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.membership.test_people_api import make_org

SCHOOL_TYPES = ["undergraduate", "higher_vocational", "secondary_vocational", "technician_college"]
SCHOOL_HOSTED = [
    "industry_professor",
    "guest_professor",
    "enterprise_mentor",
    "part_time_teacher",
    "off_campus_counsellor",
]


async def make_person(client, org: dict, **overrides: object) -> dict:
    body = {"name": f"李工{uuid.uuid4().hex[:4]}", "org_id": org["id"], **overrides}
    r = await client.post("/v1/people", json=body)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
async def firm(membership_client) -> dict:
    return await make_org(membership_client, "enterprise")


@pytest.fixture(scope="module")
async def school(membership_client) -> dict:
    return await make_org(membership_client, "higher_vocational")


@pytest.fixture
async def expert(membership_client, firm) -> dict:
    """A fresh enterprise expert per test, so periods never collide across tests."""
    return await make_person(membership_client, firm, tags=["expert"])


def appointment(person: dict, host: dict, **overrides: object) -> dict:
    body = {
        "person_id": person["id"],
        "host_org_id": host["id"],
        "appointment_type": "industry_professor",
        "start_on": "2026-09-01",
        "end_on": "2029-08-31",
    }
    body.update(overrides)
    return body


async def post(client, body: dict, **headers: str):
    return await client.post("/v1/appointments", json=body, headers=headers)


class TestCreate:
    async def test_created_with_location_etag_and_label(self, membership_client, expert, school):
        r = await post(membership_client, appointment(expert, school, note="  鲁教职字〔2026〕12号 "))
        assert r.status_code == 201, r.text
        body = r.json()
        assert r.headers["location"] == f"/v1/appointments/{body['id']}" and r.headers["etag"] == '"1"'
        assert body["appointment_type_label"] == "产业教授" and body["note"] == "鲁教职字〔2026〕12号"
        assert (body["start_on"], body["end_on"]) == ("2026-09-01", "2029-08-31")
        got = await membership_client.get(r.headers["location"])
        assert got.status_code == 200 and got.json() == body

    @pytest.mark.parametrize("kind", SCHOOL_HOSTED)
    @pytest.mark.parametrize("school_type", SCHOOL_TYPES)
    async def test_school_hosted_types_at_every_school_type(self, membership_client, expert, kind, school_type):
        host = await make_org(membership_client, school_type)
        r = await post(membership_client, appointment(expert, host, appointment_type=kind, end_on=None))
        assert r.status_code == 201, r.text
        assert r.json()["end_on"] is None

    @pytest.mark.parametrize("kind", SCHOOL_HOSTED)
    @pytest.mark.parametrize("host_type", ["enterprise", "government", "industry_association", "training_company"])
    async def test_school_hosted_types_refuse_other_hosts(self, membership_client, expert, kind, host_type):
        host = await make_org(membership_client, host_type)
        r = await post(membership_client, appointment(expert, host, appointment_type=kind))
        assert r.status_code == 422
        err = r.json()["errors"][0]
        assert err["loc"] == ["body", "host_org_id"] and err["type"] == "host_org_type"
        assert "高职院校" in err["msg"]

    async def test_research_assistant_is_a_teacher_at_an_enterprise(self, membership_client, school, firm):
        teacher = await make_person(membership_client, school, tags=["dual_qualified"])
        ok = await post(membership_client, appointment(teacher, firm, appointment_type="research_assistant"))
        assert ok.status_code == 201 and ok.json()["appointment_type_label"] == "科研助理"
        other_school = await make_org(membership_client, "secondary_vocational")
        r = await post(
            membership_client,
            appointment(teacher, other_school, appointment_type="research_assistant"),
            **{"Accept-Language": "en"},
        )
        assert r.status_code == 422
        assert r.json()["errors"][0] == {
            "loc": ["body", "host_org_id"],
            "msg": "A research_assistant appointment is held at an organization of type: enterprise",
            "type": "host_org_type",
        }

    async def test_host_must_differ_from_the_persons_own_org(self, membership_client, school):
        teacher = await make_person(membership_client, school)
        r = await post(membership_client, appointment(teacher, school, appointment_type="part_time_teacher"))
        assert r.status_code == 422
        problem = r.json()
        assert problem["errors"][0]["loc"] == ["body", "host_org_id"] and problem["errors"][0]["type"] == "same_org"
        assert "host_org_id" in problem["detail"]

    async def test_end_before_start_is_422_and_one_day_is_fine(self, membership_client, expert, school):
        r = await post(membership_client, appointment(expert, school, start_on="2026-09-01", end_on="2026-08-31"))
        assert r.status_code == 422
        assert r.json()["errors"][0] == {
            "loc": ["body", "end_on"],
            "msg": "结束日期不能早于开始日期",
            "type": "end_before_start",
        }
        r = await post(membership_client, appointment(expert, school, start_on="2026-09-01", end_on="2026-09-01"))
        assert r.status_code == 201

    async def test_unknown_person_and_host(self, membership_client, expert, school, firm):
        r = await post(membership_client, appointment({"id": str(uuid.uuid4())}, school))
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "person_id"]
        assert r.json()["errors"][0]["type"] == "person_not_found"
        r = await post(membership_client, appointment(expert, {"id": str(uuid.uuid4())}))
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "host_org_id"]
        gone = await make_person(membership_client, firm)
        assert (await membership_client.delete(f"/v1/people/{gone['id']}")).status_code == 204
        r = await post(membership_client, appointment(gone, school))
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "person_not_found"

    @pytest.mark.parametrize(
        "field,value,rule",
        [
            ("appointment_type", "professor", "enum"),
            ("start_on", "2026-02-30", "date_from_datetime_parsing"),
            ("start_on", None, "date_type"),
            ("end_on", "1900-01-01", "date_range"),
            ("start_on", "2300-01-01", "date_range"),
            ("note", "备" * 501, "length"),
            ("person_id", "x", "uuid_parsing"),
            ("unknown", 1, "extra_forbidden"),
        ],
    )
    async def test_field_rules(self, membership_client, expert, school, field, value, rule):
        r = await post(membership_client, {**appointment(expert, school), field: value})
        assert r.status_code == 422, r.text
        err = r.json()["errors"][0]
        assert err["loc"][:2] == ["body", field] and err["type"] == rule, err

    async def test_closed_type_lists_allowed_values(self, membership_client, expert, school):
        r = await post(membership_client, appointment(expert, school, appointment_type="mentor"))
        msg = r.json()["errors"][0]["msg"]
        assert all(k in msg for k in [*SCHOOL_HOSTED, "research_assistant"])


class TestOverlap:
    async def test_overlaps_are_409_with_inclusive_ends_and_open_end_forever(self, membership_client, expert, school):
        first = await post(membership_client, appointment(expert, school, start_on="2026-01-01", end_on="2026-12-31"))
        assert first.status_code == 201
        touching = await post(membership_client, appointment(expert, school, start_on="2026-12-31", end_on=None))
        assert touching.status_code == 409
        problem = touching.json()
        assert problem["type"].endswith("overlapping-appointment") and problem["existing_id"] == first.json()["id"]
        assert problem["title"] == "聘期重叠"
        inside = await post(membership_client, appointment(expert, school, start_on="2026-03-01", end_on="2026-03-02"))
        assert inside.status_code == 409
        after = await post(membership_client, appointment(expert, school, start_on="2027-01-01", end_on=None))
        assert after.status_code == 201
        far = await post(membership_client, appointment(expert, school, start_on="2040-01-01", end_on="2040-02-01"))
        assert far.status_code == 409 and far.json()["existing_id"] == after.json()["id"]
        before = await post(membership_client, appointment(expert, school, start_on="2020-01-01", end_on="2025-12-31"))
        assert before.status_code == 201

    async def test_other_type_or_host_or_person_may_overlap(self, membership_client, expert, school, firm):
        assert (await post(membership_client, appointment(expert, school))).status_code == 201
        assert (
            await post(membership_client, appointment(expert, school, appointment_type="guest_professor"))
        ).status_code == 201
        other_school = await make_org(membership_client, "technician_college")
        assert (await post(membership_client, appointment(expert, other_school))).status_code == 201
        colleague = await make_person(membership_client, firm)
        assert (await post(membership_client, appointment(colleague, school))).status_code == 201

    async def test_a_deleted_appointment_no_longer_blocks(self, membership_client, expert, school):
        first = (await post(membership_client, appointment(expert, school))).json()
        assert (await post(membership_client, appointment(expert, school))).status_code == 409
        assert (await membership_client.delete(f"/v1/appointments/{first['id']}")).status_code == 204
        assert (await post(membership_client, appointment(expert, school))).status_code == 201

    async def test_concurrent_overlapping_creates_one_wins(self, membership_client, expert, school):
        results = await asyncio.gather(
            *(
                post(membership_client, appointment(expert, school, start_on=f"2026-0{m}-01", end_on=None))
                for m in range(1, 7)
            )
        )
        statuses = sorted(r.status_code for r in results)
        assert statuses == [201, 409, 409, 409, 409, 409], [r.text for r in results]
        listed = (await membership_client.get("/v1/appointments", params={"person_id": expert["id"]})).json()
        assert len(listed["items"]) == 1

    async def test_the_database_itself_refuses_overlaps(self, membership_client, expert, school, database):
        first = (await post(membership_client, appointment(expert, school, end_on=None))).json()
        conn = await asyncpg.connect(database.admin_url)
        try:
            with pytest.raises(asyncpg.ExclusionViolationError):
                await conn.execute(
                    "insert into membership.appointments (id, person_id, host_org_id, appointment_type, start_on, "
                    "version, created_at, updated_at) select $1, person_id, host_org_id, appointment_type, "
                    "'2099-01-01', 1, now(), now() from membership.appointments where id = $2",
                    uuid.uuid4(),
                    uuid.UUID(first["id"]),
                )
        finally:
            await conn.close()

    async def test_a_write_the_pre_check_cannot_see_is_still_409(self, membership_client, expert, school, database):
        """Another transaction inserts an overlapping row but has not committed: the pre-check misses it, the
        EXCLUDE constraint waits for it and then refuses — and the refusal is a 409 problem, not a 500."""
        conn = await asyncpg.connect(database.admin_url)
        try:
            tx = conn.transaction()
            await tx.start()
            await conn.execute(
                "insert into membership.appointments (id, person_id, host_org_id, appointment_type, start_on, "
                "version, created_at, updated_at) values ($1, $2, $3, 'industry_professor', '2026-01-01', 1, now(), "
                "now())",
                uuid.uuid4(),
                uuid.UUID(expert["id"]),
                uuid.UUID(school["id"]),
            )
            pending = asyncio.create_task(post(membership_client, appointment(expert, school)))
            await asyncio.sleep(0.5)
            assert not pending.done()  # blocked on the uncommitted conflicting row
            await tx.commit()
            r = await pending
        finally:
            await conn.close()
        assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"].endswith("overlapping-appointment") and "existing_id" not in r.json()


class TestIdempotency:
    async def test_retry_returns_first_response(self, membership_client, expert, school):
        body = appointment(expert, school)
        h = {"Idempotency-Key": "k-" + uuid.uuid4().hex}
        a = await post(membership_client, body, **h)
        b = await post(membership_client, body, **h)
        assert a.status_code == b.status_code == 201 and a.json() == b.json()
        assert b.headers["idempotent-replayed"] == "true" and b.headers["location"] == a.headers["location"]
        other = await post(membership_client, {**body, "note": "x"}, **h)
        assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


class TestReadUpdateDelete:
    async def test_unknown_and_malformed_ids(self, membership_client):
        r = await membership_client.get(f"/v1/appointments/{uuid.uuid4()}")
        assert r.status_code == 404 and r.json()["type"].endswith("appointment-not-found")
        assert (await membership_client.get("/v1/appointments/nope")).status_code == 404  # no such path
        assert (await membership_client.patch(f"/v1/appointments/{uuid.uuid4()}", json={})).status_code == 404
        assert (await membership_client.delete(f"/v1/appointments/{uuid.uuid4()}")).status_code == 404

    async def test_if_none_match_gives_304(self, membership_client, expert, school):
        created = (await post(membership_client, appointment(expert, school))).json()
        r = await membership_client.get(f"/v1/appointments/{created['id']}", headers={"If-None-Match": '"1"'})
        assert r.status_code == 304

    async def test_patch_with_etags_and_rules(self, membership_client, expert, school, firm, database):
        created = (await post(membership_client, appointment(expert, school, end_on=None))).json()
        url = f"/v1/appointments/{created['id']}"
        r = await membership_client.patch(url, json={"end_on": "2027-06-30"}, headers={"If-Match": '"1"'})
        assert r.status_code == 200 and r.headers["etag"] == '"2"' and r.json()["end_on"] == "2027-06-30"
        stale = await membership_client.patch(url, json={"note": "x"}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412 and stale.json()["current_etag"] == '"2"'
        bad = await membership_client.patch(url, json={"end_on": "2026-08-31"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "end_on"]
        bad = await membership_client.patch(url, json={"start_on": "2027-07-01"})  # after the current end
        assert bad.status_code == 422 and bad.json()["errors"][0]["type"] == "end_before_start"
        bad = await membership_client.patch(url, json={"host_org_id": firm["id"]})  # the expert's own firm
        assert bad.status_code == 422 and bad.json()["errors"][0]["type"] == "same_org"
        other_firm = await make_org(membership_client, "enterprise")
        bad = await membership_client.patch(url, json={"host_org_id": other_firm["id"]})  # an enterprise professor
        assert bad.status_code == 422 and bad.json()["errors"][0]["type"] == "host_org_type"
        bad = await membership_client.patch(url, json={"appointment_type": "research_assistant"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "host_org_id"]
        for body in ({"person_id": expert["id"]}, {"start_on": None}, {"appointment_type": None}):
            resp = await membership_client.patch(url, json=body)
            assert resp.status_code == 422, body
        later = (await post(membership_client, appointment(expert, school, start_on="2028-01-01", end_on=None))).json()
        clash = await membership_client.patch(url, json={"end_on": None})  # reopening would overlap `later`
        assert clash.status_code == 409 and clash.json()["existing_id"] == later["id"]
        r = await membership_client.patch(url, json={"appointment_type": "guest_professor", "end_on": None})
        assert r.status_code == 200 and r.json()["appointment_type_label"] == "客座教授" and r.json()["version"] == 3
        assert (await membership_client.get(url)).json()["end_on"] is None
        unchanged = await membership_client.patch(url, json={"note": None})
        assert unchanged.status_code == 200 and unchanged.json()["version"] == 3
        assert (await membership_client.delete(url, headers={"If-Match": '"1"'})).status_code == 412
        assert (await membership_client.delete(url, headers={"If-Match": '"3"'})).status_code == 204
        assert (await membership_client.get(url)).status_code == 404
        conn = await asyncpg.connect(database.admin_url)
        try:
            audit = await conn.fetch(
                "select action, diff::text as diff from membership.audit_log where entity_id=$1 order by occurred_at",
                uuid.UUID(created["id"]),
            )
            events = await conn.fetch(
                "select type, seq, payload::text as payload from membership.outbox where aggregate_id=$1 order by seq",
                uuid.UUID(created["id"]),
            )
        finally:
            await conn.close()
        assert [a["action"] for a in audit] == ["create", "update", "update", "delete"]
        assert json.loads(audit[1]["diff"]) == {"end_on": [None, "2027-06-30"]}
        assert [(e["type"], e["seq"]) for e in events] == [
            ("appointment.created", 1),
            ("appointment.updated", 2),
            ("appointment.updated", 3),
            ("appointment.deleted", 4),
        ]
        assert json.loads(events[2]["payload"])["changed"] == {"appointment_type": "guest_professor", "end_on": None}
        # the created event carries the id and every audited field of the appointment, none of its bookkeeping
        assert set(json.loads(events[0]["payload"])) == {
            "id",
            "person_id",
            "host_org_id",
            "appointment_type",
            "start_on",
            "end_on",
            "note",
        }


class TestPeopleAndAppointments:
    async def test_a_person_with_a_current_appointment_cannot_be_deleted(self, membership_client, expert, school):
        created = (
            await post(membership_client, appointment(expert, school, start_on="2020-01-01", end_on=None))
        ).json()
        person_url = f"/v1/people/{expert['id']}"
        r = await membership_client.delete(person_url)
        assert r.status_code == 409 and r.json()["appointment_id"] == created["id"]
        assert r.json()["type"].endswith("person-has-current-appointments")
        yesterday = (date.today() - timedelta(days=2)).isoformat()
        assert (
            await membership_client.patch(f"/v1/appointments/{created['id']}", json={"end_on": yesterday})
        ).status_code == 200
        assert (await membership_client.delete(person_url)).status_code == 204
        # the ended appointment is history: still readable
        assert (await membership_client.get(f"/v1/appointments/{created['id']}")).status_code == 200

    async def test_a_person_cannot_move_to_an_org_where_they_are_appointed(self, membership_client, expert, school):
        assert (await post(membership_client, appointment(expert, school, end_on=None))).status_code == 201
        r = await membership_client.patch(f"/v1/people/{expert['id']}", json={"org_id": school["id"]})
        assert r.status_code == 422
        assert r.json()["errors"][0]["loc"] == ["body", "org_id"]
        assert r.json()["errors"][0]["type"] == "appointed_at_org"


class TestList:
    async def test_filters_active_on_and_pagination(self, membership_client, expert, school, firm):
        other_school = await make_org(membership_client, "undergraduate")
        specs = [
            appointment(expert, school, start_on="2020-01-01", end_on="2020-12-31"),
            appointment(expert, school, start_on="2021-01-01", end_on=None),
            appointment(expert, other_school, appointment_type="guest_professor", start_on="2020-06-01", end_on=None),
            appointment(expert, other_school, appointment_type="enterprise_mentor", start_on="2019-01-01", end_on=None),
        ]
        ids = []
        for body in specs:
            r = await post(membership_client, body)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])

        async def found(**params: str) -> list[str]:
            params = {"person_id": expert["id"], **params}
            r = await membership_client.get("/v1/appointments", params=params)
            assert r.status_code == 200, r.text
            return [i["id"] for i in r.json()["items"]]

        assert await found() == ids
        assert await found(host_org_id=school["id"]) == ids[:2]
        assert await found(appointment_type="guest_professor") == [ids[2]]
        assert await found(active_on="2020-12-31") == [ids[0], ids[2], ids[3]]  # ends inclusive
        assert await found(active_on="2021-01-01") == [ids[1], ids[2], ids[3]]
        assert await found(active_on="2020-05-31") == [ids[0], ids[3]]
        assert await found(active_on="2018-12-31") == []
        assert await found(active_on="2199-12-31", host_org_id=other_school["id"]) == [ids[2], ids[3]]
        seen, cursor = [], None
        while True:
            params = {"person_id": expert["id"], "limit": 3}
            if cursor:
                params["cursor"] = cursor
            page = (await membership_client.get("/v1/appointments", params=params)).json()
            seen += [i["id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == ids

    async def test_bad_list_parameters(self, membership_client):
        for params in (
            {"limit": 0},
            {"cursor": "garbage!"},
            {"active_on": "2026-13-01"},
            {"active_on": "today"},
            {"appointment_type": "professor"},
            {"person_id": "1"},
            {"host_org_id": "x"},
        ):
            r = await membership_client.get("/v1/appointments", params=params)
            assert r.status_code == (400 if "cursor" in params else 422), params  # a bad cursor: 400
            assert r.json()["errors"][0]["loc"][0] == "query"


# ---- fuzz: whatever a client sends, a 2xx or a 4xx problem — never a 500 ------------------------------
FIELDS = ["person_id", "host_org_id", "appointment_type", "start_on", "end_on", "note", "extra"]
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.dates().map(date.isoformat),
    st.sampled_from(
        [
            "industry_professor",
            "research_assistant",
            "2026-02-29",
            "0001-01-01",
            "9999-12-31",
            "\u0000",
            "a" * 600,
            str(uuid.UUID(int=0)),
            "' or 1=1 --",
        ]
    ),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
bodies = st.dictionaries(st.sampled_from(FIELDS), values, max_size=7)
FUZZ = settings(
    max_examples=80, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def _ok(r) -> bool:
    return r.status_code < 500 and (r.status_code < 400 or r.headers["content-type"].startswith("application/problem"))


@pytest.fixture(scope="module")
async def fuzz_pair(membership_client, firm, school) -> tuple[dict, dict]:
    return await make_person(membership_client, firm), school


@FUZZ
@given(body=bodies, fill=st.booleans())
async def test_fuzz_create_and_patch(membership_client, fuzz_pair, body, fill):
    person, host = fuzz_pair
    if fill:
        body = {"person_id": person["id"], "host_org_id": host["id"], **body}
    r = await membership_client.post("/v1/appointments", json=body)
    assert _ok(r), (r.status_code, r.text)
    target = await membership_client.post(
        "/v1/appointments",
        json=appointment(person, host, appointment_type="off_campus_counsellor", start_on="1990-01-01", end_on=None),
    )
    existing = (await membership_client.get("/v1/appointments", params={"person_id": person["id"]})).json()["items"]
    target_id = target.json()["id"] if target.status_code == 201 else existing[0]["id"]
    r = await membership_client.patch(f"/v1/appointments/{target_id}", json=body)
    assert _ok(r), (r.status_code, r.text)


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["limit", "cursor", "person_id", "host_org_id", "appointment_type", "active_on", "updated_since", "x"]
        ),
        st.text(max_size=30),
        max_size=5,
    ),
    raw=st.binary(max_size=64),
)
async def test_fuzz_list_and_raw_bodies(membership_client, params, raw):
    r = await membership_client.get("/v1/appointments", params=params)
    assert _ok(r), (r.status_code, r.text)
    r = await membership_client.post("/v1/appointments", content=raw, headers={"content-type": "application/json"})
    assert _ok(r), (r.status_code, r.text)
