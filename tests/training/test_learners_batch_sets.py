"""Learner batches and roster imports registered set-based (services/training/learners/many.py): a number twice in one
batch, new and existing persons mixed, errors in several items, two batches racing, a hash under a previous key, and
the audit rows and events a batch leaves — each as a user (or a subscriber, or the figures) sees it."""

import asyncio
import io
import json
import uuid

import asyncpg
import pytest
from openpyxl import Workbook
from pydantic import SecretStr

from tests.training.test_learners_api import fetch, pg_url, register, resident_id, with_bad_check_digit

BATCH = "/v1/learners/batch"


@pytest.fixture(scope="module")
async def school(tp):
    return await tp.new_org()


def item(number: str, name: str = "张三", **extra) -> dict:
    return {"name": name, "id_number": number, "learner_type": "student", **extra}


async def records_of(tp, org: str, number_ids: list[str]) -> list:
    return await fetch(
        tp,
        "select id, person_id from training.learners where owner_org_id = $1 and id = any($2::uuid[]) order by id",
        uuid.UUID(org),
        [uuid.UUID(i) for i in number_ids],
    )


async def test_a_number_twice_in_one_batch_is_created_once(tp, school):
    a, b = resident_id(), resident_id()
    items = [
        item(a, "王小明"),
        item(b, "李四"),
        item(a, "王 小明"),  # the same name (spacing is no difference): the record the first item made
        item(a, "王大明"),  # another name for that number: the conflict a second single registration would meet
    ]
    r = await tp.as_org(school).post(BATCH, json={"items": items})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(x["status"], x["outcome"]) for x in body["results"]] == [
        (201, "created"),
        (201, "created"),
        (200, "existing"),
        (409, "conflict"),
    ]
    assert (body["created"], body["existing"], body["failed"]) == (2, 1, 1)
    assert body["results"][2]["id"] == body["results"][0]["id"]
    problem = body["results"][3]["problem"]
    assert problem["type"].endswith("learner-name-conflict") and problem["instance"] == f"{BATCH}#/items/3"
    assert "王小明" not in json.dumps(problem, ensure_ascii=False)
    found = await tp.as_org(school).post("/v1/learners/search", json={"id_number": a})
    assert found.json()["id"] == body["results"][0]["id"] and found.json()["name"] == "王小明"
    assert len(await fetch(tp, "select 1 from training.learners where name = '王小明'")) == 1

    # All-or-nothing: the conflict keeps every other item out, the duplicate included.
    c = resident_id()
    atomic = await tp.as_org(school).post(
        f"{BATCH}?atomic=true", json={"items": [item(c, "赵六"), item(c, "赵六"), item(c, "钱七")]}
    )
    assert atomic.status_code == 422
    assert [x["status"] for x in atomic.json()["results"]] == [424, 424, 409]
    assert (await tp.as_org(school).post("/v1/learners/search", json={"id_number": c})).status_code == 404


