"""Fuzzing the training routes through the gateway: whatever a client sends — a valid body with
some fields replaced by junk, or junk query parameters — the answer is a 2xx or a 4xx problem, never
a 500, and (the scanning client) never an unmasked ID number or phone.

The suite runs 40 fixed examples per test; for a longer random hunt:
`CHANJIAO_FUZZ_EXAMPLES=400 CHANJIAO_FUZZ_RANDOM=1 .venv/bin/python -m pytest tests/training/test_fuzz.py`."""

from __future__ import annotations

import os
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanjiao.validators.id_card import compute_check_digit

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
            "2024-13-01",
            "1900-01-01",
            "9999-12-31",
            "post",
            "order_class",
            "teacher",
            "11010519491231002X",
            "110105194912310021",
            "13812345678",
            "2024-2025-1",
            "2024-2026-3",
            str(uuid.uuid4()),
            "00000000-0000-0000-0000-000000000000",
            "\u0000",
            "a" * 500,
            "' or 1=1 --",
            "-1",
            "1e309",
            "０.５",
        ]
    ),
    st.lists(st.text(max_size=8), max_size=5),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)

_world: dict[str, Any] = {}


def _id_number(seq: int) -> str:
    first17 = f"3707022001{(seq % 12) + 1:02d}15{seq % 1000:03d}"
    return first17 + compute_check_digit(first17)


async def world(tp) -> dict[str, Any]:
    """Valid references, made once: a school, an enterprise, a student, a teacher, a programme."""
    if _world:
        return _world
    school = await tp.new_org("higher_vocational")
    enterprise = await tp.new_org("enterprise")
    ids = {}
    for n, kind in enumerate(("student", "teacher")):
        body = {"name": f"模糊{kind}", "id_number": _id_number(n + 1), "learner_type": kind, "org_id": school}
        r = await tp.admin.post("/v1/learners", json=body)
        assert r.status_code in (200, 201), r.text
        ids[kind] = r.json()["id"]
    r = await tp.admin.post(
        "/v1/programmes",
        json={
            "name": "模糊测试订单班",
            "kind": "order_class",
            "provider_org_id": school,
            "start_on": "2025-09-01",
            "end_on": "2026-06-30",
            "capacity": 1000,
        },
    )
    assert r.status_code == 201, r.text
    person = await tp.admin.post("/v1/people", json={"name": "模糊教师", "org_id": school})
    assert person.status_code == 201, person.text
    _world.update(school=school, enterprise=enterprise, programme=r.json()["id"], person=person.json()["id"], **ids)
    return _world


def bases(w: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        "/v1/learners": {
            "name": "张三",
            "id_type": "resident_id",
            "id_number": _id_number(7),
            "phone": "13912345678",
            "learner_type": "student",
            "org_id": w["school"],
        },
        "/v1/programmes": {
            "name": "岗前培训",
            "kind": "pre_job",
            "provider_org_id": w["school"],
            "start_on": "2025-03-01",
            "end_on": "2025-03-31",
            "planned_hours": 40,
            "capacity": 30,
        },
        "/v1/enrolments": {"learner_id": w["student"], "programme_id": w["programme"]},
        "/v1/internships": {
            "learner_id": w["student"],
            "school_org_id": w["school"],
            "host_org_id": w["enterprise"],
            "kind": "post",
            "start_on": "2025-03-01",
            "end_on": "2025-06-30",
            "insured": True,
            "insurance_policy_no": "PICC-2025-001",
        },
        "/v1/teacher-practices": {
            "person_id": w["person"],
            "school_org_id": w["school"],
            "enterprise_org_id": w["enterprise"],
            "start_on": "2025-07-01",
            "end_on": "2025-08-31",
        },
        "/v1/part-time-teaching": {
            "staff_name": "李工",
            "enterprise_org_id": w["enterprise"],
            "school_org_id": w["school"],
            "term": "2024-2025-2",
            "course": "化工仪表",
            "class_hours": 32,
        },
        "/v1/training-bases": {
            "owner_org_id": w["school"],
            "name": "化工实训中心",
            "kind": "on_campus",
            "level": "provincial",
            "stations": 60,
            "shared": True,
        },
    }


PATHS = list(bases({k: "x" for k in ("school", "enterprise", "programme", "student", "teacher", "person")}))


