"""The funding ledger of an agreement: decimal strings in and out, payments within the commitment, over-commitment
refused — also when two payments race through real Postgres — and the database's own CHECK; and `dual_appointment`
agreements naming membership's appointments (双栖双聘) by id, validated by the real membership service."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from tests.conftest import Database
from tests.matching.agreement_support import Parties, agreement, body, parties
from tests.training.conftest import TrainingPlatform


@pytest.fixture(scope="module")
async def p(mp: TrainingPlatform) -> Parties:
    return await parties(mp)


def pay(p: Parties, amount, **extra):
    return {"amount": amount, "paid_on": "2025-09-30", "payer_org_id": p.enterprise, **extra}


async def test_payments_within_the_commitment_and_the_totals_as_decimal_strings(mp: TrainingPlatform, p: Parties):
    enterprise = mp.as_org(p.enterprise)
    a = await agreement(enterprise, p, signed=True, committed_amount="1000")
    r = await enterprise.post(f"/v1/agreements/{a['id']}/payments", json=pay(p, "300.1", note="首期设备投入"))
    assert r.status_code == 201, r.text
    assert r.json()["amount"] == "300.10"
    assert r.json()["funding"] == {"committed": "1000.00", "paid": "300.10", "outstanding": "699.90"}
    r = await enterprise.post(f"/v1/agreements/{a['id']}/payments", json=pay(p, "699.90"))
    assert r.status_code == 201, r.text
    assert r.json()["funding"]["outstanding"] == "0.00"
    page = (await mp.as_org(p.school).get(f"/v1/agreements/{a['id']}/payments")).json()
    assert sorted(x["amount"] for x in page["items"]) == ["300.10", "699.90"]
    assert page["funding"] == {"committed": "1000.00", "paid": "1000.00", "outstanding": "0.00"}
    # One cent more is over the commitment: 409, and nothing changes.
    r = await enterprise.post(f"/v1/agreements/{a['id']}/payments", json=pay(p, "0.01"))
    assert r.status_code == 409 and r.json()["outstanding"] == "0.00"
    assert (await enterprise.get(f"/v1/agreements/{a['id']}")).json()["funding"]["paid"] == "1000.00"


async def test_over_commitment_is_409_and_the_commitment_cannot_drop_below_paid(mp: TrainingPlatform, p: Parties):
    school = mp.as_org(p.school)
    a = await agreement(school, p, signed=True, committed_amount="500.00")
    r = await school.post(f"/v1/agreements/{a['id']}/payments", json=pay(p, "500.01"))
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    await school.post(f"/v1/agreements/{a['id']}/payments", json=pay(p, "400"))
    r = await school.patch(f"/v1/agreements/{a['id']}", json={"committed_amount": "399.99"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "committed_amount"]
    r = await school.patch(f"/v1/agreements/{a['id']}", json={"committed_amount": "800"})
    assert r.json()["funding"] == {"committed": "800.00", "paid": "400.00", "outstanding": "400.00"}


@pytest.mark.parametrize(
    ("amount", "rule"),
    [
        (100, "decimal_string"),
        (12.5, "decimal_string"),
        ("-5", "decimal_places"),
        ("0", "positive"),
        ("0.001", "decimal_places"),
        ("1e3", "decimal_places"),
        ("10000000000.01", "maximum"),
    ],
)
async def test_bad_amounts_are_422_naming_amount(mp: TrainingPlatform, p: Parties, amount, rule):
    school = mp.as_org(p.school)
    a = await agreement(school, p, signed=True)
    r = await school.post(f"/v1/agreements/{a['id']}/payments", json=pay(p, amount))
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "amount"] and r.json()["errors"][0]["type"] == rule


async def test_payments_need_a_signed_agreement_and_a_party_payer(mp: TrainingPlatform, p: Parties):
    school = mp.as_org(p.school)
    draft = await agreement(school, p)
    assert (await school.post(f"/v1/agreements/{draft['id']}/payments", json=pay(p, "1"))).status_code == 409
    signed = await agreement(school, p, signed=True)
    r = await school.post(f"/v1/agreements/{signed['id']}/payments", json=pay(p, "1", payer_org_id=p.outsider))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "payer_org_id"]
    r = await mp.as_org(p.outsider).post(f"/v1/agreements/{signed['id']}/payments", json=pay(p, "1"))
    assert r.status_code == 404


async def test_two_concurrent_payments_that_together_exceed_do_not_both_succeed(mp: TrainingPlatform, p: Parties):
    school, enterprise = mp.as_org(p.school), mp.as_org(p.enterprise)
    for _ in range(3):
        a = await agreement(school, p, signed=True, committed_amount="1000.00")
        url = f"/v1/agreements/{a['id']}/payments"
        answers = await asyncio.gather(
            school.post(url, json=pay(p, "600.00")), enterprise.post(url, json=pay(p, "600.00"))
        )
        assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
        page = (await school.get(url)).json()
        assert [x["amount"] for x in page["items"]] == ["600.00"]
        assert page["funding"]["paid"] == "600.00"


async def test_the_database_refuses_a_paid_total_above_the_commitment(
    mp: TrainingPlatform, p: Parties, database: Database
):
    a = await agreement(mp.as_org(p.school), p, signed=True, committed_amount="100.00")
    conn = await asyncpg.connect(database.admin_url)
    try:
        with pytest.raises(asyncpg.CheckViolationError, match="paid_within_commitment"):
            await conn.execute("update matching.agreements set paid_total = 100.01 where id = $1", uuid.UUID(a["id"]))
    finally:
        await conn.close()


async def _appointment(mp: TrainingPlatform, person_org: str, host: str) -> str:
    r = await mp.admin.post("/v1/people", json={"name": "张工", "org_id": person_org})
    assert r.status_code == 201, r.text
    r = await mp.admin.post(
        "/v1/appointments",
        json={
            "person_id": r.json()["id"],
            "host_org_id": host,
            "appointment_type": "industry_professor",
            "start_on": "2025-09-01",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_dual_appointment_names_appointments_between_the_parties(mp: TrainingPlatform, p: Parties):
    # seed 000「工程师进课堂授课的“双栖双聘”」: an enterprise engineer teaching at the school
    appointment = await _appointment(mp, p.enterprise, p.school)
    school = mp.as_org(p.school)
    terms = {"kind": "dual_appointment", "committed_amount": "0", "payer_org_id": None}
    r = await school.post("/v1/agreements", json=body(p, appointment_ids=[appointment], **terms))
    assert r.status_code == 201, r.text
    assert r.json()["appointment_ids"] == [appointment] and r.json()["kind_label"] == "双栖双聘"
    # An appointment that does not exist, or one between other organizations: 422 naming its index.
    elsewhere = await _appointment(mp, p.outsider, p.school)
    ghost = "019abf30-0000-7000-8000-00000000dead"
    r = await school.post("/v1/agreements", json=body(p, appointment_ids=[appointment, ghost, elsewhere], **terms))
    assert r.status_code == 422
    assert [(e["loc"], e["type"]) for e in r.json()["errors"]] == [
        (["body", "appointment_ids", 1], "appointment_not_found"),
        (["body", "appointment_ids", 2], "appointment_not_between_parties"),
    ]


async def test_every_change_leaves_an_audit_row_and_an_event(mp: TrainingPlatform, p: Parties, database: Database):
    school = mp.as_org(p.school)
    a = await agreement(school, p, signed=True, committed_amount="1000.00")
    await school.post(f"/v1/agreements/{a['id']}/payments", json=pay(p, "250.00"))
    await school.post(f"/v1/agreements/{a['id']}/milestones", json={"title": "基地挂牌"})
    conn = await asyncpg.connect(database.admin_url)
    try:
        aid = uuid.UUID(a["id"])
        events = await conn.fetch(
            "select type, payload from matching.outbox where aggregate_id = $1 order by occurred_at", aid
        )
        audits = await conn.fetch(
            "select entity, action, diff from matching.audit_log "
            "where entity = 'agreement' and entity_id = $1 order by occurred_at",
            aid,
        )
    finally:
        await conn.close()
    types = [e["type"] for e in events]
    assert types[:2] == ["agreement.created", "agreement.transitioned"]
    assert {"agreement_payment.recorded", "agreement.updated", "agreement_milestone.created"} <= set(types)
    assert [x["action"] for x in audits] == ["create", "transition", "update"]
    assert '"paid_total"' in audits[2]["diff"] and '"250.00"' in audits[2]["diff"]


async def test_membership_down_is_503_and_nothing_is_written(mp: TrainingPlatform, p: Parties, database: Database):
    school = mp.as_org(p.school)
    await agreement(school, p)  # the parties are now cached; the fresh appointment is not
    appointment = await _appointment(mp, p.enterprise, p.school)
    terms = {"kind": "dual_appointment", "committed_amount": "0", "payer_org_id": None}

    async def count() -> int:
        conn = await asyncpg.connect(database.admin_url)
        try:
            return await conn.fetchval("select count(*) from matching.agreements where kind = 'dual_appointment'")
        finally:
            await conn.close()

    before = await count()
    membership = mp.platform.upstreams["membership"]
    await membership.stop()
    try:
        r = await school.post("/v1/agreements", json=body(p, appointment_ids=[appointment], **terms))
        assert r.status_code == 503, r.text
        assert r.headers.get("retry-after")
        assert r.headers["content-type"].startswith("application/problem+json")
    finally:
        await membership.start()
    assert await count() == before
    r = await school.post("/v1/agreements", json=body(p, appointment_ids=[appointment], **terms))
    assert r.status_code == 201, r.text


async def test_the_database_not_the_lock_has_the_last_word_on_racing_payments(
    mp: TrainingPlatform, p: Parties, database: Database
):
    """Two writers that both read the agreement without its row lock, both see 0 paid and both pay 600 of 1000: the
    database adds each payment to the committed total, so the second is refused (409) and nothing of it stays."""
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    from services.matching.agreements import ledger, service
    from services.matching.agreements.schemas import PaymentCreate

    a = await agreement(mp.as_org(p.school), p, signed=True, committed_amount="1000.00")
    aid = uuid.UUID(a["id"])
    engine = create_async_engine(
        database.urls["matching"], connect_args={"server_settings": {"search_path": "matching"}}
    )
    data = PaymentCreate(amount="600.00", paid_on="2025-09-30", payer_org_id=p.enterprise)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as first, AsyncSession(engine) as second:
            rows = [await service.get(s, aid) for s in (first, second)]  # no FOR UPDATE: both read paid 0
            ids = await service.party_ids(first, aid)
            await ledger.record_payment(first, row=rows[0], party_ids=ids, data=data, actor="test:first")
            racing = asyncio.create_task(
                ledger.record_payment(second, row=rows[1], party_ids=ids, data=data, actor="test:second")
            )
            await asyncio.sleep(0.3)  # the second waits on the first's row
            assert not racing.done()
            await first.commit()
            with pytest.raises(ledger.OverCommitment):
                await racing
    finally:
        await engine.dispose()
    page = (await mp.as_org(p.school).get(f"/v1/agreements/{a['id']}/payments")).json()
    assert [x["amount"] for x in page["items"]] == ["600.00"] and page["funding"]["paid"] == "600.00"


async def test_a_retried_payment_with_its_idempotency_key_pays_once(mp: TrainingPlatform, p: Parties):
    school = mp.as_org(p.school)
    a = await agreement(school, p, signed=True, committed_amount="1000.00")
    url = f"/v1/agreements/{a['id']}/payments"
    key = {"Idempotency-Key": f"pay-{uuid.uuid4()}"}
    first = await school.post(url, json=pay(p, "400.00"), headers=key)
    again = await school.post(url, json=pay(p, "400.00"), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert (await school.get(url)).json()["funding"]["paid"] == "400.00"
