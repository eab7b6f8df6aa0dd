"""Alliances record where they sit apart from who recognised them, whether they run as an entity, their legal
personality, and their relations to other alliances

* `alliances.region_code` becomes `seat_region_code` (所在地 — where the body sits; the API still accepts and
  answers `region_code` as its old name), with `seat_park` (the park or zone it is based on, e.g. 经济开发区);
* `entity_run` (实体化运作, default false), `legal_person_status` (none / public_institution 事业单位法人 /
  social_organization 社会团体法人 / private_non_enterprise 民办非企业单位 / enterprise 企业法人, default none)
  and `legal_person_registration_no` (only with a legal personality);
* `alliance_relations`: alliance → alliance (`sub_alliance`, `community_led_by_member` with the leading member,
  `cooperation`), `since`/`until`, soft-deleted, synced by `txid`.

Revision ID: b7d2e4f6a8c1
Revises: 5a1c7e3b9d2f
Create Date: 2026-12-03 19:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b7d2e4f6a8c1"
down_revision = "5a1c7e3b9d2f"
branch_labels = None
depends_on = None

S = "membership"
LEGAL = "'none', 'public_institution', 'social_organization', 'private_non_enterprise', 'enterprise'"
KINDS = "'sub_alliance', 'community_led_by_member', 'cooperation'"


def upgrade() -> None:
    op.execute(f"ALTER TABLE {S}.alliances RENAME COLUMN region_code TO seat_region_code")
    op.execute(f"ALTER INDEX {S}.ix_alliances_region_code RENAME TO ix_alliances_seat_region_code")
    op.execute(f"ALTER TABLE {S}.alliances ADD COLUMN seat_park text")
    op.execute(f"ALTER TABLE {S}.alliances ADD COLUMN entity_run boolean NOT NULL DEFAULT false")
    op.execute(f"ALTER TABLE {S}.alliances ADD COLUMN legal_person_status text NOT NULL DEFAULT 'none'")
    op.execute(f"ALTER TABLE {S}.alliances ADD COLUMN legal_person_registration_no text")
    op.execute(
        f"ALTER TABLE {S}.alliances ADD CONSTRAINT ck_alliances_legal_person_status "
        f"CHECK (legal_person_status in ({LEGAL}))"
    )
    op.execute(
        f"ALTER TABLE {S}.alliances ADD CONSTRAINT ck_alliances_registration_needs_legal_person "
        "CHECK (legal_person_status <> 'none' or legal_person_registration_no is null)"
    )
    op.create_table(
        "alliance_relations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=False),
        sa.Column("related_alliance_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("lead_org_id", sa.Uuid(), nullable=True),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"kind in ({KINDS})", name=op.f("ck_alliance_relations_kind")),
        sa.CheckConstraint("alliance_id <> related_alliance_id", name=op.f("ck_alliance_relations_not_itself")),
        sa.CheckConstraint(
            "until is null or since is null or since <= until", name=op.f("ck_alliance_relations_period")
        ),
        sa.ForeignKeyConstraint(
            ["alliance_id"], [f"{S}.alliances.id"], name=op.f("fk_alliance_relations_alliance_id_alliances")
        ),
        sa.ForeignKeyConstraint(
            ["related_alliance_id"],
            [f"{S}.alliances.id"],
            name=op.f("fk_alliance_relations_related_alliance_id_alliances"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_org_id"], [f"{S}.organizations.id"], name=op.f("fk_alliance_relations_lead_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alliance_relations")),
        schema=S,
    )
    op.create_index("ix_alliance_relations_alliance_id", "alliance_relations", ["alliance_id", "id"], schema=S)
    op.create_index(
        "ix_alliance_relations_related_alliance_id", "alliance_relations", ["related_alliance_id", "id"], schema=S
    )
    op.create_index(
        "uq_alliance_relations_pair",
        "alliance_relations",
        ["alliance_id", "related_alliance_id", "kind"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("deleted_at is null"),
    )
    op.execute(f"ALTER TABLE {S}.alliance_relations ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
    op.execute(f"CREATE INDEX ix_alliance_relations_txid ON {S}.alliance_relations (txid, id)")
    op.execute(
        f"CREATE TRIGGER alliance_relations_txid BEFORE INSERT OR UPDATE ON {S}.alliance_relations "
        f"FOR EACH ROW EXECUTE FUNCTION {S}.set_txid()"
    )


def downgrade() -> None:
    op.drop_table("alliance_relations", schema=S)
    for name in ("registration_needs_legal_person", "legal_person_status"):
        op.execute(f"ALTER TABLE {S}.alliances DROP CONSTRAINT ck_alliances_{name}")
    for column in ("legal_person_registration_no", "legal_person_status", "entity_run", "seat_park"):
        op.execute(f"ALTER TABLE {S}.alliances DROP COLUMN {column}")
    op.execute(f"ALTER INDEX {S}.ix_alliances_seat_region_code RENAME TO ix_alliances_region_code")
    op.execute(f"ALTER TABLE {S}.alliances RENAME COLUMN seat_region_code TO region_code")
