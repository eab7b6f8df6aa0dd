"""Migration 8e2a4c6f0b3d on existing certificates: a number carrying a resident ID number gets its masked form,
keyed hash and ciphertext, and the clear number leaves its verification snapshot (the signed answer dropped), its
audit rows and its events; every other number keys itself, and the numbers stay unique per issuer."""

import json
import uuid

import asyncpg
import pytest

from services.training.certificates.numbers import Numbers, number_context
from services.training.settings import TrainingSettings
from tests.conftest import alembic
from tests.training.test_learners_api import resident_id

BEFORE = "6c8e0a2b4d1f"  # the training revision before certificate numbers were kept like ID numbers


async def _certificate(conn, number: str, issuer: uuid.UUID, *, keyed: bool = False) -> uuid.UUID:
    """A certificate as the revision before wrote it (`keyed`: as the migrated table takes it, its number its key)."""
    cid = uuid.uuid4()
    key = ", number_key" if keyed else ""
    await conn.execute(
        f"insert into training.certificates (id, kind, number, recorded, issuer_authority, issuer_org_id, issuer_name,"
        f" holder_org_id, person_id, holder_name, occupation_name, issued_on, status, version, created_at, updated_at"
        f"{key}) values ($1, 'special_operations', $2, false, 'platform_org', $3, '潍坊职业学院', $3, $4, '张三明',"
        f" '低压电工作业', '2024-03-01', 'active', 1, now(), now(){', $2' if keyed else ''})",
        cid,
        number,
        issuer,
        uuid.uuid4(),
    )
    await conn.execute(
        "insert into training.certificate_verifications (certificate_id, code_hash, code_ciphertext, snapshot, body,"
        " etag) values ($1, $2, 'x', $3, 'signed', 'W/\"1\"')",
        cid,
        uuid.uuid4().bytes,
        json.dumps({"certificate_id": str(cid), "number": number, "kind": "special_operations"}),
    )
    diff = json.dumps({"number": [None, number], "kind": [None, "special_operations"]})
    await conn.execute(
        "insert into training.audit_log (id, entity, entity_id, action, actor, diff) values ($1, 'certificate', $2,"
        " 'create', 'user:x', $3)",
        uuid.uuid4(),
        cid,
        diff,
    )
    await conn.execute(
        "insert into training.outbox (event_id, type, aggregate_type, aggregate_id, seq, occurred_at, actor,"
        " schema_version, payload) values ($1, 'certificate.issued', 'certificate', $2, 1, now(), 'user:x', 1, $3)",
        uuid.uuid4(),
        cid,
        json.dumps({"id": str(cid), "number": number}),
    )
    return cid


async def test_existing_id_numbers_are_masked_hashed_and_sealed(database):
    alembic(database, "training", "downgrade", BEFORE)
    conn = await asyncpg.connect(database.admin_url)
    try:
        issuer = uuid.uuid4()
        id_number = resident_id(1986, "male")
        sealed = await _certificate(conn, f"T{id_number}", issuer)
        plain = await _certificate(conn, "T20240301-0042", issuer)

        alembic(database, "training", "upgrade", "head")

        rows = {
            r["id"]: r
            for r in await conn.fetch("select id, number, number_key, number_ciphertext from training.certificates")
        }
        shown = f"T{id_number[:4]}{'*' * 12}{id_number[-2:]}"
        assert rows[sealed]["number"] == shown and rows[sealed]["number_key"].startswith("hmac:")
        numbers = Numbers(TrainingSettings())
        assert numbers.cipher.decrypt(rows[sealed]["number_ciphertext"], context=number_context(sealed)) == (
            f"T{id_number}"
        )
        assert rows[sealed]["number_key"] == numbers.keep(f"T{id_number}").key
        assert (rows[plain]["number"], rows[plain]["number_key"], rows[plain]["number_ciphertext"]) == (
            "T20240301-0042",
            "T20240301-0042",
            None,
        )
        everything = await conn.fetchval(
            "select string_agg(t, ' ') from (select snapshot::text as t from training.certificate_verifications"
            " union all select diff::text from training.audit_log union all select payload::text from training.outbox)"
            " x"
        )
        assert id_number not in everything and shown in everything
        body = await conn.fetchrow(
            "select body, etag, snapshot from training.certificate_verifications where certificate_id = $1", sealed
        )
        assert (body["body"], body["etag"]) == (None, None)  # signed again, masked, on the next read
        # still unique per issuer, by the whole number
        with pytest.raises(asyncpg.UniqueViolationError):
            await _certificate(conn, "T20240301-0042", issuer, keyed=True)
    finally:
        await conn.close()
