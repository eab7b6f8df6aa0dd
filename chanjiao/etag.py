"""ETag / If-Match for optimistic concurrency: two clerks never overwrite each other silently."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from chanjiao.errors import PreconditionFailed


def etag_for(version: int) -> str:
    return f'"{version}"'


def versioned_response(
    body: BaseModel, status_code: int = 200, *, by_alias: bool = False, **headers: str
) -> JSONResponse:
    """A single versioned resource as JSON with its `ETag` (the version in quotes)."""
    return JSONResponse(
        body.model_dump(mode="json", by_alias=by_alias),
        status_code=status_code,
        headers={"ETag": etag_for(body.version), **headers},  # type: ignore[attr-defined]
    )


def check_if_match(if_match: str | None, version: int) -> None:
    """`If-Match` is optional; when given it must list the current tag (or `*`), else 412."""
    if if_match is None:
        return
    current = etag_for(version)
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" in tags or current in tags:
        return
    raise PreconditionFailed(
        detail_zh="资源已被他人修改，请重新读取后再提交（If-Match 与当前 ETag 不一致）",
        detail_en="The resource changed since you read it (If-Match does not match the current ETag)",
        extra={"current_etag": current},
    )


def if_none_match_hits(if_none_match: str | None, version: int) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag_for(version) in tags


# The conditional-request headers, as route parameters (one definition for every service).
IfMatch = Annotated[
    str | None,
    Header(description="读取时得到的 ETag，已过期则 412（可选） The ETag you read; a stale one is 412 (optional)"),
]
IfNoneMatch = Annotated[
    str | None, Header(description="手中已有的 ETag，未变化则 304 An ETag you hold; unchanged → 304")
]
