"""Certificates 证书 — the tables: the certificate, its reviews (复审), its status actions and its public
verification answer. Nothing here is ever deleted: a certificate ends by expiry, suspension or revocation, and a
renewal or replacement is a new certificate that `replaces` the old one (docs/domain.md, "Certificates")."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from services.training.certificates.rules import CertificateKind, IssuerAuthority, StoredStatus
from services.training.db import Base


def _values(enum: Any) -> str:
    return ", ".join(f"'{v.value}'" for v in enum)


class Certificate(Base, table=True):
    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint(f"kind in ({_values(CertificateKind)})", name="kind"),
        sa.CheckConstraint(f"issuer_authority in ({_values(IssuerAuthority)})", name="issuer_authority"),
        sa.CheckConstraint(f"status in ({_values(StoredStatus)})", name="status"),
        sa.CheckConstraint("num_nonnulls(learner_id, person_id) = 1", name="holder"),
        # Issued on the platform: by the organization that holds the learner or person, as that organization.
        sa.CheckConstraint(
            "recorded or (issuer_authority = 'platform_org' and issuer_org_id = holder_org_id)", name="issued_by_holder"
        ),
        sa.CheckConstraint("valid_until is null or valid_until >= issued_on", name="validity"),
        sa.CheckConstraint("next_review_on is null or next_review_on >= issued_on", name="review_date"),
        sa.CheckConstraint("(status = 'active') = (status_reason is null)", name="status_reason"),
        sa.CheckConstraint("replaces_id is null or replaces_id <> id", name="replaces_other"),
        sa.CheckConstraint(
            "(number_ciphertext is null and number_key = number)"
            " or (number_ciphertext is not null and number_key like 'hmac:%')",
            name="number_kept",
        ),
        # A number is unique per issuer: per issuing organization for issued certificates, per outside issuer's
        # name within the recording organization for recorded ones.
        # `number_key`: the number, or its keyed hash when it carries a resident ID number (numbers.py).
        sa.Index(
            "uq_certificates_issuer_number",
            "issuer_org_id",
            "number_key",
            unique=True,
            postgresql_where=sa.text("not recorded"),
        ),
        sa.Index(
            "uq_certificates_recorded_number",
            "holder_org_id",
            "issuer_name",
            "number_key",
            unique=True,
            postgresql_where=sa.text("recorded"),
        ),
        sa.Index(
            "uq_certificates_replaces_id",
            "replaces_id",
            unique=True,
            postgresql_where=sa.text("replaces_id is not null"),
        ),
        # Mostly NULL columns index only the rows with a value (every query on them asks for one).
        sa.Index("ix_certificates_holder_org_id", "holder_org_id", "id"),
        sa.Index("ix_certificates_learner_id", "learner_id", postgresql_where=sa.text("learner_id is not null")),
        sa.Index("ix_certificates_person_id", "person_id", postgresql_where=sa.text("person_id is not null")),
        sa.Index("ix_certificates_updated_at", "updated_at", "id"),
        sa.Index("ix_certificates_valid_until", "valid_until", postgresql_where=sa.text("valid_until is not null")),
        sa.Index(
            "ix_certificates_next_review_on", "next_review_on", postgresql_where=sa.text("next_review_on is not null")
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # As it may be shown: a resident ID number inside it masked (numbers.py).
    number: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # What the number is unique by: the number, or `hmac:` + its keyed hash when it carries an ID number.
    number_key: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # The whole number, encrypted, when it carries an ID number (else NULL); it never leaves the service.
    number_ciphertext: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    # Recorded, not issued by the platform: an outside authority issued it and a school or employer recorded it.
    recorded: bool = Field(sa_column=sa.Column(sa.Boolean, nullable=False))
    issuer_authority: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # The issuing organization when it is on the platform (always, for an issued certificate).
    issuer_org_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    # The issuer's name as shown on the certificate (the organization's name at issue, or the outside authority's).
    issuer_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    # The organization whose learner or person holds the certificate: only its principals see and write it.
    holder_org_id: uuid.UUID = Field(sa_column=sa.Column(sa.Uuid, nullable=False))
    # The holder: a learner record of the holder organization, or a person (staff) of the membership service of the
    # holder organization (plain uuid: no cross-service foreign key). Exactly one is set.
    learner_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.learners.id"), nullable=True)
    )
    person_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    # The holder's name when the certificate was issued or recorded (what the certificate says).
    holder_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    occupation_name: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    occupation_code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    level: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    issued_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    # The last day it is valid; defaulted from the kind (services/training/certificates/rules.py), overridable.
    valid_until: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    # When the next review (复审) is due; defaulted from the kind, moved by each passed review.
    next_review_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    programme_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.programmes.id"), nullable=True)
    )
    appraisal_id: uuid.UUID | None = Field(default=None, sa_column=sa.Column(sa.Uuid, nullable=True))
    # The stored status (rules.StoredStatus); what a client sees is derived from it and the dates when read.
    status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status_reason: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    status_changed_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    # The certificate this one renews or replaces (换证/补证); each is replaced at most once.
    replaces_id: uuid.UUID | None = Field(
        default=None, sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.certificates.id"), nullable=True)
    )
    # What the recording organization holds as proof (a file reference or a link).
    evidence: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    version: int = Field(default=1, sa_column=sa.Column(sa.Integer, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class CertificateReview(Base, table=True):
    """One review (复审) of a certificate: its history is kept in full."""

    __tablename__ = "certificate_reviews"
    __table_args__ = (
        sa.CheckConstraint("result in ('pass', 'fail')", name="result"),
        sa.Index("ix_certificate_reviews_certificate_id", "certificate_id", "reviewed_on"),
    )

    id: uuid.UUID = Field(primary_key=True)
    certificate_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.certificates.id"), nullable=False)
    )
    reviewed_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    result: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    next_due_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    note: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    actor: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class CertificateStatusChange(Base, table=True):
    """One change of the stored status — a suspension, a revocation, a reinstatement, or a suspension or expiry by
    a failed review — with its actor, day and reason."""

    __tablename__ = "certificate_status_changes"
    __table_args__ = (
        sa.CheckConstraint("action in ('suspension', 'revocation', 'reinstatement', 'failed_review')", name="action"),
        sa.Index("ix_certificate_status_changes_certificate_id", "certificate_id", "created_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    certificate_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.certificates.id"), nullable=False)
    )
    action: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    from_status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    to_status: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    reason: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    effective_on: date = Field(sa_column=sa.Column(sa.Date, nullable=False))
    actor: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class CertificateVerification(Base, table=True):
    """The public verification answer of one certificate: found by the hash of its code, built from the snapshot
    taken at issue (so it outlives the learner record's erasure), signed, and re-signed only when what it says
    changes (its status, or the day it was checked)."""

    __tablename__ = "certificate_verifications"
    __table_args__ = (sa.UniqueConstraint("code_hash", name="uq_certificate_verifications_code_hash"),)

    certificate_id: uuid.UUID = Field(
        sa_column=sa.Column(sa.Uuid, sa.ForeignKey("training.certificates.id"), primary_key=True)
    )
    # SHA-256 of the verification code (≥ 128 random bits); the code itself only as AES-GCM ciphertext bound to
    # the certificate, shown to the holder organization (QR code), never stored in clear.
    code_hash: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    code_ciphertext: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    # The public facts as issued (issuer, kind, level, occupation, dates, masked holder name, recorded or issued).
    snapshot: dict[str, Any] = Field(sa_column=sa.Column(JSONB, nullable=False))
    # The signed answer as served (canonical JSON bytes with signature and key id), what it said and for which day.
    body: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    etag: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    signed_status: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    checked_on: date | None = Field(default=None, sa_column=sa.Column(sa.Date, nullable=True))
    signed_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True), nullable=True))
