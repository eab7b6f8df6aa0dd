"""Records that leave a tenant's view reach its token pull as `not_visible` tombstones (chanjiao/sync_exits.py,
docs/sync.md "Changes that do not touch the row"): programmes (a partner removed, the alliance changed), their
enrolments (a partner removed; a partner added brings the enrolments themselves), and the practice records (a host
or enterprise replaced) — not before the token, not to a tenant that still sees the record, none missed when
paging one item at a time across rows and exits."""

from __future__ import annotations

import sqlalchemy as sa

from services.training.enrolments.models import Enrolment
from tests.gateway.conftest import access_token, bearer
from tests.training.enrolment_factories import insert_learners

PROGRAMME = {
    "name": "2025级数控技术订单班",
    "kind": "order_class",
    "start_on": "2025-09-01",
    "end_on": "2026-06-30",
    "delivery": "offline",
}


def engine_of(tp):
    return tp.platform.upstreams["training"].app.state.engine


async def new_programme(client, provider: str, **extra) -> dict:
    r = await client.post("/v1/programmes", json={**PROGRAMME, "provider_org_id": provider, **extra})
    assert r.status_code == 201, r.text
    return r.json()


async def patch(client, path: str, **body) -> dict:
    r = await client.patch(path, json=body)
    assert r.status_code == 200, r.text
    return r.json()


