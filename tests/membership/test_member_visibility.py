"""Membership is not visibility: what an alliance sees of a member is what the member shares with it.

Per resource (the table is in docs/identity.md, "What an alliance sees of its members"): a member's people,
appointments, users and API keys are private to the member — to the admins (users and keys) of an alliance it
belongs to they are 404 and absent from lists, like to anyone else. The alliance's own records about members'
people stay visible to it: its committee positions (with the person's name and title) and its expert pool."""

from __future__ import annotations

import uuid

from tests.authz import conftest as authz
from tests.authz.harness import Req, World

platform, world = authz.platform, authz.world
READ_ONLY = ("membership:read",)


def _alliance_x(w: World) -> list:
    """The secretariat of the alliance org A, school A and their appointment belong to: a user and a read-only key."""
    return [w.alliance_admin(w.alliance_x), w.alliance_key(w.alliance_x, scopes=READ_ONLY)]


async def _ids(w: World, principal, path: str, **params: str) -> set[str]:
    r = await w.send(principal, Req("GET", path, params={"limit": 200, **params}))
    assert r.status_code == 200, r.text
    return {i["id"] for i in r.json()["items"]}


async def test_a_members_private_person_is_not_the_alliances(world: World) -> None:
    w = world
    person = await w.new_person(w.org_a, title="高级工程师")
    for principal in _alliance_x(w):
        r = await w.send(principal, Req("GET", f"/v1/people/{person['id']}"))
        assert r.status_code == 404 and person["name"] not in r.text, r.text
        assert person["id"] not in await _ids(w, principal, "/v1/people")
        assert not await _ids(w, principal, "/v1/people", org_id=w.org_a["id"])
        assert not await _ids(w, principal, "/v1/people", q=person["name"])
    # The member itself still reads it.
    assert (await w.send(w.org_staff(w.org_a), Req("GET", f"/v1/people/{person['id']}"))).status_code == 200


async def test_a_members_appointment_is_not_the_alliances(world: World) -> None:
    w = world
    person = await w.new_person(w.org_a)
    appointment = await w.new_appointment(person, w.school_a)  # both organizations are members of X
    for principal in _alliance_x(w):
        r = await w.send(principal, Req("GET", f"/v1/appointments/{appointment['id']}"))
        assert r.status_code == 404, r.text
        assert appointment["id"] not in await _ids(w, principal, "/v1/appointments")
        assert not await _ids(w, principal, "/v1/appointments", host_org_id=w.school_a["id"])
    for member in (w.org_staff(w.org_a), w.org_staff(w.school_a)):  # the person's organization and the host
        assert (await w.send(member, Req("GET", f"/v1/appointments/{appointment['id']}"))).status_code == 200


async def test_a_members_users_and_api_keys_are_not_the_alliances(world: World) -> None:
    w = world
    key = await w.send(
        w.org_admin(w.org_a),
        Req("POST", "/v1/api-keys", json={"name": "教务系统", "org_id": w.org_a["id"], "scopes": list(READ_ONLY)}),
    )
    assert key.status_code == 201, key.text
    x_admin = w.alliance_admin(w.alliance_x)
    assert (await w.send(x_admin, Req("GET", f"/v1/api-keys/{key.json()['id']}"))).status_code == 404
    assert key.json()["id"] not in await _ids(w, x_admin, "/v1/api-keys")
    r = await w.send(x_admin, Req("GET", "/v1/users", params={"org_id": w.org_a["id"]}))
    assert r.status_code in (403, 404) or r.json()["items"] == [], r.text


async def test_the_alliances_own_records_about_members_people_stay_visible(world: World) -> None:
    w = world
    x_admin = w.alliance_admin(w.alliance_x)
    person = await w.new_person(w.org_a, title="教授", tags=["expert"])
    # The expert pool: the people its current members tag as experts.
    pool = await w.send(x_admin, Req("GET", f"/v1/alliances/{w.alliance_x['id']}/experts"))
    assert pool.status_code == 200 and person["id"] in {i["id"] for i in pool.json()["items"]}, pool.text
    # A committee position: the alliance names a member's person, and sees the name and title with the position.
    url = f"/v1/committees/{w.committee_x['id']}/positions"
    r = await w.send(
        x_admin, Req("POST", url, json={"person_id": person["id"], "title": "主任", "start_on": "2024-03-18"})
    )
    assert r.status_code == 201, r.text
    assert (r.json()["person_name"], r.json()["title"]) == (person["name"], "主任")
    positions = await w.send(x_admin, Req("GET", url))
    assert person["name"] in {p["person_name"] for p in positions.json()}
    # … which does not open the person's private record.
    assert (await w.send(x_admin, Req("GET", f"/v1/people/{person['id']}"))).status_code == 404


async def test_an_invited_organization_shares_nothing_with_the_alliance(world: World) -> None:
    """Until it accepts, an invited organization is no member: its experts are not in the pool and its people
    cannot be named in the alliance's positions (answered as for no such person)."""
    w = world
    org = await w.new_org()
    expert = await w.new_person(org, tags=["expert"])
    body = {"org_id": org["id"], "alliance_id": w.alliance_x["id"]}
    r = await w.send(w.alliance_admin(w.alliance_x), Req("POST", "/v1/memberships", json=body))
    assert r.status_code == 201 and r.json()["status"] == "invited", r.text
    x_admin = w.alliance_admin(w.alliance_x)
    pool = await w.send(x_admin, Req("GET", f"/v1/alliances/{w.alliance_x['id']}/experts"))
    assert expert["id"] not in {i["id"] for i in pool.json()["items"]}
    url = f"/v1/committees/{w.committee_x['id']}/positions"
    for person_id in (expert["id"], str(uuid.uuid4())):
        r = await w.send(
            x_admin, Req("POST", url, json={"person_id": person_id, "title": "委员", "start_on": "2024-03-18"})
        )
        assert r.status_code == 422 and r.json()["errors"][0]["type"] == "unknown_person", r.text
