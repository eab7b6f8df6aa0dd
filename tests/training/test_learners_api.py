"""Learners through the gateway: one record per organization (two schools registering one person get a record each,
one person), name conflicts within an organization that reveal nothing, visibility of the owner only, search by
POST, the audited reveal, correction, erasure.

Every response here goes through the unmasked-ID scan of tests/conftest.py, except the reveal's own answer (see
`unscanned`)."""

import asyncio
import itertools
import uuid

import asyncpg
import httpx
import pytest

from chanjiao.validators import compute_check_digit
from tests.gateway.conftest import access_token, bearer

_seq = itertools.count(1)


def resident_id(year: int = 2005, sex: str = "male") -> str:
    """A fresh, valid resident ID number (济南市历下区, a date in `year`, the right check digit)."""
    n = next(_seq)
    order = f"{(n * 2 + (1 if sex == 'male' else 0)) % 1000:03d}"
    body = f"370102{year}{(n % 12) + 1:02d}{(n % 28) + 1:02d}{order}"
    return body + compute_check_digit(body)


def with_bad_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


def pg_url(tp) -> str:
    url = tp.platform.upstreams["training"].app.state.settings.database_url
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def fetch(tp, sql: str, *args):
    conn = await asyncpg.connect(pg_url(tp))
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def unscanned(tp, org_id: str, role: str = "org_admin", scopes=None) -> httpx.AsyncClient:
    """The one sanctioned exception to the PII scan: the reveal's answer carries the full number by design, so its
    client does not scan (every other call of these tests does). The test asserts what that answer holds."""
    token = access_token(f"user-{role}-{org_id}", org_id=str(org_id), roles=(role,), scopes=scopes)
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=tp.platform.gateway), base_url="http://gateway")
    c.headers.update(bearer(token))
    tp._clients.append(c)
    return c


@pytest.fixture(scope="module")
async def schools(tp):
    a, b = await tp.new_org(), await tp.new_org()
    return a, b


async def register(client, **body):
    body.setdefault("learner_type", "student")
    body.setdefault("name", "张三")
    return await client.post("/v1/learners", json=body)


async def test_two_schools_registering_one_person_get_a_record_each(tp, schools):
    a, b = schools
    number = resident_id(2005, "female")
    first = await register(tp.as_org(a), id_number=number, phone="138 1234 5678", current_org_id=a)
    assert first.status_code == 201, first.text
    learner = first.json()
    assert first.headers["location"] == f"/v1/learners/{learner['id']}"
    assert first.headers["etag"] == '"1"'
    assert "chanjiao-existing-resource" not in first.headers
    assert learner["id_number_masked"] == number[:4] + "*" * 12 + number[-2:]
    assert learner["phone_masked"] == "138****5678"
    assert (learner["gender"], learner["birth_year"]) == ("female", 2005)
    assert number not in first.text and "13812345678" not in first.text

    # The second school's system sends the same person (lower-case x, spaces: the same number) → its own record.
    second = await register(tp.as_org(b, "org_staff"), id_number=" " + number.lower() + " ", name="张三")
    assert second.status_code == 201, second.text
    assert "chanjiao-existing-resource" not in second.headers
    assert second.json()["id"] != learner["id"]
    assert second.json()["id_number_masked"] == learner["id_number_masked"]
    assert second.json()["phone_masked"] is None  # what school A recorded is not B's
    # The same school sending it again (its staff, a spelling variant): its own record, 200 + the header.
    again = await register(tp.as_org(b), id_number=number, name=" 张 三 ")
    assert again.status_code == 200 and again.headers["chanjiao-existing-resource"] == "true"
    assert again.json()["id"] == second.json()["id"]
    assert "person" not in again.text.replace('"membership_person_id"', "")  # the counting key never leaves

    # Each school sees its own record only.
    for org, mine, theirs in ((a, learner["id"], second.json()["id"]), (b, second.json()["id"], learner["id"])):
        assert (await tp.as_org(org, "org_staff").get(f"/v1/learners/{mine}")).status_code == 200
        assert (await tp.as_org(org, "org_staff").get(f"/v1/learners/{theirs}")).status_code == 404
        ids = [i["id"] for i in (await tp.as_org(org, "org_staff").get("/v1/learners?limit=500")).json()["items"]]
        assert mine in ids and theirs not in ids
    # Two records, one person.
    rows = await fetch(
        tp,
        "select owner_org_id, person_id from training.learners where id = any($1::uuid[])",
        [uuid.UUID(learner["id"]), uuid.UUID(second.json()["id"])],
    )
    assert {str(r["owner_org_id"]) for r in rows} == {a, b}
    assert len({r["person_id"] for r in rows}) == 1

    # Nothing clear in the table either.
    row = (await fetch(tp, "select * from training.learners where id = $1", uuid.UUID(learner["id"])))[0]
    stored = b"".join(bytes(row[c]) for c in ("id_number_ciphertext", "phone_ciphertext", "id_number_hash"))
    assert number.encode() not in stored and b"13812345678" not in stored


