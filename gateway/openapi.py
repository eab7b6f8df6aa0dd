"""One OpenAPI document for the whole platform, merged from the services' own documents."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx

log = logging.getLogger("chanjiao.gateway.openapi")

_SKIP_PATHS = {"/health", "/metrics"}  # each service's own; the gateway documents its aggregate

INTRO = """产教 Chanjiao — the platform that vocational-education alliances (职业教育集团, 技工教育联盟,
行业产教融合共同体, 市域产教联合体) run on: the roll of member units, training and certificates, and
school–enterprise matching. One API at this gateway; which service answers is invisible to clients.

* Errors are RFC 9457 `application/problem+json`, Chinese by default, English with `Accept-Language: en`.
* Lists are keyset-paginated: `?limit=&cursor=` → `{"items": [...], "next_cursor": ...}`.
* Single resources carry an `ETag`; `PATCH`/`DELETE` honour `If-Match` (412 when stale).
* `POST` accepts `Idempotency-Key` (24 h): a retry returns the first response.
* Every response carries `X-Request-ID` (send your own to correlate logs).
"""


class MergeError(RuntimeError):
    pass


def merge(docs: dict[str, dict[str, Any]], gateway_doc: dict[str, Any], *, version: str = "1.0.0") -> dict[str, Any]:
    """Merge service documents: paths and operation ids must not collide; a component schema may appear in
    several documents only when identical (the kernel's `Problem`); two different schemas with one name, or a
    schema whose title is not its name (FastAPI's `module__Class` for two classes of one name), fail the merge —
    generated clients name their models by title, so each must be unique. Tags are grouped per service
    (`x-tagGroups`)."""
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    security_schemes: dict[str, Any] = {}
    tags: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    owners: dict[str, str] = {}
    schema_owners: dict[str, str] = {}
    op_ids: dict[str, str] = {}
    for service, doc in [("gateway", gateway_doc), *sorted(docs.items())]:
        comp = doc.get("components", {}).get("schemas", {})
        for name, schema in comp.items():
            title = schema.get("title", name)
            if title != name:
                raise MergeError(f"schema {name} of {service} is titled {title}: give the model a unique class name")
            if name in schemas and schemas[name] != schema:
                raise MergeError(
                    f"schema {name} of {service} differs from the one of {schema_owners[name]}: "
                    "give one of the models a distinct class name"
                )
            schema_owners.setdefault(name, service)
        schemas.update(comp)
        security_schemes.update(doc.get("components", {}).get("securitySchemes", {}))
        service_tags = []
        for path, item in doc.get("paths", {}).items():
            if service != "gateway" and path in _SKIP_PATHS:
                continue
            if path in paths:
                raise MergeError(f"path {path} is served by both {owners[path]} and {service}")
            owners[path] = service
            paths[path] = item
            for op in item.values():
                if not isinstance(op, dict):
                    continue
                oid = op.get("operationId")
                if oid:
                    if oid in op_ids:
                        raise MergeError(f"operationId {oid} used by {op_ids[oid]} and {service}")
                    op_ids[oid] = service
                for t in op.get("tags", []):
                    if t not in service_tags:
                        service_tags.append(t)
        described = {t["name"]: t for t in doc.get("tags", [])}
        for t in service_tags:
            entry = dict(described.get(t, {"name": t}))
            entry["description"] = f"{entry.get('description', '')} · service: {service}".strip(" ·")
            tags.append(entry)
        if service_tags:
            groups.append({"name": service, "tags": service_tags})
    return {
        "openapi": gateway_doc.get("openapi", "3.1.0"),
        "info": {"title": "Chanjiao 产教 API", "version": version, "description": INTRO},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": security_schemes},
        "tags": tags,
        "x-tagGroups": groups,
    }


class OpenAPICache:
    """Fetches and merges on demand; a complete document is kept for `ttl` seconds."""

    def __init__(self, ttl: float = 30.0) -> None:
        self.ttl = ttl
        self._doc: dict[str, Any] | None = None
        self._at = 0.0
        self._lock = asyncio.Lock()

    async def get(self, clients: dict[str, httpx.AsyncClient], gateway_doc: dict[str, Any]) -> dict[str, Any]:
        async with self._lock:
            if self._doc is not None and time.monotonic() - self._at < self.ttl:
                return self._doc

            async def fetch(name: str) -> tuple[str, dict[str, Any] | None]:
                try:
                    r = await clients[name].get("/openapi.json", timeout=5.0)
                    return name, r.json() if r.status_code == 200 else None
                except (httpx.HTTPError, ValueError):
                    return name, None

            results = dict(await asyncio.gather(*(fetch(n) for n in clients)))
            docs = {n: d for n, d in results.items() if d is not None}
            merged = merge(docs, gateway_doc)
            missing = sorted(n for n, d in results.items() if d is None)
            if missing:
                merged["info"]["x-unavailable-services"] = missing
                merged["info"]["description"] += f"\n\n**Unavailable right now:** {', '.join(missing)}."
            else:
                self._doc, self._at = merged, time.monotonic()
            return merged
