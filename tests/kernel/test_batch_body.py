"""`chanjiao.batch.BatchBody`: what every batch route answers for each shape of body (no database needed)."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from chanjiao.batch import BatchBody, ParsedBatch
from chanjiao.errors import install_error_handlers


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    on: date


BODY = BatchBody(Item, example={"items": [{"name": "a", "on": "2025-01-01"}]}, max_items=3, what="an Item")


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/batch", openapi_extra=BODY.openapi)
    async def batch(body: Annotated[ParsedBatch[Item], Depends(BODY)]) -> dict:
        return {
            "items": [None if i is None else i.model_dump(mode="json") for i in body.items],
            "errors": {str(k): [e.render(False)["loc"] for e in v.errors] for k, v in body.errors.items()},
        }

    return app


@pytest.fixture
async def client():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app()), base_url="http://t") as c:
        yield c


async def post(client, body, content_type="application/json"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    return await client.post("/batch", content=raw, headers=headers)


async def test_all_valid_items_come_back_validated(client):
    r = await post(client, {"items": [{"name": "a", "on": "2025-01-01"}, {"name": "b", "on": "2025-02-01"}]})
    assert r.status_code == 200
    assert r.json() == {"items": [{"name": "a", "on": "2025-01-01"}, {"name": "b", "on": "2025-02-01"}], "errors": {}}


async def test_an_invalid_item_fails_alone_naming_its_fields(client):
    r = await post(client, {"items": [{"name": "a", "on": "2025-01-01"}, {"name": "", "on": "soon", "x": 1}, "text"]})
    assert r.status_code == 200
    got = r.json()
    assert got["items"] == [{"name": "a", "on": "2025-01-01"}, None, None]
    assert sorted(got["errors"]["1"]) == [
        ["body", "items", 1, "name"],
        ["body", "items", 1, "on"],
        ["body", "items", 1, "x"],
    ]
    assert got["errors"]["2"] == [["body", "items", 2]]


@pytest.mark.parametrize(
    ("body", "status", "loc"),
    [
        (b"{not json", 400, None),
        (b"", 422, ["body"]),
        ({}, 422, ["body", "items"]),
        ({"items": []}, 422, ["body", "items"]),
        ({"items": {"name": "a"}}, 422, ["body", "items"]),
        ({"items": [{"name": "a", "on": "2025-01-01"}] * 4}, 422, ["body", "items"]),  # more than max_items
        ({"items": [{"name": "a", "on": "2025-01-01"}], "extra": 1}, 422, ["body", "extra"]),
        ([{"name": "a", "on": "2025-01-01"}], 422, ["body"]),
    ],
)
async def test_a_wrong_envelope_is_a_problem_for_the_whole_request(client, body, status, loc):
    r = await post(client, body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if loc is not None:
        assert loc in [e["loc"] for e in r.json()["errors"]]


async def test_content_type(client):
    valid = {"items": [{"name": "a", "on": "2025-01-01"}]}
    assert (await post(client, valid, "application/merge-patch+json")).status_code == 200
    assert (await post(client, valid, None)).status_code == 200  # no header: read as JSON, as FastAPI does
    r = await post(client, valid, "text/plain")
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body"]


def test_the_documented_body_refers_to_the_item_schema():
    body = BODY.openapi["requestBody"]["content"]["application/json"]
    assert body["schema"]["properties"]["items"] == {
        "type": "array",
        "minItems": 1,
        "maxItems": 3,
        "items": {"$ref": "#/components/schemas/Item"},
        "description": "Up to 3 items, each shaped like an Item",
    }
    assert body["example"] == {"items": [{"name": "a", "on": "2025-01-01"}]}
