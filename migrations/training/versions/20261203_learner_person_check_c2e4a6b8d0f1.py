"""Learners' person checked per statement, not per row

The foreign key `learners.person_id → persons` checked each inserted row with a query of its own that also locked
the person's row (`FOR KEY SHARE`): about a tenth of the database's time of a 1000-learner batch
(docs/benchmarks.md, "Learner batch"). It is replaced by the same guarantee, checked set-based:

* AFTER INSERT and AFTER UPDATE triggers on `learners`, once per statement, look up the new rows' persons (one
  anti-join over the transition table) and raise `foreign_key_violation` (23503) when one is missing;
* a person a learner record refers to cannot be deleted (BEFORE DELETE, per row: persons are deleted one at a time,
  when their last record's number was corrected — services/training/learners/service.py `_release_person`), nor
  truncated, and a person's `id` never changes.

Every write that ties a record to a person has found that person `FOR SHARE` (or created it) in the same
transaction, so a concurrent deletion waits for it and then sees the record. A reference that existed when its
record was written therefore exists for as long as the record refers to it, as with the foreign key.

Revision ID: c2e4a6b8d0f1
Revises: 3e8a1c5f7b2d
Create Date: 2026-12-03 10:50:00
"""

from alembic import op

revision = "c2e4a6b8d0f1"
down_revision = "3e8a1c5f7b2d"
branch_labels = None
depends_on = None

SCHEMA = "training"


def _run(sql: str) -> None:
    """Several statements, one `op.execute` each (asyncpg prepares one command at a time); a statement ends with a
    semicolon at the end of a line, outside `$$` bodies."""
    statement: list[str] = []
    quoted = False
    for line in sql.strip().splitlines():
        statement.append(line)
        quoted ^= line.count("$$") % 2 == 1
        if not quoted and line.rstrip().endswith(";"):
            op.execute("\n".join(statement))
            statement = []


def upgrade() -> None:
    op.drop_constraint("fk_learners_person_id_persons", "learners", schema=SCHEMA, type_="foreignkey")
    _run(
        f"""
        create function {SCHEMA}.learners_person_exists() returns trigger language plpgsql as $$
        begin
            if exists (select from new_rows n
                       where not exists (select from {SCHEMA}.persons p where p.id = n.person_id)) then
                raise foreign_key_violation using
                    message = 'learners.person_id refers to no person', table = 'learners', column = 'person_id';
            end if;
            return null;
        end $$;

        create trigger learners_person_exists_insert after insert on {SCHEMA}.learners
            referencing new table as new_rows
            for each statement execute function {SCHEMA}.learners_person_exists();

        create trigger learners_person_exists_update after update on {SCHEMA}.learners
            referencing new table as new_rows
            for each statement execute function {SCHEMA}.learners_person_exists();

        create function {SCHEMA}.persons_unreferenced() returns trigger language plpgsql as $$
        begin
            if tg_op <> 'DELETE' then
                raise exception using errcode = 'restrict_violation',
                    message = 'persons are not truncated and their id never changes';
            end if;
            if exists (select from {SCHEMA}.learners l where l.person_id = old.id) then
                raise foreign_key_violation using
                    message = 'a learner record refers to this person', table = 'persons', column = 'id';
            end if;
            return old;
        end $$;

        create trigger persons_unreferenced before delete on {SCHEMA}.persons
            for each row execute function {SCHEMA}.persons_unreferenced();

        create trigger persons_id_fixed before update on {SCHEMA}.persons
            for each row when (old.id is distinct from new.id)
            execute function {SCHEMA}.persons_unreferenced();

        create trigger persons_never_truncated before truncate on {SCHEMA}.persons
            for each statement execute function {SCHEMA}.persons_unreferenced();
        """
    )


def downgrade() -> None:
    _run(
        f"""
        drop trigger persons_never_truncated on {SCHEMA}.persons;
        drop trigger persons_id_fixed on {SCHEMA}.persons;
        drop trigger persons_unreferenced on {SCHEMA}.persons;
        drop function {SCHEMA}.persons_unreferenced();
        drop trigger learners_person_exists_update on {SCHEMA}.learners;
        drop trigger learners_person_exists_insert on {SCHEMA}.learners;
        drop function {SCHEMA}.learners_person_exists();
        """
    )
    op.create_foreign_key(
        "fk_learners_person_id_persons",
        "learners",
        "persons",
        ["person_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
