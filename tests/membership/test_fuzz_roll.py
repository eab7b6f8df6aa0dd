"""Fuzzing the roll: alliances, memberships, transitions, role changes and committees never answer 500."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.membership.test_alliances_api import apply, make_org

FUZZ = settings(
    max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=30),
    st.sampled_from(
        [
            "2023-01-01",
            "2099-12-31",
            "1900-01-01",
            "2023-02-30",
            "active",
            "chair",
            "pending",
            "withdrawn",
            "vice_chair",
            str(uuid.uuid4()),
            "",
            "\u0000",
            "x" * 300,
        ]
    ),
    st.lists(st.text(max_size=5), max_size=3),
    st.lists(
        st.fixed_dictionaries(
            {
                "membership_id": st.sampled_from([str(uuid.uuid4()), "x"]),
                "role": st.sampled_from(["chair", "member", "boss"]),
            }
        ),
        max_size=3,
    ),
)


def body(fields: list[str]):
    return st.dictionaries(st.sampled_from(fields), values, max_size=len(fields))


def ok(r) -> bool:
    return r.status_code < 500 and (r.status_code < 400 or r.headers["content-type"].startswith("application/problem"))


@pytest.fixture(scope="module")
async def roll(membership_client):
    r = await membership_client.post(
        "/v1/alliances", json={"name": f"模糊联盟{uuid.uuid4().hex[:6]}", "kind": "other", "level": "municipal"}
    )
    a = r.json()["id"]
    org = await make_org(membership_client, "模糊单位", "enterprise", "370102")
    m = await apply(membership_client, a, org, "2020-01-01")
    c = await membership_client.post(
        "/v1/committees", json={"alliance_id": a, "name": "模糊委员会", "body_type": "council"}
    )
    return {"alliance": a, "org": org, "membership": m, "committee": c.json()["id"]}


@FUZZ
@given(
    data=body(
        [
            "name",
            "kind",
            "level",
            "founded_on",
            "region_code",
            "lead_org_ids",
            "recognitions",
            "industry_focus",
            "charter",
        ]
    )
)
async def test_alliances(membership_client, roll, data):
    assert ok(await membership_client.post("/v1/alliances", json=data))
    assert ok(await membership_client.patch(f"/v1/alliances/{roll['alliance']}", json=data))


@FUZZ
@given(data=body(["to", "role", "effective_on", "reason"]), changes=body(["effective_on", "reason", "changes"]))
async def test_transitions_and_role_changes(membership_client, roll, data, changes):
    assert ok(await membership_client.post(f"/v1/memberships/{roll['membership']}/transitions", json=data))
    assert ok(await membership_client.post(f"/v1/alliances/{roll['alliance']}/role-changes", json=changes))


@FUZZ
@given(
    data=body(["org_id", "alliance_id", "role", "applied_on", "reason"]),
    params=st.dictionaries(
        st.sampled_from(
            ["as_of", "role", "org_type", "period_start", "period_end", "limit", "cursor", "active_between", "status"]
        ),
        st.text(max_size=25),
        max_size=4,
    ),
)
async def test_memberships_and_as_of_queries(membership_client, roll, data, params):
    assert ok(await membership_client.post("/v1/memberships", json=data))
    a = roll["alliance"]
    for path in (
        f"/v1/alliances/{a}/structure",
        f"/v1/alliances/{a}/changes",
        f"/v1/alliances/{a}/members",
        "/v1/memberships",
        f"/v1/alliances/{a}/experts",
    ):
        assert ok(await membership_client.get(path, params=params)), path


@FUZZ
@given(
    data=body(["org_id", "seat_role", "start_on", "end_on", "person_id", "title", "name", "body_type", "alliance_id"])
)
async def test_committees(membership_client, roll, data):
    c = roll["committee"]
    assert ok(await membership_client.post("/v1/committees", json=data))
    assert ok(await membership_client.post(f"/v1/committees/{c}/seats", json=data))
    assert ok(await membership_client.post(f"/v1/committees/{c}/positions", json=data))
