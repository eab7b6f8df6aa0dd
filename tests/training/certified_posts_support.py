"""Helpers of the certified-post tests: a post through the API, certificates and their status history written with
the ORM (services/training/certificates/models.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from chanjiao.dates import today
from chanjiao.ids import new_id
from services.training.certificates.models import Certificate, CertificateStatusChange
from services.training.certificates.rules import CertificateKind, default_valid_until


async def new_post(client: Any, org_id: str, name: str, kind: str, **extra: Any) -> str:
    r = await client.post("/v1/certified-posts", json={"org_id": org_id, "name": name, "required_kind": kind, **extra})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def certificate(
    holder_org_id: uuid.UUID,
    *,
    kind: str,
    issued_on: date,
    person_id: uuid.UUID | None = None,
    learner_id: uuid.UUID | None = None,
    occupation_name: str = "作业",
    occupation_code: str | None = None,
    level: str | None = None,
    valid_until: date | None = None,
    next_review_on: date | None = None,
    status: str = "active",
    changed_on: date | None = None,
) -> Certificate:
    """A certificate recorded by `holder_org_id` for its person or learner (valid_until defaulted from the kind)."""
    stamp = datetime.now().astimezone()
    number = f"T{uuid.uuid4().hex[:12]}"
    return Certificate(
        id=new_id(),
        kind=kind,
        number=number,
        number_key=number,
        recorded=True,
        issuer_authority="market_regulation",
        issuer_name="潍坊市市场监督管理局",
        holder_org_id=holder_org_id,
        person_id=person_id,
        learner_id=learner_id,
        holder_name="持证人",
        occupation_name=occupation_name,
        occupation_code=occupation_code,
        level=level,
        issued_on=issued_on,
        valid_until=valid_until or default_valid_until(CertificateKind(kind), issued_on),
        next_review_on=next_review_on,
        status=status,
        status_reason=None if status == "active" else "测试",
        status_changed_on=None if status == "active" else (changed_on or today() - timedelta(days=1)),
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )


def status_change(
    certificate_id: uuid.UUID, action: str, from_status: str, to_status: str, effective_on: date
) -> CertificateStatusChange:
    return CertificateStatusChange(
        id=new_id(),
        certificate_id=certificate_id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason="测试",
        effective_on=effective_on,
        actor="test",
        created_at=datetime.now().astimezone(),
    )


async def save(database: Any, certificates: list[Certificate], changes: list[CertificateStatusChange] = ()) -> None:
    """The rows written as the training service's role, in one transaction."""
    engine = create_async_engine(database.urls["training"])
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            session.add_all(certificates)
            await session.flush()
            session.add_all(list(changes))
            await session.commit()
    finally:
        await engine.dispose()
