"""Every date a client sends is exactly `YYYY-MM-DD`: no Unix timestamps (`as_of=0`), no digit strings, no
datetimes — in every query parameter and every body field of every service (walked from the apps' routes, so a
new route is covered without a new test)."""

from __future__ import annotations

import datetime as dt
import types
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from chanjiao.dates import IsoDate, parse_iso_date
from tests.kernel.route_inputs import inputs_taking, mentions, models_in

NOT_DATES = (0, 1700000000, "0", "1700000000", "20240301", "2024-03-01T00:00:00", "2024-W09-5", 1.5)


def mentions_date(annotation: Any) -> bool:
    return mentions(annotation, dt.date)


def date_fields() -> dict[str, Any]:
    """Every input that accepts a date on the way in: `route (where) → annotation with its validators`."""
    params, fields = inputs_taking(dt.date)
    return {where: i.annotation for where, i in {**params, **fields}.items()}


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
