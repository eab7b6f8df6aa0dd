"""Authorisation scenarios of `/v1/meetings`, `/v1/activities` and `/v1/duties` (the rules:
services/membership/tenancy.py and services/membership/duties/access.py).

Alliance X's admins (a user or X's key) write X's meetings, activities and duties; Y's admins are the wrong tenant
— 403 on a create naming X, 404 on X's record. Members of X (org A, school A) read X's meetings and activities but
write none (wrong role); a duty of X assigned to org A is read and submitted by org A only — school A, a fellow
member, and org B get 404. Services and read-only principals are the wrong role."""

from __future__ import annotations

from typing import Any

from tests.authz.harness import Case, Req, World, private_read, scenario

READ_ONLY = ("membership:read",)


def _wrong_role(w: World) -> list[Any]:
    return [
        w.org_admin(w.org_a),
        w.org_staff(w.school_a),
        w.service("training"),
        w.alliance_admin(w.alliance_x, scopes=READ_ONLY),
    ]


def _outsiders(w: World) -> list[Any]:
    return [w.alliance_admin(w.alliance_y), w.alliance_key(w.alliance_y)]


def _meeting(w: World) -> dict[str, Any]:
    return {
        "alliance_id": w.alliance_x["id"],
        "kind": "council",
        "title": "矩阵理事会",
        "held_on": "2024-03-01",
        "attendees": [{"org_id": w.org_a["id"], "status": "present"}, {"org_id": w.school_a["id"], "status": "proxy"}],
        "resolutions": [{"text": "通过年度工作报告", "votes_for": 2, "votes_against": 0, "votes_abstain": 0}],
    }


def _activity(w: World) -> dict[str, Any]:
    return {
        "alliance_id": w.alliance_x["id"],
        "kind": "lecture",
        "title": "矩阵专家报告会",
        "held_on": "2024-04-01",
        "host_org_id": w.school_a["id"],
        "participant_org_ids": [w.org_a["id"]],
        "headcount": 80,
    }


def _duty(w: World) -> dict[str, Any]:
    return {
        "alliance_id": w.alliance_x["id"],
        "assignee_org_ids": [w.org_a["id"]],
        "title": "矩阵调研报告",
        "deliverable": "专业人才需求调研报告",
        "assigned_on": "2024-01-10",
        "due_on": "2024-06-30",
    }


async def _new(w: World, path: str, body: dict[str, Any]) -> str:
    answer = await w.admin_post(path, body)
    return answer["items"][0]["id"] if "items" in answer else answer["id"]


# ---- meetings --------------------------------------------------------------------------------------------------
@scenario("POST", "/v1/meetings")
async def create_meeting(w: World) -> Case:
    return Case(
        Req("POST", "/v1/meetings", json=_meeting(w)),
        right=w.alliance_admin(w.alliance_x),
        expect=201,
        wrong_tenant=_outsiders(w),
        wrong_role=_wrong_role(w),
    )


@scenario("PATCH", "/v1/meetings/{meeting_id}")
async def patch_meeting(w: World) -> Case:
    mid = await _new(w, "/v1/meetings", _meeting(w))
    return Case(
        Req("PATCH", f"/v1/meetings/{mid}", json={"place": "潍坊"}),
        right=w.alliance_key(w.alliance_x),
        wrong_tenant=_outsiders(w),
        wrong_tenant_status=404,
        wrong_role=_wrong_role(w),
    )


@scenario("DELETE", "/v1/meetings/{meeting_id}")
async def delete_meeting(w: World) -> Case:
    mid = await _new(w, "/v1/meetings", _meeting(w))
    return Case(
        Req("DELETE", f"/v1/meetings/{mid}"),
        right=w.alliance_admin(w.alliance_x),
        expect=204,
        wrong_tenant=_outsiders(w),
        wrong_tenant_status=404,
        wrong_role=_wrong_role(w),
    )


@private_read("GET", "/v1/meetings/{meeting_id}")
async def read_meeting(w: World) -> Case:
    mid = await _new(w, "/v1/meetings", _meeting(w))
    return Case(
        Req("GET", f"/v1/meetings/{mid}"),
        right=w.org_staff(w.org_a),
        wrong_tenant=[*_outsiders(w), w.org_staff(w.org_b), w.org_key(w.org_b)],
    )


# ---- activities ------------------------------------------------------------------------------------------------
@scenario("POST", "/v1/activities")
async def create_activity(w: World) -> Case:
    return Case(
        Req("POST", "/v1/activities", json=_activity(w)),
        right=w.alliance_key(w.alliance_x),
        expect=201,
        wrong_tenant=_outsiders(w),
        wrong_role=_wrong_role(w),
    )


