"""No organization becomes a member — or an alliance's to keep — without its consent.

An alliance admin's membership for an organization its alliance did not register (or one already claimed by its
own org admin) is an invitation (`invited`): the organization's admin accepts (→ `active`) or declines
(→ `declined`), a platform admin may confirm on its behalf, the alliance may withdraw it. Until accepted it is not
a membership anywhere: not in the members list, the structure, the changes, nor a source of edit rights or of the
right to invite the organization's first admin. Organizations the alliance registers itself start as before.
(The rules: services/membership/tenancy.py; the state machine: docs/membership.md.)"""

from __future__ import annotations

import uuid

from chanjiao.dates import today
from tests.authz import conftest as authz
from tests.authz.harness import Req, World
from tests.conftest import Database
from tests.membership.test_tenancy import _claim

platform, world = authz.platform, authz.world
DAY = str(today())
EN = {"Accept-Language": "en"}


def _transition(m: dict, to: str, effective_on: str = DAY, **extra: str) -> Req:
    return Req("POST", f"/v1/memberships/{m['id']}/transitions", json={"to": to, "effective_on": effective_on, **extra})


async def _registered_by(w: World, alliance: dict) -> dict:
    """An organization registered through the API by the alliance's secretariat (its alliance key)."""
    body = {"name": f"联盟登记单位{uuid.uuid4().hex[:8]}", "org_type": "enterprise", "region_code": "370303"}
    r = await w.send(w.alliance_key(alliance), Req("POST", "/v1/organizations", json=body))
    assert r.status_code == 201, r.text
    return r.json()


async def _invite(w: World, alliance: dict, org: dict, **extra: str) -> dict:
    body = {"org_id": org["id"], "alliance_id": alliance["id"], "role": "director", **extra}
    r = await w.send(w.alliance_admin(alliance), Req("POST", "/v1/memberships", json=body))
    assert r.status_code == 201, r.text
    return r.json()


async def _member_ids(w: World, alliance: dict) -> set[str]:
    r = await w.send(w.alliance_admin(alliance), Req("GET", f"/v1/alliances/{alliance['id']}/members"))
    assert r.status_code == 200, r.text
    return {i["org_id"] for i in r.json()["items"]}


