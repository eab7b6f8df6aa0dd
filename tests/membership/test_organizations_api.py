"""`/v1/organizations` through the membership app (ASGI, real Postgres clone per module)."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from chanjiao.auth import Principal
from tests.conftest import token_headers

VALID_CODES = ["91350100M000100Y43", "9144030010001686XA", "91440300100012316L", "91520000214434146R"]

pytestmark = pytest.mark.smoke


def org(**overrides: object) -> dict:
    body = {"name": f"测试职业学院{uuid.uuid4().hex[:6]}", "org_type": "higher_vocational", "region_code": "370303"}
    body.update(overrides)
    return body


class TestCreate:
    async def test_created_with_location_etag_and_region_names(self, membership_client):
        r = await membership_client.post("/v1/organizations", json=org(name="  山东工业职业学院  "))
        assert r.status_code == 201
        body = r.json()
        assert r.headers["location"] == f"/v1/organizations/{body['id']}"
        assert r.headers["etag"] == '"1"'
        assert body["name"] == "山东工业职业学院"  # trimmed
        assert body["region"] == {
            "code": "370303",
            "name": "张店区",
            "code_known": True,
            "province": "山东省",
            "city": "淄博市",
        }
        assert uuid.UUID(body["id"]).version == 7
        got = await membership_client.get(body["location"] if "location" in body else r.headers["location"])
        assert got.status_code == 200 and got.json() == body

    async def test_credit_code_normalised_from_full_width_and_lower_case(self, membership_client):
        r = await membership_client.post(
            "/v1/organizations", json=org(credit_code="９１４４０３００１０００１６８６ｘａ")
        )
        assert r.status_code == 201, r.text
        assert r.json()["credit_code"] == "9144030010001686XA"

    @pytest.mark.parametrize("lang,title", [(None, "输入校验未通过"), ("en", "Validation failed")])
    async def test_wrong_check_character_is_422_naming_the_field_without_echo(self, membership_client, lang, title):
        headers = {"Accept-Language": lang} if lang else {}
        r = await membership_client.post(
            "/v1/organizations", json=org(credit_code="91350100M000100Y4Z"), headers=headers
        )
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["title"] == title
        assert problem["errors"][0]["loc"] == ["body", "credit_code"]
        assert problem["errors"][0]["type"] == "check_character"
        assert "91350100M000100Y4Z" not in r.text and "input" not in problem["errors"][0]
        assert problem["request_id"]

    async def test_closed_enum_lists_allowed_values(self, membership_client):
        r = await membership_client.post("/v1/organizations", json=org(org_type="university"))
        assert r.status_code == 422
        msg = r.json()["errors"][0]["msg"]
        assert "higher_vocational" in msg and "technician_college" in msg

    async def test_missing_fields_and_bad_json(self, membership_client):
        r = await membership_client.post("/v1/organizations", json={"name": "山东"})
        assert r.status_code == 422
        assert {tuple(e["loc"]) for e in r.json()["errors"]} == {("body", "org_type")}
        # In China (the default country) the region code is required too.
        r = await membership_client.post("/v1/organizations", json={"name": "山东", "org_type": "enterprise"})
        assert r.status_code == 422
        assert [(tuple(e["loc"]), e["type"]) for e in r.json()["errors"]] == [(("body", "region_code"), "required")]
        r = await membership_client.post(
            "/v1/organizations", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert r.status_code in (400, 422)
        assert r.headers["content-type"].startswith("application/problem+json")

    async def test_region_codes(self, membership_client):
        r = await membership_client.post("/v1/organizations", json=org(region_code="999999"))
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "province"
        r = await membership_client.post("/v1/organizations", json=org(region_code="37033"))
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "format"
        r = await membership_client.post("/v1/organizations", json=org(region_code="370399"))  # well-formed, unknown
        assert r.status_code == 201
        assert r.json()["region"]["code_known"] is False
        assert r.json()["region"]["province"] == "山东省"

    async def test_industry_codes_flagged(self, membership_client):
        r = await membership_client.post(
            "/v1/organizations", json=org(org_type="enterprise", industry_codes=["3120", "9999"])
        )
        assert r.status_code == 201
        inds = r.json()["industries"]
        assert inds[0] == {"code": "3120", "name": "炼钢", "code_known": True}
        assert inds[1]["code_known"] is False

    async def test_duplicates_are_409(self, membership_client):
        first = await membership_client.post("/v1/organizations", json=org(credit_code=VALID_CODES[3]))
        assert first.status_code == 201
        again = await membership_client.post("/v1/organizations", json=org(credit_code=VALID_CODES[3]))
        assert again.status_code == 409
        assert again.json()["existing_id"] == first.json()["id"]
        same = org(name="淄博市重复测试学校")
        assert (await membership_client.post("/v1/organizations", json=same)).status_code == 201
        assert (await membership_client.post("/v1/organizations", json=same)).status_code == 409
        # same name in another region is a different unit
        assert (
            await membership_client.post("/v1/organizations", json={**same, "region_code": "370102"})
        ).status_code == 201


class TestIdempotency:
    async def test_retry_returns_first_response(self, membership_client):
        body = org()
        h = {"Idempotency-Key": "k-" + uuid.uuid4().hex}
        a = await membership_client.post("/v1/organizations", json=body, headers=h)
        b = await membership_client.post("/v1/organizations", json=body, headers=h)
        assert a.status_code == b.status_code == 201
        assert a.json() == b.json()
        assert b.headers["idempotent-replayed"] == "true" and b.headers["location"] == a.headers["location"]

    async def test_same_key_other_body_is_422(self, membership_client):
        h = {"Idempotency-Key": "k-" + uuid.uuid4().hex}
        assert (await membership_client.post("/v1/organizations", json=org(), headers=h)).status_code == 201
        r = await membership_client.post("/v1/organizations", json=org(), headers=h)
        assert r.status_code == 422 and r.json()["code"] == "idempotency_key_reused"

    async def test_keys_are_scoped_to_the_principal(self, membership_client):
        h = {"Idempotency-Key": "shared-key-" + uuid.uuid4().hex}
        body = org()
        a = await membership_client.post("/v1/organizations", json=body, headers=h)
        other = {
            **h,
            **token_headers(
                Principal(kind="user", subject="someone-else", roles=("alliance_admin",), scopes=("membership:write",))
            ),
        }
        b = await membership_client.post("/v1/organizations", json=body, headers=other)
        assert a.status_code == 201 and b.status_code == 409  # a real second create (duplicate name), not a replay

    async def test_failed_request_does_not_burn_the_key(self, membership_client):
        h = {"Idempotency-Key": "k-" + uuid.uuid4().hex}
        body = org(region_code="999999")
        assert (await membership_client.post("/v1/organizations", json=body, headers=h)).status_code == 422
        fixed = {**body, "region_code": "370303"}
        # a different body with the same key: the failed attempt left no reservation behind
        assert (await membership_client.post("/v1/organizations", json=fixed, headers=h)).status_code == 201

    async def test_concurrent_duplicates_create_once(self, membership_client):
        body = org()
        h = {"Idempotency-Key": "k-" + uuid.uuid4().hex}
        results = await asyncio.gather(
            *(membership_client.post("/v1/organizations", json=body, headers=h) for _ in range(5))
        )
        statuses = sorted(r.status_code for r in results)
        assert all(s in (201, 409) for s in statuses) and 201 in statuses
        ids = {r.json()["id"] for r in results if r.status_code == 201}
        assert len(ids) == 1


class TestReadUpdateDelete:
    async def test_unknown_and_malformed_ids(self, membership_client):
        r = await membership_client.get(f"/v1/organizations/{uuid.uuid4()}")
        assert r.status_code == 404 and r.json()["type"].endswith("organization-not-found")
        assert (await membership_client.get("/v1/organizations/not-a-uuid")).status_code == 404  # no such path

    async def test_if_none_match_gives_304(self, membership_client):
        created = (await membership_client.post("/v1/organizations", json=org())).json()
        r = await membership_client.get(f"/v1/organizations/{created['id']}", headers={"If-None-Match": '"1"'})
        assert r.status_code == 304

    async def test_patch_with_etags(self, membership_client):
        created = (await membership_client.post("/v1/organizations", json=org())).json()
        url = f"/v1/organizations/{created['id']}"
        r = await membership_client.patch(url, json={"name": "改名后的职业学院"}, headers={"If-Match": '"1"'})
        assert r.status_code == 200 and r.headers["etag"] == '"2"' and r.json()["name"] == "改名后的职业学院"
        stale = await membership_client.patch(url, json={"org_type": "undergraduate"}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412 and stale.json()["current_etag"] == '"2"'
        assert (await membership_client.get(url)).json()["org_type"] == "higher_vocational"  # nothing half-written
        r = await membership_client.patch(url, json={"org_type": "undergraduate"})  # If-Match is optional
        assert r.status_code == 200 and r.json()["version"] == 3
        bad = await membership_client.patch(url, json={"name": None})
        assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "name"]
        bad = await membership_client.patch(url, json={"unknown_field": 1})
        assert bad.status_code == 422

    async def test_delete_is_soft_and_frees_the_credit_code(self, membership_client):
        created = (await membership_client.post("/v1/organizations", json=org(credit_code=VALID_CODES[2]))).json()
        url = f"/v1/organizations/{created['id']}"
        assert (await membership_client.delete(url, headers={"If-Match": '"7"'})).status_code == 412
        assert (await membership_client.delete(url, headers={"If-Match": '"1"'})).status_code == 204
        assert (await membership_client.get(url)).status_code == 404
        again = await membership_client.post("/v1/organizations", json=org(credit_code=VALID_CODES[2]))
        assert again.status_code == 201

    async def test_every_write_leaves_audit_and_outbox_rows(self, membership_client, database):
        created = (await membership_client.post("/v1/organizations", json=org())).json()
        await membership_client.patch(f"/v1/organizations/{created['id']}", json={"name": "审计测试职业学院"})
        conn = await asyncpg.connect(database.admin_url)
        try:
            audit = await conn.fetch(
                "select action, diff, request_id from membership.audit_log where entity_id=$1 order by occurred_at",
                uuid.UUID(created["id"]),
            )
            events = await conn.fetch(
                "select type, seq from membership.outbox where aggregate_id=$1 order by seq", uuid.UUID(created["id"])
            )
        finally:
            await conn.close()
        assert [a["action"] for a in audit] == ["create", "update"]
        assert '"审计测试职业学院"' in audit[1]["diff"] and audit[1]["request_id"]
        assert [(e["type"], e["seq"]) for e in events] == [("organization.created", 1), ("organization.updated", 2)]


class TestList:
    async def test_pagination_filters_and_search(self, membership_client):
        tag = uuid.uuid4().hex[:4]
        names = [
            f"青岛{tag}港湾职业技术学院",
            f"青岛{tag}酒店管理职业技术学院",
            f"青岛{tag}黄海学院",
            f"烟台{tag}汽车工程职业学院",
            f"青岛{tag}海尔集团",
        ]
        types = ["higher_vocational", "higher_vocational", "undergraduate", "higher_vocational", "enterprise"]
        regions = ["370211", "370212", "370211", "370602", "370214"]
        for n, t, rc in zip(names, types, regions, strict=True):
            assert (
                await membership_client.post("/v1/organizations", json={"name": n, "org_type": t, "region_code": rc})
            ).status_code == 201
        seen, cursor = [], None
        while True:
            params = {"limit": 2, "q": tag}
            if cursor:
                params["cursor"] = cursor
            page = (await membership_client.get("/v1/organizations", params=params)).json()
            assert len(page["items"]) <= 2
            seen += [i["name"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(names)  # every match once, in insertion order
        assert seen == names
        r = await membership_client.get("/v1/organizations", params={"q": tag, "region_prefix": "3702"})
        assert [i["name"] for i in r.json()["items"]] == [names[0], names[1], names[2], names[4]]
        r = await membership_client.get("/v1/organizations", params={"q": f"{tag}港湾职业", "region_prefix": "37"})
        assert [i["name"] for i in r.json()["items"]] == [names[0]]
        r = await membership_client.get("/v1/organizations", params={"q": tag, "org_type": "enterprise"})
        assert [i["name"] for i in r.json()["items"]] == [names[4]]
        r = await membership_client.get("/v1/organizations", params={"q": "酒店管理职业"})
        assert names[1] in [i["name"] for i in r.json()["items"]]

    async def test_bad_list_parameters(self, membership_client):
        for params in (
            {"limit": 0},
            {"limit": 501},
            {"cursor": "garbage!"},
            {"org_type": "x"},
            {"region_prefix": "3"},
            {"q": "职"},
        ):
            r = await membership_client.get("/v1/organizations", params=params)
            assert r.status_code == (400 if "cursor" in params else 422), params  # a bad cursor: 400
            assert r.json()["errors"][0]["loc"][0] == "query"

    async def test_incremental_sync_with_tombstones(self, membership_client):
        first = (await membership_client.post("/v1/organizations", json=org())).json()
        since = first["created_at"]
        second = (await membership_client.post("/v1/organizations", json=org())).json()
        await membership_client.delete(f"/v1/organizations/{second['id']}")
        page = (
            await membership_client.get("/v1/organizations", params={"updated_since": since, "include_deleted": "true"})
        ).json()
        by_id = {i["id"]: i for i in page["items"]}
        assert by_id[second["id"]]["deleted"] is True
        assert first["id"] not in by_id  # not changed after `since`


async def test_an_abandoned_reservation_is_taken_over(membership_client, database):
    """A process that died mid-request leaves an `in_flight` key; after 2 minutes a retry proceeds."""
    key = "k-" + uuid.uuid4().hex
    body = org()
    h = {"Idempotency-Key": key}
    # Turn the finished key back into a reservation and age it: what a crashed request leaves behind.
    conn = await asyncpg.connect(database.admin_url)
    try:
        first = await membership_client.post("/v1/organizations", json=body, headers=h)
        assert first.status_code == 201
        await conn.execute(
            "update membership.idempotency_keys set state='in_flight', response_status=null, "
            "created_at = now() - interval '1 minute' where response_headers->>'location' = $1",
            first.headers["location"],
        )
        assert (await membership_client.post("/v1/organizations", json=body, headers=h)).status_code == 409
        await conn.execute(
            "update membership.idempotency_keys set created_at = now() - interval '3 minutes' "
            "where response_headers->>'location' = $1",
            first.headers["location"],
        )
    finally:
        await conn.close()
    retry = await membership_client.post("/v1/organizations", json=body, headers=h)
    assert retry.status_code == 409 and retry.json()["type"].endswith("duplicate-organization")  # really re-ran
