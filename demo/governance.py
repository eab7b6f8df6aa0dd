"""The demo alliance's governance for a year (`governance.json`): its 常务理事会 and 理事会 with their rolls and
resolutions — the 理事会 admitting two applicants, each admission naming its resolution — the alliance's activities
(expert lectures, a visit, a training, a competition, a conference) and duties assigned by seat role, submitted and
accepted — loaded through the API with the alliance (`demo/alliance.py`)."""

from __future__ import annotations

import httpx

from demo.client import data, key, post


def _committees(client: httpx.Client, alliance: str) -> dict[str, str]:
    r = client.get("/v1/committees", params={"alliance_id": alliance, "limit": 100})
    r.raise_for_status()
    return {c["name"]: c["id"] for c in r.json()["items"]}


def _meetings(
    client: httpx.Client, demo: dict, ids: dict[str, str], alliance: str, bodies: dict[str, str]
) -> list[dict]:
    made = []
    for m in demo["meetings"]:
        body = {
            **{k: m[k] for k in ("kind", "title", "held_on", "place", "quorum_rule", "agenda")},
            "alliance_id": alliance,
            "committee_id": bodies[m["body"]] if m["body"] else None,
            "attendees": [
                {**{k: v for k, v in a.items() if k != "org"}, "org_id": ids[a["org"]]} for a in m["attendees"]
            ],
            "resolutions": [{k: v for k, v in r.items() if k != "admits"} for r in m["resolutions"]],
        }
        made.append(post(client, "/v1/meetings", body, key("meeting", m["title"])))
    return made


def _admissions(client: httpx.Client, demo: dict, ids: dict[str, str], alliance: str, meetings: list[dict]) -> int:
    """The applicants apply, and the 理事会 that adopted their resolutions admits them on its day."""
    admitted = 0
    for applicant in demo["applicants"]:
        body = {
            "org_id": ids[applicant["org"]],
            "alliance_id": alliance,
            "role": applicant["role"],
            "applied_on": applicant["applied_on"],
            "reason": "入会申请",
        }
        membership = post(client, "/v1/memberships", body, key("governance-apply", applicant["org"]))
        for spec, meeting in zip(demo["meetings"], meetings, strict=True):
            for no, r in enumerate(spec["resolutions"], start=1):
                if r.get("admits") == applicant["org"]:
                    move = {
                        "to": "active",
                        "effective_on": spec["held_on"],
                        "reason": "理事会审议通过",
                        "meeting_id": meeting["id"],
                        "resolution_no": no,
                    }
                    path = f"/v1/memberships/{membership['id']}/transitions"
                    post(client, path, move, key("governance-admit", applicant["org"]))
                    admitted += 1
    return admitted


def _activities(client: httpx.Client, demo: dict, ids: dict[str, str], alliance: str) -> int:
    for a in demo["activities"]:
        body = {
            **{k: v for k, v in a.items() if k in ("kind", "title", "held_on", "end_on", "place", "headcount")},
            "alliance_id": alliance,
            "host_org_id": ids[a["host"]],
            "co_organizer_org_ids": [ids[o] for o in a["co_organizers"]],
            "participant_org_ids": [ids[o] for o in a["participants"]],
        }
        post(client, "/v1/activities", body, key("activity", a["title"]))
    return len(demo["activities"])


def _duties(client: httpx.Client, demo: dict, ids: dict[str, str], alliance: str, bodies: dict[str, str]) -> int:
    assigned = 0
    for d in demo["duties"]:
        body = {
            **{k: d[k] for k in ("title", "deliverable", "assigned_on", "due_on")},
            "alliance_id": alliance,
            "committee_id": bodies[d["body"]],
        }
        if "seat_roles" in d:
            body["seat_roles"] = d["seat_roles"]
        else:
            body["assignee_org_ids"] = [ids[o] for o in d["orgs"]]
        duties = post(client, "/v1/duties", body, key("duty", d["title"]))["items"]
        assigned += len(duties)
        by_org = {duty["assignee_org_id"]: duty["id"] for duty in duties}
        for org, steps in d["progress"].items():
            for step in steps:
                path = f"/v1/duties/{by_org[ids[org]]}/transitions"
                post(client, path, step, key("duty-step", d["title"], org, step["to"], step["on"]))
    return assigned


def load_governance(client: httpx.Client, ids: dict[str, str], alliance: str) -> str:
    """Meetings, admissions decided by them, activities and duties — what the governance figures count."""
    demo = data("governance")
    bodies = _committees(client, alliance)
    meetings = _meetings(client, demo, ids, alliance, bodies)
    admitted = _admissions(client, demo, ids, alliance, meetings)
    activities = _activities(client, demo, ids, alliance)
    duties = _duties(client, demo, ids, alliance, bodies)
    return (
        f"{len(meetings)} meetings in {demo['year']} ({admitted} admissions by resolution), {activities} activities, "
        f"{duties} duties"
    )
