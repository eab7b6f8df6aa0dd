"""A certificate number that carries its holder's resident ID number is kept like one (docs/security.md, "Personal
data at rest"): masked in the stored number, in every audit row, event and verification snapshot; unique by its keyed
hash (so two holders whose masked numbers look alike are both accepted, and the same number twice is refused, by the
single routes and the batch alike); whole only as ciphertext bound to the certificate."""

import uuid

import pytest

from services.training.certificates.numbers import Numbers, number_context
from tests.training.certificate_support import RECORD, new_world, record_body
from tests.training.practice_support import sql
from tests.training.test_learners_api import resident_id

BATCH = "/v1/certificates/batch"


@pytest.fixture(scope="module")
async def w(tp, database):
    return await new_world(tp, database)


def masked(n: str) -> str:
    return f"{n[:4]}{'*' * 12}{n[-2:]}"


def twin(n: str) -> str:
    """Another valid ID number with the same masked form (same first four and last two characters)."""
    from chanjiao.validators.id_card import compute_check_digit

    for order in range(1000):
        body = n[:14] + f"{order:03d}"
        other = body + compute_check_digit(body)
        if other != n and other[-2:] == n[-2:]:
            return other
    raise AssertionError("no twin")


async def _everything_written_about(database, certificate_id: str) -> str:
    rows = await sql(
        database,
        "select c.number::text || ' ' || c.number_key || ' ' || v.snapshot::text || ' ' ||"
        " coalesce((select string_agg(diff::text, ' ') from training.audit_log where entity_id = c.id), '') || ' ' ||"
        " coalesce((select string_agg(payload::text, ' ') from training.outbox where aggregate_id = c.id), '')"
        " as text from training.certificates c join training.certificate_verifications v on v.certificate_id = c.id"
        " where c.id = $1",
        uuid.UUID(certificate_id),
    )
    return rows[0]["text"]


async def test_an_id_number_in_a_certificate_number_is_never_stored_in_clear(tp, w, database):
    # seed 000「应急局特种作业（安全管理、电工、电焊工等）」: a 特种作业操作证 is numbered with its holder's ID number.
    id_number = resident_id(1988, "male")
    enterprise = tp.as_org(w["enterprise"])
    r = await enterprise.post(RECORD, json=record_body(w, number=f"T{id_number}"))
    assert r.status_code == 201, r.text
    cert = r.json()
    assert cert["number"] == f"T{masked(id_number)}"
    written = await _everything_written_about(database, cert["id"])
    assert id_number not in written and id_number[6:14] not in written  # not even the birth date
    assert written.count(f"T{masked(id_number)}") >= 3  # the row, the snapshot, the audit row, the event
    row = (
        await sql(
            database,
            "select number, number_key, number_ciphertext from training.certificates where id = $1",
            uuid.UUID(cert["id"]),
        )
    )[0]
    assert row["number"] == f"T{masked(id_number)}" and row["number_key"].startswith("hmac:")
    settings = tp.platform.upstreams["training"].app.state.settings
    cipher = Numbers(settings).cipher
    assert cipher.decrypt(row["number_ciphertext"], context=number_context(uuid.UUID(cert["id"]))) == f"T{id_number}"

    # a plain number is kept as given
    plain = (await enterprise.post(RECORD, json=record_body(w, number="T20240301-0042"))).json()
    row = (await sql(database, "select * from training.certificates where id = $1", uuid.UUID(plain["id"])))[0]
    assert (row["number"], row["number_key"], row["number_ciphertext"]) == ("T20240301-0042", "T20240301-0042", None)


async def test_unique_by_the_whole_number_not_by_its_masked_form(tp, w, database):
    id_number = resident_id(1979, "female")
    other = twin(id_number)
    assert masked(other) == masked(id_number)
    enterprise = tp.as_org(w["enterprise"])
    assert (await enterprise.post(RECORD, json=record_body(w, number=id_number))).status_code == 201
    again = await enterprise.post(RECORD, json=record_body(w, number=id_number))
    assert again.status_code == 409, again.text
    assert again.json()["type"].endswith("certificate-number-taken") and id_number not in again.text
    # another holder whose number masks alike is a different certificate
    alike = await enterprise.post(RECORD, json=record_body(w, number=other))
    assert alike.status_code == 201, alike.text
    assert alike.json()["number"] == masked(id_number)

    # the batch: taken, twice in the batch, and a new one whose mask looks like a taken one
    third, fourth = resident_id(1990, "male"), resident_id(1991, "female")
    items = [
        {**record_body(w, number=id_number), "recorded": True},
        {**record_body(w, number=third), "recorded": True},
        {**record_body(w, number=third), "recorded": True},
        {**record_body(w, number=twin(fourth)), "recorded": True},
        {**record_body(w, number=fourth), "recorded": True},
    ]
    r = await enterprise.post(BATCH, json={"items": items})
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == [409, 201, 409, 201, 201]
    assert all(n not in r.text for n in (id_number, third, fourth))
    for result in r.json()["results"]:
        if result["status"] == 201:
            written = await _everything_written_about(database, result["id"])
            assert all(n not in written for n in (id_number, third, fourth, twin(fourth)))
