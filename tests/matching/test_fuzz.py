"""Fuzzing the demand and offer routes through the gateway: whatever a client sends — a valid body with some fields
replaced by junk, junk transitions, or junk query parameters — the answer is a 2xx or a 4xx problem, never a 500.

The suite runs 40 fixed examples per test; for a longer random hunt:
`CHANJIAO_FUZZ_EXAMPLES=400 CHANJIAO_FUZZ_RANDOM=1 .venv/bin/python -m pytest tests/matching/test_fuzz.py`."""

from __future__ import annotations

import os
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.matching.conftest import MatchingPlatform, demand_body, offer_body

FUZZ = settings(
    max_examples=int(os.environ.get("CHANJIAO_FUZZ_EXAMPLES", "40")),
    deadline=None,
    derandomize=not os.environ.get("CHANJIAO_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=list(HealthCheck),
)

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "2024-02-30",
            "9999-12-31",
            "order_class",
            "graduates",
            "open",
            "460103",
            "46010",
            "６-18-01-01",
            "999999",
            str(uuid.uuid4()),
            "\u0000",
            "a" * 5000,
            "' or 1=1 --",
            "1e309",
        ]
    ),
    st.lists(st.one_of(st.text(max_size=8), st.integers(), st.none()), max_size=5),
    st.lists(st.dictionaries(st.sampled_from(["kind", "occupation_code", "level", "x"]), st.text(max_size=8))),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)

_world: dict[str, Any] = {}


async def world(mp: MatchingPlatform) -> dict[str, Any]:
    """An enterprise and a school, each with a draft it may move, made once."""
    if not _world:
        enterprise, school = await mp.new_org("enterprise"), await mp.new_org()
        _world.update(
            enterprise=enterprise,
            school=school,
            demand=(await mp.post("demands", enterprise, demand_body(enterprise)))["id"],
            offer=(await mp.post("offers", school, offer_body(school)))["id"],
        )
    return _world


def bases(w: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "/v1/demands": (
            w["enterprise"],
            demand_body(
                w["enterprise"],
                period_start="2027-09-01",
                period_end="2030-06-30",
                deadline_on="2027-06-30",
                preferred_certificates=[{"kind": "skill_level", "occupation_code": "6-18-01-01", "level": "四级"}],
            ),
        ),
        "/v1/offers": (w["school"], offer_body(w["school"], period_start="2027-07-01", period_end="2027-12-31")),
    }


def _ok(r) -> bool:
    return r.status_code < 500 and (r.status_code < 400 or r.headers["content-type"].startswith("application/problem"))


async def test_the_fuzzed_bodies_start_from_valid_ones(mp: MatchingPlatform):
    for path, (org, body) in bases(await world(mp)).items():
        r = await mp.as_org(org).post(path, json=body)
        assert r.status_code == 201, (path, r.text)


@FUZZ
@given(
    path=st.sampled_from(["/v1/demands", "/v1/offers"]),
    replace=st.dictionaries(st.text(min_size=1, max_size=20), junk, max_size=3),
    pick=st.data(),
)
async def test_creates_and_updates_never_500(mp: MatchingPlatform, path, replace, pick):
    w = await world(mp)
    org, base = bases(w)[path]
    fields = pick.draw(st.lists(st.sampled_from(sorted(base)), max_size=3, unique=True))
    body = {**base, **{f: pick.draw(junk) for f in fields}, **replace}
    client = mp.as_org(org)
    r = await client.post(path, json=body)
    assert _ok(r), (path, r.status_code, r.text[:500])
    record = w["demand" if path == "/v1/demands" else "offer"]
    patch = {f: body[f] for f in fields if f != "org_id"} | replace
    r = await client.patch(f"{path}/{record}", json=patch)
    assert _ok(r), (path, "PATCH", r.status_code, r.text[:500])


@FUZZ
@given(
    path=st.sampled_from(["/v1/demands", "/v1/offers"]),
    body=st.dictionaries(st.sampled_from(["to", "effective_on", "reason", "x"]), junk, max_size=3),
)
async def test_transitions_never_500(mp: MatchingPlatform, path, body):
    w = await world(mp)
    org = w["enterprise" if path == "/v1/demands" else "school"]
    record = w["demand" if path == "/v1/demands" else "offer"]
    r = await mp.as_org(org).post(f"{path}/{record}/transitions", json=body)
    assert _ok(r), (path, r.status_code, r.text[:500])


@FUZZ
@given(
    path=st.sampled_from(["/v1/demands", "/v1/offers"]),
    params=st.dictionaries(
        st.sampled_from(
            [
                "limit",
                "cursor",
                "org_id",
                "kind",
                "status",
                "alliance_id",
                "region_prefix",
                "major_code",
                "occupation_code",
                "since_token",
                "updated_since",
                "include_deleted",
            ]
        ),
        st.one_of(st.text(max_size=30), st.sampled_from(["0", "-1", "37", "3707%", "_", "1" * 30, "true"])),
        max_size=4,
    ),
)
async def test_lists_never_500(mp: MatchingPlatform, path, params):
    w = await world(mp)
    r = await mp.as_org(w["school"]).get(path, params=params)
    assert _ok(r), (path, params, r.status_code, r.text[:500])
