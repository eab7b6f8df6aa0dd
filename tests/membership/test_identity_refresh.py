"""Refreshing a session on a flaky network: a retry after a lost answer and parallel refreshes get the same
pair within the grace window; outside it, or once the new token was used, the spent token ends the session.
The token endpoint answers OAuth's `400 invalid_grant`."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.membership.test_identity_auth import anon, login, make_org, new_member, principal_of

GRACE = 60  # MembershipSettings.refresh_reuse_grace_seconds


@pytest.fixture(scope="module")
async def member(membership_client):
    org = await make_org(membership_client)
    name, pw, user = await new_member(membership_client, org)
    return name, pw, user, org


@pytest.fixture
async def db(database):
    conn = await asyncpg.connect(database.admin_url)
    yield conn
    await conn.close()


async def session_of(membership_client, member) -> dict:
    name, pw, _, _ = member
    r = await login(membership_client, name, pw)
    assert r.status_code == 200, r.text
    return r.json()


async def refresh(membership_client, token: str):
    return await membership_client.post("/v1/auth/refresh", json={"refresh_token": token}, headers=anon())


async def rotated_ago(db, token: str, seconds: int) -> None:
    """Move the rotation of `token` into the past (the grace window is measured from it)."""
    await db.execute(
        "update membership.refresh_tokens set rotated_at = rotated_at - make_interval(secs => $2) "
        "where token_hash = sha256($1::text::bytea)",
        token,
        seconds,
    )


async def test_a_retry_after_a_lost_answer_gets_the_same_pair(membership_client, member, db):
    first = (await session_of(membership_client, member))["refresh_token"]
    lost = await refresh(membership_client, first)
    assert lost.status_code == 200, lost.text
    await rotated_ago(db, first, 20)  # the app timed out and retries 20 s later with the token it still has
    again = await refresh(membership_client, first)
    assert again.status_code == 200, again.text
    assert again.headers["cache-control"] == "no-store"
    body = again.json()
    assert body["refresh_token"] == lost.json()["refresh_token"]
    assert body["access_token"] == lost.json()["access_token"]
    assert body["scope"] == lost.json()["scope"]
    assert 870 <= body["expires_in"] <= 880  # counted down from 900 since the first answer
    p = await principal_of(membership_client, body["access_token"])
    assert p.kind == "user" and p.subject == member[2]["id"]
    # the session goes on from the pair: its refresh token rotates normally
    r = await refresh(membership_client, body["refresh_token"])
    assert r.status_code == 200, r.text
    assert r.json()["refresh_token"] != body["refresh_token"]


async def test_the_sealed_pair_is_encrypted_and_dropped_once_the_new_token_is_used(membership_client, member, db):
    first = (await session_of(membership_client, member))["refresh_token"]
    second = (await refresh(membership_client, first)).json()["refresh_token"]
    sealed = await db.fetchval(
        "select successor_sealed from membership.refresh_tokens where token_hash = sha256($1::text::bytea)", first
    )
    assert sealed is not None and second.encode() not in sealed and second[4:].encode() not in sealed
    assert (await refresh(membership_client, second)).status_code == 200
    sealed = await db.fetchval(
        "select successor_sealed from membership.refresh_tokens where token_hash = sha256($1::text::bytea)", first
    )
    assert sealed is None


async def test_the_old_token_after_the_window_is_reuse_and_ends_the_session(membership_client, member, db):
    first = (await session_of(membership_client, member))["refresh_token"]
    second = (await refresh(membership_client, first)).json()["refresh_token"]
    await rotated_ago(db, first, GRACE + 1)
    r = await refresh(membership_client, first)
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == "urn:chanjiao:problem:invalid-grant" and r.json()["error"] == "invalid_grant"
    # the whole family is dead: the current token too, and the window does not revive it
    assert (await refresh(membership_client, second)).status_code == 401
    await rotated_ago(db, first, -(GRACE + 1))
    assert (await refresh(membership_client, first)).status_code == 401


async def test_the_old_token_after_the_new_one_was_used_is_reuse_even_within_the_window(membership_client, member):
    first = (await session_of(membership_client, member))["refresh_token"]
    second = (await refresh(membership_client, first)).json()["refresh_token"]
    third = (await refresh(membership_client, second)).json()["refresh_token"]
    # the holder of `first` never saw `second` used: a copy of a spent token, not a lost answer
    assert (await refresh(membership_client, first)).status_code == 401
    assert (await refresh(membership_client, third)).status_code == 401


async def test_the_window_does_not_outlive_a_logout(membership_client, member):
    first = (await session_of(membership_client, member))["refresh_token"]
    second = (await refresh(membership_client, first)).json()["refresh_token"]
    r = await membership_client.post("/v1/auth/logout", json={"refresh_token": second}, headers=anon())
    assert r.status_code == 200
    assert (await refresh(membership_client, first)).status_code == 401


async def test_parallel_refreshes_all_succeed_with_one_pair(membership_client, member):
    first = (await session_of(membership_client, member))["refresh_token"]
    answers = await asyncio.gather(*(refresh(membership_client, first) for _ in range(5)))
    assert [r.status_code for r in answers] == [200] * 5, [r.text for r in answers]
    assert len({r.json()["refresh_token"] for r in answers}) == 1
    # one chain: the pair they share continues the session
    r = await refresh(membership_client, answers[0].json()["refresh_token"])
    assert r.status_code == 200, r.text


async def test_parallel_refreshes_at_the_token_endpoint_too(membership_client, member):
    first = (await session_of(membership_client, member))["refresh_token"]
    data = {"grant_type": "refresh_token", "refresh_token": first}
    answers = await asyncio.gather(
        *(membership_client.post("/v1/auth/token", data=data, headers=anon()) for _ in range(3))
    )
    assert [r.status_code for r in answers] == [200] * 3, [r.text for r in answers]
    assert len({r.json()["refresh_token"] for r in answers}) == 1


async def test_the_token_endpoint_answers_oauth_invalid_grant(membership_client, member):
    name, _, _, _ = member
    wrong = {"grant_type": "password", "username": name, "password": "not-the-password-at-all"}
    for language, detail in (("zh", "登录名或密码错误"), ("en", "Wrong login or password")):
        r = await membership_client.post("/v1/auth/token", data=wrong, headers={**anon(), "Accept-Language": language})
        assert r.status_code == 400, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["error"] == "invalid_grant" and body["error_description"] == "Wrong login or password"
        assert body["type"] == "urn:chanjiao:problem:invalid-grant" and body["status"] == 400
        assert body["detail"] == detail
        assert "www-authenticate" not in r.headers
    for junk in ("cjr_" + "x" * 43, "nope"):
        r = await membership_client.post(
            "/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": junk}, headers=anon()
        )
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
        assert r.json()["error_description"] == "The refresh token is invalid, used or expired"
