"""The certificates' reminder ledger (services/training/certificates/reminders.py): one row per (certificate, due
kind, due date, offset) whose day has come, one `certificate.review_due` event per row it inserts (the latest of
several offsets inserted together; the earlier ones kept as superseded), nothing twice — run again, or on two
connections at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx
import pytest
import sqlalchemy as sa

from services.training.certificates import reminders
from services.training.certificates.reminders import reminders as LEDGER
from tests.conftest import TEST_KEY
from tests.training.certificate_population import cert_row, insert_certs, maker  # noqa: F401 - fixture

OFFSETS = [-90, -30, -7, 0]
ORG = uuid.UUID("019abf2e-0000-7000-8000-00000000a001")
TODAY = date(2026, 6, 1)


async def fill(maker, today: date, offsets: list[int] = OFFSETS) -> tuple[int, int]:  # noqa: F811
    async with maker() as session, session.begin():
        return await reminders.fill(session, today=today, offsets=offsets)


async def ledger(maker) -> set[tuple]:  # noqa: F811
    async with maker() as session:
        rows = await session.execute(
            sa.select(
                LEDGER.c.certificate_id,
                LEDGER.c.due_kind,
                LEDGER.c.due_on,
                LEDGER.c.offset_days,
                LEDGER.c.superseded,
                LEDGER.c.created_on,
            )
        )
        return {tuple(r) for r in rows}


async def events(maker) -> list[dict]:  # noqa: F811
    async with maker() as session:
        rows = await session.execute(
            sa.text(
                "select aggregate_type, aggregate_id, seq, payload from training.outbox "
                "where type = 'certificate.review_due' order by occurred_at"
            )
        )
        return [{"aggregate": (r[0], r[1], r[2]), **r[3]} for r in rows]


async def test_offsets_whose_day_came_together_get_a_row_each_and_one_event(maker):  # noqa: F811
    # seed 000「确保在岗人员100%持证上岗」: a certificate recorded ten days before it expires is still reminded.
    late = cert_row(ORG, valid_until=TODAY + timedelta(days=10))
    review = cert_row(
        ORG,
        kind="special_operations",
        issued_on=date(2023, 6, 10),
        valid_until=date(2029, 6, 10),
        next_review_on=TODAY + timedelta(days=29),
    )
    suspended = cert_row(ORG, valid_until=TODAY, status="suspended")
    revoked = cert_row(ORG, valid_until=TODAY, status="revoked")
    old = cert_row(ORG, valid_until=TODAY + timedelta(days=5))
    renewal = cert_row(ORG, valid_until=date(2030, 1, 1), replaces_id=old["id"])
    far = cert_row(ORG, valid_until=TODAY + timedelta(days=91 + 400))
    async with maker() as session, session.begin():
        await insert_certs(session, [late, review, suspended, revoked, old, renewal, far])

    assert await fill(maker, TODAY) == (4, 2)
    due_late, due_review = TODAY + timedelta(days=10), TODAY + timedelta(days=29)
    assert await ledger(maker) == {
        (late["id"], "expiry", due_late, -90, True, TODAY),
        (late["id"], "expiry", due_late, -30, False, TODAY),
        (review["id"], "review", due_review, -90, True, TODAY),
        (review["id"], "review", due_review, -30, False, TODAY),
    }
    by_cert = {e["certificate_id"]: e for e in await events(maker)}
    assert by_cert[str(late["id"])] == {
        "aggregate": ("certificate_reminder", uuid.UUID(by_cert[str(late["id"])]["reminder_id"]), 1),
        "reminder_id": by_cert[str(late["id"])]["reminder_id"],
        "certificate_id": str(late["id"]),
        "holder_org_id": str(ORG),
        "due_kind": "expiry",
        "due_on": due_late.isoformat(),
        "offset_days": -30,
        "remind_on": (due_late - timedelta(days=30)).isoformat(),
        "days_left": 10,
        "superseded_offsets": [-90],
    }
    assert by_cert[str(review["id"])]["due_kind"] == "review"

    # The same day again: nothing new. Three days later: the −7 reminder of the late one, and its event alone.
    assert await fill(maker, TODAY) == (0, 0)
    assert await fill(maker, TODAY + timedelta(days=3)) == (1, 1)
    last = (await events(maker))[-1]
    assert (last["certificate_id"], last["offset_days"], last["superseded_offsets"]) == (str(late["id"]), -7, [])

    # A review moves the next review date three years on: the new date gets its own reminders in time; the old
    # date's rows stay as they were.
    new_due = date(2029, 6, 30)
    async with maker() as session, session.begin():
        await session.execute(
            sa.text("update training.certificates set next_review_on = :d where id = :id"),
            {"d": new_due, "id": review["id"]},
        )
    assert await fill(maker, due_late) == (1, 1)  # the late one's due day

    async def review_rows() -> set[tuple]:
        return {r for r in await ledger(maker) if r[0] == review["id"] and r[1] == "review"}

    before = await review_rows()
    await fill(maker, new_due - timedelta(days=91))
    assert await review_rows() == before
    await fill(maker, new_due - timedelta(days=90))
    assert await review_rows() - before == {(review["id"], "review", new_due, -90, False, new_due - timedelta(days=90))}
    assert any(e["due_on"] == new_due.isoformat() and e["offset_days"] == -90 for e in await events(maker))


async def test_two_runs_at_once_add_each_reminder_once(maker):  # noqa: F811
    rows = [
        cert_row(
            ORG,
            kind="special_equipment",
            issued_on=date(2022, 1, 1) + timedelta(days=i),
            valid_until=TODAY + timedelta(days=i % 120 - 10),
            next_review_on=TODAY + timedelta(days=i % 97),
        )
        for i in range(400)
    ]
    async with maker() as session, session.begin():
        await insert_certs(session, rows)
    results = await asyncio.gather(*(fill(maker, TODAY) for _ in range(3)))
    rows_added = sum(r[0] for r in results)
    got = await ledger(maker)
    assert rows_added == len(got) > 400
    kept = await events(maker)
    assert sum(r[1] for r in results) == len(kept) == sum(1 for g in got if not g[4])
    assert len({e["reminder_id"] for e in kept}) == len(kept)
    assert await fill(maker, TODAY) == (0, 0)


async def test_a_run_overlapping_an_uncommitted_one_waits_and_adds_nothing_or_everything(maker):  # noqa: F811
    """Replica B starts while replica A's run is written but not committed: B waits on A's rows; when A commits, B
    adds nothing; when A rolls back, B adds everything A would have."""
    rows = [cert_row(ORG, valid_until=TODAY + timedelta(days=i)) for i in range(-3, 40)]
    async with maker() as session, session.begin():
        await insert_certs(session, rows)
    for a_commits in (False, True):
        async with maker() as a, maker() as b:
            await a.begin()
            a_added = await reminders.fill(a, today=TODAY + timedelta(days=int(a_commits)), offsets=OFFSETS)
            assert a_added[0] > 0
            b_run = asyncio.create_task(
                reminders.fill(b, today=TODAY + timedelta(days=int(a_commits)), offsets=OFFSETS)
            )
            await asyncio.sleep(0.5)
            assert not b_run.done()  # waiting on A's rows
            await (a.commit() if a_commits else a.rollback())
            b_added = await b_run
            await b.commit()
        assert b_added == ((0, 0) if a_commits else a_added)
    got = await ledger(maker)
    assert len(got) == len({g[:4] for g in got})
    assert len(await events(maker)) == sum(1 for g in got if not g[4])


async def test_the_service_runs_the_reminder_job_in_its_process(database, maker):  # noqa: F811
    """With the runner switched on, the training app schedules today's slot of the daily job at start-up and runs
    it: the ledger fills without anyone calling it."""
    from services.training.main import create_app
    from services.training.settings import TrainingSettings

    today_ = date.today()
    async with maker() as session, session.begin():
        await insert_certs(session, [cert_row(ORG, valid_until=today_ + timedelta(days=3))])
    settings = TrainingSettings(
        database_url=database.urls["training"], internal_token_key=TEST_KEY, jobs_enabled=True, jobs_poll_seconds=0.1
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        for _ in range(300):  # the first pass runs at start-up; allow a loaded machine 30 s
            if await ledger(maker):
                break
            await asyncio.sleep(0.1)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            assert (await client.get("/health")).status_code == 200
    assert {(r[1], r[3]) for r in await ledger(maker)} >= {("expiry", -30), ("expiry", -7)}
    async with maker() as session:
        status = await session.scalar(sa.text("select status from training.jobs where name = 'certificate_reminders'"))
    assert status == "done"


async def test_with_the_runner_switched_off_nothing_runs_in_the_process(database, maker):  # noqa: F811
    from services.training.main import create_app
    from services.training.settings import TrainingSettings

    async with maker() as session, session.begin():
        await insert_certs(session, [cert_row(ORG, valid_until=date.today() + timedelta(days=3))])
    app = create_app(
        TrainingSettings(database_url=database.urls["training"], internal_token_key=TEST_KEY, jobs_enabled=False)
    )
    async with app.router.lifespan_context(app):
        await asyncio.sleep(0.3)
        assert app.state.jobs.config.enabled is False
        assert await ledger(maker) == set()
        # …until it is run once by hand (what `chanjiao jobs run-due training` does).
        assert await app.state.jobs.run_due() == 1
    assert {(r[1], r[3]) for r in await ledger(maker)} >= {("expiry", -30), ("expiry", -7)}


@pytest.mark.parametrize("offsets", [[], [-7, -7], [-4000, 0]])
def test_reminder_offsets_that_make_no_sense_are_refused(offsets):
    from services.training.settings import TrainingSettings

    with pytest.raises(ValueError, match="certificate_reminder_offsets"):
        TrainingSettings(certificate_reminder_offsets=offsets)
