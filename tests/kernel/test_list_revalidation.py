"""Revalidation of answers without a version (chanjiao/etag.py): every list page, the reference tables and
`/v1/users/me` carry a content `ETag`; `If-None-Match` with it answers 304 with no body, in process and through
the gateway with compression; a change answers 200 with a new tag. docs/sync.md, "Revalidation"."""

from __future__ import annotations

import json
import time
import uuid

import httpx

from chanjiao.auth import api_routes
from chanjiao.etag import content_etag, is_page_route, page_etag
from tests.gateway.conftest import BOOTSTRAP_ADMIN, Platform, bearer, platform  # noqa: F401 - fixture re-exported

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GZIP = {"Accept-Encoding": "gzip"}


def new_org() -> dict[str, str]:
    return {"name": f"缓存校验单位{uuid.uuid4().hex[:8]}", "org_type": "enterprise", "region_code": "370102"}


async def test_a_list_page_revalidates_and_changes_after_a_write(membership_client: httpx.AsyncClient):
    client = membership_client
    name = new_org()["name"]
    r = await client.post("/v1/organizations", json={**new_org(), "name": name})
    assert r.status_code == 201, r.text
    query = f"/v1/organizations?q={name[:10]}&limit=20"
    r = await client.get(query)
    assert r.status_code == 200 and [o["name"] for o in r.json()["items"]] == [name]
    etag = r.headers["etag"]
    assert etag.startswith('W/"') and r.headers["cache-control"] == "private, no-cache"

    again = await client.get(query, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["cache-control"] == "private, no-cache"
    other = await client.get(query, headers={"If-None-Match": 'W/"somethingelse"'})
    assert other.status_code == 200 and other.headers["etag"] == etag

    r = await client.post("/v1/organizations", json={**new_org(), "name": name + "二"})
    assert r.status_code == 201, r.text
    changed = await client.get(query, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and len(changed.json()["items"]) == 2
    assert changed.headers["etag"] != etag and changed.headers["etag"] == page_etag(changed.content)


async def test_an_export_is_not_tagged(membership_client: httpx.AsyncClient):
    r = await membership_client.get("/v1/organizations?org_type=enterprise", headers={"Accept": XLSX})
    assert r.status_code == 200 and r.headers["content-type"].startswith(XLSX)
    assert "etag" not in r.headers and r.headers["cache-control"] == "private, no-cache"  # tenant data


async def test_tagging_a_500_row_page_costs_little():
    page = json.dumps(
        {"items": [{"id": str(uuid.uuid4()), "name": "学员" * 20, "notes": "x" * 200} for _ in range(500)]},
        ensure_ascii=False,
    ).encode()
    assert len(page) > 150_000  # about a 500-row page of learners
    start = time.perf_counter()
    for _ in range(100):
        content_etag(page)
    assert (time.perf_counter() - start) / 100 < 0.005  # well under a millisecond on an idle core


async def test_reference_tables_revalidate_and_change_with_an_override(membership_client: httpx.AsyncClient):
    client = membership_client
    query = "/v1/reference/majors?parent_code=4103&limit=100"
    r = await client.get(query)
    assert r.status_code == 200, r.text
    etag = r.headers["etag"]
    assert r.headers["cache-control"] == "public, max-age=3600" and etag.startswith('W/"')
    assert "last-modified" not in r.headers  # as shipped: no natural time
    r = await client.get(query, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b"" and r.headers["cache-control"] == "public, max-age=3600"

    one = await client.get("/v1/reference/regions/370303")
    assert one.status_code == 200 and one.headers["cache-control"] == "public, max-age=3600"
    r = await client.get("/v1/reference/regions/370303", headers={"If-None-Match": one.headers["etag"]})
    assert r.status_code == 304 and r.headers["etag"] == one.headers["etag"]

    codes = {i["code"] for i in (await client.get(query)).json()["items"]}
    code = next(f"4103{n:02d}" for n in range(90, 100) if f"4103{n:02d}" not in codes)
    added = await client.post(
        "/v1/reference/majors", json={"code": code, "name": "缓存测试专业", "level": "major", "parent_code": "4103"}
    )
    assert added.status_code == 201, added.text
    r = await client.get(query, headers={"If-None-Match": etag})
    assert r.status_code == 200 and code in {i["code"] for i in r.json()["items"]}
    assert r.headers["etag"] != etag and r.headers["last-modified"].endswith(" GMT")
    r = await client.get(f"/v1/reference/majors/{code}")
    assert r.headers["last-modified"].endswith(" GMT")


async def test_through_the_gateway_a_compressed_list_still_revalidates(platform: Platform):  # noqa: F811
    client = platform.client
    r = await client.post("/v1/organizations", json=new_org())
    assert r.status_code == 201, r.text
    for query in ("/v1/organizations?limit=200", "/v1/reference/regions?limit=500"):
        r = await client.get(query, headers=GZIP)
        assert r.status_code == 200 and r.headers["content-encoding"] == "gzip", query
        etag = r.headers["etag"]
        assert etag.startswith('W/"') and etag.endswith('-gzip"')
        r = await client.get(query, headers={**GZIP, "If-None-Match": etag})
        assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == etag, query
        plain = await client.get(query, headers={"Accept-Encoding": "identity"})  # uncompressed: no suffix
        assert plain.status_code == 200 and plain.headers["etag"] == etag.removesuffix('-gzip"') + '"'


async def test_users_me_revalidates_per_token(platform: Platform):  # noqa: F811
    login, password = BOOTSTRAP_ADMIN

    async def token(scope: str | None = None) -> dict[str, str]:
        form = {"grant_type": "password", "username": login, "password": password}
        r = await platform.anonymous.post("/v1/auth/token", data={**form, **({"scope": scope} if scope else {})})
        assert r.status_code == 200, r.text
        return bearer(r.json()["access_token"])

    full = await token()
    r = await platform.anonymous.get("/v1/users/me", headers=full)
    assert r.status_code == 200 and r.json()["login"] == login
    etag = r.headers["etag"]
    assert r.headers["cache-control"] == "private, no-cache"
    r = await platform.anonymous.get("/v1/users/me", headers={**full, "If-None-Match": etag})
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == etag
    narrow = await token("membership:read")
    r = await platform.anonymous.get("/v1/users/me", headers={**narrow, "If-None-Match": etag})
    assert r.status_code == 200 and r.json()["scopes"] == ["membership:read"] and r.headers["etag"] != etag


def _page_operations(schema: dict) -> list[tuple[str, str]]:
    """(path, operation id) of every GET whose 200 JSON answer is a page with `items`."""
    found = []
    for path, ops in schema["paths"].items():
        op = ops.get("get")
        if not op:
            continue
        ref = op["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        name = ref.get("$ref", "").rsplit("/", 1)[-1]
        if "items" in schema["components"]["schemas"].get(name, {}).get("properties", {}):
            found.append((path, op["operationId"]))
    return found


async def test_every_list_of_the_merged_api_is_tagged(platform: Platform):  # noqa: F811
    r = await platform.client.get("/openapi.json")
    assert r.status_code == 200
    lists = _page_operations(r.json())
    assert len(lists) >= 20
    apps = [u.app for u in platform.upstreams.values()]
    page_paths = {c.path_format for app in apps for c in api_routes(app.routes) if is_page_route(c.original_route)}
    assert {p for p, _ in lists} - page_paths == set()  # every documented list is a page route: it gets a tag
    called = 0
    for path, op_id in lists:
        if "{" in path:
            continue
        r = await platform.client.get(path)
        assert r.status_code == 200, (op_id, r.text)
        assert r.headers.get("etag", "").startswith('W/"'), op_id
        called += 1
    assert called >= 10
