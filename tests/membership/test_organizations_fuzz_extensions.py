"""Fuzzing the organization extensions: whatever a client sends, a 2xx or a 4xx problem — never a 500."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        ["inactive", "active", "2025-01-01", "9999-12-31", "460104", "national", str(uuid.uuid4()), "\u0000"]
    ),
    st.lists(
        st.one_of(st.text(max_size=6), st.integers(), st.dictionaries(st.text(max_size=8), st.integers())), max_size=5
    ),
    st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=6), st.integers()), max_size=4),
)
honour = st.fixed_dictionaries(
    {}, optional={"title": values, "level": values, "year": values, "issuer": values, "x": values}
)
org_bodies = st.dictionaries(
    st.sampled_from(["name", "org_type", "region_code", "parent_id", "sponsor_org_id", "honours", "credit_code"]),
    st.one_of(values, st.lists(honour, max_size=3)),
    max_size=7,
)
FUZZ = settings(
    max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def _ok(r) -> bool:
    return r.status_code < 500 and (r.status_code < 400 or r.headers["content-type"].startswith("application/problem"))


async def _school(client) -> str:
    r = await client.post(
        "/v1/organizations", json={"name": "模糊测试学院", "org_type": "higher_vocational", "region_code": "370303"}
    )
    if r.status_code == 201:
        return r.json()["id"]
    return (
        r.json()["existing_id"]
        if "existing_id" in r.json()
        else (await client.get("/v1/organizations", params={"q": "模糊测试学院"})).json()["items"][0]["id"]
    )


@FUZZ
@given(body=org_bodies)
async def test_create_patch_and_batch_never_500(membership_client, body):
    r = await membership_client.post("/v1/organizations", json=body)
    assert _ok(r), (r.status_code, r.text)
    school = await _school(membership_client)
    r = await membership_client.patch(f"/v1/organizations/{school}", json=body)
    assert _ok(r), (r.status_code, r.text)
    r = await membership_client.post("/v1/organizations/batch", json={"items": [body, body]})
    assert _ok(r), (r.status_code, r.text)
    r = await membership_client.post("/v1/organizations/batch", params={"atomic": "true"}, json={"items": [body]})
    assert _ok(r), (r.status_code, r.text)


@FUZZ
@given(
    majors=st.one_of(
        values,
        st.lists(st.dictionaries(st.sampled_from(["major_code", "enrolment", "graduates", "y"]), values), max_size=4),
    ),
    year=st.one_of(values, st.integers(min_value=1900, max_value=2200)),
    stats=st.dictionaries(st.sampled_from(["full_time_enrolment", "students", "graduates", "z"]), values, max_size=4),
    path_year=st.one_of(st.integers(min_value=-5, max_value=99999), st.text(max_size=6)),
)
async def test_school_data_never_500(membership_client, majors, year, stats, path_year):
    school = await _school(membership_client)
    path_year = quote(str(path_year), safe="")
    r = await membership_client.put(f"/v1/organizations/{school}/majors", json={"year": year, "majors": majors})
    assert _ok(r), (r.status_code, r.text)
    r = await membership_client.get(f"/v1/organizations/{school}/majors", params={"year": str(year)})
    assert _ok(r), (r.status_code, r.text)
    r = await membership_client.put(f"/v1/organizations/{school}/school-stats/{path_year}", json=stats)
    assert _ok(r), (r.status_code, r.text)
    r = await membership_client.get(f"/v1/organizations/{school}/school-stats/{path_year}")
    assert _ok(r), (r.status_code, r.text)


@FUZZ
@given(
    body=st.dictionaries(st.sampled_from(["to", "effective_on", "reason", "x"]), values, max_size=4),
    params=st.dictionaries(st.sampled_from(["limit", "cursor", "parent_id", "status", "q"]), st.text(max_size=20)),
)
async def test_status_changes_and_filters_never_500(membership_client, body, params):
    school = await _school(membership_client)
    r = await membership_client.post(f"/v1/organizations/{school}/status-changes", json=body)
    assert _ok(r), (r.status_code, r.text)
    r = await membership_client.get(f"/v1/organizations/{school}/status-changes", params=params)
    assert _ok(r), (r.status_code, r.text)
    r = await membership_client.get("/v1/organizations", params=params)
    assert _ok(r), (r.status_code, r.text)


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda t: ("单位名称,单位类型,行政区划代码,统一社会信用代码\n" + t).encode()),
        st.lists(st.lists(st.text(max_size=12), min_size=4, max_size=4), max_size=4).map(
            lambda rows: "\n".join(["单位名称,单位类型,行政区划代码,行业代码"] + [",".join(r) for r in rows]).encode(
                "gb18030", "replace"
            )
        ),
    ),
    filename=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a.txt", "a", "a.pdf"]),
)
async def test_imports_never_500(membership_client, data, filename):
    r = await membership_client.post(
        "/v1/organizations/imports", params={"dry_run": "true"}, files={"file": (filename, data, "text/csv")}
    )
    assert _ok(r), (r.status_code, r.text)
