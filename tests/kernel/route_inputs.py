"""Every input a client sends to the services, walked from the apps' routes (so a new route is covered without a
new test): query, header and path parameters, and the fields of body models (nested models and unions too)."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi.routing import APIRoute
from pydantic import BaseModel

from chanjiao.routes import declared_routes
from services.matching.settings import MatchingSettings
from services.membership.settings import MembershipSettings
from services.training.settings import TrainingSettings


def service_apps() -> list[Any]:
    from services.matching.main import create_app as matching
    from services.membership.main import create_app as membership
    from services.training.main import create_app as training

    return [membership(MembershipSettings()), training(TrainingSettings()), matching(MatchingSettings())]


def mentions(annotation: Any, kind: type) -> bool:
    """`annotation` is `kind` or takes it somewhere in a union, `Annotated` or container."""
    if annotation is kind:
        return True
    return any(mentions(a, kind) for a in typing.get_args(annotation) if not isinstance(a, str | int | float))


def models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in models_in(a)]


@dataclass(frozen=True)
class Input:
    annotation: Any  # with its validators (`Annotated[…, *metadata]`)
    model: type[BaseModel] | None = None  # a body field: its model and name
    name: str | None = None


def inputs_taking(kind: type) -> tuple[dict[str, Input], dict[str, Input]]:
    """Parameters (`"GET /v1/x ?name"`) and body fields (`"POST /v1/x Model.field"`) whose type mentions `kind`."""
    params: dict[str, Input] = {}
    fields: dict[str, Input] = {}
    seen: set[type[BaseModel]] = set()

    def walk_model(model: type[BaseModel], where: str) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            full = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
            if mentions(field.annotation, kind):
                fields[f"{where} {model.__name__}.{name}"] = Input(full, model, name)
            for inner in models_in(field.annotation):
                walk_model(inner, where)

    def walk_dependant(dependant: Any, where: str) -> None:
        for param in [*dependant.query_params, *dependant.header_params, *dependant.path_params]:
            info = param.field_info
            full = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
            if mentions(info.annotation, kind):
                params[f"{where} ?{param.alias}"] = Input(full)
        for param in dependant.body_params:
            for model in models_in(param.field_info.annotation):
                walk_model(model, where)
        for sub in dependant.dependencies:
            walk_dependant(sub, where)

    for app in service_apps():
        for route in declared_routes(app.router.routes):
            if isinstance(route, APIRoute):
                walk_dependant(route.dependant, f"{sorted(route.methods)[0]} {route.path_format}")
    return params, fields