class TestAnExistingOrganizationIsInvited:
    async def test_an_alliance_admin_cannot_enrol_an_existing_organization_on_its_own(self, world: World) -> None:
        w = world
        z = await w.new_alliance()
        org = await w.new_org()  # registered by the platform, nobody has claimed it
        assert org["registered_by_alliance_id"] is None
        m = await _invite(w, z, org, applied_on="2024-05-01")
        assert (m["status"], m["joined_on"], m["ended_on"]) == ("invited", None, None)
        assert m["allowed_transitions"] == ["active", "declined", "withdrawn"]
        assert [(e["from"], e["to"], e["effective_on"]) for e in m["events"]] == [(None, "invited", "2024-05-01")]
        x_admin = w.alliance_admin(z)
        # The alliance cannot accept for the organization, nor keep its record, nor hand it an admin.
        r = await w.send(x_admin, _transition(m, "active"))
        assert r.status_code == 403 and "单位的管理员接受" in r.json()["detail"], r.text
        accept_en = Req(
            "POST", f"/v1/memberships/{m['id']}/transitions", json={"to": "active", "effective_on": DAY}, headers=EN
        )
        r = await w.send(x_admin, accept_en)
        assert r.status_code == 403 and "accepted or declined by the organization" in r.json()["detail"], r.text
        r = await w.send(x_admin, Req("PATCH", f"/v1/organizations/{org['id']}", json={"industry_codes": ["2614"]}))
        assert r.status_code == 403, r.text
        r = await w.send(x_admin, Req("POST", "/v1/users/invitations", json={"org_id": org["id"], "role": "org_admin"}))
        assert r.status_code == 403, r.text
        # An invitation is not a membership: not listed, not counted, not a join.
        assert org["id"] not in await _member_ids(w, z)
        structure = await w.admin("GET", f"/v1/alliances/{z['id']}/structure")
        assert structure["total"] == 0
        changes = await w.admin(
            "GET", f"/v1/alliances/{z['id']}/changes", params={"period_start": "2024-01-01", "period_end": DAY}
        )
        assert changes["joined"] == []
        # One open membership per organization and alliance: the invitation counts.
        body = {"org_id": org["id"], "alliance_id": z["id"]}
        r = await w.send(x_admin, Req("POST", "/v1/memberships", json=body))
        assert r.status_code == 409 and r.json()["existing_id"] == m["id"], r.text
        # The organization accepts: a member from today, listed, counted and reported as joined.
        r = await w.send(w.org_admin(org), _transition(m, "active"))
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["joined_on"], r.json()["role"]) == ("active", DAY, "director")
        assert org["id"] in await _member_ids(w, z)
        assert (await w.admin("GET", f"/v1/alliances/{z['id']}/structure"))["total"] == 1
        changes = await w.admin(
            "GET", f"/v1/alliances/{z['id']}/changes", params={"period_start": "2024-01-01", "period_end": DAY}
        )
        assert [j["org_id"] for j in changes["joined"]] == [org["id"]]
        # Accepting makes it a member, not the alliance's to keep: still no edit right, no first-admin invitation.
        r = await w.send(x_admin, Req("PATCH", f"/v1/organizations/{org['id']}", json={"industry_codes": ["2614"]}))
        assert r.status_code == 403, r.text
        r = await w.send(x_admin, Req("POST", "/v1/users/invitations", json={"org_id": org["id"], "role": "org_admin"}))
        assert r.status_code == 403, r.text

    async def test_only_the_organization_answers_today_in_the_offered_role(self, world: World) -> None:
        w = world
        z = await w.new_alliance()
        org = await w.new_org()
        m = await _invite(w, z, org)
        for principal, req in [
            (w.org_staff(org), _transition(m, "active")),  # staff do not answer for the organization
            (w.org_admin(w.org_b), _transition(m, "active")),  # another organization
            (w.alliance_admin(w.alliance_y), _transition(m, "declined")),  # another alliance
            (w.alliance_admin(z), _transition(m, "declined")),  # the inviting alliance cannot decline for it
            (w.org_admin(org), _transition(m, "active", "2024-01-01")),  # an acceptance takes effect today
            (w.org_admin(org), _transition(m, "active", role="chair")),  # in the offered role
            (w.org_admin(org), _transition(m, "withdrawn")),  # the organization declines; the alliance withdraws
            (w.org_admin(org), _transition(m, "invited", role="member")),
        ]:
            r = await w.send(principal, req)
            assert r.status_code == 403, (principal, req.json, r.text)
        r = await w.send(w.org_key(org), _transition(m, "declined", reason="不参加"))
        assert r.status_code == 200, r.text
        declined = r.json()
        assert (declined["status"], declined["joined_on"], declined["ended_on"]) == ("declined", None, DAY)
        assert declined["allowed_transitions"] == []
        r = await w.send(w.platform_admin, _transition(m, "active"))
        assert r.status_code == 409 and r.json()["allowed"] == [], r.text  # final
        assert org["id"] not in await _member_ids(w, z)
        # A declined invitation is closed: the alliance may invite again later (a new membership).
        again = await _invite(w, z, org)
        assert again["id"] != m["id"] and again["status"] == "invited"

    async def test_the_alliance_withdraws_its_invitation(self, world: World) -> None:
        w = world
        z = await w.new_alliance()
        org = await w.new_org()
        m = await _invite(w, z, org)
        r = await w.send(w.alliance_admin(z), _transition(m, "invited", role="vice_chair"))  # amend the offer
        assert r.status_code == 200 and r.json()["role"] == "vice_chair", r.text
        r = await w.send(w.alliance_key(z), _transition(m, "withdrawn", reason="误发"))
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["joined_on"], r.json()["ended_on"]) == ("withdrawn", None, DAY)
        assert (await w.send(w.org_admin(org), _transition(m, "active"))).status_code == 403  # nothing to answer
        r = await w.send(w.platform_admin, _transition(m, "active"))
        assert r.status_code == 409 and r.json()["allowed"] == [], r.text  # final
        changes = await w.admin(
            "GET", f"/v1/alliances/{z['id']}/changes", params={"period_start": "2024-01-01", "period_end": DAY}
        )
        assert changes["joined"] == changes["exited"] == []

    async def test_a_platform_admin_confirms_for_an_organization_without_an_admin(self, world: World) -> None:
        w = world
        z = await w.new_alliance()
        org = await w.new_org()
        m = await _invite(w, z, org, applied_on="2023-03-01")
        assert m["status"] == "invited"
        r = await w.send(w.alliance_admin(z), _transition(m, "active", "2023-04-15"))
        assert r.status_code == 403, r.text
        r = await w.send(w.platform_admin, _transition(m, "active", "2023-04-15", reason="秘书处确认"))
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["joined_on"]) == ("active", "2023-04-15")
        members = await w.admin("GET", f"/v1/alliances/{z['id']}/members", params={"as_of": "2023-06-30"})
        assert [i["org_id"] for i in members["items"]] == [org["id"]]

    async def test_a_claimed_organization_is_invited_even_by_the_alliance_that_registered_it(
        self, world: World, database: Database
    ) -> None:
        w = world
        z = await w.new_alliance()
        org = await _registered_by(w, z)
        await _claim(database, org["id"])
        m = await _invite(w, z, org)
        assert m["status"] == "invited"
        r = await w.send(w.alliance_admin(z), Req("PATCH", f"/v1/organizations/{org['id']}", json={"honours": []}))
        assert r.status_code == 403, r.text

    async def test_the_organization_itself_still_applies_and_a_platform_admin_records_applications(
        self, world: World
    ) -> None:
        w = world
        z = await w.new_alliance()
        mine, theirs = await w.new_org(), await w.new_org()
        r = await w.send(
            w.org_admin(mine), Req("POST", "/v1/memberships", json={"org_id": mine["id"], "alliance_id": z["id"]})
        )
        assert r.status_code == 201 and r.json()["status"] == "pending", r.text
        body = {"org_id": theirs["id"], "alliance_id": z["id"], "applied_on": "2020-01-01"}
        r = await w.send(w.platform_admin, Req("POST", "/v1/memberships", json=body))
        assert r.status_code == 201 and r.json()["status"] == "pending", r.text


