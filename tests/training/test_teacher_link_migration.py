"""Migration 361f49d41c40 on existing teacher practices: a legacy record (a training learner as the teacher, no
person) gets its membership person when the same school has recorded exactly one person under the same name (NFKC,
spaces ignored) — membership people carry no ID number to match on — and the learner, when the school owns it, names
that person too; every other legacy record stays as it was and counts by its learner."""

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from tests.conftest import alembic

BEFORE = "9c4e6a8b0d2f"  # the training revision before learner records named their membership person


def _upgrade(database) -> str:
    """`alembic(...)` (tests/conftest.py) to head, keeping the console output: the migration says what it did."""
    env = {**os.environ, "CHANJIAO_TRAINING_DATABASE_URL": database.urls["training"]}
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", "migrations/alembic.ini", "-n", "training", "upgrade", "head"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr + done.stdout


async def _learner(conn, owner: uuid.UUID, name: str, *, erased: bool = False) -> uuid.UUID:
    learner_id, person_id = uuid.uuid4(), uuid.uuid4()
    await conn.execute("insert into training.persons (id, id_number_hash) values ($1, $2)", person_id, None)
    await conn.execute(
        "insert into training.learners (id, owner_org_id, person_id, name, name_bigrams, id_type, id_number_hash, "
        "id_number_ciphertext, id_number_masked, learner_type, erased_at, version, created_at, updated_at) values "
        "($1, $2, $3, $4, '{}', 'resident_id', $5, $6, $7, 'teacher', $8, 1, now(), now())",
        learner_id,
        owner,
        person_id,
        name,
        None if erased else uuid.uuid4().bytes,
        None if erased else b"x",
        None if erased else "3707************34",
        datetime.now(UTC) if erased else None,
    )
    return learner_id


async def _practice(conn, school: uuid.UUID, **columns) -> uuid.UUID:
    practice_id = uuid.uuid4()
    values = {"id": practice_id, "school_org_id": school, "enterprise_org_id": uuid.uuid4(), **columns}
    names = ", ".join(values)
    params = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    await conn.execute(
        f"insert into training.teacher_practices ({names}, start_on, end_on, version, created_at, updated_at) "
        f"values ({params}, '2023-07-01', '2023-07-31', 1, now(), now())",
        *values.values(),
    )
    return practice_id


async def test_legacy_practices_get_their_person_where_the_school_named_it(database):
    alembic(database, "training", "downgrade", BEFORE)
    conn = await asyncpg.connect(database.admin_url)
    try:
        a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        zhang, li1, li2, wang = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        # what the schools recorded with a person since teachers are membership people
        await _practice(conn, a, person_id=zhang, teacher_name="张 老师")
        await _practice(conn, a, person_id=li1, teacher_name="李老师")
        await _practice(conn, a, person_id=li2, teacher_name="李老师")  # two people of A are called 李老师
        await _practice(conn, a, person_id=wang, teacher_name="王老师")

        own = await _learner(conn, a, "张老师")
        matched = await _practice(conn, a, learner_id=own, teacher_name="张\u3000老师")  # full-width space
        foreign = await _learner(conn, c, "张老师")  # a record another organization registered
        matched_foreign = await _practice(conn, a, learner_id=foreign, teacher_name="张老师")
        ambiguous = await _practice(conn, a, learner_id=await _learner(conn, a, "李老师"), teacher_name="李老师")
        other_school = await _practice(conn, b, learner_id=await _learner(conn, b, "王老师"), teacher_name="王老师")
        erased_learner = await _learner(conn, a, "已注销", erased=True)
        erased = await _practice(conn, a, learner_id=erased_learner)

        out = _upgrade(database)
        assert (
            "2 legacy records now name their membership person (1 learner records linked); 3 legacy records could "
            "not be matched and count by their learner"
        ) in out, out[-2000:]

        rows = {
            r["id"]: (r["person_id"], r["learner_id"], r["teacher_name"])
            for r in await conn.fetch("select id, person_id, learner_id, teacher_name from training.teacher_practices")
        }
        assert rows[matched] == (zhang, None, "张\u3000老师")
        assert rows[matched_foreign] == (zhang, None, "张老师")
        assert rows[ambiguous][0] is None and rows[ambiguous][1] is not None  # two people: not decided
        assert rows[other_school][0] is None and rows[other_school][1] is not None  # 王老师 of A is not B's
        assert rows[erased][:2] == (None, erased_learner)
        links = {
            r["id"]: r["membership_person_id"]
            for r in await conn.fetch("select id, membership_person_id from training.learners")
        }
        assert links[own] == zhang  # the school's own record now names the person
        assert links[foreign] is None  # another organization's record is left alone
        assert links[erased_learner] is None
    finally:
        await conn.close()
