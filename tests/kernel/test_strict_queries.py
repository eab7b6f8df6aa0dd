"""Strict queries. A timestamp a client sends carries its UTC offset (`2024-05-01T10:00:00` was read as UTC, so a
+08:00 client's `updated_since` silently skipped eight hours of changes): every datetime query parameter and body
field of every service is `AwareDatetime` (walked from the apps' routes, so a new route is covered). Unknown query
keys are a 400 naming them (`updated_after=` was ignored and a full page came back): every GET of the merged
OpenAPI document is tried with one."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from chanjiao.dates import AwareDatetime
from chanjiao.errors import translate_validation_error
from chanjiao.openapi import operations
from tests.gateway.conftest import platform  # noqa: F401 - fixture
from tests.kernel.route_inputs import inputs_taking

NAIVE = ("2024-05-01T10:00:00", "2024-05-01 10:00", "2024-05-01T10:00:00.5", "2024-05-01T10:00:00 08:00")
NOT_TIMESTAMPS = (0, 1700000000, "0", "1700000000", "2024-05-01", "2024-05-01T10:00:00+08", "yesterday", 1.5)
AWARE = {
    "2024-05-01T10:00:00+08:00": dt.datetime(2024, 5, 1, 2, 0, tzinfo=dt.UTC),
    "2024-05-01T02:00:00Z": dt.datetime(2024, 5, 1, 2, 0, tzinfo=dt.UTC),
    "2024-05-01 10:00+0800": dt.datetime(2024, 5, 1, 2, 0, tzinfo=dt.UTC),
}


def datetime_inputs() -> tuple[dict[str, Any], dict[str, tuple[type[BaseModel], str]]]:
    """Every query/header/path parameter (`where → annotation`) and body field (`where → (model, field)`) that
    takes a datetime on the way in."""
    params, fields = inputs_taking(dt.datetime)
    return {w: i.annotation for w, i in params.items()}, {w: (i.model, i.name) for w, i in fields.items()}


def _field_rule(model: type[BaseModel], name: str, value: Any) -> str | None:
    """The rule the model reports for field `name` given `value` (None: the field took it)."""
    try:
        model.model_validate({name: value})
    except ValidationError as exc:
        for err in exc.errors():
            if tuple(err["loc"][:1]) == (name,):
                return translate_validation_error(err).type
    return None


def test_every_timestamp_a_client_sends_carries_its_utc_offset():
    params, fields = datetime_inputs()
    assert any(w.endswith("?updated_since") and "/v1/learners" in w for w in params)
    assert any("ApiKeyCreate.expires_at" in w for w in fields)
    lax: list[str] = []
    for where, annotation in params.items():
        adapter = TypeAdapter(annotation)
        for text, moment in AWARE.items():
            assert adapter.validate_python(text) == moment, where
        for value in (*NAIVE, *NOT_TIMESTAMPS):
            try:
                adapter.validate_python(value)
            except ValidationError as exc:
                rule = translate_validation_error(exc.errors()[0]).type
                if value in NAIVE and rule != "timezone":
                    lax.append(f"{where} {value!r}: rule {rule}, not timezone")
                continue
            lax.append(f"{where} accepts {value!r}")
    for where, (model, name) in fields.items():
        for text in AWARE:
            assert _field_rule(model, name, text) is None, (where, text)
        for value in (*NAIVE, *NOT_TIMESTAMPS):
            rule = _field_rule(model, name, value)
            if rule is None:
                lax.append(f"{where} accepts {value!r}")
            elif value in NAIVE and rule != "timezone":
                lax.append(f"{where} {value!r}: rule {rule}, not timezone")
    assert lax == []


def test_aware_datetime_type():
    adapter = TypeAdapter(AwareDatetime)
    # The OpenAPI contract is unchanged: still a date-time string.
    assert adapter.json_schema() == {"type": "string", "format": "date-time"}
    moment = dt.datetime(2024, 5, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert adapter.validate_python(moment) == moment
    for value, rule in [
        (dt.datetime(2024, 5, 1, 10), "timezone"),
        ("2024-05-01T10:00:00", "timezone"),
        ("2024-02-30T10:00:00+08:00", "datetime_from_date_parsing"),
        ("2024-05-01T25:00:00+08:00", "datetime_from_date_parsing"),
        ("1700000000", "datetime_parsing"),
        (1700000000, "datetime_type"),
    ]:
        with pytest.raises(ValidationError) as err:
            adapter.validate_python(value)
        assert err.value.errors()[0]["type"] == rule, value
    message = translate_validation_error({"type": "timezone", "loc": ("query", "updated_since")})
    assert "+08:00" in message.msg_zh and "Z" in message.msg_zh and "%2B" in message.msg_zh
    assert "+08:00" in message.msg_en and "UTC offset" in message.msg_en


# ---- over HTTP, through the gateway ------------------------------------------------------------------------------
async def test_a_timestamp_without_offset_is_a_422_naming_the_parameter(platform):  # noqa: F811
    client = platform.client
    for path in ("/v1/organizations", "/v1/learners", "/v1/enrolments"):
        r = await client.get(path, params={"updated_since": "2024-05-01T10:00:00"})
        assert r.status_code == 422, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["errors"] == [
            {"loc": ["query", "updated_since"], "msg": body["errors"][0]["msg"], "type": "timezone"}
        ]
        assert "UTC 偏移" in body["errors"][0]["msg"] and "+08:00" in body["errors"][0]["msg"]
        assert "updated_since" in body["detail"]
    r = await client.get(
        "/v1/learners", params={"updated_since": "2024-05-01T10:00:00"}, headers={"Accept-Language": "en"}
    )
    assert r.status_code == 422 and "Give the UTC offset" in r.json()["errors"][0]["msg"]
    # The `+` of an offset that a query string turned into a space gets the same advice (not a parse error).
    r = await client.get("/v1/learners?updated_since=2024-05-01T10:00:00+08:00")
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "timezone"


async def test_an_offset_is_honoured(platform):  # noqa: F811
    """A change at 10:00 Beijing time is found with `updated_since=09:59:59+08:00` and not with `10:00:01+08:00`
    (the naive form, read as UTC, would have been eight hours late and found nothing)."""
    client = platform.client
    body = {"name": f"时区测试单位{uuid.uuid4().hex[:8]}", "org_type": "higher_vocational", "region_code": "370702"}
    r = await client.post("/v1/organizations", json=body)
    assert r.status_code == 201, r.text
    org = r.json()
    changed = dt.datetime.fromisoformat(org["updated_at"]).astimezone(dt.timezone(dt.timedelta(hours=8)))
    before = (changed - dt.timedelta(seconds=1)).isoformat()
    after = (changed + dt.timedelta(seconds=1)).isoformat()
    assert before.endswith("+08:00")
    found = await client.get("/v1/organizations", params={"updated_since": before, "limit": 500})
    assert found.status_code == 200, found.text
    assert org["id"] in {i["id"] for i in found.json()["items"]}
    later = await client.get("/v1/organizations", params={"updated_since": after, "limit": 500})
    assert later.status_code == 200 and org["id"] not in {i["id"] for i in later.json()["items"]}


# ---- unknown query parameters ----------------------------------------------------------------------------------
def _url(path: str, op: dict[str, Any]) -> str:
    """`path` with each path parameter filled in: a fresh UUID where the parameter is one, else `1`."""
    for prm in op.get("parameters", []):
        if prm["in"] == "path":
            value = str(uuid.uuid4()) if prm.get("schema", {}).get("format") == "uuid" else "1"
            path = path.replace("{" + prm["name"] + "}", value)
    return path


async def test_every_get_of_the_api_refuses_an_unknown_query_parameter(platform):  # noqa: F811
    doc = (await platform.client.get("/openapi.json")).json()
    gets = [(path, op) for path, method, op in operations(doc) if method == "get"]
    assert len(gets) > 40 and "/health" in {p for p, _ in gets}
    undocumented = [
        f"{m.upper()} {p}" for p, m, op in operations(doc) if p.startswith("/v1") and "400" not in op["responses"]
    ]
    assert undocumented == []
    wrong: list[str] = []
    for path, op in gets:
        r = await platform.client.get(_url(path, op), params={"zzz_unknown": "1"})
        if r.status_code != 400 or not r.headers["content-type"].startswith("application/problem+json"):
            wrong.append(f"GET {path}: {r.status_code}")
            continue
        errors = r.json()["errors"]
        if [(e["loc"], e["type"]) for e in errors] != [(["query", "zzz_unknown"], "unknown_parameter")]:
            wrong.append(f"GET {path}: {errors}")
    assert wrong == []


async def test_a_misspelt_filter_is_named_instead_of_returning_a_full_page(platform):  # noqa: F811
    client = platform.client
    ok = await client.get("/v1/organizations", params={"limit": 1, "updated_since": "2024-05-01T10:00:00+08:00"})
    assert ok.status_code == 200, ok.text
    r = await client.get("/v1/organizations", params={"updated_after": "2024-05-01T10:00:00+08:00", "Limit": "1"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["type"] == "urn:chanjiao:problem:bad-request" and body["title"] == "请求格式错误"
    assert body["unknown_parameters"] == ["updated_after", "Limit"]
    assert [e["loc"] for e in body["errors"]] == [["query", "updated_after"], ["query", "Limit"]]
    assert {e["type"] for e in body["errors"]} == {"unknown_parameter"}
    assert "不支持的查询参数：updated_after、Limit" in body["detail"]
    en = await client.get("/v1/organizations", params={"updated_after": "x"}, headers={"Accept-Language": "en"})
    assert en.status_code == 400 and en.json()["detail"].startswith("Unknown query parameters: updated_after;")
    assert en.json()["errors"][0]["msg"] == "This query parameter is not supported"
    # Writes are held to the same rule: a misspelt `dry_run` does not quietly write.
    w = await client.post("/v1/organizations?dryrun=true", json={"name": "不应写入", "org_type": "higher_vocational"})
    assert w.status_code == 400 and w.json()["unknown_parameters"] == ["dryrun"]


async def test_a_key_that_is_not_a_parameter_name_is_counted_never_echoed(platform):  # noqa: F811
    number = "110105188001010017"
    r = await platform.client.get(f"/v1/learners?{number}=1&zzz=2")
    assert r.status_code == 400
    assert number not in r.text
    body = r.json()
    assert body["unknown_parameters"] == ["zzz"]
    assert body["errors"][-1]["loc"] == ["query"] and "1" in body["errors"][-1]["msg"]