async def test_a_conflicting_name_is_409_without_the_stored_name(tp, schools):
    a, b = schools
    number = resident_id()
    assert (await register(tp.as_org(a), id_number=number, name="欧阳春晓")).status_code == 201
    # The organization's own record under another name: 409, revealing nothing of the record.
    r = await register(tp.as_org(a, "org_staff"), id_number=number, name="李四")
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["type"].endswith("learner-name-conflict")
    assert "欧阳" not in r.text and "春晓" not in r.text and number not in r.text and number[-4:] not in r.text
    # Spelling variants of the same name are the same name.
    r = await register(tp.as_org(a), id_number=number, name=" 欧阳  春晓 ")
    assert r.status_code == 200
    # Another organization's record never makes a conflict: B registers its own record under the name it has.
    r = await register(tp.as_org(b), id_number=number, name="李四")
    assert r.status_code == 201, r.text


async def test_another_organization_sees_nothing(tp, schools):
    a, _ = schools
    other = await tp.new_org("enterprise")
    number = resident_id()
    learner = (await register(tp.as_org(a), id_number=number, name="王五")).json()
    outsider = tp.as_org(other)
    assert (await outsider.get(f"/v1/learners/{learner['id']}")).status_code == 404
    assert (await outsider.get(f"/v1/learners/{uuid.uuid4()}")).status_code == 404
    ids = [i["id"] for i in (await outsider.get("/v1/learners?limit=500")).json()["items"]]
    assert learner["id"] not in ids
    r = await outsider.post("/v1/learners/search", json={"id_type": "resident_id", "id_number": number})
    assert r.status_code == 404
    # Alliance admins do not see learners either; platform admins do.
    alliance = await tp.new_alliance()
    assert (await tp.as_alliance(alliance).get(f"/v1/learners/{learner['id']}")).status_code == 404
    assert (await tp.admin.get(f"/v1/learners/{learner['id']}")).status_code == 200
    # Writes by an outsider: 404 (the record does not exist for it), nothing changes.
    r = await outsider.patch(f"/v1/learners/{learner['id']}", json={"learner_type": "employee"})
    assert r.status_code == 404
    assert (await tp.as_org(a).get(f"/v1/learners/{learner['id']}")).json()["learner_type"] == "student"


async def test_search_is_a_post_and_validates_without_echo(tp, schools):
    a, _ = schools
    number = resident_id()
    learner = (await register(tp.as_org(a), id_number=number, name="赵六")).json()
    r = await tp.as_org(a, "org_staff").post("/v1/learners/search", json={"id_number": number.lower()})
    assert r.status_code == 200 and r.json()["id"] == learner["id"]
    assert r.headers["cache-control"] == "no-store"
    bad = with_bad_check_digit(number)
    r = await tp.as_org(a).post("/v1/learners/search", json={"id_number": bad})
    assert r.status_code == 422
    assert r.json()["errors"][0]["type"] == "check_digit" and bad not in r.text
    # There is no look-up by number in a query string.
    r = await tp.as_org(a).get("/v1/learners", params={"id_number": number})
    assert number not in r.text


async def test_creation_validates_each_document_type(tp, schools):
    a, _ = schools
    client = tp.as_org(a)
    bad = with_bad_check_digit(resident_id())
    r = await register(client, id_number=bad)
    assert r.status_code == 422 and bad not in r.text
    assert [(e["loc"], e["type"]) for e in r.json()["errors"]] == [(["body", "id_number"], "check_digit")]
    r = await register(client, id_number="1234")
    assert r.json()["errors"][0]["type"] == "length"
    r = await register(client, id_number=resident_id(), phone="12345")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "phone"]
    # Other documents: shape rules, masked, no derived gender or year.
    r = await register(client, id_type="passport", id_number="E12345678", name="Anna Schmidt")
    assert r.status_code == 201, r.text
    assert r.json()["id_number_masked"] == "E1*****78" and r.json()["gender"] is None
    assert (await register(client, id_type="passport", id_number="E1-2345")).status_code == 422
    assert (await register(client, id_type="hk_macau_permit", id_number="H1234567", name="陈大文")).status_code == 422
    r = await register(client, id_type="hk_macau_permit", id_number="h12345678", name="陈大文")
    assert r.status_code == 201, r.text
    r = await register(client, id_type="taiwan_permit", id_number="01234567", name="林志明")
    assert r.status_code == 201, r.text
    r = await register(client, id_type="foreigner_permanent", id_number="USA310001012001", name="John Smith")
    assert r.status_code == 201, r.text
    # The same digits as another document type are another document.
    r = await register(client, id_type="passport", id_number="01234567", name="林志明")
    assert r.status_code == 201


