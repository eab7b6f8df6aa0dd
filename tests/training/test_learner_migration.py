"""Migration a7c9e1b3d5f7 on existing data: each learner gets its owner (the first registering organization, else its
current organization, else the first linked one) and a person of its own; `learner_orgs` is gone; the downgrade
gives the links back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from tests.conftest import alembic

BEFORE = "89645a007276"  # the training revision before learner records had owners


async def test_existing_learners_get_an_owner_and_a_person(database):
    alembic(database, "training", "downgrade", BEFORE)
    school, other, current = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    registered, by_current, by_link, erased = (uuid.uuid4() for _ in range(4))
    conn = await asyncpg.connect(database.admin_url)
    try:
        for lid, hashed in ((registered, b"h1"), (by_current, b"h2"), (by_link, b"h3"), (erased, None)):
            await conn.execute(
                "insert into training.learners (id, name, name_bigrams, id_type, id_number_hash, id_number_ciphertext, "
                "id_number_masked, learner_type, current_org_id, erased_at, version, created_at, updated_at) values "
                "($1, '学员', '{}', 'resident_id', $2, $3, $4, 'student', $5, $6, 1, now(), now())",
                lid,
                hashed,
                b"x" if hashed else None,
                "3701************34" if hashed else None,
                current if lid == by_current else None,
                None if hashed else datetime.now(UTC),
            )
        links = [
            (registered, other, "enrolment", "2024-01-01"),
            (registered, school, "registration", "2024-02-01"),
            (by_current, other, "enrolment", "2024-01-01"),
            (by_link, other, "internship", "2024-03-01"),
            (by_link, school, "enrolment", "2024-04-01"),
            (erased, school, "registration", "2024-01-01"),
        ]
        for lid, org, via, at in links:
            await conn.execute(
                "insert into training.learner_orgs (learner_id, org_id, via, linked_at) "
                "values ($1, $2, $3, $4::text::date)",
                lid,
                org,
                via,
                at,
            )
    finally:
        await conn.close()

    alembic(database, "training", "upgrade", "head")
    conn = await asyncpg.connect(database.admin_url)
    try:
        rows = {r["id"]: r for r in await conn.fetch("select id, owner_org_id, person_id from training.learners")}
        assert rows[registered]["owner_org_id"] == school  # the registering organization, not the earlier link
        assert rows[by_current]["owner_org_id"] == current
        assert rows[by_link]["owner_org_id"] == other  # the first link of any kind
        assert rows[erased]["owner_org_id"] == school
        persons = {r["id"]: r["id_number_hash"] for r in await conn.fetch("select * from training.persons")}
        assert len({r["person_id"] for r in rows.values()}) == 4
        assert persons[rows[registered]["person_id"]] == b"h1" and persons[rows[erased]["person_id"]] is None
        gone = await conn.fetchval("select to_regclass('training.learner_orgs')")
        assert gone is None
    finally:
        await conn.close()

    alembic(database, "training", "downgrade", BEFORE)
    conn = await asyncpg.connect(database.admin_url)
    try:
        back = await conn.fetch("select learner_id, org_id, via from training.learner_orgs")
        assert {(r["learner_id"], r["org_id"], r["via"]) for r in back} == {
            (registered, school, "registration"),
            (by_current, current, "registration"),
            (by_link, other, "registration"),
            (erased, school, "registration"),
        }
    finally:
        await conn.close()
    alembic(database, "training", "upgrade", "head")
