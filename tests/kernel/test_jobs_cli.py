"""`chanjiao jobs run-due training` runs training's due jobs once, with the settings of the environment: the day's
slot of the certificate reminders is scheduled, run and marked done; a second call finds nothing to do."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[2]


def run_due(database) -> str:
    env = {**os.environ, "CHANJIAO_TRAINING_DATABASE_URL": database.urls["training"]}
    res = subprocess.run(
        [sys.executable, "-m", "chanjiao.cli", "jobs", "run-due", "training"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout.strip()


async def test_run_due_from_the_command_line(database):
    assert await asyncio.to_thread(run_due, database) == "training: 1 job run(s)"
    conn = await asyncpg.connect(database.admin_url)
    try:
        rows = await conn.fetch("select name, status, attempts from training.jobs")
    finally:
        await conn.close()
    assert [tuple(r) for r in rows] == [("certificate_reminders", "done", 1)]
    assert await asyncio.to_thread(run_due, database) == "training: 0 job run(s)"