class TestOrganizationsTheAllianceRegisters:
    async def test_start_as_applications_the_alliance_approves(self, world: World) -> None:
        w = world
        z = await w.new_alliance()
        org = await _registered_by(w, z)
        assert org["registered_by_alliance_id"] == z["id"]
        r = await w.send(
            w.alliance_admin(z),
            Req(
                "POST",
                "/v1/memberships",
                json={"org_id": org["id"], "alliance_id": z["id"], "applied_on": "2021-03-01"},
            ),
        )
        assert r.status_code == 201 and r.json()["status"] == "pending", r.text
        m = r.json()
        r = await w.send(w.alliance_admin(z), _transition(m, "active", "2021-04-01"))
        assert r.status_code == 200 and r.json()["joined_on"] == "2021-04-01", r.text
        # The registering alliance keeps the record and invites the first org admin while unclaimed …
        r = await w.send(w.alliance_admin(z), Req("PATCH", f"/v1/organizations/{org['id']}", json={"honours": []}))
        assert r.status_code == 200, r.text
        r = await w.send(
            w.alliance_admin(z), Req("POST", "/v1/users/invitations", json={"org_id": org["id"], "role": "org_admin"})
        )
        assert r.status_code == 201, r.text
        # … another alliance only invites it, and gains nothing over it.
        y = await w.new_alliance()
        assert (await _invite(w, y, org))["status"] == "invited"
        r = await w.send(w.alliance_admin(y), Req("PATCH", f"/v1/organizations/{org['id']}", json={"honours": []}))
        assert r.status_code == 403, r.text
        r = await w.send(
            w.alliance_admin(y), Req("POST", "/v1/users/invitations", json={"org_id": org["id"], "role": "org_admin"})
        )
        assert r.status_code == 403, r.text

    async def test_an_admin_of_several_alliances_registers_without_a_registrar(self, world: World) -> None:
        w = world
        z, y = await w.new_alliance(), await w.new_alliance()
        both = w.alliance_admin(z, y)
        body = {"name": f"多联盟登记单位{uuid.uuid4().hex[:8]}", "org_type": "enterprise", "region_code": "370303"}
        r = await w.send(both, Req("POST", "/v1/organizations", json=body))
        assert r.status_code == 201, r.text
        org = r.json()
        r = await w.send(both, Req("POST", "/v1/memberships", json={"org_id": org["id"], "alliance_id": z["id"]}))
        assert r.status_code == 201 and r.json()["status"] == "invited", r.text


