"""Route declarations shared by the organization routers: access, headers, media types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

from chanjiao.auth import allow

READ = allow(scopes=("membership:read",))
WRITE = allow(scopes=("membership:write",))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

IfMatch = Annotated[str | None, Header(description="The ETag you read; a stale one is 412 (optional)")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description=(
            "A retry with the same key and body returns the first response (kept 24 h); the same key with "
            "another body is 422; a duplicate still in flight is 409."
        ),
    ),
]
