"""Fuzzing identity: whatever a client sends to the login, token, invitation, key and account routes —
forms or JSON with junk values, raw bytes — the answer is a 2xx or a 4xx problem, never a 500."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanjiao.auth import Principal
from tests.conftest import token_headers

FUZZ = settings(
    max_examples=int(os.environ.get("CHANJIAO_FUZZ_EXAMPLES", "30")),
    deadline=None,
    derandomize=not os.environ.get("CHANJIAO_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=list(HealthCheck),
)
GATEWAY = token_headers(Principal(kind="service", subject="gateway", scopes=("identity:introspect",)))

text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["password", "refresh_token", "admin", "cjr_x", "cjk_" + "a" * 43, "cji_", "\u0000", "a" * 2000, "' or 1=1"]
    ),
)
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
    st.lists(text, max_size=3),
)

JSON_ROUTES = {
    "/v1/auth/refresh": ["refresh_token"],
    "/v1/auth/logout": ["refresh_token"],
    "/v1/auth/claim": ["invitation_token", "login", "password", "display_name"],
    "/v1/auth/setup": ["setup_token", "login", "password", "display_name"],
    "/v1/auth/password-reset": ["reset_token", "new_password"],
    "/v1/api-keys": ["name", "org_id", "alliance_id", "scopes", "expires_at"],
    "/v1/users/invitations": ["org_id", "role", "alliance_id", "display_name"],
    "/v1/users/me/password": ["current_password", "new_password", "refresh_token"],
}


def _ok(r) -> bool:
    return r.status_code < 500 and (r.status_code < 400 or r.headers["content-type"].startswith("application/problem"))


@FUZZ
@given(
    form=st.dictionaries(
        st.sampled_from(["grant_type", "username", "password", "scope", "refresh_token", "client_id", "x"]),
        text,
        max_size=5,
    )
)
async def test_token_endpoint_never_500(membership_client, form):
    r = await membership_client.post("/v1/auth/token", data=form)
    assert _ok(r), (r.status_code, r.text[:300])


@FUZZ
@given(path=st.sampled_from(sorted(JSON_ROUTES)), pick=st.data())
async def test_json_routes_never_500(membership_client, path, pick):
    fields = pick.draw(st.lists(st.sampled_from(JSON_ROUTES[path] + ["extra"]), max_size=4, unique=True))
    r = await membership_client.post(path, json={f: pick.draw(junk) for f in fields})
    assert _ok(r), (path, r.status_code, r.text[:300])


@FUZZ
@given(body=st.one_of(st.dictionaries(st.sampled_from(["api_key", "x"]), junk, max_size=2), junk))
async def test_introspection_never_500(membership_client, body):
    r = await membership_client.post("/v1/auth/introspect", json=body, headers=GATEWAY)
    assert _ok(r), (r.status_code, r.text[:300])
    if r.status_code == 200:
        assert r.json() == {"active": False}


@FUZZ
@given(raw=st.binary(max_size=120), path=st.sampled_from(["/v1/auth/token", *sorted(JSON_ROUTES)]))
async def test_raw_bodies_never_500(membership_client, raw, path):
    ctype = "application/x-www-form-urlencoded" if path == "/v1/auth/token" else "application/json"
    r = await membership_client.post(path, content=raw, headers={"content-type": ctype})
    assert _ok(r), (path, r.status_code, r.text[:300])