def _csv(*rows: str) -> dict:
    heading = "单位名称,单位类型,行政区划代码,成员角色,申请日期,入会日期,退出日期,退出方式"
    return {"file": ("roll.csv", ("\n".join((heading, *rows)) + "\n").encode(), "text/csv")}


class TestMemberImports:
    async def test_an_existing_organization_in_a_roll_is_invited_and_a_new_one_is_a_member(self, world: World) -> None:
        w = world
        z = await w.new_alliance()
        existing, ended = await w.new_org(), await w.new_org()
        new_name = f"名册新单位{uuid.uuid4().hex[:8]}"
        rows = (
            f"{existing['name']},企业,370303,理事单位,2019-03-01,2019-04-15,,",
            f"{ended['name']},企业,370303,成员单位,2018-01-01,2018-02-01,2019-01-01,退出",
            f"{new_name},企业,370303,理事单位,2019-03-01,2019-04-15,,",
        )
        r = await w.send(w.alliance_key(z), Req("POST", f"/v1/alliances/{z['id']}/member-imports", files=_csv(*rows)))
        assert r.status_code == 200, r.text
        report = r.json()
        assert (report["memberships_created"], report["memberships_invited"], report["invited_rows"]) == (1, 1, [2])
        assert [(x["row"], x["field"], x["rule"]) for x in report["rejected"]] == [
            (3, "exit_status", "consent_required")
        ]
        invited = (await w.admin("GET", "/v1/memberships", params={"org_id": existing["id"]}))["items"]
        assert [(m["status"], m["joined_on"], m["role"]) for m in invited] == [("invited", None, "director")]
        assert (await w.admin("GET", "/v1/memberships", params={"org_id": ended["id"]}))["items"] == []
        assert await _member_ids(w, z) == {
            i["id"] for i in (await w.admin("GET", "/v1/organizations", params={"q": new_name}))["items"]
        }
        # The organization the roll registered is the alliance's to keep (until claimed); the other is not.
        new_id = next(iter(await _member_ids(w, z)))
        r = await w.send(w.alliance_admin(z), Req("PATCH", f"/v1/organizations/{new_id}", json={"honours": []}))
        assert r.status_code == 200, r.text
        r = await w.send(w.alliance_admin(z), Req("PATCH", f"/v1/organizations/{existing['id']}", json={"honours": []}))
        assert r.status_code == 403, r.text
        # A re-import finds the open invitation and records nothing new.
        r = await w.send(w.alliance_key(z), Req("POST", f"/v1/alliances/{z['id']}/member-imports", files=_csv(rows[0])))
        assert (r.json()["skipped"], r.json()["memberships_invited"]) == (1, 0), r.text
