"""The certificates' indexes on columns that are mostly NULL (the replaced certificate, the learner or the person —
one of the two is always NULL —, the expiry and the review date, which many kinds have none of) index only the rows
that have a value: each query on them asks for a value, so none is slower, and a certificate written updates up to
four fewer indexes (docs/benchmarks.md, "Certificate import").

Revision ID: 9c4e6a8b0d2f
Revises: 8e2a4c6f0b3d
Create Date: 2026-12-03 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "9c4e6a8b0d2f"
down_revision = "8e2a4c6f0b3d"
branch_labels = None
depends_on = None

SCHEMA = "training"
# index → (columns, unique)
INDEXES = {
    "uq_certificates_replaces_id": (["replaces_id"], True),
    "ix_certificates_learner_id": (["learner_id"], False),
    "ix_certificates_person_id": (["person_id"], False),
    "ix_certificates_valid_until": (["valid_until"], False),
    "ix_certificates_next_review_on": (["next_review_on"], False),
}


def _recreate(partial: bool) -> None:
    for name, (columns, unique) in INDEXES.items():
        op.drop_index(name, table_name="certificates", schema=SCHEMA)
        where = sa.text(f"{columns[0]} is not null") if partial else None
        op.create_index(name, "certificates", columns, unique=unique, schema=SCHEMA, postgresql_where=where)


def upgrade() -> None:
    _recreate(partial=True)


def downgrade() -> None:
    _recreate(partial=False)