async def test_new_and_existing_persons_in_one_batch(tp, school):
    other = await tp.new_org()
    theirs, mine, fresh = resident_id(), resident_id(), resident_id()
    single = await register(tp.as_org(other), id_number=theirs, name="孙八", phone="13700001111", current_org_id=school)
    assert single.status_code == 201
    own = await register(tp.as_org(school), id_number=mine, name="周九")
    r = await tp.as_org(school).post(
        BATCH,
        json={
            "items": [
                item(theirs, "孙八", phone="13700001111", current_org_id=school),  # another school's person
                item(mine, "周九"),  # the school's own record
                item(fresh, "吴十", id_type="resident_id"),  # nobody's yet
            ]
        },
    )
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["outcome"] for x in results] == ["created", "existing", "created"]
    assert results[1]["id"] == own.json()["id"]
    # The school's new record of the other school's person is the same person (counted once), the fresh one a new one.
    rows = await fetch(
        tp,
        "select l.id, l.person_id, p.id_number_hash is not null as hashed, l.phone_masked, l.id_number_masked "
        "from training.learners l join training.persons p on p.id = l.person_id where l.id = any($1::uuid[])",
        [uuid.UUID(single.json()["id"]), uuid.UUID(results[0]["id"]), uuid.UUID(results[2]["id"])],
    )
    by_id = {str(x["id"]): x for x in rows}
    assert by_id[results[0]["id"]]["person_id"] == by_id[single.json()["id"]]["person_id"]
    assert by_id[results[2]["id"]]["person_id"] not in {
        x["person_id"] for x in rows if str(x["id"]) != results[2]["id"]
    }
    assert all(x["hashed"] for x in rows)
    assert by_id[results[0]["id"]]["phone_masked"] == "137****1111"
    assert by_id[results[2]["id"]]["id_number_masked"] == fresh[:4] + "*" * 12 + fresh[-2:]

    # The batch's record reads back like a single registration's: masked, decryptable (reveal), same fields.
    mine_back = (await tp.as_org(school).get(f"/v1/learners/{results[0]['id']}")).json()
    theirs_back = (await tp.as_org(other).get(f"/v1/learners/{single.json()['id']}")).json()
    same = ("name", "id_type", "id_number_masked", "gender", "birth_year", "phone_masked", "learner_type", "version")
    assert {k: mine_back[k] for k in same} == {k: theirs_back[k] for k in same}
    revealed = await tp.as_org(school).post(f"/v1/learners/{results[0]['id']}/reveal", json={"reason": "核对学籍信息"})
    assert revealed.status_code == 200 and revealed.json()["id_number"] == theirs

    # Audit rows and events: one per created record, shaped as a single registration's (personal data redacted).
    audit = await fetch(
        tp,
        "select entity_id, action, diff from training.audit_log "
        "where entity = 'learner' and action = 'create' and entity_id = any($1::uuid[])",
        [uuid.UUID(single.json()["id"]), uuid.UUID(results[0]["id"])],
    )
    diffs = {str(a["entity_id"]): (a["action"], json.loads(a["diff"])) for a in audit}
    assert len(audit) == 2
    assert diffs[results[0]["id"]] == diffs[single.json()["id"]]
    assert diffs[results[0]["id"]][1]["id_number"] == ["[redacted]", "[redacted]"]
    events = await fetch(
        tp,
        "select aggregate_id, type, seq, payload from training.outbox where aggregate_type = 'learner' "
        "and aggregate_id = any($1::uuid[])",
        [uuid.UUID(single.json()["id"]), uuid.UUID(results[0]["id"]), uuid.UUID(results[2]["id"])],
    )
    payloads = {str(e["aggregate_id"]): (e["type"], e["seq"], json.loads(e["payload"])) for e in events}
    assert len(events) == 3
    ours, single_event = payloads[results[0]["id"]], payloads[single.json()["id"]]
    assert ours[:2] == single_event[:2] == ("learner.created", 1)
    assert ours[2] == {**single_event[2], "id": results[0]["id"], "owner_org_id": school}
    assert theirs not in json.dumps([dict(e) for e in events], default=str)


async def test_existing_item_leaves_no_audit_row_or_event(tp, school):
    number = resident_id()
    first = await tp.as_org(school).post(BATCH, json={"items": [item(number)]})
    again = await tp.as_org(school).post(BATCH, json={"items": [item(number)]})
    lid = first.json()["results"][0]["id"]
    assert again.json()["results"][0] == {"index": 0, "status": 200, "outcome": "existing", "id": lid}
    assert len(await fetch(tp, "select 1 from training.audit_log where entity_id = $1", uuid.UUID(lid))) == 1
    assert len(await fetch(tp, "select 1 from training.outbox where aggregate_id = $1", uuid.UUID(lid))) == 1


async def test_errors_in_several_items_are_each_reported_and_the_rest_saved(tp, school):
    taken = resident_id()
    await register(tp.as_org(school), id_number=taken, name="郑十一")
    good = [resident_id(), resident_id()]
    missing_org = str(uuid.uuid4())
    items = [
        item(good[0]),
        item(with_bad_check_digit(resident_id())),
        {"name": "x", "id_number": resident_id(), "learner_type": "student", "phone": "12345"},
        item(resident_id(), current_org_id=missing_org),
        item(taken, "另一个名字"),
        item(good[1], phone="+86 139 0000 2222"),
        item(resident_id(), current_org_id=missing_org),
    ]
    r = await tp.as_org(school).post(BATCH, json={"items": items}, headers={"Accept-Language": "en"})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [(x["status"], x["outcome"]) for x in results] == [
        (201, "created"),
        (422, "invalid"),
        (422, "invalid"),
        (422, "invalid"),
        (409, "conflict"),
        (201, "created"),
        (422, "invalid"),
    ]
    assert [(e["loc"][-1], e["type"]) for e in results[1]["problem"]["errors"]] == [("id_number", "check_digit")]
    assert {(e["loc"][-1], e["type"]) for e in results[2]["problem"]["errors"]} == {
        ("name", "length"),
        ("phone", "length"),
    }
    for index in (3, 6):
        assert [(e["loc"], e["type"]) for e in results[index]["problem"]["errors"]] == [
            (["body", "current_org_id"], "organization_not_found")
        ]
        assert results[index]["problem"]["instance"] == f"{BATCH}#/items/{index}"
    assert results[4]["problem"]["title"] == "ID number registered under another name"
    assert (r.json()["created"], r.json()["failed"]) == (2, 5)
    # The server's time per phase (as the enrolment batch gives it), for integrators sizing their batches.
    phases = [p.split(";")[0].strip() for p in r.headers["server-timing"].split(",")]
    assert {"check_orgs", "lookup", "classify", "encrypt", "write", "commit", "batch"} <= set(phases)
    for number, index in zip(good, (0, 5), strict=True):
        found = await tp.as_org(school).post("/v1/learners/search", json={"id_number": number})
        assert found.json()["id"] == results[index]["id"]
    assert found.json()["phone_masked"] == "139****2222"
    assert "12345" not in r.text and "另一个名字" not in r.text


