"""An alliance's ranking weights: read (None: the defaults), set (validated by `Weights.merge`, audited), and the
effective weights for a ranking. Knows nothing of HTTP."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.resources import Audit, now
from services.matching.alliance_weights.models import AllianceWeights
from services.matching.db import kernel
from services.matching.scoring.weights import DEFAULT, Weights

AUDIT = Audit(kernel, "alliance_weights")


async def get(session: AsyncSession, alliance_id: uuid.UUID, *, for_update: bool = False) -> AllianceWeights | None:
    return await session.get(AllianceWeights, alliance_id, with_for_update=for_update)


async def put(
    session: AsyncSession, *, alliance_id: uuid.UUID, override: dict[str, Any], actor: str
) -> AllianceWeights:
    """Store `override` (422 from `Weights.merge` before anything is written)."""
    DEFAULT.merge(override)
    row = await get(session, alliance_id, for_update=True)
    if row is None:
        stamp = now()
        row = AllianceWeights(id=alliance_id, override=override, version=1, created_at=stamp, updated_at=stamp)
        session.add(row)
        await AUDIT.created(session, row, actor=actor)
        return row
    before = AUDIT.snapshot(row)
    row.override = override
    await AUDIT.updated(session, row, actor=actor, before=before)
    return row


async def effective(session: AsyncSession, alliance_id: uuid.UUID | None) -> Weights:
    """The weights a ranking in `alliance_id` uses: the alliance's override merged, else the defaults."""
    if alliance_id is None:
        return DEFAULT
    row = await get(session, alliance_id)
    return DEFAULT if row is None else DEFAULT.merge(row.override)
