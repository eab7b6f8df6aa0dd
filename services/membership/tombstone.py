"""The tombstone of the membership lists that sync (alliances, committees, an alliance's members): what a pull with
`include_deleted=true` answers for a removed row (docs/sync.md). Shared by those nouns' schemas, so none of them
imports another's for it."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class ListTombstone(BaseModel):
    """A removed row in a sync pull with `include_deleted=true`: delete your copy of `id` (docs/sync.md)."""

    id: uuid.UUID
    deleted: bool = True
    deleted_at: datetime
