"""An organization's type and region through time, and foreign organizations: as-of structure and rolls read the
type and region a member had on the day; a foreign unit has a country code and no Chinese region nor credit code."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
import pytest

from chanjiao.dates import today
from tests.membership.test_organizations_structure import credit_code


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


async def _post(client, url: str, body: dict, expect: int = 201) -> dict:
    r = await client.post(url, json=body)
    assert r.status_code == expect, r.text
    return r.json()


@pytest.fixture(scope="module")
async def upgraded(membership_client):
    """An alliance of Weifang with a 技工学校 (a member since 2020) upgraded to 技师学院 on 2024-09-01 and moved to
    Zibo on 2025-03-01, a 中职学校 member, and a German partner (a member since 2022)."""
    c = membership_client
    alliance = await _post(
        c,
        "/v1/alliances",
        {"name": _name("潍坊市技工教育联盟"), "kind": "technical_education_alliance", "level": "municipal"},
    )
    school = await _post(
        c,
        "/v1/organizations",
        {"name": _name("潍坊市高级技工学校"), "org_type": "technical_school", "region_code": "370702"},
    )
    other = await _post(
        c,
        "/v1/organizations",
        {"name": _name("潍坊化工学校"), "org_type": "secondary_vocational", "region_code": "370705"},
    )
    diako = await _post(
        c, "/v1/organizations", {"name": _name("德国 Diako 社会福利院"), "org_type": "other", "country_code": "de"}
    )
    for org, since in ((school, "2020-01-01"), (other, "2020-01-01"), (diako, "2022-03-01")):
        m = await _post(c, "/v1/memberships", {"org_id": org["id"], "alliance_id": alliance["id"], "applied_on": since})
        r = await c.post(f"/v1/memberships/{m['id']}/transitions", json={"to": "active", "effective_on": since})
        assert r.status_code == 200, r.text
    url = f"/v1/organizations/{school['id']}/changes"
    up = await _post(
        c, url, {"org_type": "technician_college", "effective_on": "2024-09-01", "reason": "升格为技师学院"}
    )
    moved = await _post(c, url, {"region_code": "370303", "effective_on": "2025-03-01", "reason": "整体搬迁至淄博"})
    return {"alliance": alliance["id"], "school": school["id"], "diako": diako, "up": up, "moved": moved}


def _counts(items: list[dict]) -> dict[str, int]:
    return {i["key"]: i["count"] for i in items}


async def test_structure_as_of_a_year_before_an_upgrade_shows_the_old_type(membership_client, upgraded):
    """seed 003「4所技师学院成功改建」: a 技工学校 upgraded to 技师学院 in 2024 counts as a 技工学校 as of 2023 and as a
    技师学院 as of 2025; its move to another city counts from the day of the move."""
    c, a = membership_client, upgraded["alliance"]
    before = (await c.get(f"/v1/alliances/{a}/structure", params={"as_of": "2023-12-31"})).json()
    assert _counts(before["by_org_type"]) == {"technical_school": 1, "secondary_vocational": 1, "other": 1}
    assert {i["key"]: i["label"] for i in before["by_org_type"]}["technical_school"] == "技工学校(含高级技工学校)"
    assert _counts(before["cities"]) == {"370700": 2}
    after = (await c.get(f"/v1/alliances/{a}/structure", params={"as_of": "2025-01-01"})).json()
    assert _counts(after["by_org_type"]) == {"technician_college": 1, "secondary_vocational": 1, "other": 1}
    assert {i["key"]: i["label"] for i in after["by_org_type"]}["technician_college"] == "技师学院"
    assert _counts(after["cities"]) == {"370700": 2}
    moved = (await c.get(f"/v1/alliances/{a}/structure", params={"as_of": "2025-06-01"})).json()
    assert _counts(moved["cities"]) == {"370700": 1, "370300": 1}
    # The roll of a day carries the member's type and region of that day; the type filter reads them too.
    roll = (await c.get(f"/v1/alliances/{a}/members", params={"as_of": "2023-12-31"})).json()["items"]
    school = next(i for i in roll if i["org_id"] == upgraded["school"])
    assert (school["org_type"], school["region_code"]) == ("technical_school", "370702")
    filtered = await c.get(
        f"/v1/alliances/{a}/members", params={"as_of": "2023-12-31", "org_type": "technician_college"}
    )
    assert filtered.json()["items"] == []
    filtered = await c.get(
        f"/v1/alliances/{a}/members", params={"as_of": "2025-06-01", "org_type": "technician_college"}
    )
    assert [(i["org_type"], i["region_code"]) for i in filtered.json()["items"]] == [("technician_college", "370303")]
    # Today's record shows the latest values; the history lists both changes with labels.
    org = (await c.get(f"/v1/organizations/{upgraded['school']}")).json()
    assert (org["org_type"], org["org_type_label"], org["region_code"]) == ("technician_college", "技师学院", "370303")
    changes = (await c.get(f"/v1/organizations/{upgraded['school']}/changes")).json()["items"]
    assert [(x["from_org_type"], x["to_org_type"], x["to_region_code"], x["effective_on"]) for x in changes] == [
        ("technical_school", "technician_college", "370702", "2024-09-01"),
        ("technician_college", "technician_college", "370303", "2025-03-01"),
    ]
    assert changes[0]["from_org_type_label"] == "技工学校(含高级技工学校)" and changes[0]["reason"] == "升格为技师学院"


async def test_the_period_counts_members_upgraded_in_it(membership_client, upgraded):
    """seed 003「4所技师学院成功改建」: the alliance's changes of a period list the member schools whose type changed
    in it — the report's 技师学院成功改建 count — and not the move of region, nor a period without the upgrade."""
    c, a = membership_client, upgraded["alliance"]
    period = {"period_start": "2021-01-01", "period_end": "2024-12-31"}
    changed = (await c.get(f"/v1/alliances/{a}/changes", params=period)).json()["type_changed"]
    assert [(x["org_id"], x["from_org_type_label"], x["to_org_type_label"], x["effective_on"]) for x in changed] == [
        (upgraded["school"], "技工学校(含高级技工学校)", "技师学院", "2024-09-01")
    ]
    later = {"period_start": "2025-01-01", "period_end": "2025-12-31"}
    assert (await c.get(f"/v1/alliances/{a}/changes", params=later)).json()["type_changed"] == []