async def test_two_identical_batches_at_once_make_one_record_per_number(tp, school):
    numbers = [resident_id() for _ in range(30)]
    items = [item(n, f"学员{i:02d}") for i, n in enumerate(numbers)]
    first, second = await asyncio.gather(
        tp.as_org(school).post(BATCH, json={"items": items}),
        tp.as_org(school, "org_staff").post(BATCH, json={"items": items}),
    )
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    for a, b in zip(first.json()["results"], second.json()["results"], strict=True):
        assert sorted([a["outcome"], b["outcome"]]) == ["created", "existing"]
        assert a["id"] == b["id"]
    ids = [x["id"] for x in first.json()["results"]]
    rows = await records_of(tp, school, ids)
    assert len(rows) == 30 and len({x["person_id"] for x in rows}) == 30


async def test_a_number_hashed_under_a_previous_key_is_found_and_rehashed(tp):
    school, other = await tp.new_org(), await tp.new_org()
    settings = tp.platform.upstreams["training"].app.state.settings
    old_current, _ = settings.personal_data_secrets()
    number = resident_id()
    before = await register(tp.as_org(school), id_number=number, name="冯十二")
    assert before.status_code == 201
    lid = uuid.UUID(before.json()["id"])
    (old,) = await fetch(
        tp,
        "select l.id_number_hash, l.person_id, p.id_number_hash as person_hash from training.learners l "
        "join training.persons p on p.id = l.person_id where l.id = $1",
        lid,
    )
    saved = (settings.personal_data_key, settings.personal_data_previous_keys)
    object.__setattr__(settings, "personal_data_key", SecretStr("a-new-personal-data-key-of-forty-characters!"))
    object.__setattr__(settings, "personal_data_previous_keys", old_current)
    try:
        # Another school's first record of the person: the person is found under the previous key and moves.
        theirs = await tp.as_org(other).post(BATCH, json={"items": [item(number, "冯十二")]})
        assert theirs.json()["results"][0]["outcome"] == "created"
        # The school's own record, hashed under the previous key, is found (existing) and moves too.
        r = await tp.as_org(school).post(BATCH, json={"items": [item(number, "冯十二")]})
        assert r.json()["results"][0] == {"index": 0, "status": 200, "outcome": "existing", "id": str(lid)}
        (now,) = await fetch(
            tp,
            "select l.id_number_hash, l.person_id, p.id_number_hash as person_hash from training.learners l "
            "join training.persons p on p.id = l.person_id where l.id = $1",
            lid,
        )
        assert now["id_number_hash"] != old["id_number_hash"] and now["person_id"] == old["person_id"]
        assert now["person_hash"] == now["id_number_hash"]  # the person moved to the current key as well
        (their_row,) = await fetch(
            tp, "select person_id from training.learners where id = $1", uuid.UUID(theirs.json()["results"][0]["id"])
        )
        assert their_row["person_id"] == old["person_id"]  # one person, found under the moved hash
    finally:
        object.__setattr__(settings, "personal_data_key", saved[0])
        object.__setattr__(settings, "personal_data_previous_keys", saved[1])


def xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_roster_with_a_number_twice_reports_in_row_order(tp, school):
    twice, other = resident_id(), resident_id()
    content = xlsx(
        [
            ["姓名", "证件号码", "学员类型"],
            ["陈十三", twice, "学生"],
            ["陈十四", twice, "学生"],  # another name for the number row 2 registers: rejected (conflict)
            ["校验错", with_bad_check_digit(resident_id()), "学生"],
            ["陈十三", twice, "学生"],  # row 2's record: existing
            ["褚十五", other, "学生"],
        ]
    )
    client = tp.as_org(school)
    for dry in (True, False):
        files = {"file": ("花名册.xlsx", content, "application/octet-stream")}
        r = await client.post("/v1/learners/imports", params={"dry_run": str(dry).lower()}, files=files)
        assert r.status_code == 200, r.text
        report = r.json()
        assert (report["rows"], report["created"], report["existing"]) == (5, 2, 1)
        assert [(x["row"], x["field"], x["rule"]) for x in report["rejected"]] == [
            (3, "name", "learner-name-conflict"),
            (4, "id_number", "check_digit"),
        ]
        found = await client.post("/v1/learners/search", json={"id_number": twice})
        assert found.status_code == (404 if dry else 200)
    assert found.json()["name"] == "陈十三"