def _ok(r) -> bool:
    return r.status_code < 500 and (r.status_code < 400 or r.headers["content-type"].startswith("application/problem"))


async def test_the_fuzzed_bodies_start_from_valid_ones(tp):
    """Otherwise the fuzzing below would only ever reach validation. (Runs first: the fuzzing may create the
    same enrolment.)"""
    for path, body in bases(await world(tp)).items():
        if path == "/v1/learners":
            body = {**body, "id_number": _id_number(99)}
        r = await tp.admin.post(path, json=body)
        assert r.status_code in (200, 201), (path, r.text)


@FUZZ
@given(
    path=st.sampled_from(PATHS),
    replace=st.dictionaries(st.text(min_size=1, max_size=20), junk, max_size=3),
    pick=st.data(),
)
async def test_creates_never_500(tp, path, replace, pick):
    base = bases(await world(tp))[path]
    # Replace some of the valid fields (and maybe add unknown ones) with junk.
    fields = pick.draw(st.lists(st.sampled_from(sorted(base)), max_size=3, unique=True))
    body = {**base, **{f: pick.draw(junk) for f in fields}, **replace}
    r = await tp.admin.post(path, json=body)
    assert _ok(r), (path, r.status_code, r.text[:500])


@FUZZ
@given(
    path=st.sampled_from([*PATHS, "/v1/training-stats"]),
    params=st.dictionaries(
        st.sampled_from(
            [
                "limit",
                "cursor",
                "updated_since",
                "include_deleted",
                "period_start",
                "period_end",
                "org_id",
                "alliance_id",
                "scope",
                "kind",
                "status",
                "q",
                "school_org_id",
                "learner_type",
            ]
        ),
        st.one_of(st.text(max_size=30), st.sampled_from(["2025-01-01", "2024-12-31", "0", "501", str(uuid.uuid4())])),
        max_size=5,
    ),
)
async def test_lists_never_500(tp, path, params):
    r = await tp.admin.get(path, params=params)
    assert _ok(r), (path, params, r.status_code, r.text[:500])


@FUZZ
@given(raw=st.binary(max_size=200), path=st.sampled_from(PATHS))
async def test_raw_bodies_never_500(tp, raw, path):
    r = await tp.admin.post(path, content=raw, headers={"content-type": "application/json"})
    assert _ok(r), (path, r.status_code, r.text[:500])


BATCHES = {
    "/v1/learners/batch": "/v1/learners",
    "/v1/enrolments/batch": "/v1/enrolments",
    "/v1/internships/batch": "/v1/internships",
}


@FUZZ
@given(path=st.sampled_from(sorted(BATCHES)), atomic=st.booleans(), pick=st.data())
async def test_batches_never_500(tp, path, atomic, pick):
    base = bases(await world(tp))[BATCHES[path]]
    items = []
    for _ in range(pick.draw(st.integers(min_value=0, max_value=4))):
        fields = pick.draw(st.lists(st.sampled_from(sorted(base)), max_size=2, unique=True))
        items.append({**base, **{f: pick.draw(junk) for f in fields}})
    body = pick.draw(st.sampled_from([{"items": items}, {"items": "x"}, {"items": 1}, {"items": None}, {}]))
    r = await tp.admin.post(path, params={"atomic": str(atomic).lower()}, json=body)
    assert _ok(r), (path, r.status_code, r.text[:500])


UPDATABLE = [
    "/v1/programmes",
    "/v1/internships",
    "/v1/teacher-practices",
    "/v1/part-time-teaching",
    "/v1/training-bases",
    "/v1/learners",
]
_records: dict[str, str] = {}


@FUZZ
@given(path=st.sampled_from(UPDATABLE), pick=st.data())
async def test_patches_never_500(tp, path, pick):
    base = bases(await world(tp))[path]
    if path not in _records:
        body = {**base, "id_number": _id_number(55)} if path == "/v1/learners" else base
        r = await tp.admin.post(path, json=body)
        assert r.status_code in (200, 201), r.text
        _records[path] = r.json()["id"]
    fields = pick.draw(st.lists(st.sampled_from(sorted(base)), min_size=1, max_size=3, unique=True))
    r = await tp.admin.patch(f"{path}/{_records[path]}", json={f: pick.draw(junk) for f in fields})
    assert _ok(r), (path, r.status_code, r.text[:500])
