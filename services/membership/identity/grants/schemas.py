"""Requests and answers of alliance grants."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class GrantCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"alliance_id": "019abf2d-1111-7abc-8def-0123456789ab"}]}
    )
    alliance_id: uuid.UUID


class GrantPublic(BaseModel):
    user_id: uuid.UUID
    alliance_id: uuid.UUID
    granted_at: datetime
    granted_by: str
