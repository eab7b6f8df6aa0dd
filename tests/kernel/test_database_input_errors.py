"""Input that passes validation but that PostgreSQL cannot store (a NUL character) is a 422 problem
naming the rule — never a 500 — and nothing is written."""

from chanjiao.auth import Principal
from tests.conftest import token_headers

GATEWAY = token_headers(Principal(kind="service", subject="gateway", scopes=("identity:introspect",)))


async def test_a_nul_character_is_422_not_500(membership_client):
    r = await membership_client.post(
        "/v1/auth/token", data={"grant_type": "password", "username": "\x00", "password": "0123456789"}
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["type"] == "unsupported_character"
    r = await membership_client.post(
        "/v1/auth/token",
        data={"grant_type": "password", "username": "\x00", "password": "0123456789"},
        headers={"Accept-Language": "en"},
    )
    assert "cannot be stored" in r.json()["detail"]
    # The service keeps answering normally afterwards (the connection was given back clean).
    assert (await membership_client.get("/v1/organizations")).status_code == 200
