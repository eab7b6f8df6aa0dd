"""`/v1/reference/*`: the shipped tables, read-only and public, plus admin overrides."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

from chanjiao.auth import ALL_SCOPES, Principal
from tests.conftest import token_headers


class _FreshHeaders(Mapping[str, str]):
    """The principal's internal-token header, signed when sent: a token made at import time (the parameters of
    a test are built at collection) expires after a minute, before a long suite reaches this module."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    def _headers(self) -> dict[str, str]:
        return token_headers(self.principal)

    def __getitem__(self, key: str) -> str:
        return self._headers()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers())

    def __len__(self) -> int:
        return len(self._headers())


ADMIN = _FreshHeaders(Principal(kind="user", subject="admin", roles=("platform_admin",), scopes=ALL_SCOPES))


async def test_children_of_a_province(membership_client):
    r = await membership_client.get("/v1/reference/regions", params={"parent_code": "370000", "limit": 500})
    assert r.status_code == 200 and r.headers["cache-control"].startswith("public")
    names = [i["name"] for i in r.json()["items"]]
    assert "济南市" in names and "淄博市" in names and len(names) == 16


async def test_one_code_and_not_found(membership_client):
    r = await membership_client.get("/v1/reference/majors/460301")
    assert r.status_code == 200 and r.json()["source"] == "shipped"
    r = await membership_client.get("/v1/reference/occupations/6-31-01-02")
    assert r.status_code == 200 and r.json()["level"] == "4"
    assert (await membership_client.get("/v1/reference/industries/0000")).status_code == 404


async def test_search_and_paginate(membership_client):
    r = await membership_client.get("/v1/reference/majors", params={"q": "机器人", "limit": 3})
    page = r.json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    nxt = (
        await membership_client.get(
            "/v1/reference/majors", params={"q": "机器人", "limit": 3, "cursor": page["next_cursor"]}
        )
    ).json()
    assert not {i["code"] for i in page["items"]} & {i["code"] for i in nxt["items"]}
    assert all("机器人" in i["name"] for i in page["items"] + nxt["items"])


@pytest.mark.parametrize("headers,status", [({}, 201), (ADMIN, 201)])
async def test_adding_a_code_makes_it_known(membership_client, headers, status):
    # without extra headers the client calls as its default principal (a platform admin)
    code = "370398" if not headers else "370397"
    org = await membership_client.post(
        "/v1/organizations", json={"name": f"新区学校{code}", "org_type": "other", "region_code": code}
    )
    assert org.json()["region"]["code_known"] is False
    r = await membership_client.post(
        "/v1/reference/regions",
        headers=headers,
        json={"code": code, "name": "淄博新区", "level": "county", "parent_code": "370300"},
    )
    assert r.status_code == status and r.json()["source"] == "override"
    again = await membership_client.get(org.headers["location"])
    assert again.json()["region"] == {
        "code": code,
        "name": "淄博新区",
        "code_known": True,
        "province": "山东省",
        "city": "淄博市",
    }
    dup = await membership_client.post(
        "/v1/reference/regions", headers=headers, json={"code": code, "name": "x", "level": "county"}
    )
    assert dup.status_code == 409


async def test_malformed_override_is_422(membership_client):
    r = await membership_client.post(
        "/v1/reference/majors", headers=ADMIN, json={"code": "12AB", "name": "x", "level": "major"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "code"]


async def test_non_admin_cannot_add_codes(membership_client):
    user = token_headers(Principal(kind="user", subject="clerk", scopes=("membership:write",)))
    r = await membership_client.post(
        "/v1/reference/industries", headers=user, json={"code": "3399", "name": "x", "level": "4"}
    )
    assert r.status_code == 403
