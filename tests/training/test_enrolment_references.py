"""The enrolments' references (migration e5a7c9e1f3b5): checked once per statement instead of by foreign keys, with
the same guarantee — an enrolment never refers to a learner or programme that does not exist, because neither is
ever deleted and the references never change. Written straight in SQL, as a bug or a hand-made fix would."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from chanjiao.ids import new_id
from tests.training.test_enrolments_api import engine_of, setup

INSERT = sa.text(
    "insert into enrolments (id, learner_id, programme_id, status, enrolled_on, status_changed_on, version, "
    "created_at, updated_at) select id, learner_id, programme_id, 'enrolled', current_date, current_date, 1, now(), "
    "now() from unnest(cast(:ids as uuid[]), cast(:learners as uuid[]), cast(:programmes as uuid[])) "
    "as t(id, learner_id, programme_id)"
)


def sqlstate(exc: DBAPIError) -> str:
    return exc.orig.pgcode if hasattr(exc.orig, "pgcode") else exc.orig.__cause__.sqlstate  # type: ignore[union-attr]


async def test_a_statement_with_one_dangling_reference_writes_nothing(tp):
    _, client, p, learners = await setup(tp, learners=3)
    pid = uuid.UUID(p["id"])
    engine = engine_of(tp)
    for learner_ids, programme_ids in (
        ([*learners[:2], str(uuid.uuid4())], [pid] * 3),  # the third learner does not exist
        (learners, [pid, pid, uuid.uuid4()]),  # the third programme does not exist
    ):
        with pytest.raises(DBAPIError) as caught:
            async with engine.begin() as conn:
                await conn.execute(
                    INSERT,
                    {"ids": [new_id() for _ in range(3)], "learners": learner_ids, "programmes": programme_ids},
                )
        assert sqlstate(caught.value) == "23503"  # foreign_key_violation, as a foreign key would say
    listed = await client.get("/v1/enrolments", params={"programme_id": p["id"]})
    assert listed.json()["items"] == []  # the two good rows of each statement were not kept either
    async with engine.begin() as conn:
        await conn.execute(INSERT, {"ids": [new_id() for _ in range(3)], "learners": learners, "programmes": [pid] * 3})
    assert len((await client.get("/v1/enrolments", params={"programme_id": p["id"]})).json()["items"]) == 3


@pytest.mark.parametrize(
    "statement",
    [
        "delete from learners where id = :learner",
        "delete from programmes where id = :programme",
        "truncate learners cascade",
        "truncate programmes cascade",
        "update learners set id = gen_random_uuid() where id = :learner",
        "update programmes set id = gen_random_uuid() where id = :programme",
        "update enrolments set learner_id = :other where programme_id = :programme",
        "update enrolments set programme_id = gen_random_uuid() where programme_id = :programme",
    ],
)
async def test_what_an_enrolment_refers_to_stays(tp, statement):
    _, client, p, learners = await setup(tp, learners=2)
    r = await client.post("/v1/enrolments", json={"learner_id": learners[0], "programme_id": p["id"]})
    assert r.status_code == 201
    with pytest.raises(DBAPIError) as caught:
        async with engine_of(tp).begin() as conn:
            await conn.execute(sa.text(statement), {"learner": learners[0], "programme": p["id"], "other": learners[1]})
    assert sqlstate(caught.value) == "23001"  # restrict_violation
    got = await client.get(f"/v1/enrolments/{r.json()['id']}")
    assert got.status_code == 200 and got.json()["learner_id"] == learners[0]
