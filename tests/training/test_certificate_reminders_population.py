"""The reminder ledger over five years of a generated population: a few thousand certificates of every kind issued
over several years, reviewed, suspended, reinstated, revoked, replaced and newly recorded along the way, with the
job run once a day — some days not at all, and once not for three weeks. The ledger, every row's `superseded` flag
and day, and the events are compared exactly with an expectation computed here from the certificates' history."""

from __future__ import annotations

import bisect
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from services.training.certificates import reminders
from services.training.certificates.reminders import reminders as LEDGER
from services.training.certificates.rules import KINDS, CertificateKind, add_years, default_next_review
from services.training.certificates.rules import default_valid_until as default_expiry
from tests.training.certificate_population import cert_row, insert_certs, maker  # noqa: F401 - fixture

OFFSETS = [-90, -30, -7, 0]
START = date(2024, 1, 1)
DAYS = 5 * 365 + 1
ORGS = [uuid.UUID(f"019abf2e-0000-7000-8000-00000000b00{i}") for i in range(3)]


@dataclass
class History:
    """One certificate's states over time: (from day, eligible, valid_until, next_review_on), in day order."""

    row: dict
    born: date
    states: list[tuple[date, bool, date | None, date | None]] = field(default_factory=list)

    def change(self, day: date, **values) -> None:
        _, eligible, valid_until, next_review_on = self.states[-1]
        now = {"eligible": eligible, "valid_until": valid_until, "next_review_on": next_review_on, **values}
        self.states.append((day, now["eligible"], now["valid_until"], now["next_review_on"]))


def new_cert(rng: random.Random, issued_on: date) -> dict:
    kind = rng.choice(list(CertificateKind))
    valid_until = default_expiry(kind, issued_on)
    if valid_until is None and rng.random() < 0.4:
        valid_until = issued_on + timedelta(days=rng.randint(30, 5 * 365))
    return cert_row(
        rng.choice(ORGS),
        kind=kind.value,
        issued_on=issued_on,
        valid_until=valid_until,
        next_review_on=default_next_review(kind, issued_on),
    )


def plan(rng: random.Random) -> tuple[list[History], dict[date, list[tuple]]]:
    """The population at the start and what happens on which day (applied before that day's run)."""
    histories, ops = [], {}
    for _ in range(2500):
        row = new_cert(rng, START - timedelta(days=rng.randint(0, 6 * 365)))
        status = rng.choices(["active", "suspended", "revoked"], [90, 5, 5])[0]
        row.update(status=status, status_reason=None if status == "active" else "测试")
        h = History(row, START, [(START, status == "active", row["valid_until"], row["next_review_on"])])
        histories.append(h)
    on = lambda: START + timedelta(days=rng.randint(1, DAYS - 1))  # noqa: E731
    active = [h for h in histories if h.row["status"] == "active"]
    rng.shuffle(active)
    reviewed, suspended, revoked, replaced = active[:300], active[300:420], active[420:480], active[480:580]
    for h in reviewed:
        due = h.row["next_review_on"]
        if due is None:
            continue
        day = due - timedelta(days=rng.randint(0, 60))
        if START < day < START + timedelta(days=DAYS):
            years = KINDS[CertificateKind(h.row["kind"])].review_years
            renews = KINDS[CertificateKind(h.row["kind"])].review_renews
            ops.setdefault(day, []).append(("review", h, add_years(due, years), renews))
    for i, h in enumerate(suspended):
        day = on()
        ops.setdefault(day, []).append(("status", h, "suspended"))
        if i % 2 == 0:
            ops.setdefault(day + timedelta(days=rng.randint(1, 200)), []).append(("status", h, "active"))
    for h in revoked:
        ops.setdefault(on(), []).append(("status", h, "revoked"))
    for h in replaced:
        ops.setdefault(on(), []).append(("replace", h))
    for _ in range(200):  # recorded late: some offsets of their first due date have already come
        day = on()
        row = new_cert(rng, day - timedelta(days=400))
        row["valid_until"] = day + timedelta(days=rng.randint(0, 120))
        ops.setdefault(day, []).append(("record", row))
    return histories, ops