@scenario("PATCH", "/v1/activities/{activity_id}")
async def patch_activity(w: World) -> Case:
    aid = await _new(w, "/v1/activities", _activity(w))
    return Case(
        Req("PATCH", f"/v1/activities/{aid}", json={"headcount": 90}),
        right=w.alliance_admin(w.alliance_x),
        wrong_tenant=_outsiders(w),
        wrong_tenant_status=404,
        wrong_role=_wrong_role(w),
    )


@scenario("DELETE", "/v1/activities/{activity_id}")
async def delete_activity(w: World) -> Case:
    aid = await _new(w, "/v1/activities", _activity(w))
    return Case(
        Req("DELETE", f"/v1/activities/{aid}"),
        right=w.alliance_admin(w.alliance_x),
        expect=204,
        wrong_tenant=_outsiders(w),
        wrong_tenant_status=404,
        wrong_role=_wrong_role(w),
    )


@scenario("POST", "/v1/activities/imports")
async def import_activities(w: World) -> Case:
    text = "活动类型,活动名称,活动日期,参加人数\n专家报告会,矩阵导入报告会,2024-05-01,60\n"
    return Case(
        Req(
            "POST",
            "/v1/activities/imports",
            params={"alliance_id": w.alliance_x["id"]},
            files={"file": ("活动台账.csv", text.encode(), "text/csv")},
        ),
        right=w.alliance_key(w.alliance_x),
        wrong_tenant=_outsiders(w),
        wrong_role=_wrong_role(w),
    )


@private_read("GET", "/v1/activities/{activity_id}")
async def read_activity(w: World) -> Case:
    aid = await _new(w, "/v1/activities", _activity(w))
    return Case(
        Req("GET", f"/v1/activities/{aid}"),
        right=w.org_admin(w.school_a),
        wrong_tenant=[*_outsiders(w), w.org_staff(w.org_b)],
    )


# ---- duties ----------------------------------------------------------------------------------------------------
@scenario("POST", "/v1/duties")
async def assign_duty(w: World) -> Case:
    return Case(
        Req("POST", "/v1/duties", json=_duty(w)),
        right=w.alliance_admin(w.alliance_x),
        expect=201,
        wrong_tenant=_outsiders(w),
        wrong_role=_wrong_role(w),
    )


@scenario("PATCH", "/v1/duties/{duty_id}")
async def patch_duty(w: World) -> Case:
    did = await _new(w, "/v1/duties", _duty(w))
    return Case(
        Req("PATCH", f"/v1/duties/{did}", json={"due_on": "2024-07-31"}),
        right=w.alliance_key(w.alliance_x),
        wrong_tenant=_outsiders(w),
        wrong_tenant_status=404,
        wrong_role=[w.org_admin(w.org_a), w.service("training")],
    )


@scenario("DELETE", "/v1/duties/{duty_id}")
async def delete_duty(w: World) -> Case:
    did = await _new(w, "/v1/duties", _duty(w))
    return Case(
        Req("DELETE", f"/v1/duties/{did}"),
        right=w.alliance_admin(w.alliance_x),
        expect=204,
        wrong_tenant=_outsiders(w),
        wrong_tenant_status=404,
        wrong_role=[w.org_staff(w.org_a), w.service("training")],
    )


@scenario("POST", "/v1/duties/{duty_id}/transitions")
async def submit_duty(w: World) -> Case:
    did = await _new(w, "/v1/duties", _duty(w))
    return Case(
        Req("POST", f"/v1/duties/{did}/transitions", json={"to": "submitted", "on": "2024-06-20"}),
        right=w.org_staff(w.org_a),
        wrong_tenant=[w.org_staff(w.school_a), w.org_admin(w.org_b), w.alliance_admin(w.alliance_y)],
        wrong_tenant_status=404,
        wrong_role=[w.service("training"), w.org_admin(w.org_a, scopes=READ_ONLY)],
    )


@private_read("GET", "/v1/duties/{duty_id}")
async def read_duty(w: World) -> Case:
    did = await _new(w, "/v1/duties", _duty(w))
    return Case(
        Req("GET", f"/v1/duties/{did}"),
        right=w.org_key(w.org_a),
        wrong_tenant=[w.org_staff(w.school_a), w.org_staff(w.org_b), *_outsiders(w)],
    )
