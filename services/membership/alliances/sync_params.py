"""Query parameters shared by the membership lists that sync by token (chanjiao/sync.py, docs/sync.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from chanjiao.dates import AwareDatetime

UpdatedSinceQuery = Annotated[
    AwareDatetime | None,
    Query(
        description="增量同步：只返回此时刻之后变更的记录（须带时区）— Only records changed after this timestamp "
        "(with its UTC offset); prefer `since_token`"
    ),
]


def include_deleted_query(zh: str, en: str) -> object:
    """`include_deleted` with a description saying what comes as a tombstone on this list."""
    return Query(description=f"包含墓碑：{zh} — Include tombstones: {en}")


SYNC_DOC = (
    "\n\n增量同步 Incremental sync: pass the `sync_token` of your last pull as `since_token` (docs/sync.md; "
    "`updated_since` still works); "
)
