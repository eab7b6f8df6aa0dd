"""The merged OpenAPI document against what the platform answers: unique model names, the error answers of every
operation, and `405` with exactly the documented methods in `Allow` — through the gateway."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest

from chanjiao.openapi import operations
from gateway.openapi import MergeError, merge

PROBLEM = {"$ref": "#/components/schemas/Problem"}
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
async def doc(platform) -> dict[str, Any]:
    r = await platform.client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


def api_operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, m, op in operations(doc) if p.startswith("/v1/")]


async def test_every_component_has_a_unique_name_that_is_its_title(doc):
    schemas = doc["components"]["schemas"]
    titles = Counter(s.get("title", name) for name, s in schemas.items())
    assert [t for t, n in titles.items() if n > 1] == []
    assert {name: s["title"] for name, s in schemas.items() if s.get("title", name) != name} == {}
    assert not [name for name in schemas if "__" in name], "FastAPI's module-qualified names mean a clash"
    for name in ("EnrolmentBatchResult", "LearnerImportReport", "OrganizationBatchItemResult"):
        assert name in schemas
    transitions = doc["paths"]["/v1/enrolments/{enrolment_id}/transitions"]["post"]["requestBody"]
    assert transitions["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EnrolmentTransitionCreate"
    }


def test_the_merge_fails_on_two_schemas_of_one_name():
    def service_doc(schema: dict[str, Any]) -> dict[str, Any]:
        return {"paths": {}, "components": {"schemas": {"Report": schema}}}

    same = {"title": "Report", "type": "object", "properties": {"rows": {"type": "integer"}}}
    other = {"title": "Report", "type": "object", "properties": {"rows": {"type": "string"}}}
    assert "Report" in merge({"a": service_doc(same), "b": service_doc(dict(same))}, {})["components"]["schemas"]
    with pytest.raises(MergeError, match="Report of b differs from the one of a"):
        merge({"a": service_doc(same), "b": service_doc(other)}, {})
    qualified = {"paths": {}, "components": {"schemas": {"m__Report": same}}}
    with pytest.raises(MergeError, match="m__Report of a is titled Report"):
        merge({"a": qualified}, {})


async def test_every_operation_documents_its_error_answers_as_problems(doc):
    missing: list[str] = []
    for path, method, op in api_operations(doc):
        responses = op["responses"]
        names = {(p["in"], p["name"].lower()) for p in op.get("parameters", [])}
        expected = {"401", "413", "429", "503", "504"}
        if op.get("security") != []:
            expected.add("403")
        if any(where == "path" for where, _ in names):
            expected.add("404")
        if ("header", "if-match") in names:
            expected.add("412")
        if ("header", "idempotency-key") in names:
            expected |= {"400", "409", "422"}
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            expected |= {"400", "422"}
        for code in sorted(expected - set(responses)):
            missing.append(f"{method.upper()} {path}: {code}")
        for code, response in responses.items():
            if int(code) >= 400 and response.get("content") != {"application/problem+json": {"schema": PROBLEM}}:
                if response.get("content", {}).get("application/problem+json", {}).get("schema") != PROBLEM:
                    missing.append(f"{method.upper()} {path}: {code} is not problem+json")
                elif set(response["content"]) != {"application/problem+json"}:
                    missing.append(f"{method.upper()} {path}: {code} has another content type")
    assert missing == []
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert "ValidationError" not in doc["components"]["schemas"]
    token = doc["paths"]["/v1/auth/token"]["post"]["responses"]
    assert "WWW-Authenticate" in token["401"]["headers"] and "Retry-After" in token["429"]["headers"]


def _fill(path: str, item: dict[str, Any]) -> str:
    """The path with every parameter filled with a value of its documented type (a record that does not exist)."""
    schemas = {
        p["name"]: p.get("schema", {})
        for op in item.values()
        if isinstance(op, dict)
        for p in op.get("parameters", [])
        if p["in"] == "path"
    }
    for name, schema in schemas.items():
        value = {"uuid": str(uuid.uuid4())}.get(
            schema.get("format", ""), "2024" if schema.get("type") == "integer" else "x"
        )
        path = path.replace("{" + name + "}", value)
    return path


async def test_an_undeclared_method_is_405_naming_exactly_the_documented_methods(platform, doc):
    wrong: list[str] = []
    for number, (path, item) in enumerate(doc["paths"].items()):
        declared = {m for m in item if m in METHODS}
        url = _fill(path, item)
        # one client address per path: the login routes' per-address bucket counts every method
        transport = httpx.ASGITransport(app=platform.gateway, client=(f"198.51.{number // 250}.{number % 250}", 4000))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", headers=platform.admin_headers
        ) as c:
            for method in METHODS:
                if method in declared:
                    continue
                r = await c.request(method.upper(), url, headers={"Accept-Language": "en"})
                allow = sorted(m.strip() for m in r.headers.get("allow", "").split(",") if m.strip())
                if r.status_code != 405 or allow != sorted(m.upper() for m in declared):
                    wrong.append(f"{method.upper()} {path}: {r.status_code} Allow: {r.headers.get('allow')}")
                elif not r.headers["content-type"].startswith("application/problem+json"):
                    wrong.append(f"{method.upper()} {path}: 405 as {r.headers['content-type']}")
    assert wrong == []


async def test_a_literal_path_beside_an_id_route_is_not_taken_for_an_id(platform):
    r = await platform.client.get("/v1/enrolments/batch", headers={"Accept-Language": "en"})
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json()["title"] == "Method not allowed"
    r = await platform.client.patch("/v1/learners/imports", json={})
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    r = await platform.client.delete("/v1/organizations/import-template.xlsx")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    # an id route still answers ids, in either case and with or without hyphens
    missing = uuid.uuid4()
    for text in (str(missing), str(missing).upper(), missing.hex):
        r = await platform.client.get(f"/v1/enrolments/{text}")
        assert r.status_code == 404, (text, r.text)


async def test_a_date_is_exactly_yyyy_mm_dd(platform):
    alliance = str(uuid.uuid4())
    for value in ("0", "1700000000", "20240301", "2024-03-01T00:00:00"):
        r = await platform.client.get(f"/v1/alliances/{alliance}/members", params={"as_of": value})
        assert r.status_code == 422, (value, r.text)
        assert r.json()["errors"][0]["loc"] == ["query", "as_of"] and r.json()["errors"][0]["type"] == "date_type"
        r = await platform.client.get("/v1/training-stats", params={"period_start": value, "period_end": "2024-12-31"})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "period_start"], r.text
    r = await platform.client.get("/v1/memberships", params={"active_between": "20240101,20241231"})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "period_format", r.text
    r = await platform.client.post(
        "/v1/programmes",
        json={"name": "日期测试班", "kind": "order_class", "start_on": 0, "end_on": "2026-06-30", "planned_hours": 8},
    )
    assert r.status_code == 422 and ["body", "start_on"] in [e["loc"] for e in r.json()["errors"]], r.text


async def test_patch_schemas_say_nullable_exactly_where_null_is_accepted(platform, doc):
    """`null` for a field the document calls nullable is accepted (it clears the field; on a record that does not
    exist the answer is then 404); for any other field it is 422 naming the field."""
    schemas = doc["components"]["schemas"]
    wrong: list[str] = []
    checked = 0
    for path, method, op in api_operations(doc):
        if method != "patch":
            continue
        ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = schemas[ref.removeprefix("#/components/schemas/")]
        url = _fill(path, doc["paths"][path])
        for name, prop in body["properties"].items():
            nullable = any(branch.get("type") == "null" for branch in prop.get("anyOf", []))
            r = await platform.client.patch(url, json={name: None})
            checked += 1
            locs = [e["loc"] for e in r.json().get("errors", [])] if r.status_code == 422 else []
            if nullable and r.status_code != 404:
                wrong.append(f"PATCH {path} {name}: nullable, answered {r.status_code} {locs}")
            if not nullable and ["body", name] not in locs:
                wrong.append(f"PATCH {path} {name}: not nullable, answered {r.status_code}")
    assert checked > 50 and wrong == []
    assert "anyOf" not in schemas["ProgrammeUpdate"]["properties"]["name"]
    assert {"type": "null"} in schemas["ProgrammeUpdate"]["properties"]["capacity"]["anyOf"]


async def test_lengths_stated_in_descriptions_are_schema_constraints(platform, doc):
    stated = re.compile(r"\((\d+)–(\d+) characters|: (\d+)–(\d+) characters|— (\d+)–(\d+) characters")
    loose: list[str] = []
    for name, schema in doc["components"]["schemas"].items():
        for prop_name, prop in schema.get("properties", {}).items():
            m = stated.search(prop.get("description", ""))
            if m is None:
                continue
            low = int(next(g for g in m.groups() if g is not None))
            text = next((b for b in prop.get("anyOf", [prop]) if b.get("type") == "string"), {})
            if text.get("minLength") != low:
                loose.append(f"{name}.{prop_name}: minLength {text.get('minLength')}, described {low}")
    assert loose == []
    r = await platform.client.post(
        "/v1/organizations", json={"name": "王", "org_type": "other", "region_code": "110105"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "name"]
    assert r.json()["errors"][0]["type"] == "length"