async def test_who_registers_for_which_organization(tp, schools):
    a, b = schools
    number = resident_id()
    r = await register(tp.as_org(a), id_number=number, org_id=b)
    assert r.status_code == 403
    r = await register(tp.admin, id_number=number)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "org_id"]
    r = await register(tp.admin, id_number=number, org_id=a)
    assert r.status_code == 201
    r = await register(tp.as_org(a), id_number=resident_id(), current_org_id=str(uuid.uuid4()))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "organization_not_found"
    alliance = await tp.new_alliance()
    assert (await register(tp.as_alliance(alliance), id_number=resident_id())).status_code == 403
    read_only = tp.as_org(a, scopes=("training:read",))
    assert (await register(read_only, id_number=resident_id())).status_code == 403


async def test_two_identical_creates_at_once_make_one_learner(tp, schools):
    a, b = schools
    for _ in range(3):
        # Two systems of one school at once: one record.
        number = resident_id()
        r1, r2 = await asyncio.gather(
            register(tp.as_org(a), id_number=number, name="钱七"),
            register(tp.as_org(a, "org_staff"), id_number=number, name="钱七"),
        )
        assert sorted([r1.status_code, r2.status_code]) == [200, 201], (r1.text, r2.text)
        assert r1.json()["id"] == r2.json()["id"]
        # Two schools at once, a person new to the platform: a record each, one person.
        number = resident_id()
        r1, r2 = await asyncio.gather(
            register(tp.as_org(a), id_number=number, name="钱七"),
            register(tp.as_org(b), id_number=number, name="钱七"),
        )
        assert [r1.status_code, r2.status_code] == [201, 201], (r1.text, r2.text)
        rows = await fetch(
            tp,
            "select person_id from training.learners where id = any($1::uuid[])",
            [uuid.UUID(r1.json()["id"]), uuid.UUID(r2.json()["id"])],
        )
        assert len(rows) == 2 and len({r["person_id"] for r in rows}) == 1


async def test_reveal_is_scope_gated_and_audited(tp, schools):
    a, b = schools
    number = resident_id()
    learner = (await register(tp.as_org(a), id_number=number, name="孙八")).json()
    path = f"/v1/learners/{learner['id']}/reveal"
    reason = {"reason": "向人社部门报送鉴定名单"}
    # Without training:reveal, as org_staff, as another organization, without a reason: refused.
    no_scope = tp.as_org(a, "org_admin", scopes=("training:read", "training:write"))
    r = await no_scope.post(path, json=reason)
    assert r.status_code == 403 and "training:reveal" in r.text
    assert (await tp.as_org(a, "org_staff").post(path, json=reason)).status_code == 403
    assert (await tp.as_org(b, "org_admin").post(path, json=reason)).status_code == 404
    assert (await tp.as_org(a).post(path, json={})).status_code == 422
    assert (await tp.as_org(a).post(path, json={"reason": "x"})).status_code == 422
    r = await tp.as_org(a).post(path, json={"reason": "核对号码 " + number})
    assert r.status_code == 422 and number not in r.text
    assert (
        await fetch(
            tp, "select 1 from training.audit_log where entity_id = $1 and action = 'reveal'", uuid.UUID(learner["id"])
        )
        == []
    )

    r = await unscanned(tp, a).post(path, json=reason)
    assert r.status_code == 200, r.text
    assert r.json()["id_number"] == number and r.json()["id_type"] == "resident_id"
    assert r.headers["cache-control"] == "no-store"
    rows = await fetch(
        tp,
        "select actor, request_id, diff::text as diff, occurred_at from training.audit_log "
        "where entity_id = $1 and action = 'reveal'",
        uuid.UUID(learner["id"]),
    )
    assert len(rows) == 1
    assert rows[0]["actor"] == f"user:user-org_admin-{a}" and rows[0]["request_id"]
    assert "向人社部门报送鉴定名单" in rows[0]["diff"] and number not in rows[0]["diff"]
    # No audit row of this learner holds the number, the name or the phone.
    every = await fetch(
        tp, "select diff::text as diff from training.audit_log where entity_id = $1", uuid.UUID(learner["id"])
    )
    assert all(number not in x["diff"] and "孙八" not in x["diff"] for x in every)