async def apply(session, day: date, ops: list[tuple], histories: list[History], rng: random.Random) -> None:
    certs = sa.table(
        "certificates",
        sa.column("id"),
        sa.column("status"),
        sa.column("status_reason"),
        sa.column("valid_until"),
        sa.column("next_review_on"),
        schema="training",
    )
    for op in ops:
        if op[0] == "review":
            _, h, next_due, renews = op
            values = {"next_review_on": next_due, **({"valid_until": next_due} if renews else {})}
            await session.execute(sa.update(certs).where(certs.c.id == h.row["id"]).values(**values))
            h.change(day, **values)
        elif op[0] == "status":
            _, h, status = op
            reason = None if status == "active" else "测试"
            await session.execute(
                sa.update(certs).where(certs.c.id == h.row["id"]).values(status=status, status_reason=reason)
            )
            h.change(day, eligible=status == "active" and not h.row.get("replaced"))
            h.row["status"] = status
        elif op[0] == "replace":
            _, h = op
            renewal = new_cert(rng, day)
            renewal.update(kind=h.row["kind"], holder_org_id=h.row["holder_org_id"], replaces_id=h.row["id"])
            renewal["valid_until"] = default_expiry(CertificateKind(h.row["kind"]), day) or renewal["valid_until"]
            renewal["next_review_on"] = default_next_review(CertificateKind(h.row["kind"]), day)
            await insert_certs(session, [renewal])
            h.row["replaced"] = True
            h.change(day, eligible=False)
            histories.append(History(renewal, day, [(day, True, renewal["valid_until"], renewal["next_review_on"])]))
        else:
            _, row = op
            await insert_certs(session, [row])
            histories.append(History(row, day, [(day, True, row["valid_until"], row["next_review_on"])]))


def expected(histories: list[History], runs: list[date]) -> tuple[set[tuple], set[tuple]]:
    """Every (certificate, due kind, due date, offset) whose day came on a run day while the certificate was
    eligible with that due date; its day is the first such run; superseded when a later offset of the same due date
    got its row the same day. Events: the rows not superseded, with the offsets they superseded."""
    first: dict[tuple, date] = {}
    for h in histories:
        ends = [s[0] for s in h.states[1:]] + [date.max]
        for (start, eligible, valid_until, next_review_on), end in zip(h.states, ends, strict=True):
            if not eligible:
                continue
            for kind, due in (("expiry", valid_until), ("review", next_review_on)):
                if due is None:
                    continue
                for offset in OFFSETS:
                    i = bisect.bisect_left(runs, max(start, due + timedelta(days=offset)))
                    if i < len(runs) and runs[i] < end:
                        key = (h.row["id"], kind, due, offset)
                        first[key] = min(first.get(key, date.max), runs[i])
    rows, events = set(), set()
    for key, day in first.items():
        together = [o for o in OFFSETS if first.get((*key[:3], o)) == day]
        superseded = key[3] < max(together)
        rows.add((*key, superseded, day))
        if not superseded:
            events.add((*key, tuple(sorted(o for o in together if o < key[3]))))
    return rows, events


async def test_five_years_of_daily_runs_give_exactly_the_expected_ledger(maker):  # noqa: F811
    rng = random.Random(20261203)
    histories, ops = plan(rng)
    async with maker() as session, session.begin():
        await insert_certs(session, [h.row for h in histories])
    skipped = {START + timedelta(days=d) for d in range(400, 421)}  # three weeks without a run
    runs = [
        START + timedelta(days=d)
        for d in range(DAYS)
        if START + timedelta(days=d) not in skipped and (d == 0 or rng.random() > 0.15)
    ]
    run_days = set(runs)
    for d in range(DAYS):
        day = START + timedelta(days=d)
        if day in ops:
            async with maker() as session, session.begin():
                await apply(session, day, ops[day], histories, rng)
        if day in run_days:
            async with maker() as session, session.begin():
                await reminders.fill(session, today=day, offsets=OFFSETS)

    want_rows, want_events = expected(histories, runs)
    async with maker() as session:
        got_rows = {
            tuple(r)
            for r in await session.execute(
                sa.select(
                    LEDGER.c.certificate_id,
                    LEDGER.c.due_kind,
                    LEDGER.c.due_on,
                    LEDGER.c.offset_days,
                    LEDGER.c.superseded,
                    LEDGER.c.created_on,
                )
            )
        }
        payloads = (
            await session.execute(sa.text("select payload from training.outbox where type = 'certificate.review_due'"))
        ).scalars()
        got_events = {
            (
                uuid.UUID(p["certificate_id"]),
                p["due_kind"],
                date.fromisoformat(p["due_on"]),
                p["offset_days"],
                tuple(p["superseded_offsets"]),
            )
            for p in payloads
        }
    assert len(want_rows) > 5000 and any(r[4] for r in want_rows)  # a population worth the name
    assert got_rows - want_rows == set(), "extra reminders"
    assert want_rows - got_rows == set(), "missed reminders"
    assert got_events == want_events
