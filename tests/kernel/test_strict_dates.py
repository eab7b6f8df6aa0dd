"""Every date a client sends is exactly `YYYY-MM-DD`: no Unix timestamps (`as_of=0`), no digit strings, no
datetimes — in every query parameter and every body field of every service (walked from the apps' routes, so a
new route is covered without a new test)."""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Annotated, Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError

from chanjiao.dates import IsoDate, parse_iso_date
from chanjiao.routes import declared_routes
from chanjiao.settings import MatchingSettings, MembershipSettings, TrainingSettings

NOT_DATES = (0, 1700000000, "0", "1700000000", "20240301", "2024-03-01T00:00:00", "2024-W09-5", 1.5)


def service_apps() -> list[Any]:
    from services.matching.main import create_app as matching
    from services.membership.main import create_app as membership
    from services.training.main import create_app as training

    return [membership(MembershipSettings()), training(TrainingSettings()), matching(MatchingSettings())]


def mentions_date(annotation: Any) -> bool:
    if annotation is dt.date:
        return True
    return any(mentions_date(a) for a in typing.get_args(annotation) if not isinstance(a, str | int | float))


def models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in models_in(a)]


def date_fields() -> dict[str, Any]:
    """Every field that accepts a date on the way in: `route (where) → annotation with its validators`."""
    found: dict[str, Any] = {}
    seen: set[type[BaseModel]] = set()

    def walk_model(model: type[BaseModel], where: str) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            full = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
            if mentions_date(field.annotation):
                found[f"{where} {model.__name__}.{name}"] = full
            for inner in models_in(field.annotation):
                walk_model(inner, where)

    def walk_dependant(dependant: Any, where: str) -> None:
        for param in [*dependant.query_params, *dependant.header_params, *dependant.path_params]:
            info = param.field_info
            full = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
            if mentions_date(info.annotation):
                found[f"{where} ?{param.alias}"] = full
        for param in dependant.body_params:
            for model in models_in(param.field_info.annotation):
                walk_model(model, where)
        for sub in dependant.dependencies:
            walk_dependant(sub, where)

    for app in service_apps():
        for route in declared_routes(app.router.routes):
            if isinstance(route, APIRoute):
                walk_dependant(route.dependant, f"{sorted(route.methods)[0]} {route.path_format}")
    return found


def test_every_date_a_client_sends_is_an_iso_date():
    fields = date_fields()
    assert any("?as_of" in where for where in fields) and any("start_on" in where for where in fields)
    lax: list[str] = []
    for where, annotation in fields.items():
        adapter = TypeAdapter(annotation)
        assert adapter.validate_python("2024-02-29") == dt.date(2024, 2, 29), where
        for value in NOT_DATES:
            try:
                adapter.validate_python(value)
            except ValidationError:
                continue
            lax.append(f"{where} accepts {value!r}")
    assert lax == []


def test_iso_date_type_and_parser():
    adapter = TypeAdapter(IsoDate)
    assert adapter.validate_python(dt.date(2024, 1, 2)) == dt.date(2024, 1, 2)
    assert adapter.json_schema() == {"type": "string", "format": "date"}
    with pytest.raises(ValidationError) as err:
        adapter.validate_python(0)
    assert err.value.errors()[0]["type"] == "date_type"
    with pytest.raises(ValidationError):
        adapter.validate_python("2024-02-30")
    assert parse_iso_date("2024-03-01") == dt.date(2024, 3, 1)
    for text in ("20240301", "2024-W09-5", "2024-03-01T00:00"):
        with pytest.raises(ValueError):
            parse_iso_date(text)


def test_the_walk_sees_through_unions_and_nested_models():
    class Inner(BaseModel):
        on: dt.date | None = None

    class Outer(BaseModel):
        inner: list[Inner]

    assert mentions_date(dt.date | None) and mentions_date(Annotated[dt.date, "x"])
    assert not mentions_date(dt.datetime | None)
    assert models_in(list[Inner] | None) == [Inner]
    assert isinstance(dt.date | None, types.UnionType)