async def test_a_registration_committed_while_the_batch_waits_makes_its_items_existing(tp, school):
    """Another transaction of the school registers a number first and commits while the batch waits on it: the batch
    meets that record (existing, or the conflict for another name) and creates no second record or person."""
    from services.training.learners.personal import PersonalData, id_number_context, mask_number

    settings = tp.platform.upstreams["training"].app.state.settings
    pd = PersonalData(*settings.personal_data_secrets())
    number, fresh = resident_id(), resident_id()
    lid, person = uuid.uuid4(), uuid.uuid4()
    conn = await asyncpg.connect(pg_url(tp))
    try:
        tx = conn.transaction()
        await tx.start()
        await conn.execute(
            "insert into training.persons (id, id_number_hash) values ($1, $2)", person, pd.hash("resident_id", number)
        )
        await conn.execute(
            "insert into training.learners (id, owner_org_id, person_id, name, name_bigrams, id_type, id_number_hash, "
            "id_number_ciphertext, id_number_masked, learner_type, version, created_at, updated_at) "
            "values ($1, $2, $3, '蒋十六', '{蒋十,十六}', 'resident_id', $4, $5, $6, 'student', 1, now(), now())",
            lid,
            uuid.UUID(school),
            person,
            pd.hash("resident_id", number),
            pd.cipher.encrypt(number, context=id_number_context(lid)),
            mask_number(number),
        )
        batch = asyncio.create_task(
            tp.as_org(school).post(
                BATCH, json={"items": [item(fresh, "沈十七"), item(number, "蒋十六"), item(number, "韩十八")]}
            )
        )
        for _ in range(500):  # until the batch waits for this transaction's row
            waiting = await conn.fetchval("select count(*) from pg_locks where not granted")
            if waiting or batch.done():
                break
            await asyncio.sleep(0.02)
        assert waiting and not batch.done()
        await tx.commit()
        r = await batch
    finally:
        await conn.close()
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [(x["status"], x["outcome"]) for x in results] == [(201, "created"), (200, "existing"), (409, "conflict")]
    assert results[1]["id"] == str(lid)
    rows = await fetch(tp, "select id from training.learners where person_id = $1", person)
    assert [x["id"] for x in rows] == [lid]
    found = await tp.as_org(school).post("/v1/learners/search", json={"id_number": fresh})
    assert found.json()["id"] == results[0]["id"]


async def test_names_with_quotes_and_backslashes_are_found_by_any_part(tp):
    school = await tp.new_org()
    names = ['Anna "Li" 安娜', "路\\径 {测试}", "欧阳,娜娜"]
    r = await tp.as_org(school).post(BATCH, json={"items": [item(resident_id(), n) for n in names]})
    assert [x["outcome"] for x in r.json()["results"]] == ["created"] * 3
    for name, part in zip(names, ['"li"', "\\径", "阳,娜"], strict=True):
        found = await tp.as_org(school).get("/v1/learners", params={"q": part})
        assert [x["name"] for x in found.json()["items"]] == [name], part


async def test_a_record_always_refers_to_a_person_that_exists(tp, school):
    """The person reference is checked per statement (migration c2e4a6b8d0f1), with a foreign key's guarantees."""
    r = await tp.as_org(school).post(BATCH, json={"items": [item(resident_id(), "卫十九")]})
    lid = uuid.UUID(r.json()["results"][0]["id"])
    (row,) = await fetch(tp, "select person_id from training.learners where id = $1", lid)
    conn = await asyncpg.connect(pg_url(tp))
    try:
        for sql, args, state in [
            ("update training.learners set person_id = $1 where id = $2", (uuid.uuid4(), lid), "23503"),
            ("delete from training.persons where id = $1", (row["person_id"],), "23503"),
            ("update training.persons set id = $1 where id = $2", (uuid.uuid4(), row["person_id"]), "23001"),
            ("truncate training.persons", (), "23001"),
        ]:
            with pytest.raises(asyncpg.PostgresError) as caught:
                await conn.execute(sql, *args)
            assert caught.value.sqlstate == state, sql
        # A person no record refers to any more may go (as a correction leaves it behind).
        orphan = uuid.uuid4()
        await conn.execute("insert into training.persons (id) values ($1)", orphan)
        assert await conn.execute("delete from training.persons where id = $1", orphan) == "DELETE 1"
    finally:
        await conn.close()
