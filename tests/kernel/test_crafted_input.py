"""Crafted input a client controls end to end — a pagination cursor, a deeply nested JSON body — is a 400 naming
what was wrong, never a 500 (chanjiao/pagination.py, chanjiao/bodies.py, chanjiao/batch.py)."""

from __future__ import annotations

import base64
import json
import logging
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from chanjiao.bodies import MAX_JSON_DEPTH
from chanjiao.errors import AppError
from chanjiao.pagination import decode_cursor, encode_cursor
from tests.kernel.test_batch_body import make_app


def b64(raw: str | bytes) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


CRAFTED_CURSORS = [
    b64('{"x":1}'),  # an object, not the list of key values
    b64('["not-a-uuid"]'),
    b64('[{"u": 1}]'),
    b64('[{"u": "0190a5b0-0000-7000-8000-000000000001", "x": 1}]'),
    b64("[1]"),
    b64("[true]"),
    b64("[null]"),
    b64("[[[[]]]]"),
    b64("[" * 300 + "]" * 300)[:512],
    "%%%",
    "!!not base64!!",
    b64(b"\xff\xfe\x00"),
]


@pytest.mark.parametrize("cursor", CRAFTED_CURSORS)
def test_a_crafted_cursor_is_refused_before_any_query(cursor):
    with pytest.raises(AppError) as exc:
        decode_cursor(cursor, [uuid.UUID])
    assert exc.value.status == 400 and exc.value.errors[0].loc == ["query", "cursor"]
    assert exc.value.errors[0].type == "cursor_invalid"


def test_each_key_value_must_have_its_column_s_type():
    u, t = uuid.uuid4(), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert decode_cursor(encode_cursor([t, u]), [datetime, uuid.UUID]) == [t, u]
    assert decode_cursor(encode_cursor(["370102"]), [str]) == ["370102"]
    assert decode_cursor(encode_cursor([7]), [int]) == [7]
    for values, kinds in [
        ([u, t], [datetime, uuid.UUID]),  # swapped
        ([datetime(2026, 1, 2)], [datetime]),  # no time zone
        ([7], [str]),
        (["7"], [int]),
        ([2**63], [int]),  # beyond bigint
        (["a\x00b"], [str]),  # PostgreSQL cannot hold NUL
        ([u], [uuid.UUID, uuid.UUID]),  # a cursor of another listing
    ]:
        with pytest.raises(AppError) as exc:
            decode_cursor(encode_cursor(values), kinds)
        assert exc.value.status == 400, values


@pytest.mark.parametrize("cursor", [b64('{"x":1}'), b64('["x"]'), b64('[{"t": "2026-01-01T00:00:00+08:00"}]')])
async def test_a_crafted_cursor_on_a_list_route_is_400_without_sql_in_the_log(membership_client, cursor, caplog):
    with caplog.at_level(logging.INFO):
        r = await membership_client.get("/v1/organizations", params={"cursor": cursor})
        assert r.status_code == 400, r.text
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body["errors"] == [
            {"loc": ["query", "cursor"], "msg": "游标无效，请使用上一页返回的 next_cursor", "type": "cursor_invalid"}
        ]
        r = await membership_client.get(
            "/v1/organizations",
            params={"cursor": cursor, "updated_since": "2020-01-01T00:00:00Z"},
            headers={"Accept-Language": "en"},
        )
        assert r.status_code == 400 and r.json()["detail"].startswith("Query parameter cursor is invalid")
        r = await membership_client.get("/v1/reference/regions", params={"cursor": b64("[1]")})
        assert r.status_code == 400 and r.json()["errors"][0]["loc"] == ["query", "cursor"]
    logged = " ".join(rec.getMessage() + str(rec.exc_info or "") for rec in caplog.records)
    assert "select" not in logged.lower() and "Traceback" not in logged


async def test_a_real_cursor_still_pages(membership_client):
    for i in range(3):
        r = await membership_client.post(
            "/v1/organizations",
            json={"name": f"游标测试企业{i}", "org_type": "enterprise", "region_code": "370102"},
        )
        assert r.status_code == 201, r.text
    first = (await membership_client.get("/v1/organizations", params={"limit": 2})).json()
    second = await membership_client.get("/v1/organizations", params={"limit": 2, "cursor": first["next_cursor"]})
    assert second.status_code == 200
    assert not {o["id"] for o in first["items"]} & {o["id"] for o in second.json()["items"]}


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def assert_too_deep(r: httpx.Response) -> None:
    assert r.status_code == 400, r.text
    body = r.json()
    assert r.headers["content-type"] == "application/problem+json" and body["max_depth"] == MAX_JSON_DEPTH
    assert body["errors"] == [
        {"loc": ["body"], "msg": f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层", "type": "json_too_deep"}
    ]


@pytest.mark.parametrize("depth", [50_000, 250])
async def test_deeply_nested_json_on_a_batch_route_is_400(membership_client, depth):
    body = b'{"items": [' + deep(depth) + b"]}"
    r = await membership_client.post(
        "/v1/organizations/batch", content=body, headers={"content-type": "application/json"}
    )
    assert_too_deep(r)


@pytest.mark.parametrize("depth", [50_000, 250])
async def test_deeply_nested_json_on_a_normal_route_is_400(membership_client, depth):
    """FastAPI's own body parsing: refused before it parses, with the same rule as the batch routes."""
    body = (
        '{"name": "嵌套", "org_type": "enterprise", "region_code": "370102", "honours": '.encode() + deep(depth) + b"}"
    )
    for content_type in ("application/json", "application/merge-patch+json", None):
        headers = {"content-type": content_type} if content_type else {}
        assert_too_deep(await membership_client.post("/v1/organizations", content=body, headers=headers))
    r = await membership_client.post(
        "/v1/organizations", content=body, headers={"content-type": "application/json", "accept-language": "en"}
    )
    assert r.status_code == 400 and r.json()["errors"][0]["msg"] == "JSON may not nest deeper than 200 levels"


async def test_nesting_within_the_limit_is_judged_by_the_route(membership_client):
    body = '{"name": "嵌套", "org_type": "enterprise", "region_code": "370102", "honours": '.encode() + deep(150) + b"}"
    r = await membership_client.post("/v1/organizations", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][:2] == ["body", "honours"]
    many = json.dumps({"items": [{"name": f"单位{i}"} for i in range(300)]}).encode()  # many brackets, shallow
    r = await membership_client.post("/v1/organizations", content=many, headers={"content-type": "application/json"})
    assert r.status_code == 422 and all(e["type"] != "json_too_deep" for e in r.json()["errors"])


async def test_batch_body_parser_refuses_deep_json_on_its_own():
    """`BatchBody` without the service middleware in front (its own parser): the same 400."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app()), base_url="http://t") as client:
        r = await client.post(
            "/batch", content=b'{"items": [' + deep(50_000) + b"]}", headers={"content-type": "application/json"}
        )
        assert_too_deep(r)
        r = await client.post("/batch", content=b'{"items": [' + deep(50) + b"]}")
        assert r.status_code == 200 and r.json()["errors"] == {"0": [["body", "items", 0]]}
