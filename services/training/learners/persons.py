"""The person behind learner records: the platform-wide counting key (`training.persons`, docs/learners.md) — one
person per ID number, whichever organizations registered it, found or created by one statement, and released (its
keyed hash cleared, or the row deleted) when no record still holds the number."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.errors import Conflict
from chanjiao.ids import new_id
from services.training.learners.models import Person

# One statement, whatever the platform holds: the person of this number (under the current key or a previous one),
# or a new one. The same statement runs whether or not another organization registered the person, so neither the
# answer nor the work done depends on it. Under a concurrent first registration `ON CONFLICT DO NOTHING` waits for
# the other transaction; when it committed, the row is outside this statement's snapshot and `person_for` reads it.
_PERSON = sa.text(
    """
    with found as (
        select id, id_number_hash from persons where id_number_hash = any(:hashes)
        order by id_number_hash = :current desc limit 1
        for share
    ), added as (
        insert into persons (id, id_number_hash, created_at)
        select :new_id, :current, now() where not exists (select from found)
        on conflict (id_number_hash) do nothing
        returning id, id_number_hash
    )
    select id, id_number_hash from added union all select id, id_number_hash from found
    """
).bindparams(
    sa.bindparam("hashes", type_=ARRAY(sa.LargeBinary)),
    sa.bindparam("current", type_=sa.LargeBinary),
    sa.bindparam("new_id", type_=sa.Uuid),
)


async def person_for(session: AsyncSession, hashes: list[bytes]) -> uuid.UUID:
    """The person of the number (created when new); a hash under a previous key moves to the current one."""
    params = {"hashes": hashes, "current": hashes[0], "new_id": new_id()}
    row = (await session.execute(_PERSON, params)).first()
    if row is None:  # a concurrent registration created it after this statement's snapshot (and committed)
        row = (
            await session.execute(sa.select(Person.id, Person.id_number_hash).where(Person.id_number_hash.in_(hashes)))
        ).first()
        if row is None:  # pragma: no cover - created and erased between the two statements
            raise Conflict(detail_zh="请重试", detail_en="Please retry", headers={"Retry-After": "1"})
    if row.id_number_hash != hashes[0]:
        await session.execute(sa.update(Person).where(Person.id == row.id).values(id_number_hash=hashes[0]))
    return row.id


async def release(session: AsyncSession, person_id: uuid.UUID) -> None:
    """When no record of the person still holds personal data, clear the person's hash: the platform then keeps no
    keyed hash of the number at all (registering it again later starts a new person). A person no record refers to
    any more (its only record's number was corrected) is deleted. The person's row is locked first, so two
    organizations erasing their records of one person at once cannot both leave the hash behind, and a
    registration finding the person (`FOR SHARE`) waits for the decision."""
    await session.execute(sa.select(Person.id).where(Person.id == person_id).with_for_update())
    await session.execute(
        sa.text(
            """
            with held as (
                select count(*) filter (where erased_at is null and id_number_hash is not null) as live, count(*) as n
                from learners where person_id = :p
            ), cleared as (
                update persons set id_number_hash = null
                where id = :p and (select live from held) = 0 and (select n from held) > 0
            )
            delete from persons where id = :p and (select n from held) = 0
            """
        ),
        {"p": person_id},
    )
