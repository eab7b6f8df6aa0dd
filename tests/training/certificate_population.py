"""Certificates written straight into training's tables for the reminder and due-list tests (the certificate API is
built elsewhere; these tests are about what the job and the list do with whatever rows exist)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chanjiao.db import create_engine, make_sessionmaker
from chanjiao.ids import new_id
from services.training.certificates.models import Certificate

CERTS = Certificate.__table__


def cert_row(
    holder_org_id: uuid.UUID,
    *,
    kind: str = "other",
    issued_on: date = date(2024, 1, 1),
    valid_until: date | None = None,
    next_review_on: date | None = None,
    status: str = "active",
    replaces_id: uuid.UUID | None = None,
    holder_name: str = "王建华",
    learner_id: uuid.UUID | None = None,
    number: str | None = None,
) -> dict[str, Any]:
    stamp = datetime.now(UTC)
    number = number or f"N{uuid.uuid4().hex[:12]}"
    return {
        "id": new_id(),
        "kind": kind,
        "number": number,
        "number_key": number,
        "recorded": True,
        "issuer_authority": "other",
        "issuer_org_id": None,
        "issuer_name": "潍坊市应急管理局",
        "holder_org_id": holder_org_id,
        "learner_id": learner_id,
        "person_id": None if learner_id else uuid.uuid4(),
        "holder_name": holder_name,
        "occupation_name": "低压电工作业",
        "occupation_code": None,
        "level": None,
        "issued_on": issued_on,
        "valid_until": valid_until,
        "next_review_on": next_review_on,
        "programme_id": None,
        "appraisal_id": None,
        "status": status,
        "status_reason": None if status == "active" else "测试",
        "status_changed_on": None,
        "replaces_id": replaces_id,
        "evidence": None,
        "version": 1,
        "created_at": stamp,
        "updated_at": stamp,
    }


async def insert_certs(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(sa.insert(CERTS), rows)


@pytest.fixture
async def maker(database) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on training's schema, with no certificate, reminder, reminder event or job run left by an earlier
    test (nor the rows naming a certificate: its verification counts, appraisal candidates)."""
    engine = create_engine(database.urls["training"], schema="training", pool_size=4)
    async with engine.begin() as conn:
        await conn.execute(sa.text("delete from training.outbox where type = 'certificate.review_due'"))
        await conn.execute(
            sa.text(
                "truncate training.jobs, training.certificate_reminders, training.certificate_verifications, "
                "training.certificate_reviews, training.certificate_status_changes, training.certificates cascade"
            )
        )
    yield make_sessionmaker(engine)
    await engine.dispose()
