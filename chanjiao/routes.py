"""Routes match only the paths their parameters accept, and a `405` names exactly the documented methods.

A path parameter typed `uuid.UUID` matches only a UUID-shaped segment (`typed_path_parameters`), so a literal
path beside an `{id}` route (`/v1/enrolments/batch`, `/v1/learners/imports`, `…/import-template.xlsx`) is never
taken for an id: a method the literal path does not have is `405`, not a `422` about a malformed UUID, and the
order in which routers are included no longer matters. The OpenAPI document keeps `{id}` (with `format: uuid`).

`allowed_methods` computes the `Allow` header of a `405` from the service's OpenAPI document: every documented
path template that matches the request path contributes its methods. Starlette would name only the methods of
the first route object that matched the path, and FastAPI declares one route object per method.
"""

from __future__ import annotations

import re
import types
import typing
import uuid
from functools import lru_cache
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import compile_path

# What pydantic accepts as a UUID in a path: 32 hex digits, hyphenated or not, either case.
UUID_SEGMENT = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
CONVERTOR = "uuid_segment"


class UUIDSegment(Convertor[str]):
    """Matches a UUID-shaped segment and hands it on as text; pydantic still parses it into the parameter."""

    regex = UUID_SEGMENT

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return str(value)


register_url_convertor(CONVERTOR, UUIDSegment())


def _is_uuid(annotation: Any) -> bool:
    if annotation is uuid.UUID:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_uuid(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return len(args) == 1 and _is_uuid(args[0])
    return False


def declared_routes(routes: Any) -> list[APIRoute]:
    """Every APIRoute object as declared, also inside routers FastAPI includes lazily (their `original_router`):
    the objects to rewrite or inspect, where `chanjiao.auth.api_routes` gives their per-include effective paths."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found.extend(declared_routes(inner.routes))
    return found


def _path_params(dependant: Dependant) -> list[Any]:
    params = list(dependant.path_params)
    for sub in dependant.dependencies:
        params.extend(_path_params(sub))
    return params


def typed_path_parameters(app: FastAPI) -> None:
    """Give every `uuid.UUID` path parameter the UUID-shaped convertor (idempotent: a router shared by several
    apps is rewritten once)."""
    for route in declared_routes(app.router.routes):
        path = route.path
        for param in _path_params(route.dependant):
            name = param.alias or param.name
            if _is_uuid(param.field_info.annotation) and "{" + name + "}" in path:
                path = path.replace("{" + name + "}", "{" + f"{name}:{CONVERTOR}" + "}")
        if path != route.path:
            route.path = path
            route.path_regex, route.path_format, route.param_convertors = compile_path(path)


@lru_cache(maxsize=1024)
def _template(path: str, uuid_params: frozenset[str]) -> re.Pattern[str]:
    parts = []
    for piece in re.split(r"(\{[^}/]+\})", path):
        if piece.startswith("{") and piece.endswith("}"):
            parts.append(UUID_SEGMENT if piece[1:-1] in uuid_params else "[^/]+")
        else:
            parts.append(re.escape(piece))
    return re.compile("^" + "".join(parts) + "$")


def documented_methods(doc: dict[str, Any], path: str) -> list[str] | None:
    """The methods the OpenAPI document `doc` lists for the paths matching `path` (None when none matches)."""
    methods: set[str] = set()
    matched = False
    for template, item in doc.get("paths", {}).items():
        uuid_params = frozenset(
            str(p.get("name"))
            for op in item.values()
            if isinstance(op, dict)
            for p in op.get("parameters", [])
            if p.get("in") == "path" and p.get("schema", {}).get("format") == "uuid"
        )
        if _template(template, uuid_params).match(path):
            matched = True
            methods.update(m.upper() for m in item if m in ("get", "put", "post", "delete", "patch", "options"))
    return sorted(methods) if matched else None


def allowed_methods(app: Any, path: str) -> list[str] | None:
    """The `Allow` of a 405 on `path`: the methods documented for it in `app`'s OpenAPI document."""
    openapi = getattr(app, "openapi", None)
    if openapi is None:
        return None
    try:
        doc = openapi()
    except Exception:  # noqa: BLE001 - no document, no better answer than Starlette's own header
        return None
    return documented_methods(doc, path)
