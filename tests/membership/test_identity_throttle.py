"""Login throttling a stranger cannot turn into a lockout: failures count per (login, client address) with
growing waits, a per-login ceiling stops distributed guessing but lets known addresses in, and a wrong
current password at the change-password route slows only its own address.

The client address is what the gateway puts in `X-Forwarded-For` (one address); the throttle's clock is
frozen (`frozen_clock`) so each wait is tested exactly."""

from __future__ import annotations

import pytest

from services.membership.identity.passwords import Passwords
from tests.membership.test_identity_auth import (
    anon,
    as_user,
    frozen_clock,
    login_name,
    make_org,
    new_member,
    strong,
)

STRANGER, OWNER, ELSEWHERE = "203.0.113.7", "198.51.100.20", "192.0.2.50"
EN = {"Accept-Language": "en"}


@pytest.fixture
def clock(monkeypatch):
    return frozen_clock(monkeypatch)


@pytest.fixture
def verify_calls(monkeypatch):
    """How many password verifications (hashings) ran."""
    calls = []
    verify = Passwords.verify

    async def counting(self, password_hash, password):
        calls.append(1)
        return await verify(self, password_hash, password)

    monkeypatch.setattr(Passwords, "verify", counting)
    return calls


def at(address: str) -> dict[str, str]:
    """An anonymous call as the gateway forwards it for a client at `address`."""
    return {**anon(), "x-forwarded-for": address, **EN}


async def attempt(c, name: str, password: str, address: str):
    data = {"grant_type": "password", "username": name, "password": password}
    return await c.post("/v1/auth/token", data=data, headers=at(address))


@pytest.fixture
async def account(membership_client):
    """A fresh user: (login, password, id)."""
    org = await make_org(membership_client)
    name, pw, user = await new_member(membership_client, org, role="org_staff")
    return name, pw, user["id"]


async def test_a_stranger_failing_50_times_does_not_lock_out_the_owner(membership_client, account, clock, verify_calls):
    c, (name, pw, _) = membership_client, account
    statuses = [(await attempt(c, name, f"Stranger-guess-{i:03d}", STRANGER)).status_code for i in range(50)]
    assert statuses == [400] * 5 + [429] * 45
    assert len(verify_calls) == 5  # the 45 refused attempts never hashed
    # the owner, elsewhere, is not slowed at all — even after a typo
    assert (await attempt(c, name, "Owner-typo-123", OWNER)).status_code == 400
    r = await attempt(c, name, pw, OWNER)
    assert r.status_code == 200, r.text
    # the stranger's address waits 1 s, 2 s, 4 s … after each further failure, up to 60 s
    waits = []
    for _ in range(9):
        r = await attempt(c, name, pw, STRANGER)  # even the right password: refused before hashing
        assert r.status_code == 429 and r.json()["type"].endswith("login-locked")
        assert "this address" in r.json()["detail"] and pw not in r.text
        wait = int(r.headers["retry-after"])
        waits.append(wait)
        clock.advance(wait)
        assert (await attempt(c, name, "Stranger-guess-again", STRANGER)).status_code == 400
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    # meanwhile, the owner still logs in
    assert (await attempt(c, name, pw, OWNER)).status_code == 200


