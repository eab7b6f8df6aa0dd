"""Unknown query parameters are a 400 naming them: a misspelt filter (`updated_after=` for `updated_since=`,
`limt=`) must not quietly return a full, unfiltered page.

`STRICT_QUERY` is an app-level dependency (`create_service_app`, and the gateway's own app): before any other
dependency of the route runs, it compares the request's query keys with the query parameters the route declares
(its own and its dependencies', by alias) and answers `400` problem+json, rule `unknown_parameter`, with one
`errors` item per unknown key. Routes left out of the OpenAPI document (Swagger UI's OAuth2 redirect, which takes
the authorization server's free-form keys) are not checked: the documented API is the contract.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from pydantic import BaseModel

from chanjiao.auth import api_routes
from chanjiao.errors import BadRequest, FieldError

RULE = "unknown_parameter"
# A key is named back only when it looks like a parameter name; anything else (possibly personal data pasted in
# the wrong place) is counted but never echoed.
NAMEABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-\[\]]{0,63}")
MAX_NAMED = 20


def declared_query_names(dependant: Dependant) -> frozenset[str]:
    """The query keys a route accepts: its query parameters and its dependencies', by alias (a query parameter
    model contributes its fields)."""
    names: set[str] = set()
    for param in dependant.query_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.update(f.alias or n for n, f in annotation.model_fields.items())
        else:
            names.add(param.alias)
    for sub in dependant.dependencies:
        names |= declared_query_names(sub)
    return frozenset(names)


def _query_names_by_route(app: Any) -> dict[int, frozenset[str] | None]:
    """`id(route object)` → its accepted query keys, or None for a route that is not checked. Built once per app,
    on its first request (every router is included by then)."""
    table: dict[int, frozenset[str] | None] = getattr(app.state, "query_names", None) or {}
    if table:
        return table
    for route in api_routes(app.routes):
        original = getattr(route, "original_route", route)
        dependant = getattr(route, "dependant", None)
        if dependant is None or not getattr(route, "include_in_schema", False):
            table[id(original)] = None
            continue
        known = table.get(id(original)) or frozenset()
        table[id(original)] = known | declared_query_names(dependant)
    app.state.query_names = table
    return table


def unknown_parameters(keys: list[str]) -> BadRequest:
    named = [k for k in dict.fromkeys(keys) if NAMEABLE.fullmatch(k)][:MAX_NAMED]
    hidden = len(set(keys)) - len(named)
    zh_rule, en_rule = "不支持该查询参数", "This query parameter is not supported"
    errors = [FieldError(loc=["query", k], msg_zh=zh_rule, msg_en=en_rule, type=RULE) for k in named]
    if hidden:
        errors.append(
            FieldError(
                loc=["query"],
                msg_zh=f"另有 {hidden} 个不支持的查询参数（名称不予显示）",
                msg_en=f"{hidden} more unsupported query parameter(s) (names not shown)",
                type=RULE,
            )
        )
    listed_zh = "、".join([*named, *([f"另 {hidden} 个"] if hidden else [])])
    listed_en = ", ".join([*named, *([f"{hidden} more"] if hidden else [])])
    return BadRequest(
        detail_zh=f"不支持的查询参数：{listed_zh}；请查阅该接口的文档（拼写、大小写）",
        detail_en=f"Unknown query parameters: {listed_en}; see the operation's documentation (spelling, case)",
        errors=errors,
        extra={"unknown_parameters": named},
    )


async def _strict_query(request: Request) -> None:
    if not request.url.query:
        return
    route = request.scope.get("route")
    accepted = _query_names_by_route(request.app).get(id(route))
    if accepted is None:
        return
    unknown = [k for k in request.query_params.keys() if k not in accepted]
    if unknown:
        raise unknown_parameters(unknown)


# `dependencies=[STRICT_QUERY]` on the FastAPI app: runs first on every route of it.
STRICT_QUERY = Depends(_strict_query)
