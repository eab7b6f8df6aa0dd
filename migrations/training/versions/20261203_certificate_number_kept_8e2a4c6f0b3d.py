"""A certificate number that carries a resident ID number is kept like one: masked in `number`, unique by its keyed
hash in `number_key`, whole only as ciphertext in `number_ciphertext` (services/training/certificates/numbers.py).

Existing rows are converted with the service's own keys (its settings, as the service reads them): a number with an
ID-number run gets its masked form, keyed hash and ciphertext, and the clear number is replaced by the masked one in
its verification snapshot (the signed answer is dropped, to be signed again on the next read), its audit rows and
its events. Every other number keys itself.

Revision ID: 8e2a4c6f0b3d
Revises: 6c8e0a2b4d1f
Create Date: 2026-12-03 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "8e2a4c6f0b3d"
down_revision = "6c8e0a2b4d1f"
branch_labels = None
depends_on = None

SCHEMA = "training"
# The rows whose number holds a resident-ID-shaped run (chanjiao/validators/id_card.py, `mask_id_numbers_in`).
ID_RUN = "(^|[^0-9])[0-9]{17}[0-9Xx]($|[^0-9A-Za-z])"


def _convert_id_numbers() -> None:
    from services.training.certificates.numbers import Numbers
    from services.training.settings import TrainingSettings

    conn = op.get_bind()
    rows = conn.execute(sa.text("select id, number from training.certificates where number ~ :run"), {"run": ID_RUN})
    found = rows.all()
    if not found:
        return
    numbers = Numbers(TrainingSettings())
    for certificate_id, clear in found:
        kept = numbers.keep(clear)
        if not kept.sealed:
            continue
        args = {"id": certificate_id, "clear": clear, "shown": kept.number}
        conn.execute(
            sa.text(
                "update training.certificates set number = :shown, number_key = :key, number_ciphertext = :sealed "
                "where id = :id"
            ),
            args | {"key": kept.key, "sealed": numbers.seal(clear, certificate_id)},
        )
        conn.execute(
            sa.text(
                "update training.certificate_verifications set snapshot = jsonb_set(snapshot, '{number}', "
                "to_jsonb(cast(:shown as text))), body = null, etag = null, signed_status = null, checked_on = null, "
                "signed_at = null where certificate_id = :id"
            ),
            args,
        )
        conn.execute(
            sa.text(
                "update training.audit_log set diff = cast(replace(cast(diff as text), :clear, :shown) as jsonb) "
                "where entity = 'certificate' and entity_id = :id"
            ),
            args,
        )
        conn.execute(
            sa.text(
                "update training.outbox set payload = cast(replace(cast(payload as text), :clear, :shown) as jsonb) "
                "where aggregate_type = 'certificate' and aggregate_id = :id"
            ),
            args,
        )


def upgrade() -> None:
    op.add_column("certificates", sa.Column("number_key", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column("certificates", sa.Column("number_ciphertext", sa.LargeBinary(), nullable=True), schema=SCHEMA)
    _convert_id_numbers()
    op.execute("update training.certificates set number_key = number where number_key is null")
    op.alter_column("certificates", "number_key", nullable=False, schema=SCHEMA)
    op.drop_index("uq_certificates_issuer_number", table_name="certificates", schema=SCHEMA)
    op.drop_index("uq_certificates_recorded_number", table_name="certificates", schema=SCHEMA)
    op.create_index(
        "uq_certificates_issuer_number",
        "certificates",
        ["issuer_org_id", "number_key"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("not recorded"),
    )
    op.create_index(
        "uq_certificates_recorded_number",
        "certificates",
        ["holder_org_id", "issuer_name", "number_key"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("recorded"),
    )
    op.create_check_constraint(
        op.f("ck_certificates_number_kept"),
        "certificates",
        "(number_ciphertext is null and number_key = number) "
        "or (number_ciphertext is not null and number_key like 'hmac:%')",
        schema=SCHEMA,
    )


def downgrade() -> None:
    # A masked number cannot be unmasked here: the downgrade keeps the masked form (the ciphertext is dropped).
    op.drop_constraint(op.f("ck_certificates_number_kept"), "certificates", schema=SCHEMA)
    op.drop_index("uq_certificates_recorded_number", table_name="certificates", schema=SCHEMA)
    op.drop_index("uq_certificates_issuer_number", table_name="certificates", schema=SCHEMA)
    op.create_index(
        "uq_certificates_issuer_number",
        "certificates",
        ["issuer_org_id", "number"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("not recorded"),
    )
    op.create_index(
        "uq_certificates_recorded_number",
        "certificates",
        ["holder_org_id", "issuer_name", "number"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("recorded"),
    )
    op.drop_column("certificates", "number_ciphertext", schema=SCHEMA)
    op.drop_column("certificates", "number_key", schema=SCHEMA)
