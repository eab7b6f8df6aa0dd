"""The certificates' reminder ledger (证书到期与复审提醒) and the daily job that fills it (docs/domain.md,
"Certificate reminders").

The ledger holds exactly one row per (certificate, due kind — `expiry` or `review` —, due date, offset), for each
offset of `certificate_reminder_offsets` (−90/−30/−7/0 days by default) whose day (due date + offset) has come.
Only certificates whose stored status is `active` and that no other certificate replaces get reminders. A review
that moves `next_review_on` gives the new date its own reminders; the old date's rows stay as they were.

The job is one set-based statement — `INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING` into the ledger, then one
outbox event `certificate.review_due` for each row it inserted, in the same transaction — so running it twice, or on
two replicas at once, adds nothing the second time, and a run after days without one catches up on every offset
whose day has come. When one run inserts several offsets of one due date at once (a certificate recorded ten days
before it expires, or a run after a long pause), every offset gets its row, none is skipped: the latest offset (the
closest to the due date) raises the event, and the earlier ones are kept with `superseded = true` and named in that
event's `superseded_offsets`."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.jobs import Daily, Job, JobContext
from services.training.db import SCHEMA, metadata

JOB_NAME = "certificate_reminders"
EVENT_TYPE = "certificate.review_due"
AGGREGATE_TYPE = "certificate_reminder"  # each reminder is its own aggregate: its event is seq 1
ACTOR = "job:certificate_reminders"
DUE_KINDS = ("expiry", "review")
DUE_KIND_LABELS = {"expiry": ("到期", "expiry"), "review": ("复审", "review")}
# Every day at 01:00 Asia/Shanghai (chanjiao/jobs.py); a run on a later day catches up on its own.
RUNS_AT = time(1, 0)

reminders = sa.Table(
    "certificate_reminders",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("certificate_id", sa.Uuid, sa.ForeignKey("training.certificates.id"), nullable=False),
    sa.Column("holder_org_id", sa.Uuid, nullable=False),
    sa.Column("due_kind", sa.Text, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("offset_days", sa.Integer, nullable=False),
    sa.Column("remind_on", sa.Date, nullable=False),  # due_on + offset_days: the day the reminder is for
    sa.Column("superseded", sa.Boolean, nullable=False),
    sa.Column("created_on", sa.Date, nullable=False),  # the day of the run that wrote it (Asia/Shanghai)
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    sa.UniqueConstraint("certificate_id", "due_kind", "due_on", "offset_days", name="uq_certificate_reminders_slot"),
    sa.CheckConstraint("due_kind in ('expiry', 'review')", name="due_kind"),
    sa.CheckConstraint("remind_on = due_on + offset_days", name="remind_on"),
    sa.Index("ix_certificate_reminders_holder_org_id", "holder_org_id", "remind_on"),
)

# One statement: the reminders whose day has come and that the ledger lacks, inserted in a fixed order (so two
# concurrent runs wait on each other instead of deadlocking) and skipped on conflict; then an event for each
# inserted row that no later offset of the same due date, inserted with it, supersedes.
FILL = sa.text(f"""
with eligible as (
    select c.id, c.holder_org_id, d.due_kind, d.due_on
    from {SCHEMA}.certificates c
    cross join lateral (values ('expiry', c.valid_until), ('review', c.next_review_on)) as d(due_kind, due_on)
    where c.status = 'active'
      and d.due_on is not null
      and d.due_on <= cast(:horizon as date)
      and not exists (select 1 from {SCHEMA}.certificates n where n.replaces_id = c.id)
),
fresh as (
    select e.id, e.holder_org_id, e.due_kind, e.due_on, o.offset_days, e.due_on + o.offset_days as remind_on
    from eligible e
    cross join unnest(cast(:offsets as integer[])) as o(offset_days)
    where e.due_on + o.offset_days <= cast(:today as date)
      and not exists (
          select 1 from {SCHEMA}.certificate_reminders r
          where r.certificate_id = e.id and r.due_kind = e.due_kind and r.due_on = e.due_on
            and r.offset_days = o.offset_days
      )
),
inserted as (
    insert into {SCHEMA}.certificate_reminders
        (id, certificate_id, holder_org_id, due_kind, due_on, offset_days, remind_on, superseded, created_on)
    select uuidv7(), f.id, f.holder_org_id, f.due_kind, f.due_on, f.offset_days, f.remind_on,
           f.offset_days < max(f.offset_days) over (partition by f.id, f.due_kind, f.due_on),
           cast(:today as date)
    from fresh f
    order by f.id, f.due_kind, f.due_on, f.offset_days
    on conflict (certificate_id, due_kind, due_on, offset_days) do nothing
    returning *
),
events as (
    insert into {SCHEMA}.outbox
        (event_id, type, aggregate_type, aggregate_id, seq, occurred_at, actor, schema_version, payload)
    select uuidv7(), cast(:event_type as text), cast(:aggregate_type as text), i.id, 1, now(), cast(:actor as text), 1,
           jsonb_build_object(
               'reminder_id', i.id,
               'certificate_id', i.certificate_id,
               'holder_org_id', i.holder_org_id,
               'due_kind', i.due_kind,
               'due_on', i.due_on,
               'offset_days', i.offset_days,
               'remind_on', i.remind_on,
               'days_left', i.due_on - cast(:today as date),
               'superseded_offsets', (
                   select coalesce(jsonb_agg(s.offset_days order by s.offset_days), '[]'::jsonb)
                   from inserted s
                   where s.certificate_id = i.certificate_id and s.due_kind = i.due_kind and s.due_on = i.due_on
                     and s.superseded
               )
           )
    from inserted i
    where not i.superseded
    returning 1
)
select (select count(*) from inserted) as reminders, (select count(*) from events) as events
""")


async def fill(session: AsyncSession, *, today: date, offsets: list[int]) -> tuple[int, int]:
    """Add to the ledger every reminder whose day has come by `today`, with its event; returns (rows, events)
    added. Safe to run any number of times, concurrently too: a row already there is never added again."""
    horizon = today + timedelta(days=max(-o for o in offsets))
    params: dict[str, Any] = {
        "today": today,
        "horizon": horizon,
        "offsets": sorted(offsets),
        "event_type": EVENT_TYPE,
        "aggregate_type": AGGREGATE_TYPE,
        "actor": ACTOR,
    }
    row = (await session.execute(FILL, params)).one()
    return int(row.reminders), int(row.events)


async def run(session: AsyncSession, ctx: JobContext) -> None:
    """The daily job (chanjiao/jobs.py): fill the ledger as of the day the run happens."""
    await fill(session, today=ctx.today, offsets=list(ctx.settings.certificate_reminder_offsets))


JOB = Job(JOB_NAME, run, schedule=Daily(RUNS_AT))
