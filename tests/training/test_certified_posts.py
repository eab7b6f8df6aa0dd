"""`/v1/certified-posts`: a post that requires a certificate (the kind's levels, the occupation), who holds it and
since when (a membership person of the organization, asked of the real membership service, or a learner record
it owns), ending a holding (kept in the history), the post's sync, and another tenant."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from chanjiao.dates import today
from tests.training.certified_posts_support import new_post
from tests.training.practice_support import new_learner, new_person, sql


@pytest.fixture(scope="module")
async def world(tp, database):
    org = await tp.new_org("enterprise")
    other = await tp.new_org("enterprise")
    return {
        "org": org,
        "other": other,
        "person": (await new_person(tp, org, "刘师傅"))["id"],
        "stranger": (await new_person(tp, other, "外单位人员"))["id"],
        "learner": await new_learner(tp, database, org, "employee"),
        "other_learner": await new_learner(tp, database, other, "employee"),
    }


def _errors(r) -> list[tuple[list, str]]:
    return [(e["loc"], e["type"]) for e in r.json()["errors"]]


async def test_a_post_names_a_kind_an_occupation_and_a_level_of_that_kind(tp, world):
    clerk = tp.as_org(world["org"], "org_staff")
    body = {
        "org_id": world["org"],
        "name": " 维修电工 ",
        "required_kind": "skill_level",
        "occupation_code": "６-31-01-03",
        "min_level": "三级/高级工",
        "headcount": 5,
    }
    r = await clerk.post("/v1/certified-posts", json=body)
    assert r.status_code == 201, r.text
    got = r.json()
    assert r.headers["location"] == f"/v1/certified-posts/{got['id']}" and r.headers["etag"] == '"1"'
    assert (got["name"], got["occupation_code"], got["required_kind_label"]) == (
        "维修电工",
        "6-31-01-03",
        "职业技能等级证书",
    )
    # a level that is not one of the kind's: 422 listing them; a kind without levels takes none
    r = await clerk.post("/v1/certified-posts", json={**body, "min_level": "高级"})
    assert r.status_code == 422 and _errors(r) == [(["body", "min_level"], "level")]
    assert "五级/初级工" in r.json()["errors"][0]["msg"]
    r = await clerk.post(
        "/v1/certified-posts",
        json={**body, "required_kind": "special_equipment"},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 422 and _errors(r) == [(["body", "min_level"], "no_levels")]
    assert r.json()["errors"][0]["msg"] == "This kind of certificate has no levels"
    r = await clerk.post("/v1/certified-posts", json={**body, "required_kind": "driving"})
    assert r.status_code == 422 and _errors(r)[0] == (["body", "required_kind"], "enum")
    r = await clerk.post("/v1/certified-posts", json={**body, "headcount": 0})
    assert r.status_code == 422 and _errors(r)[0][0] == ["body", "headcount"]
    # changing the kind keeps the level rule: a 1+X post takes 初级/中级/高级
    r = await clerk.patch(f"/v1/certified-posts/{got['id']}", json={"required_kind": "skill_level_1x"})
    assert r.status_code == 422 and _errors(r) == [(["body", "min_level"], "level")]
    r = await clerk.patch(
        f"/v1/certified-posts/{got['id']}",
        json={"required_kind": "skill_level_1x", "min_level": "中级"},
        headers={"If-Match": '"1"'},
    )
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["min_level"] == "中级"
    r = await clerk.patch(f"/v1/certified-posts/{got['id']}", json={"headcount": 6}, headers={"If-Match": '"1"'})
    assert r.status_code == 412
    r = await clerk.patch(f"/v1/certified-posts/{got['id']}", json={"org_id": world["other"]})
    assert r.status_code == 422 and _errors(r)[0] == (["body", "org_id"], "extra_forbidden")


async def test_holders_are_the_organizations_people_or_learner_records(tp, world, database):
    clerk = tp.as_org(world["org"], "org_staff")
    post = await new_post(clerk, world["org"], "天车工", "special_equipment")
    holders = f"/v1/certified-posts/{post}/holders"
    since = (today() - timedelta(days=30)).isoformat()
    r = await clerk.post(holders, json={"person_id": world["person"], "since": since})
    assert r.status_code == 201, r.text
    held = r.json()
    assert (held["name"], held["since"], held["until"], held["learner_id"]) == ("刘师傅", since, None, None)
    assert r.headers["location"] == f"{holders}/{held['id']}"
    r = await clerk.post(holders, json={"learner_id": world["learner"]})
    assert r.status_code == 201 and (r.json()["name"], r.json()["since"]) == ("张学员", today().isoformat())
    # another organization's person: the answer for a person that does not exist
    answers = []
    for person in (world["stranger"], str(uuid.uuid4())):
        r = await clerk.post(holders, json={"person_id": person})
        assert r.status_code == 422, r.text
        answers.append((r.json()["detail"], r.json()["errors"]))
    assert answers[0] == answers[1] and answers[0][1][0]["type"] == "person_not_found"
    assert "外单位人员" not in str(answers)
    # another organization's learner record: 404, as if it did not exist
    r = await clerk.post(holders, json={"learner_id": world["other_learner"]})
    assert r.status_code == 404 and r.json()["type"].endswith("learner-not-found")
    # the platform admin naming another organization's record: 422, the holder is the post organization's
    r = await tp.admin.post(holders, json={"learner_id": world["other_learner"]})
    assert r.status_code == 422 and _errors(r) == [(["body", "learner_id"], "learner_not_of_org")]
    for bad in ({}, {"person_id": world["person"], "learner_id": world["learner"]}):
        r = await clerk.post(holders, json=bad)
        assert r.status_code == 422 and _errors(r) == [(["body", "person_id"], "one_of")]
    r = await clerk.post(
        holders, json={"person_id": world["person"], "since": (today() + timedelta(days=1)).isoformat()}
    )
    assert r.status_code == 422 and _errors(r) == [(["body", "since"], "future")]
    # already on the post
    r = await clerk.post(holders, json={"person_id": world["person"]})
    assert r.status_code == 409 and r.json()["type"].endswith("post-holder-overlaps")
    listed = (await clerk.get(holders)).json()["items"]
    assert [h["name"] for h in listed] == ["刘师傅", "张学员"]
    # nothing half-written by the refusals; each holder its audit row and event, by id only
    rows = await sql(
        database, "select count(*) from training.certified_post_holders where post_id = $1", uuid.UUID(post)
    )
    assert rows[0][0] == 2
    events = await sql(
        database,
        "select payload::text from training.outbox where type = 'certified_post_holder.created' and aggregate_id = $1",
        uuid.UUID(held["id"]),
    )
    assert len(events) == 1 and world["person"] in events[0][0] and "刘师傅" not in events[0][0]


async def test_ending_a_holding_keeps_it_in_the_history(tp, world, database):
    clerk = tp.as_org(world["org"])
    post = await new_post(clerk, world["org"], "电工", "special_operations")
    holders = f"/v1/certified-posts/{post}/holders"
    since = today() - timedelta(days=100)
    r = await clerk.post(holders, json={"person_id": world["person"], "since": since.isoformat()})
    holder = r.json()["id"]
    version = (await clerk.get(f"/v1/certified-posts/{post}")).json()["version"]
    for until, rule in ((since - timedelta(days=1), "period"), (today() + timedelta(days=1), "future")):
        r = await clerk.delete(f"{holders}/{holder}", params={"until": until.isoformat()})
        assert r.status_code == 422 and _errors(r) == [(["query", "until"], rule)]
    left = today() - timedelta(days=10)
    r = await clerk.delete(f"{holders}/{holder}", params={"until": left.isoformat()})
    assert r.status_code == 204, r.text
    r = await clerk.delete(f"{holders}/{holder}")
    assert r.status_code == 409 and r.json()["type"].endswith("post-holding-ended")
    got = (await clerk.get(f"{holders}/{holder}")).json()
    assert (got["since"], got["until"], got["version"]) == (since.isoformat(), left.isoformat(), 2)
    assert [h["id"] for h in (await clerk.get(holders)).json()["items"]] == [holder]
    assert (await clerk.get(holders, params={"as_of": today().isoformat()})).json()["items"] == []
    # back on the post from the day it left (not before: the periods may not overlap)
    r = await clerk.post(holders, json={"person_id": world["person"], "since": (left - timedelta(days=1)).isoformat()})
    assert r.status_code == 409
    r = await clerk.post(holders, json={"person_id": world["person"], "since": left.isoformat()})
    assert r.status_code == 201
    # the post moved on with its holders: adding, ending and adding again
    assert (await clerk.get(f"/v1/certified-posts/{post}")).json()["version"] == version + 2
    ended = await sql(
        database,
        "select payload::text from training.outbox where type = 'certified_post_holder.ended' and aggregate_id = $1",
        uuid.UUID(holder),
    )
    assert len(ended) == 1 and left.isoformat() in ended[0][0]
    # a holding of another post is not this post's
    other_post = await new_post(clerk, world["org"], "焊工", "special_operations")
    r = await clerk.get(f"/v1/certified-posts/{other_post}/holders/{holder}")
    assert r.status_code == 404


async def test_a_change_of_holders_comes_with_the_posts_sync(tp, world):
    clerk = tp.as_org(world["org"])
    post = await new_post(clerk, world["org"], "锅炉工", "special_equipment")
    token = (await clerk.get("/v1/certified-posts", params={"org_id": world["org"], "limit": 1})).json()["sync_token"]
    r = await clerk.post(f"/v1/certified-posts/{post}/holders", json={"learner_id": world["learner"]})
    assert r.status_code == 201
    pulled = (await clerk.get("/v1/certified-posts", params={"since_token": token})).json()["items"]
    assert post in {p["id"] for p in pulled}
    r = await clerk.delete(f"/v1/certified-posts/{post}")
    assert r.status_code == 204
    pulled = await clerk.get("/v1/certified-posts", params={"since_token": token, "include_deleted": "true"})
    tombstone = next(i for i in pulled.json()["items"] if i["id"] == post)
    assert tombstone["deleted"] is True
    assert (await clerk.get(f"/v1/certified-posts/{post}")).status_code == 404
    assert (await clerk.get(f"/v1/certified-posts/{post}/holders")).status_code == 404


async def test_another_tenant_neither_sees_nor_writes_the_posts(tp, world):
    clerk = tp.as_org(world["org"])
    post = await new_post(clerk, world["org"], "起重工", "special_equipment", headcount=3)
    r = await clerk.post(f"/v1/certified-posts/{post}/holders", json={"person_id": world["person"]})
    holder = r.json()["id"]
    outsider = tp.as_org(world["other"])
    for method, path, kw in (
        ("GET", f"/v1/certified-posts/{post}", {}),
        ("PATCH", f"/v1/certified-posts/{post}", {"json": {"headcount": 9}}),
        ("DELETE", f"/v1/certified-posts/{post}", {}),
        ("GET", f"/v1/certified-posts/{post}/holders", {}),
        ("POST", f"/v1/certified-posts/{post}/holders", {"json": {"person_id": world["stranger"]}}),
        ("GET", f"/v1/certified-posts/{post}/holders/{holder}", {}),
        ("DELETE", f"/v1/certified-posts/{post}/holders/{holder}", {}),
    ):
        r = await outsider.request(method, path, **kw)
        assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text}"
        assert r.json()["type"].endswith("certified-post-not-found")
    export = await clerk.get(
        "/v1/certified-posts",
        params={"org_id": world["org"]},
        headers={"Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    assert export.status_code == 200, export.text
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["岗位", "证书种类", "职业（工种）"]
    assert ["起重工", "特种设备作业人员证"] in [r[:2] for r in rows[1:]]
    listed = await outsider.get("/v1/certified-posts", params={"org_id": world["org"]})
    assert listed.status_code == 200 and listed.json()["items"] == []
    r = await outsider.post(
        "/v1/certified-posts", json={"org_id": world["org"], "name": "电工", "required_kind": "other"}
    )
    assert r.status_code == 403
    # read-only principals of the organization read, and may not write
    reader = tp.as_org(world["org"], "org_staff", scopes=("training:read",))
    assert (await reader.get(f"/v1/certified-posts/{post}")).status_code == 200
    assert (await reader.patch(f"/v1/certified-posts/{post}", json={"headcount": 9})).status_code == 403
    after = (await clerk.get(f"/v1/certified-posts/{post}")).json()
    assert (after["headcount"], after["version"]) == (3, 2)
