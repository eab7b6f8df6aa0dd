"""People and appointments that leave an organization's view reach its token pull as `not_visible` tombstones
(chanjiao/sync_exits.py, docs/sync.md): a person moved to another organization (the person and the person's
appointments), an appointment moved to another host; the new organization gets the records themselves."""

from __future__ import annotations

from chanjiao.auth import ALL_SCOPES, Principal
from tests.conftest import token_headers
from tests.membership.test_appointments_api import appointment, make_person
from tests.membership.test_people_api import make_org


def staff(org: dict) -> dict[str, str]:
    return token_headers(
        Principal(kind="user", subject=f"user-{org['id']}", org_id=org["id"], roles=("org_staff",), scopes=ALL_SCOPES)
    )


async def walk(client, path: str, headers: dict[str, str], limit: int = 500, **params) -> tuple[list[dict], str]:
    items: list[dict] = []
    tokens: set[str] = set()
    cursor = None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        r = await client.get(path, params=query, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        tokens.add(body["sync_token"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(tokens) == 1, tokens
    return items, tokens.pop()


async def changes(client, path: str, headers: dict[str, str], token: str, limit: int = 500) -> list[dict]:
    items, _ = await walk(client, path, headers, limit, since_token=token, include_deleted="true")
    return items


def gone(items: list[dict]) -> set[str]:
    return {i["id"] for i in items if i.get("reason") == "not_visible"}


def present(items: list[dict]) -> set[str]:
    return {i["id"] for i in items if not i.get("deleted")}


async def patch(client, path: str, **body) -> dict:
    r = await client.patch(path, json=body)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_person_who_moves_leaves_the_old_organizations_view_with_their_appointments(membership_client):
    c = membership_client
    old, new = await make_org(c, "enterprise"), await make_org(c, "enterprise")
    school, college = await make_org(c, "higher_vocational"), await make_org(c, "higher_vocational")
    person = await make_person(c, old)
    at_school = (await c.post("/v1/appointments", json=appointment(person, school))).json()
    at_college = (await c.post("/v1/appointments", json=appointment(person, college))).json()
    _, old_people = await walk(c, "/v1/people", staff(old))
    seen, old_appointments = await walk(c, "/v1/appointments", staff(old))
    assert present(seen) == {at_school["id"], at_college["id"]}
    _, new_appointments = await walk(c, "/v1/appointments", staff(new))
    _, school_token = await walk(c, "/v1/appointments", staff(school))

    await patch(c, f"/v1/people/{person['id']}", org_id=new["id"])

    assert gone(await changes(c, "/v1/people", staff(old), old_people)) == {person["id"]}
    lost = await changes(c, "/v1/appointments", staff(old), old_appointments)
    assert gone(lost) == {at_school["id"], at_college["id"]} and not present(lost)
    # one at a time: the same tombstones, none missed
    single = await changes(c, "/v1/appointments", staff(old), old_appointments, limit=1)
    assert [i["id"] for i in single] == [i["id"] for i in lost]
    entered = await changes(c, "/v1/appointments", staff(new), new_appointments)
    assert present(entered) == {at_school["id"], at_college["id"]} and not gone(entered)
    assert {i["version"] for i in entered} == {1}  # re-stamped, not changed
    hosted = await changes(c, "/v1/appointments", staff(school), school_token)
    assert present(hosted) == {at_school["id"]} and not gone(hosted)  # the host still sees its appointment


async def test_an_appointment_moved_to_another_host_is_a_tombstone_for_the_old_host_only(membership_client):
    c = membership_client
    firm = await make_org(c, "enterprise")
    first, second = await make_org(c, "higher_vocational"), await make_org(c, "higher_vocational")
    person = await make_person(c, firm)
    a = (await c.post("/v1/appointments", json=appointment(person, first))).json()
    _, first_token = await walk(c, "/v1/appointments", staff(first))
    _, second_token = await walk(c, "/v1/appointments", staff(second))
    _, firm_token = await walk(c, "/v1/appointments", staff(firm))

    await patch(c, f"/v1/appointments/{a['id']}", host_org_id=second["id"])

    assert gone(await changes(c, "/v1/appointments", staff(first), first_token)) == {a["id"]}
    assert present(await changes(c, "/v1/appointments", staff(second), second_token)) == {a["id"]}
    own = await changes(c, "/v1/appointments", staff(firm), firm_token)  # the person's organization still sees it
    assert present(own) == {a["id"]} and not gone(own)
    # an unrelated organization gets nothing
    stranger = await make_org(c, "enterprise")
    assert not await changes(c, "/v1/appointments", staff(stranger), first_token)
