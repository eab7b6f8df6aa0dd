"""Long-lived HTTP clients for service-to-service calls (one per upstream, built in lifespan)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from chanjiao.errors import GatewayTimeout, ServiceUnavailable


def make_client(
    base_url: str,
    *,
    connect: float = 2.0,
    read: float = 10.0,
    max_connections: int = 100,
    headers: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> httpx.AsyncClient:
    """Explicit timeouts and pool limits; callers keep the client for the life of the process."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(connect=connect, read=read, write=read, pool=connect),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        headers=dict(headers or {}),
        **kwargs,
    )


async def call(client: httpx.AsyncClient, method: str, url: str, *, upstream: str, **kwargs: Any) -> httpx.Response:
    """One request; an unreachable upstream becomes 503 and a slow one 504 (problem+json upstream)."""
    try:
        return await client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise GatewayTimeout(
            detail_zh=f"{upstream} 服务响应超时", detail_en=f"{upstream} timed out", headers={"Retry-After": "5"}
        ) from exc
    except httpx.TransportError as exc:
        raise ServiceUnavailable(
            detail_zh=f"{upstream} 服务暂不可用", detail_en=f"{upstream} is unavailable", headers={"Retry-After": "5"}
        ) from exc
