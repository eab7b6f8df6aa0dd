"""A list that syncs by token keeps its `ETag` while its rows stay the same: the tag leaves out the sync watermark
(`sync_token`, and the token carried in `next_cursor`), which moves after any write in the service
(chanjiao/etag.py, docs/sync.md "Revalidation")."""

from __future__ import annotations

import uuid

import httpx

from chanjiao.etag import _SYNC_TAIL, content_etag, page_etag
from chanjiao.pagination import encode_cursor


def new_org(name: str) -> dict[str, str]:
    return {"name": name, "org_type": "enterprise", "region_code": "370102"}


async def test_a_write_the_page_does_not_show_keeps_the_tag(membership_client: httpx.AsyncClient):
    client = membership_client
    stem = f"同步缓存{uuid.uuid4().hex[:8]}"
    ids = []
    for suffix in ("甲", "乙"):
        r = await client.post("/v1/organizations", json=new_org(stem + suffix))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    queries = [f"/v1/organizations?q={stem}&limit=20", f"/v1/organizations?q={stem}&limit=1"]  # one page; two
    first = {q: await client.get(q) for q in queries}
    for r in first.values():
        assert r.status_code == 200 and r.json()["sync_token"], r.text
        assert _SYNC_TAIL.search(r.content) is not None  # real pages take the fast path, without parsing
    assert first[queries[1]].json()["next_cursor"] is not None

    # Writes elsewhere: another table (a person) and a row of the same table outside the filter.
    r = await client.post("/v1/organizations", json=new_org(f"别的单位{uuid.uuid4().hex[:8]}"))
    assert r.status_code == 201, r.text
    r = await client.post("/v1/people", json={"name": "李同步", "org_id": r.json()["id"]})
    assert r.status_code == 201, r.text

    for q, before in first.items():
        now = await client.get(q)
        assert now.status_code == 200
        assert now.json()["sync_token"] != before.json()["sync_token"]  # the watermark did move
        assert now.json()["items"] == before.json()["items"]
        assert now.headers["etag"] == before.headers["etag"], q
        again = await client.get(q, headers={"If-None-Match": before.headers["etag"]})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == before.headers["etag"]
        assert again.headers["cache-control"] == "private, no-cache"

    # A write to a row the page shows changes the tag.
    r = await client.patch(f"/v1/organizations/{ids[0]}", json={"name": stem + "丙"})
    assert r.status_code == 200, r.text
    for q, before in first.items():
        changed = await client.get(q, headers={"If-None-Match": before.headers["etag"]})
        assert changed.status_code == 200 and changed.headers["etag"] != before.headers["etag"], q
        assert changed.headers["etag"] == page_etag(changed.content)


async def test_a_page_without_a_watermark_is_tagged_by_all_its_bytes():
    body = b'{"items":[{"id":1}],"next_cursor":null,"sync_token":null}'
    assert page_etag(body) == content_etag(body)
    token_a = b'{"items":[{"id":1}],"next_cursor":null,"sync_token":"100"}'
    token_b = b'{"items":[{"id":1}],"next_cursor":null,"sync_token":"250"}'
    assert page_etag(token_a) == page_etag(token_b) != page_etag(token_a.replace(b'"id":1', b'"id":2'))


async def test_the_watermark_is_left_out_however_the_page_is_laid_out():
    tail_last = b'{"items":[{"id":1}],"next_cursor":null,"sync_token":"100"}'
    token_first = b'{"sync_token":"250","items":[{"id":1}],"next_cursor":null}'
    assert page_etag(token_first) == page_etag(tail_last.replace(b'"100"', b'"7"'))
    # A string that merely contains the key is data, not the watermark.
    quoted = b'{"items":[{"note":"\\",\\"sync_token\\":\\"1\\"}"}],"next_cursor":null,"sync_token":null}'
    assert page_etag(quoted) == content_etag(quoted)


async def test_the_token_inside_the_cursor_is_left_out_but_the_position_is_not():
    def page(token: int, last_id: uuid.UUID) -> bytes:
        cursor = encode_cursor([token, last_id]).encode()  # a sync walk's cursor: [token, *last key]
        return b'{"items":[{"id":1}],"next_cursor":"' + cursor + b'","sync_token":"' + str(token).encode() + b'"}'

    here = uuid.uuid4()
    assert page_etag(page(100, here)) == page_etag(page(250, here))
    assert page_etag(page(100, here)) != page_etag(page(100, uuid.uuid4()))
