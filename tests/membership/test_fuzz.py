"""Fuzzing: whatever a client sends, the answer is a 2xx or a 4xx problem — never a 500."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import scanning_client  # noqa: F401 - the fixture's client scans every response

FIELDS = ["name", "org_type", "region_code", "credit_code", "industry_codes", "extra"]
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(
        [
            "山东工业职业学院",
            "enterprise",
            "370303",
            "999999",
            "91350100M000100Y43",
            "９１",
            "\u0000",
            "a" * 300,
            "' or 1=1 --",
            "%",
            "_",
            "\\",
        ]
    ),
    st.lists(st.text(max_size=6), max_size=25),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
bodies = st.dictionaries(st.sampled_from(FIELDS), values, max_size=6)
FUZZ = settings(
    max_examples=120, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def _is_problem(r) -> bool:
    return r.status_code < 500 and (r.status_code < 400 or r.headers["content-type"].startswith("application/problem"))


@FUZZ
@given(body=bodies)
async def test_create_never_500(membership_client, body):
    r = await membership_client.post("/v1/organizations", json=body)
    assert _is_problem(r), (r.status_code, r.text)


@FUZZ
@given(body=bodies)
async def test_patch_never_500(membership_client, body):
    created = await membership_client.post(
        "/v1/organizations", json={"name": "模糊测试单位", "org_type": "other", "region_code": "110105"}
    )
    location = (
        created.headers.get("location")
        or (await membership_client.get("/v1/organizations", params={"q": "模糊测试单位"})).json()["items"][0]["id"]
    )
    url = location if location.startswith("/") else f"/v1/organizations/{location}"
    r = await membership_client.patch(url, json=body)
    assert _is_problem(r), (r.status_code, r.text)


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["limit", "cursor", "org_type", "region_prefix", "q", "updated_since", "include_deleted", "other"]
        ),
        st.text(max_size=30),
        max_size=5,
    ),
    raw=st.binary(max_size=64),
)
async def test_list_and_raw_bodies_never_500(membership_client, params, raw):
    r = await membership_client.get("/v1/organizations", params=params)
    assert _is_problem(r), (r.status_code, r.text)
    r = await membership_client.post("/v1/organizations", content=raw, headers={"content-type": "application/json"})
    assert _is_problem(r), (r.status_code, r.text)
    r = await membership_client.get("/v1/reference/regions", params=params)
    assert _is_problem(r), (r.status_code, r.text)
    assert json.loads(r.text)