async def test_unknown_logins_are_throttled_alike(membership_client, account, clock, verify_calls):
    c, (name, _, _) = membership_client, account
    ghost = login_name("ghost")
    known = [await attempt(c, name, "Wrong-password-1", STRANGER) for _ in range(6)]
    unknown = [await attempt(c, ghost, "Wrong-password-1", STRANGER) for _ in range(6)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [400] * 5 + [429]
    assert [r.json()["detail"] for r in known] == [r.json()["detail"] for r in unknown]
    assert known[-1].headers["retry-after"] == unknown[-1].headers["retry-after"] == "1"
    assert len(verify_calls) == 10  # unknown logins are verified too (against a dummy hash)


async def test_ipv6_addresses_count_per_64_prefix(membership_client, account, clock):
    c, (name, pw, _) = membership_client, account
    for i in range(1, 6):
        assert (await attempt(c, name, "Wrong-password-1", f"2001:db8:7:1::{i}")).status_code == 400
    # another address of the same /64 is the same subscriber
    assert (await attempt(c, name, pw, "2001:db8:7:1::beef")).status_code == 429
    assert (await attempt(c, name, pw, "2001:db8:7:2::1")).status_code == 200


async def test_distributed_guessing_hits_the_per_login_ceiling(membership_client, account, clock, verify_calls):
    c, (name, pw, _) = membership_client, account
    assert (await attempt(c, name, pw, OWNER)).status_code == 200  # the owner's usual address
    # 100 guesses from 20 addresses, 5 each: no address is ever slowed
    for host in range(20):
        for guess in range(5):
            r = await attempt(c, name, f"Botnet-guess-{host}-{guess}", f"203.0.113.{100 + host}")
            assert r.status_code == 400, r.text
    hashed = len(verify_calls)
    # a new address is refused, before hashing, even with the right password ...
    r = await attempt(c, name, pw, ELSEWHERE)
    assert r.status_code == 429 and r.json()["type"].endswith("login-locked")
    assert r.headers["retry-after"] == "3600" and "where you did before" in r.json()["detail"]
    r = await attempt(c, name, "Botnet-guess-more", "203.0.113.250")
    assert r.status_code == 429 and len(verify_calls) == hashed
    # ... while the owner's known address logs in
    assert (await attempt(c, name, pw, OWNER)).status_code == 200
    # the hour passes: new addresses may try again
    clock.advance(3600)
    assert (await attempt(c, name, pw, ELSEWHERE)).status_code == 200


async def test_a_reset_lifts_the_ceiling(membership_client, account, clock):
    c, (name, pw, user_id) = membership_client, account
    for host in range(20):
        for guess in range(5):
            await attempt(c, name, f"Botnet-guess-{host}-{guess}", f"203.0.113.{100 + host}")
    assert (await attempt(c, name, pw, ELSEWHERE)).status_code == 429
    token = (await c.post(f"/v1/users/{user_id}/password-reset")).json()["reset_token"]
    new_pw = strong("reset")
    body = {"reset_token": token, "new_password": new_pw}
    assert (await c.post("/v1/auth/password-reset", json=body, headers=at(ELSEWHERE))).status_code == 200
    # guesses against the old password are worthless: every count of the login is gone
    assert (await attempt(c, name, new_pw, "192.0.2.99")).status_code == 200


async def test_wrong_current_passwords_slow_only_their_address(membership_client, account, clock, verify_calls):
    c, (name, pw, _) = membership_client, account
    session, _ = await as_user(c, name, pw)

    async def change(current: str, address: str):
        body = {"current_password": current, "new_password": strong("new")}
        return await c.post("/v1/users/me/password", json=body, headers={**session, "x-forwarded-for": address, **EN})

    statuses = [(await change(f"Fuzz-{i:03d}-password", STRANGER)).status_code for i in range(10)]
    assert statuses == [403] * 5 + [429] * 5
    assert len(verify_calls) == 1 + 5  # the login, then five wrong current passwords; the rest never hashed
    r = await change(pw, STRANGER)
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    # the same counter as logins from that address: neither route guesses past the other
    assert (await attempt(c, name, pw, STRANGER)).status_code == 429
    # a fuzz run from many addresses (100 wrong current passwords within the hour, with the 5 above) ...
    for host in range(19):
        for i in range(5):
            assert (await change(f"Fuzz-{host}-{i}-pw", f"203.0.113.{100 + host}")).status_code == 403
    # ... never shuts the owner out of logging in from an address it has not used before
    assert (await attempt(c, name, pw, ELSEWHERE)).status_code == 200
    assert (await attempt(c, name, pw, OWNER)).status_code == 200
    # it closes the change-password route to unknown addresses (a stolen session used from a botnet) ...
    hashed = len(verify_calls)
    r = await change(pw, "192.0.2.77")
    assert r.status_code == 429 and r.headers["retry-after"] == "3600" and len(verify_calls) == hashed
    # ... but not to an address the owner logged in from; a successful change clears every count of the login
    assert (await change(pw, OWNER)).status_code == 200
    clock.advance(1)
    assert (await attempt(c, name, pw, STRANGER)).status_code == 400  # not 429: the counts are gone