async def walk(client, path: str, limit: int = 500, **params) -> tuple[list[dict], str]:
    """Every item of one walk of `path` (following `next_cursor`) and the walk's `sync_token`."""
    items: list[dict] = []
    tokens: set[str] = set()
    cursor = None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        r = await client.get(path, params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        tokens.add(body["sync_token"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(tokens) == 1, tokens
    return items, tokens.pop()


async def changes(client, path: str, token: str, limit: int = 500, **params) -> list[dict]:
    items, _ = await walk(client, path, limit, since_token=token, include_deleted="true", **params)
    return items


def gone(items: list[dict]) -> set[str]:
    return {i["id"] for i in items if i.get("reason") == "not_visible"}


def present(items: list[dict]) -> set[str]:
    return {i["id"] for i in items if not i.get("deleted")}


class TestProgrammes:
    async def test_a_removed_partner_gets_a_not_visible_tombstone_after_its_token_only(self, tp):
        provider, partner = await tp.new_org("training_company"), await tp.new_org("enterprise")
        mine, theirs = tp.as_org(provider), tp.as_org(partner, "org_staff")
        p = await new_programme(mine, provider, partner_org_ids=[partner])
        seen, token = await walk(theirs, "/v1/programmes")
        assert p["id"] in present(seen)
        _, provider_token = await walk(mine, "/v1/programmes")

        await patch(mine, f"/v1/programmes/{p['id']}", partner_org_ids=[])

        pulled = await changes(theirs, "/v1/programmes", token)
        tombstone = next(i for i in pulled if i["id"] == p["id"])
        assert tombstone["deleted"] is True and tombstone["reason"] == "not_visible" and tombstone["deleted_at"]
        assert set(tombstone) == {"id", "deleted", "deleted_at", "reason"}  # nothing of the record it no longer sees
        # without include_deleted, or with a token taken after the change: nothing
        plain, _ = await walk(theirs, "/v1/programmes", since_token=token)
        assert p["id"] not in {i["id"] for i in plain}
        _, later = await walk(theirs, "/v1/programmes")
        assert p["id"] not in {i["id"] for i in await changes(theirs, "/v1/programmes", later)}
        # the provider still sees the record itself, never an exit
        own = await changes(mine, "/v1/programmes", provider_token)
        assert p["id"] in present(own) and not gone(own)

    async def test_a_changed_alliance_is_an_exit_for_its_admins_and_an_entry_for_the_new_ones(self, tp):
        provider = await tp.new_org("training_company")
        old, new = await tp.new_alliance(), await tp.new_alliance()
        mine = tp.as_org(provider)
        p = await new_programme(mine, provider, alliance_id=old)
        _, old_token = await walk(tp.as_alliance(old), "/v1/programmes")
        _, new_token = await walk(tp.as_alliance(new), "/v1/programmes")

        await patch(mine, f"/v1/programmes/{p['id']}", alliance_id=new)

        assert gone(await changes(tp.as_alliance(old), "/v1/programmes", old_token)) == {p["id"]}
        entered = await changes(tp.as_alliance(new), "/v1/programmes", new_token)
        assert present(entered) == {p["id"]} and not gone(entered)

    async def test_a_tenant_that_still_sees_the_programme_another_way_gets_no_tombstone(self, tp):
        provider, partner = await tp.new_org("training_company"), await tp.new_org("enterprise")
        alliance = await tp.new_alliance()
        mine = tp.as_org(provider)
        p = await new_programme(mine, provider, partner_org_ids=[partner], alliance_id=alliance)
        # a user of the partner organization who also administers the programme's alliance
        both = tp.client(
            bearer(
                access_token(
                    f"user-both-{partner}", org_id=partner, roles=("org_staff", "alliance_admin"), alliances=(alliance,)
                )
            )
        )
        only_partner = tp.as_org(partner, "org_staff")
        _, token = await walk(both, "/v1/programmes")

        await patch(mine, f"/v1/programmes/{p['id']}", partner_org_ids=[])

        still = await changes(both, "/v1/programmes", token)
        assert p["id"] in present(still) and not gone(still)
        assert gone(await changes(only_partner, "/v1/programmes", token)) == {p["id"]}

    async def test_paging_one_at_a_time_across_rows_and_exits_misses_none(self, tp):
        provider, partner = await tp.new_org("training_company"), await tp.new_org("enterprise")
        mine, theirs = tp.as_org(provider), tp.as_org(partner, "org_staff")
        ps = [await new_programme(mine, provider, partner_org_ids=[partner], name=f"项目{i}") for i in range(5)]
        _, token = await walk(theirs, "/v1/programmes")

        # interleaved: exits (partner removed) and rows (renamed, a new programme) in separate transactions
        await patch(mine, f"/v1/programmes/{ps[0]['id']}", partner_org_ids=[])
        await patch(mine, f"/v1/programmes/{ps[1]['id']}", name="改名1")
        await patch(mine, f"/v1/programmes/{ps[2]['id']}", partner_org_ids=[])
        fresh = await new_programme(mine, provider, partner_org_ids=[partner], name="新项目")
        await patch(mine, f"/v1/programmes/{ps[3]['id']}", partner_org_ids=[])
        await patch(mine, f"/v1/programmes/{ps[4]['id']}", name="改名4")

        whole = await changes(theirs, "/v1/programmes", token)
        single = await changes(theirs, "/v1/programmes", token, limit=1)
        expected_gone = {ps[0]["id"], ps[2]["id"], ps[3]["id"]}
        expected_rows = {ps[1]["id"], ps[4]["id"], fresh["id"]}
        assert gone(whole) == gone(single) == expected_gone
        assert present(whole) == present(single) == expected_rows
        assert len(single) == len(whole) == 6
        two = await changes(theirs, "/v1/programmes", token, limit=2)
        assert [i["id"] for i in two] == [i["id"] for i in single] == [i["id"] for i in whole]

    async def test_a_bad_cursor_is_still_400_naming_cursor(self, tp):
        partner = await tp.new_org("enterprise")
        theirs = tp.as_org(partner, "org_staff")
        _, token = await walk(theirs, "/v1/programmes")
        r = await theirs.get(
            "/v1/programmes", params={"since_token": token, "include_deleted": "true", "cursor": "not-a-cursor"}
        )
        assert r.status_code == 400 and r.json()["errors"][0]["loc"] == ["query", "cursor"]


class TestEnrolments:
    async def test_a_removed_partner_loses_the_enrolments_and_a_new_one_gets_them(self, tp):
        provider = await tp.new_org("training_company")
        leaving, joining = await tp.new_org("enterprise"), await tp.new_org("enterprise")
        mine = tp.as_org(provider, "org_staff")
        p = await new_programme(mine, provider, partner_org_ids=[leaving])
        learners = await insert_learners(engine_of(tp), 3, owner_org_id=provider)
        enrolments = set()
        for learner in learners:
            r = await mine.post("/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"]})
            assert r.status_code == 201, r.text
            enrolments.add(r.json()["id"])
        seen, leaving_token = await walk(tp.as_org(leaving), "/v1/enrolments")
        assert present(seen) == enrolments
        seen, joining_token = await walk(tp.as_org(joining), "/v1/enrolments")
        assert not seen

        await patch(mine, f"/v1/programmes/{p['id']}", partner_org_ids=[joining])

        lost = await changes(tp.as_org(leaving), "/v1/enrolments", leaving_token)
        assert gone(lost) == enrolments and not present(lost)
        one_by_one = await changes(
            tp.as_org(leaving), "/v1/enrolments", leaving_token, limit=1
        )  # one transaction's exits
        assert [i["id"] for i in one_by_one] == [i["id"] for i in lost]
        entered = await changes(tp.as_org(joining), "/v1/enrolments", joining_token)
        assert present(entered) == enrolments and not gone(entered)
        # re-stamping changes nothing a client keeps: same version
        assert {i["version"] for i in entered} == {1}

    async def test_the_learners_owner_keeps_its_enrolment_when_removed_as_partner(self, tp):
        provider, school = await tp.new_org("training_company"), await tp.new_org()
        mine = tp.as_org(provider)
        p = await new_programme(mine, provider, partner_org_ids=[school])
        (own,) = await insert_learners(engine_of(tp), 1, owner_org_id=school)
        (other,) = await insert_learners(engine_of(tp), 1, owner_org_id=provider)
        ids = {}
        for name, learner in (("own", own), ("other", other)):
            r = await tp.admin.post("/v1/enrolments", json={"learner_id": learner, "programme_id": p["id"]})
            assert r.status_code == 201, r.text
            ids[name] = r.json()["id"]
        theirs = tp.as_org(school, "org_staff")
        _, token = await walk(theirs, "/v1/enrolments")

        await patch(mine, f"/v1/programmes/{p['id']}", partner_org_ids=[])

        pulled = await changes(theirs, "/v1/enrolments", token)
        assert gone(pulled) == {ids["other"]}  # the school's own learner's enrolment stays
        r = await theirs.get(f"/v1/enrolments/{ids['own']}")
        assert r.status_code == 200
        async with engine_of(tp).connect() as conn:
            versions = (
                await conn.execute(sa.select(Enrolment.version).where(Enrolment.programme_id == p["id"]))
            ).scalars()
            assert set(versions) == {1}


class TestPracticeRecords:
    async def test_a_replaced_host_gets_a_tombstone_and_the_new_host_the_row(self, tp):
        school = await tp.new_org()
        old_host, new_host = await tp.new_org("enterprise"), await tp.new_org("enterprise")
        (learner,) = await insert_learners(engine_of(tp), 1, owner_org_id=school)
        mine = tp.as_org(school)
        r = await mine.post(
            "/v1/internships",
            json={
                "learner_id": learner,
                "school_org_id": school,
                "host_org_id": old_host,
                "kind": "shadow",
                "start_on": "2024-03-01",
                "end_on": "2024-05-31",
            },
        )
        assert r.status_code == 201, r.text
        internship = r.json()["id"]
        _, old_token = await walk(tp.as_org(old_host), "/v1/internships")
        _, new_token = await walk(tp.as_org(new_host), "/v1/internships")
        _, school_token = await walk(mine, "/v1/internships")

        await patch(mine, f"/v1/internships/{internship}", host_org_id=new_host)

        assert gone(await changes(tp.as_org(old_host), "/v1/internships", old_token)) == {internship}
        assert present(await changes(tp.as_org(new_host), "/v1/internships", new_token)) == {internship}
        own = await changes(mine, "/v1/internships", school_token)
        assert present(own) == {internship} and not gone(own)
