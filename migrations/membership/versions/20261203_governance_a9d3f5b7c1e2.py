"""Governance: meetings of an alliance's bodies, its other activities and the duties it assigns; a membership event
names the meeting and resolution that decided it

Meetings, activities and duties sync by a trigger-written `txid` (chanjiao/sync.py; the function
`membership.set_txid()` of `20261203_sync_txid_8d2f4a6c1e3b.py`). `membership_events.meeting_id` and
`resolution_no` are new, empty on existing events.

Revision ID: a9d3f5b7c1e2
Revises: 5d7f9b1c3e8a
Create Date: 2026-12-03 19:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "a9d3f5b7c1e2"
down_revision = "5d7f9b1c3e8a"
branch_labels = None
depends_on = None

S = "membership"
SYNCED = ("meetings", "activities", "duties")


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=False),
        sa.Column("committee_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("quorum_rule", sa.Text(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column("quorum_base", sa.Integer(), nullable=False),
        sa.Column("quorum_base_source", sa.Text(), nullable=False),
        sa.Column("present_count", sa.Integer(), nullable=False),
        sa.Column("quorum_met", sa.Boolean(), nullable=False),
        sa.Column("attendees", postgresql.JSONB(), server_default="[]", nullable=False),
        sa.Column("agenda", postgresql.JSONB(), server_default="[]", nullable=False),
        sa.Column("resolutions", postgresql.JSONB(), server_default="[]", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        *_stamps(),
        sa.CheckConstraint(
            "kind in ('general_assembly', 'council', 'standing_council', 'committee', 'secretariat', 'other')",
            name=op.f("ck_meetings_kind"),
        ),
        sa.CheckConstraint(
            "quorum_rule in ('more_than_half', 'two_thirds', 'none')", name=op.f("ck_meetings_quorum_rule")
        ),
        sa.CheckConstraint(
            "quorum_base_source in ('stated', 'seats', 'roll')", name=op.f("ck_meetings_quorum_base_source")
        ),
        sa.ForeignKeyConstraint(["alliance_id"], [f"{S}.alliances.id"], name=op.f("fk_meetings_alliance_id_alliances")),
        sa.ForeignKeyConstraint(
            ["committee_id"], [f"{S}.committees.id"], name=op.f("fk_meetings_committee_id_committees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        schema=S,
    )
    op.create_index("ix_meetings_alliance_held", "meetings", ["alliance_id", "held_on", "id"], schema=S)
    op.create_index("ix_meetings_committee", "meetings", ["committee_id", "held_on"], schema=S)
    op.create_table(
        "activities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("host_org_id", sa.Uuid(), nullable=True),
        sa.Column("co_organizer_org_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("participant_org_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        *_stamps(),
        sa.CheckConstraint(
            "kind in ('conference', 'lecture', 'visit', 'training', 'competition', 'signing', 'other')",
            name=op.f("ck_activities_kind"),
        ),
        sa.CheckConstraint("end_on is null or end_on >= held_on", name=op.f("ck_activities_period")),
        sa.CheckConstraint("headcount is null or headcount >= 0", name=op.f("ck_activities_headcount")),
        sa.ForeignKeyConstraint(
            ["alliance_id"], [f"{S}.alliances.id"], name=op.f("fk_activities_alliance_id_alliances")
        ),
        sa.ForeignKeyConstraint(
            ["host_org_id"], [f"{S}.organizations.id"], name=op.f("fk_activities_host_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        schema=S,
    )
    op.create_index("ix_activities_alliance_held", "activities", ["alliance_id", "held_on", "id"], schema=S)
    op.create_table(
        "duties",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("alliance_id", sa.Uuid(), nullable=False),
        sa.Column("committee_id", sa.Uuid(), nullable=True),
        sa.Column("seat_role", sa.Text(), nullable=True),
        sa.Column("assignee_org_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("deliverable", sa.Text(), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("submission", sa.Text(), nullable=True),
        sa.Column("review", sa.Text(), nullable=True),
        *_stamps(),
        sa.CheckConstraint(
            "status in ('assigned', 'submitted', 'accepted', 'returned')", name=op.f("ck_duties_status")
        ),
        sa.CheckConstraint("due_on >= assigned_on", name=op.f("ck_duties_period")),
        sa.ForeignKeyConstraint(["alliance_id"], [f"{S}.alliances.id"], name=op.f("fk_duties_alliance_id_alliances")),
        sa.ForeignKeyConstraint(
            ["committee_id"], [f"{S}.committees.id"], name=op.f("fk_duties_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_org_id"], [f"{S}.organizations.id"], name=op.f("fk_duties_assignee_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duties")),
        schema=S,
    )
    op.create_index("ix_duties_alliance_due", "duties", ["alliance_id", "due_on", "id"], schema=S)
    op.create_index("ix_duties_assignee", "duties", ["assignee_org_id", "id"], schema=S)
    for table in SYNCED:
        op.execute(f"ALTER TABLE {S}.{table} ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
        op.execute(f"CREATE INDEX ix_{table}_txid ON {S}.{table} (txid, id)")
        op.execute(
            f"CREATE TRIGGER {table}_txid BEFORE INSERT OR UPDATE ON {S}.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION {S}.set_txid()"
        )
    op.add_column("membership_events", sa.Column("meeting_id", sa.Uuid(), nullable=True), schema=S)
    op.add_column("membership_events", sa.Column("resolution_no", sa.Integer(), nullable=True), schema=S)
    op.create_foreign_key(
        op.f("fk_membership_events_meeting_id_meetings"),
        "membership_events",
        "meetings",
        ["meeting_id"],
        ["id"],
        source_schema=S,
        referent_schema=S,
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_membership_events_meeting_id_meetings"), "membership_events", schema=S)
    op.drop_column("membership_events", "resolution_no", schema=S)
    op.drop_column("membership_events", "meeting_id", schema=S)
    for table in ("duties", "activities", "meetings"):
        op.drop_table(table, schema=S)
