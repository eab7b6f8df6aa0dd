"""Enrolments' references checked per statement, not per row

The two foreign keys of `enrolments` (→ learners, → programmes) checked each inserted row with a query of its
own that also locked the learner's and the programme's row (`FOR KEY SHARE`: a write to the learner's page per
enrolment). For a batch of 1000 enrolments that was about a fifth of the database's time (docs/benchmarks.md,
"batch ingestion"). They are replaced by the same guarantee, checked set-based:

* an AFTER INSERT trigger, once per statement, looks up the inserted rows' learners and programmes (one
  anti-join over the transition table) and raises `foreign_key_violation` (23503) when one is missing;
* an enrolment's `learner_id` and `programme_id` never change (BEFORE UPDATE, only when one of them differs);
* learners and programmes are never deleted — they are soft-deleted, and an erased learner is anonymised in
  place (docs/learners.md) — so DELETE and TRUNCATE on them are refused, and their `id` never changes.

A reference that existed when its enrolment was written therefore exists for ever, as with the foreign keys.

Revision ID: e5a7c9e1f3b5
Revises: d4f6b8c0e2a4
Create Date: 2026-11-25 17:10:00
"""

from alembic import op

revision = "e5a7c9e1f3b5"
down_revision = "d4f6b8c0e2a4"
branch_labels = None
depends_on = None

SCHEMA = "training"
KEPT = ("learners", "programmes")


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
    op.drop_constraint("fk_enrolments_learner_id_learners", "enrolments", schema=SCHEMA, type_="foreignkey")
    op.drop_constraint("fk_enrolments_programme_id_programmes", "enrolments", schema=SCHEMA, type_="foreignkey")
    _run(
        f"""
        create function {SCHEMA}.enrolments_references_exist() returns trigger language plpgsql as $$
        begin
            if exists (select from new_rows n
                       where not exists (select from {SCHEMA}.learners l where l.id = n.learner_id)) then
                raise foreign_key_violation using
                    message = 'enrolments.learner_id refers to no learner',
                    table = 'enrolments', column = 'learner_id';
            end if;
            if exists (select from new_rows n
                       where not exists (select from {SCHEMA}.programmes p where p.id = n.programme_id)) then
                raise foreign_key_violation using
                    message = 'enrolments.programme_id refers to no programme',
                    table = 'enrolments', column = 'programme_id';
            end if;
            return null;
        end $$;

        create trigger enrolments_references_exist after insert on {SCHEMA}.enrolments
            referencing new table as new_rows
            for each statement execute function {SCHEMA}.enrolments_references_exist();

        create function {SCHEMA}.refuse_reference_change() returns trigger language plpgsql as $$
        begin
            raise exception using errcode = 'restrict_violation',
                message = 'enrolments.learner_id and programme_id never change';
        end $$;

        create trigger enrolments_references_fixed before update on {SCHEMA}.enrolments
            for each row
            when (old.learner_id is distinct from new.learner_id or old.programme_id is distinct from new.programme_id)
            execute function {SCHEMA}.refuse_reference_change();
        """
    )
    for table in KEPT:
        _run(
            f"""
            create function {SCHEMA}.refuse_{table}_removal() returns trigger language plpgsql as $$
            begin
                raise exception using errcode = 'restrict_violation',
                    message = '{table} are never deleted (soft delete, or erasure in place); their id never changes';
            end $$;
            create trigger {table}_never_deleted before delete on {SCHEMA}.{table}
                for each statement execute function {SCHEMA}.refuse_{table}_removal();
            create trigger {table}_never_truncated before truncate on {SCHEMA}.{table}
                for each statement execute function {SCHEMA}.refuse_{table}_removal();
            create trigger {table}_id_fixed before update on {SCHEMA}.{table}
                for each row when (old.id is distinct from new.id)
                execute function {SCHEMA}.refuse_{table}_removal();
            """
        )


def downgrade() -> None:
    for table in KEPT:
        _run(
            f"""
            drop trigger {table}_id_fixed on {SCHEMA}.{table};
            drop trigger {table}_never_truncated on {SCHEMA}.{table};
            drop trigger {table}_never_deleted on {SCHEMA}.{table};
            drop function {SCHEMA}.refuse_{table}_removal();
            """
        )
    _run(
        f"""
        drop trigger enrolments_references_fixed on {SCHEMA}.enrolments;
        drop function {SCHEMA}.refuse_reference_change();
        drop trigger enrolments_references_exist on {SCHEMA}.enrolments;
        drop function {SCHEMA}.enrolments_references_exist();
        """
    )
    op.create_foreign_key(
        "fk_enrolments_learner_id_learners",
        "enrolments",
        "learners",
        ["learner_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
    op.create_foreign_key(
        "fk_enrolments_programme_id_programmes",
        "enrolments",
        "programmes",
        ["programme_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
