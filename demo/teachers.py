"""The demo's teacher records (`teachers.json`): teachers of two demo schools as membership people, a 双师培训
(`teacher_training`) class in 2023 whose learner records name those people, their enterprise practice, and two bases
co-built with member enterprises — what `/v1/training-stats/teachers` and the co-built bases of `/v1/training-stats`
add up. Loaded through the API with the alliance (`demo/alliance.py`)."""

from __future__ import annotations

import httpx

from demo.client import data, key, post
from demo.training import _id_number


def _people(client: httpx.Client, teachers: list[dict], ids: dict[str, str]) -> dict[str, dict]:
    out = {}
    for t in teachers:
        body = {"name": t["name"], "org_id": ids[t["org"]], "title": t["title"], "tags": t["tags"]}
        out[t["name"]] = {**post(client, "/v1/people", body, key("teacher-person", t["org"], t["name"])), **t}
    return out


def _dual_training(
    client: httpx.Client, course: dict, people: dict[str, dict], ids: dict[str, str], alliance: str
) -> int:
    """The class, and a learner record of each teacher registered by the provider, naming the teacher's person."""
    provider = ids[course["provider"]]
    body = {
        "name": course["name"],
        "kind": "teacher_training",
        "provider_org_id": provider,
        "alliance_id": alliance,
        "start_on": course["start_on"],
        "end_on": course["end_on"],
        "planned_hours": course["planned_hours"],
    }
    programme = post(client, "/v1/programmes", body, key("dual-training", course["name"]))["id"]
    for i, name in enumerate(course["teachers"]):
        person = people[name]
        number, _gender = _id_number(i, (1978, 1992), ["990799"])  # a region of its own: no clash
        learner = post(
            client,
            "/v1/learners",
            {
                "name": name,
                "id_number": number,
                "learner_type": "teacher",
                "org_id": provider,
                "current_org_id": person["org_id"],
            },
            key("dual-training-learner", name),
        )
        r = client.patch(f"/v1/learners/{learner['id']}", json={"membership_person_id": person["id"]})
        r.raise_for_status()
        enrolment = post(
            client,
            "/v1/enrolments",
            {"learner_id": learner["id"], "programme_id": programme, "enrolled_on": course["start_on"]},
            key("dual-training-enrolment", name),
        )["id"]
        r = client.patch(
            f"/v1/enrolments/{enrolment}", json={"days_attended": course["days"], "hours_attended": course["hours"]}
        )
        r.raise_for_status()
        post(client, f"/v1/enrolments/{enrolment}/transitions", {"to": "completed", "effective_on": course["end_on"]})
    return len(course["teachers"])


def load_teachers(client: httpx.Client, ids: dict[str, str], alliance: str) -> str:
    demo = data("teachers")
    people = _people(client, demo["teachers"], ids)
    trained = _dual_training(client, demo["dual_training"], people, ids, alliance)
    for p in demo["practices"]:
        teacher = people[p["teacher"]]
        body = {
            "person_id": teacher["id"],
            "school_org_id": teacher["org_id"],
            "enterprise_org_id": ids[p["enterprise"]],
            **{k: p[k] for k in ("start_on", "end_on", "post", "content")},
        }
        post(client, "/v1/teacher-practices", body, key("teacher-practice", p["teacher"], p["start_on"]))
    co_builders = 0
    for b in demo["bases"]:
        body = {k: v for k, v in b.items() if k not in ("owner", "co_builders")} | {"owner_org_id": ids[b["owner"]]}
        base = post(client, "/v1/training-bases", body, key("co-built-base", b["owner"], b["name"]))["id"]
        for c in b["co_builders"]:
            entry = {k: v for k, v in c.items() if k != "org"} | {"org_id": ids[c["org"]]}
            post(client, f"/v1/training-bases/{base}/co-builders", entry, key("co-builder", b["name"], c["org"]))
            co_builders += 1
    return (
        f"{len(people)} teachers, {trained} of them in a 双师培训 class, {len(demo['practices'])} teacher practices, "
        f"{len(demo['bases'])} co-built bases with {co_builders} co-builders"
    )
