"""Every `GET` of membership and training answers a `Cache-Control` that fits what it returns, and a versioned
record says when it last changed (`Last-Modified` from `updated_at`): chanjiao/etag.py's rule table, docs/sync.md
"Revalidation". The walk goes over the merged OpenAPI through the gateway, with records created for it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from chanjiao.etag import LIVE_STATUS_PATHS, NO_STORE, PRIVATE_REVALIDATE, PUBLIC_HOUR, cache_control_for
from tests.training.conftest import TrainingPlatform, platform, tp  # noqa: F401 - fixtures re-exported
from tests.training.test_learners_api import register, resident_id

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARAM = re.compile(r"\{([a-z_]+)\}")


def expected_cache_control(path: str) -> str:
    """What a user may rely on, kind by kind (the table in docs/sync.md, "Revalidation")."""
    if path.startswith("/v1/reference/"):
        return PUBLIC_HOUR
    if path in ("/v1/auth/jwks", "/v1/certificates/verification-key"):
        return "public, max-age=300"
    if path == "/v1/certificates/verify":  # public, and never for long after a revocation
        return "public, max-age=60"
    if path in {*LIVE_STATUS_PATHS, "/health/ready"}:  # the gateway's and each service's live status
        return NO_STORE
    return PRIVATE_REVALIDATE


async def seed(tp: TrainingPlatform) -> dict[str, str]:  # noqa: F811
    """Records for the walk to read: a school with a person, a learner, its figures of a year and a membership of an
    alliance, and a code of the reference tables."""
    school = await tp.new_org()
    person = await tp.admin.post("/v1/people", json={"name": "缓存测试人", "org_id": school})
    assert person.status_code == 201, person.text
    learner = await register(tp.as_org(school), id_number=resident_id(), current_org_id=school)
    assert learner.status_code == 201, learner.text
    figures = {"full_time_enrolment": 4200, "students": 12800, "graduates": 3900}
    r = await tp.admin.put(f"/v1/organizations/{school}/school-stats/2025", json=figures)
    assert r.status_code == 201, r.text
    alliance = await tp.new_alliance()
    membership = await tp.join(school, alliance, "2025-09-01")
    return {
        "org_id": school,
        "person_id": person.json()["id"],
        "alliance_id": alliance,
        "membership_id": membership,
        "year": "2025",
        "code": "370303",
    }


def list_path_of(path: str) -> str | None:
    """`/v1/people/{person_id}` is read from the first row of `/v1/people`."""
    head, _, tail = path.rpartition("/")
    return head if PARAM.fullmatch(tail) and "{" not in head else None


async def test_every_get_answers_a_cache_control_that_fits(tp: TrainingPlatform):  # noqa: F811
    client = tp.admin
    values = await seed(tp)
    schema = (await client.get("/openapi.json")).json()
    gets = sorted(p for p, ops in schema["paths"].items() if "get" in ops)
    # Lists first: their first rows give the ids of the single-record paths.
    ordered = [p for p in gets if "{" not in p] + [p for p in gets if "{" in p]
    firsts: dict[str, str] = {}
    answered, single_records = [], 0
    for path in ordered:
        params = PARAM.findall(path)
        filled = dict(values)
        source = list_path_of(path)
        if source is not None and source in firsts:
            filled[params[-1]] = firsts[source]
        if any(not filled.get(p) for p in params):
            continue
        url = PARAM.sub(lambda m, f=filled: f[m.group(1)], path)
        r = await client.get(url)
        if r.status_code != 200:
            assert r.status_code in (401, 403, 404, 422), (path, r.status_code, r.text)
            continue
        answered.append(path)
        assert r.headers.get("cache-control") == expected_cache_control(path), path
        if r.headers["content-type"].startswith("application/json"):
            body = r.json()
            if isinstance(body, dict) and body.get("items") and isinstance(body["items"][0], dict):
                firsts[path] = str(body["items"][0].get("id") or body["items"][0].get("code") or "")
            etag = r.headers.get("etag", "")
            if re.fullmatch(r'"\d+"', etag) and isinstance(body, dict) and "updated_at" in body:
                single_records += 1
                changed = datetime.fromisoformat(body["updated_at"]).astimezone(UTC).replace(microsecond=0)
                assert parsedate_to_datetime(r.headers["last-modified"]) == changed, path
                declared = {p["name"].lower() for p in schema["paths"][path]["get"].get("parameters", [])}
                if "if-none-match" in declared:  # the 304 keeps the rule too
                    again = await client.get(url, headers={"If-None-Match": etag})
                    assert again.status_code == 304 and again.headers["cache-control"] == PRIVATE_REVALIDATE, path
    assert len(answered) >= 30, answered
    assert single_records >= 6, answered
    for must in (
        "/v1/people/{person_id}",
        "/v1/learners/{learner_id}",
        "/v1/organizations/{org_id}",
        "/v1/alliances/{alliance_id}",
        "/v1/memberships/{membership_id}",
    ):
        assert must in answered, must


async def test_exports_and_live_status_have_their_own_rules(tp: TrainingPlatform):  # noqa: F811
    r = await tp.admin.get("/v1/learners", headers={"Accept": XLSX})
    assert r.status_code == 200 and r.headers["content-type"].startswith(XLSX)
    assert r.headers["cache-control"] == PRIVATE_REVALIDATE and "etag" not in r.headers
    for name in ("membership", "training", "matching"):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=tp.platform.upstreams[name].app), base_url=f"http://{name}"
        ) as upstream:
            for path in sorted(LIVE_STATUS_PATHS):
                r = await upstream.get(path)
                assert r.status_code == 200 and r.headers["cache-control"] == NO_STORE, (name, path)


async def test_a_route_that_sets_its_own_cache_control_keeps_it(tp: TrainingPlatform):  # noqa: F811
    school = await tp.new_org()
    learner = await register(tp.as_org(school), id_number=resident_id(), current_org_id=school)
    assert learner.status_code == 201, learner.text
    reveal = await tp.as_org(school).post(
        f"/v1/learners/{learner.json()['id']}/reveal", json={"reason": "向人社部门报送鉴定名单"}
    )
    assert reveal.status_code == 200, reveal.text
    assert reveal.headers["cache-control"] == NO_STORE  # a POST with a secret: untouched
    assert cache_control_for("/v1/learners") == PRIVATE_REVALIDATE and cache_control_for("/health") == NO_STORE
    r = await tp.admin.get("/v1/reference/regions/370303")
    assert r.status_code == 200 and r.headers["cache-control"] == PUBLIC_HOUR
