"""Migration 89645a007276 on existing teacher practices: records made with a training learner as the teacher keep
that learner, get its name as `teacher_name` (not an erased learner's), and the table then takes new records that
name a membership person — exactly one of the two, never neither."""

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from tests.conftest import alembic

BEFORE = "f6b8d0e2a4c6"  # the training revision before teacher practice referenced people


async def _learner(conn, name: str, *, erased: bool) -> uuid.UUID:
    learner_id = uuid.uuid4()
    await conn.execute(
        "insert into training.learners (id, name, name_bigrams, id_type, id_number_hash, id_number_ciphertext, "
        "id_number_masked, learner_type, erased_at, version, created_at, updated_at) values ($1, $2, '{}', "
        "'resident_id', $3, $4, $5, 'teacher', $6, 1, now(), now())",
        learner_id,
        name,
        None if erased else uuid.uuid4().bytes,
        None if erased else b"x",
        None if erased else "3707************34",
        datetime.now(UTC) if erased else None,
    )
    # Every learner of that revision was registered by an organization (the link a later revision makes its owner).
    await conn.execute(
        "insert into training.learner_orgs (learner_id, org_id, via) values ($1, $2, 'registration')",
        learner_id,
        uuid.uuid4(),
    )
    return learner_id


async def _practice(conn, **columns) -> uuid.UUID:
    practice_id = uuid.uuid4()
    values = {
        "id": practice_id,
        "school_org_id": uuid.uuid4(),
        "enterprise_org_id": uuid.uuid4(),
        **columns,
    }
    names = ", ".join(values)
    params = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    await conn.execute(
        f"insert into training.teacher_practices ({names}, start_on, end_on, version, created_at, updated_at) "
        f"values ({params}, '2023-07-01', '2023-07-31', 1, now(), now())",
        *values.values(),
    )
    return practice_id


async def test_existing_records_keep_their_learner_and_get_its_name(database):
    alembic(database, "training", "downgrade", BEFORE)
    conn = await asyncpg.connect(database.admin_url)
    try:
        kept = await _learner(conn, "张老师", erased=False)
        erased = await _learner(conn, "已注销", erased=True)
        p_kept = await _practice(conn, learner_id=kept)
        p_erased = await _practice(conn, learner_id=erased)

        alembic(database, "training", "upgrade", "head")

        rows = {
            r["id"]: r
            for r in await conn.fetch("select id, learner_id, person_id, teacher_name from training.teacher_practices")
        }
        assert (rows[p_kept]["learner_id"], rows[p_kept]["person_id"], rows[p_kept]["teacher_name"]) == (
            kept,
            None,
            "张老师",
        )
        assert (rows[p_erased]["learner_id"], rows[p_erased]["teacher_name"]) == (erased, None)

        # new records: a person and its name, no learner
        await _practice(conn, person_id=uuid.uuid4(), teacher_name="王建华")
        for bad in (
            {},  # neither a person nor a learner
            {"person_id": uuid.uuid4(), "teacher_name": "王建华", "learner_id": kept},  # both
            {"person_id": uuid.uuid4()},  # a person without the name
        ):
            with pytest.raises(asyncpg.CheckViolationError):
                await _practice(conn, **bad)
    finally:
        await conn.close()