async def test_changes_keep_date_order_and_the_rules_of_an_update(membership_client, database, upgraded):
    c = membership_client
    url = f"/v1/organizations/{upgraded['school']}/changes"
    early = await c.post(url, json={"org_type": "higher_vocational", "effective_on": "2025-01-01"})
    assert early.status_code == 409 and early.json()["latest_effective_on"] == "2025-03-01"
    future = (today() + timedelta(days=1)).isoformat()
    r = await c.post(
        url, json={"org_type": "higher_vocational", "effective_on": future}, headers={"Accept-Language": "en"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["msg"] == "effective_on cannot be in the future"
    same = await c.post(url, json={"org_type": "technician_college", "effective_on": "2025-06-01"})
    assert same.status_code == 422 and same.json()["errors"][0]["type"] == "no_change"
    for body in ({"org_type": "school"}, {"region_code": "12"}, {"effective_on": "2025-13-01"}, {"x": 1}):
        assert (await c.post(url, json=body)).status_code == 422, body
    assert (await c.get(f"/v1/organizations/{uuid.uuid4()}/changes")).status_code == 404
    # A school with a sponsor cannot become an enterprise (a sponsor is school-only), and nothing is written.
    sponsor = await _post(
        c, "/v1/organizations", {"name": _name("潍坊市人社局"), "org_type": "government", "region_code": "370700"}
    )
    school = await _post(
        c,
        "/v1/organizations",
        {
            "name": _name("昌乐技工学校"),
            "org_type": "technical_school",
            "region_code": "370725",
            "sponsor_org_id": sponsor["id"],
        },
    )
    r = await c.post(
        f"/v1/organizations/{school['id']}/changes", json={"org_type": "enterprise", "effective_on": "2024-01-01"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "sponsor_org_id"]
    assert (await c.get(f"/v1/organizations/{school['id']}/changes")).json()["items"] == []
    # A PATCH of the type records the same change, effective today; the old type holds for every earlier day.
    r = await c.patch(f"/v1/organizations/{school['id']}", json={"org_type": "technician_college"})
    assert r.status_code == 200 and r.json()["org_type"] == "technician_college"
    changes = (await c.get(f"/v1/organizations/{school['id']}/changes")).json()["items"]
    assert [(x["from_org_type"], x["to_org_type"], x["effective_on"]) for x in changes] == [
        ("technical_school", "technician_college", today().isoformat())
    ]
    conn = await asyncpg.connect(database.admin_url)
    try:
        audit = await conn.fetch(
            "select action from membership.audit_log where entity_id=$1 order by occurred_at", uuid.UUID(school["id"])
        )
    finally:
        await conn.close()
    assert [a["action"] for a in audit] == ["create", "update"]


async def test_foreign_organizations_have_a_country_and_no_region(membership_client, upgraded):
    """seed 002「德国 Diako 社会福利院」: a foreign unit carries its ISO 3166-1 country code, no Chinese region code and
    no credit code, and an alliance's structure counts it by country."""
    c = membership_client
    diako = upgraded["diako"]
    assert (diako["country_code"], diako["country_name"], diako["region_code"], diako["region"]) == (
        "DE",
        "德国",
        None,
        None,
    )
    assert diako["credit_code"] is None
    structure = (await c.get(f"/v1/alliances/{upgraded['alliance']}/structure", params={"as_of": "2023-01-01"})).json()
    assert structure["countries"] == [{"key": "DE", "label": "德国", "count": 1}]
    assert structure["total"] == 3 and _counts(structure["provinces"]) == {"370000": 2}
    roll = (await c.get(f"/v1/alliances/{upgraded['alliance']}/members", params={"as_of": "2023-01-01"})).json()
    assert {i["org_id"]: i["region_code"] for i in roll["items"]}[diako["id"]] is None
    # The same name in the same country is a duplicate; in another country it is not.
    dup = await c.post("/v1/organizations", json={"name": diako["name"], "org_type": "other", "country_code": "DE"})
    assert dup.status_code == 409
    assert (
        await c.post("/v1/organizations", json={"name": diako["name"], "org_type": "other", "country_code": "AT"})
    ).status_code == 201
    base = {"name": _name("境外伙伴"), "org_type": "enterprise"}
    cases = [
        ({**base, "country_code": "DE", "region_code": "370702"}, ["body", "region_code"], "foreign_organization"),
        ({**base, "country_code": "DE", "credit_code": credit_code()}, ["body", "credit_code"], "foreign_organization"),
        (base, ["body", "region_code"], "required"),
        ({**base, "country_code": "TW"}, ["body", "country_code"], "chinese_region"),
        ({**base, "country_code": "XX"}, ["body", "country_code"], "iso3166"),
    ]
    for body, loc, kind in cases:
        r = await c.post("/v1/organizations", json=body, headers={"Accept-Language": "en"})
        assert r.status_code == 422, (body, r.text)
        err = r.json()["errors"][0]
        assert (err["loc"], err["type"]) == (loc, kind), r.text
    r = await c.post("/v1/organizations", json={**base, "country_code": "DE", "region_code": "370702"})
    assert r.json()["errors"][0]["msg"] == "境外单位没有行政区划代码和统一社会信用代码"
    # A foreign unit takes no region afterwards either.
    r = await c.patch(f"/v1/organizations/{diako['id']}", json={"region_code": "370702"})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "foreign_organization"
    r = await c.post(f"/v1/organizations/{diako['id']}/changes", json={"region_code": "370702"})
    assert r.status_code == 422