async def test_correction(tp, schools):
    a, b = schools
    number, typo = resident_id(1990, "female"), resident_id(1991, "male")
    learner = (await register(tp.as_org(a), id_number=typo, name="周九", phone="13900001111")).json()
    other = (await register(tp.as_org(a), id_number=resident_id(), name="吴十")).json()
    path = f"/v1/learners/{learner['id']}"
    r = await tp.as_org(a, "org_staff").patch(
        path, json={"id_number": number, "phone": None, "learner_type": "employee"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id_number_masked"] == number[:4] + "*" * 12 + number[-2:]
    assert (body["gender"], body["birth_year"], body["phone_masked"], body["version"]) == ("female", 1990, None, 2)
    # The old number is free again; the new one finds this learner.
    found = await tp.as_org(a).post("/v1/learners/search", json={"id_number": number})
    assert found.json()["id"] == learner["id"]
    assert (await tp.as_org(a).post("/v1/learners/search", json={"id_number": typo})).status_code == 404
    # Stale ETag → 412; another learner's number → 409 without revealing it.
    assert (await tp.as_org(a).patch(path, json={"name": "周久"}, headers={"If-Match": '"1"'})).status_code == 412
    other_number = await tp.as_org(a).post("/v1/learners/search", json={"id_number": number})
    r = await tp.as_org(a).patch(f"/v1/learners/{other['id']}", json={"id_number": number})
    assert r.status_code == 409 and r.json()["type"].endswith("learner-id-number-taken")
    assert other_number.status_code == 200
    assert (await tp.as_org(a).patch(path, json={"id_number": with_bad_check_digit(number)})).status_code == 422
    assert (await tp.as_org(a).patch(path, json={"id_type": "passport"})).status_code == 422
    # Audited without the number.
    rows = await fetch(
        tp,
        "select diff::text as diff from training.audit_log where entity_id = $1 and action = 'update'",
        uuid.UUID(learner["id"]),
    )
    assert len(rows) == 1 and "id_number" in rows[0]["diff"] and number not in rows[0]["diff"]
    assert "[redacted]" in rows[0]["diff"]
    # The current organization is an attribute: naming B gives B no sight of A's record.
    r = await tp.as_org(a).patch(path, json={"current_org_id": b})
    assert r.status_code == 200 and r.json()["current_org_id"] == b
    assert (await tp.as_org(b, "org_staff").get(path)).status_code == 404


async def test_erasure_keeps_the_record_counted_but_anonymised(tp, schools):
    a, b = schools
    number = resident_id(2001, "male")
    learner = (
        await register(tp.as_org(a), id_number=number, name="郑十一", phone="13700002222", current_org_id=a)
    ).json()
    path = f"/v1/learners/{learner['id']}"
    bs = (await register(tp.as_org(b), id_number=number, name="郑十一", phone="13700003333")).json()
    reason = {"reason": "本人申请删除个人信息"}
    # Only the owning organization's org_admin (or a platform admin); to B, A's record does not exist.
    assert (await tp.as_org(b).post(f"{path}/erasure", json=reason)).status_code == 404
    assert (await tp.as_org(a, "org_staff").post(f"{path}/erasure", json=reason)).status_code == 403
    r = await tp.as_org(a).post(f"{path}/erasure", json=reason)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "已注销" and body["erased"] is True and body["erased_at"]
    assert body["id_number_masked"] is None and body["phone_masked"] is None
    assert (body["gender"], body["birth_year"], body["learner_type"], body["current_org_id"]) == (
        "male",
        2001,
        "student",
        a,
    )
    # Still there (records referencing it stay), readable by its owner, anonymised; B's own record is untouched.
    assert (await tp.as_org(a).get(path)).json()["name"] == "已注销"
    theirs = (await tp.as_org(b).get(f"/v1/learners/{bs['id']}")).json()
    assert (theirs["name"], theirs["phone_masked"], theirs["erased"]) == ("郑十一", "137****3333", False)
    row = (await fetch(tp, "select * from training.learners where id = $1", uuid.UUID(learner["id"])))[0]
    assert row["id_number_hash"] is None and row["id_number_ciphertext"] is None and row["phone_ciphertext"] is None
    # Lists: gone, a tombstone with include_deleted; search finds nothing; reveal and correction refused.
    items = (await tp.as_org(a).get("/v1/learners?limit=500")).json()["items"]
    assert learner["id"] not in [i["id"] for i in items]
    items = (await tp.as_org(a).get("/v1/learners?limit=500&include_deleted=true")).json()["items"]
    assert {"id": learner["id"], "deleted": True} == {
        k: v for k, v in next(i for i in items if i["id"] == learner["id"]).items() if k != "deleted_at"
    }
    assert (await tp.as_org(a).post("/v1/learners/search", json={"id_number": number})).status_code == 404
    assert (await tp.as_org(a).post(f"{path}/reveal", json={"reason": "核对"})).status_code == 409
    assert (await tp.as_org(a).patch(path, json={"name": "郑十一"})).status_code == 409
    assert (await tp.as_org(a).post(f"{path}/erasure", json=reason)).status_code == 409
    # The person can be registered again, as a new record of A — the same person (B's record still holds it).
    again = await register(tp.as_org(a), id_number=number, name="郑十一")
    assert again.status_code == 201 and again.json()["id"] != learner["id"]
    rows = await fetch(
        tp,
        "select distinct person_id from training.learners where id = any($1::uuid[])",
        [uuid.UUID(i) for i in (learner["id"], bs["id"], again.json()["id"])],
    )
    assert len(rows) == 1
    # The audit keeps who, when and why — and nothing of the person.
    rows = await fetch(
        tp, "select diff::text as diff from training.audit_log where entity_id = $1", uuid.UUID(learner["id"])
    )
    assert any("本人申请删除个人信息" in x["diff"] for x in rows)
    assert all("郑十一" not in x["diff"] and number not in x["diff"] for x in rows)


async def test_erasure_forgets_stored_replays_that_carry_the_name(tp, schools):
    """A registration sent with an Idempotency-Key is kept for replay (24 h) — with the name in it. Erasing
    the learner drops that stored answer: a retry then runs again instead of replaying the erased name."""
    a, _ = schools
    number = resident_id(2003, "female")
    body = {"name": "钱十二", "id_number": number, "learner_type": "student"}
    key = {"Idempotency-Key": f"erasure-{uuid.uuid4()}"}
    first = await tp.as_org(a).post("/v1/learners", json=body, headers=key)
    assert first.status_code == 201, first.text
    replay = await tp.as_org(a).post("/v1/learners", json=body, headers=key)
    assert replay.headers.get("idempotent-replayed") == "true" and replay.json()["name"] == "钱十二"
    learner = first.json()["id"]
    assert (await tp.as_org(a).post(f"/v1/learners/{learner}/erasure", json={"reason": "本人申请"})).status_code == 200
    stored = await fetch(
        tp,
        "select count(*) as n from training.idempotency_keys where strpos(convert_from(response_body, 'UTF8'), $1) > 0",
        learner,
    )
    assert stored[0]["n"] == 0
    retry = await tp.as_org(a).post("/v1/learners", json=body, headers=key)
    assert retry.headers.get("idempotent-replayed") != "true"
    assert retry.status_code == 201 and retry.json()["id"] != learner  # registered again, as a new learner


async def test_list_filters_and_sync(tp):
    org = await tp.new_org()
    client = tp.as_org(org)
    made = []
    for name, kind in (("甲学生", "student"), ("乙职工", "employee"), ("丙学生", "student")):
        made.append(
            (await register(client, id_number=resident_id(), name=name, learner_type=kind, current_org_id=org)).json()
        )
    page = (await client.get("/v1/learners", params={"learner_type": "student"})).json()
    assert [i["name"] for i in page["items"]] == ["甲学生", "丙学生"]
    assert [i["name"] for i in (await client.get("/v1/learners", params={"q": "职工"})).json()["items"]] == ["乙职工"]
    assert len((await client.get("/v1/learners", params={"current_org_id": org})).json()["items"]) == 3
    first = await client.get("/v1/learners", params={"limit": 2})
    assert len(first.json()["items"]) == 2 and first.json()["next_cursor"]
    rest = await client.get("/v1/learners", params={"limit": 2, "cursor": first.json()["next_cursor"]})
    assert [i["id"] for i in rest.json()["items"]] == [made[2]["id"]]
    since = made[1]["updated_at"]
    synced = (await client.get("/v1/learners", params={"updated_since": since})).json()["items"]
    assert [i["id"] for i in synced] == [made[2]["id"]]
    # An ETag round trip.
    one = await client.get(f"/v1/learners/{made[0]['id']}")
    assert (
        await client.get(f"/v1/learners/{made[0]['id']}", headers={"If-None-Match": one.headers["etag"]})
    ).status_code == 304
