"""`GET /v1/certificates/due` through the gateway: an organization's certificates whose expiry or next review falls
within the window, overdue ones still active included, ordered by due date and paged; another organization's
principals are refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from chanjiao.dates import today
from tests.training.certificate_population import cert_row, insert_certs, maker  # noqa: F401 - fixture
from tests.training.conftest import tp  # noqa: F401 - fixture


@pytest.fixture
async def world(tp, maker):  # noqa: F811
    day = today()
    org_a, org_b = uuid.UUID(await tp.new_org()), uuid.UUID(await tp.new_org())
    certs = {
        # seed 000「确保在岗人员100%持证上岗」: the special operations card whose review (复审) comes in 20 days.
        "review_soon": cert_row(
            org_a,
            kind="special_operations",
            issued_on=day - timedelta(days=3 * 365 - 20),
            valid_until=day + timedelta(days=3 * 365 + 20),
            next_review_on=day + timedelta(days=20),
            holder_name="王建华",
        ),
        "overdue": cert_row(org_a, valid_until=day - timedelta(days=5), holder_name="李四"),
        "both_due": cert_row(
            org_a,
            kind="special_equipment",
            issued_on=day - timedelta(days=4 * 365),
            valid_until=day + timedelta(days=40),
            next_review_on=day + timedelta(days=40),
            holder_name="赵六",
        ),
        "later": cert_row(org_a, valid_until=day + timedelta(days=200)),
        "no_dates": cert_row(org_a, kind="completion"),
        "suspended": cert_row(org_a, valid_until=day + timedelta(days=10), status="suspended"),
        "revoked": cert_row(org_a, valid_until=day + timedelta(days=10), status="revoked"),
        "other_org": cert_row(org_b, valid_until=day + timedelta(days=10)),
    }
    certs["replaced"] = cert_row(org_a, valid_until=day + timedelta(days=8))
    certs["renewal"] = cert_row(org_a, valid_until=day + timedelta(days=60), replaces_id=certs["replaced"]["id"])
    async with maker() as session, session.begin():
        await insert_certs(session, list(certs.values()))
    return org_a, org_b, certs, day


def ids_of(items: list[dict]) -> list[tuple[str, str]]:
    return [(i["certificate_id"], i["due_kind"]) for i in items]


async def test_the_due_list_of_an_organization(tp, world):  # noqa: F811
    org_a, _, certs, day = world
    client = tp.as_org(str(org_a), "org_staff")
    r = await client.get("/v1/certificates/due", params={"org_id": str(org_a)})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    c = {k: str(v["id"]) for k, v in certs.items()}
    assert ids_of(items) == [
        (c["overdue"], "expiry"),
        (c["review_soon"], "review"),
        *sorted([(c["both_due"], "expiry"), (c["both_due"], "review")]),
        (c["renewal"], "expiry"),
    ]
    overdue, review = items[0], items[1]
    assert overdue["days_left"] == -5 and overdue["status"] == "expired" and overdue["holder_name"] == "李四"
    assert review == {
        "certificate_id": c["review_soon"],
        "kind": "special_operations",
        "kind_label": "特种作业操作证",
        "number": certs["review_soon"]["number"],
        "recorded": True,
        "issuer_name": "潍坊市应急管理局",
        "holder_name": "王建华",
        "learner_id": None,
        "person_id": str(certs["review_soon"]["person_id"]),
        "occupation_name": "低压电工作业",
        "level": None,
        "due_kind": "review",
        "due_kind_label": "复审",
        "due_on": (day + timedelta(days=20)).isoformat(),
        "days_left": 20,
        "valid_until": (day + timedelta(days=3 * 365 + 20)).isoformat(),
        "next_review_on": (day + timedelta(days=20)).isoformat(),
        "status": "expiring",
        "status_label": "即将到期",
    }
    # A wider window brings the later one; a narrower one keeps only what is due within it (and the overdue).
    wide = await client.get("/v1/certificates/due", params={"org_id": str(org_a), "within_days": 365})
    assert (c["later"], "expiry") in ids_of(wide.json()["items"])
    narrow = await client.get("/v1/certificates/due", params={"org_id": str(org_a), "within_days": 20})
    assert ids_of(narrow.json()["items"]) == [(c["overdue"], "expiry"), (c["review_soon"], "review")]

    # Paged two at a time: the same items in the same order.
    paged, cursor = [], None
    while True:
        params = {"org_id": str(org_a), "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/certificates/due", params=params)).json()
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == items


async def test_only_the_organizations_principals_and_platform_admins_list_it(tp, world):  # noqa: F811
    org_a, org_b, certs, _ = world
    r = await tp.admin.get("/v1/certificates/due", params={"org_id": str(org_a)})
    assert r.status_code == 200 and len(r.json()["items"]) == 5
    mine_b = await tp.as_org(str(org_b)).get("/v1/certificates/due", params={"org_id": str(org_b)})
    assert ids_of(mine_b.json()["items"]) == [(str(certs["other_org"]["id"]), "expiry")]
    for who in (tp.as_org(str(org_b)), tp.as_org(str(org_b), "org_staff")):
        r = await who.get("/v1/certificates/due", params={"org_id": str(org_a)}, headers={"Accept-Language": "en"})
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json", r.text
        assert "your own organization" in r.json()["detail"]
    # Without org_id: one's own organization; a platform admin's is every organization's; an alliance admin acts
    # for no organization.
    own = await tp.as_org(str(org_b), "org_staff").get("/v1/certificates/due")
    assert own.json()["items"] == mine_b.json()["items"]
    everything = (await tp.admin.get("/v1/certificates/due", params={"limit": 500})).json()["items"]
    assert {str(c["id"]) for k, c in certs.items() if k in ("other_org", "overdue")} <= {
        i["certificate_id"] for i in everything
    }
    alliance = tp.as_alliance(await tp.new_alliance())
    assert (await alliance.get("/v1/certificates/due")).status_code == 403
    no_read = tp.as_org(str(org_a), scopes=("training:write",))
    assert (await no_read.get("/v1/certificates/due", params={"org_id": str(org_a)})).status_code == 403


@pytest.mark.parametrize("within", ["-1", "3651", "x"])
async def test_a_bad_window_is_422_naming_it(tp, within):  # noqa: F811
    r = await tp.admin.get("/v1/certificates/due", params={"org_id": str(uuid.uuid4()), "within_days": within})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["query", "within_days"]
