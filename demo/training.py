"""The demo's training records (`training.json`, 2023–2024: bases, programmes, learners with synthetic ID numbers,
enrolments, internships, teacher practice, part-time teaching), loaded through the API with the alliance
(`demo/alliance.py`). Every organization they name is a member on the dates used.

Learners are registered by (and belong to) one organization each, per cohort; a learner record belongs to the
organization that registered it (docs/learners.md): a programme provider enrolling another organization's people
registers its own record of each (the figures count the person once). ID numbers are synthetic (`_id_number`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from chanjiao.validators import compute_check_digit
from demo.client import batch, data, key, post


def _id_number(i: int, birth_years: tuple[int, int], regions: list[str] | None = None) -> tuple[str, str]:
    """Learner `i`'s synthetic resident ID number and gender: a region code of no province (`names.regions` of
    training.json: 99, which is no GB/T 2260 province, then Weifang's district codes — valid GB 11643 numbers that
    no real person can hold), a birth date in `birth_years`, a sequence number made of `i` (odd for men, as
    GB 11643 has it) and the check digit."""
    regions = regions if regions is not None else data("training")["names"]["regions"]
    gender = "male" if i % 2 == 0 else "female"
    year = birth_years[0] + i % (birth_years[1] - birth_years[0] + 1)
    born = f"{year}{1 + i * 5 % 12:02d}{1 + i * 11 % 28:02d}"
    sequence = f"{(2 * i + (1 if gender == 'male' else 0)) % 1000:03d}"
    body = regions[i % len(regions)] + born + sequence
    return body + compute_check_digit(body), gender


def _name(i: int, gender: str, names: dict[str, Any]) -> str:
    given = names["given"][gender]
    surnames = names["surnames"]
    return surnames[i * 7 % len(surnames)] + given[(i // 2 + i // 24) % len(given)]


def load_training(client: httpx.Client, ids: dict[str, str], alliance: str) -> str:
    """Training bases, learners, the alliance's programmes with their rosters and attendance, internships,
    teacher practice and part-time teaching — what `/v1/training-stats` adds up for 2023 and 2024."""
    demo = data("training")
    bases: dict[str, str] = {}
    for b in demo["bases"]:
        body = {"owner_org_id": ids[b["owner"]], **{k: v for k, v in b.items() if k != "owner"}}
        bases[b["name"]] = post(client, "/v1/training-bases", body, key("base", b["owner"], b["name"]))["id"]
    bodies = _learner_bodies(demo, ids)
    learners = _register(client, bodies, None)
    enrolments = sum(_run_programme(client, ids, alliance, bases, bodies, learners, p) for p in demo["programmes"])
    school_of = {c["name"]: c["org"] for c in demo["cohorts"]}
    items = [
        {
            "learner_id": learner,
            "school_org_id": ids[school_of[x["cohort"]]],
            "host_org_id": ids[x["host"]],
            "insured": "insurance_policy_no" in x,
            **{k: v for k, v in x.items() if k not in ("cohort", "n", "host")},
        }
        for x in demo["internships"]
        for learner in learners[x["cohort"]][: x["n"]]
    ]
    batch(client, "/v1/internships/batch", items, key("internships"))
    people = _register_people(client, demo, ids)
    school_of_teacher = {t["name"]: t["org"] for t in demo["teachers"]}
    for p in demo["practices"]:
        body = {
            "person_id": people[p["teacher"]],
            "school_org_id": ids[school_of_teacher[p["teacher"]]],
            "enterprise_org_id": ids[p["enterprise"]],
            **{k: p[k] for k in ("start_on", "end_on", "post", "content")},
        }
        post(client, "/v1/teacher-practices", body, key("practice", p["teacher"], p["start_on"]))
    for t in demo["part_time_teaching"]:
        body = {
            "staff_name": t["staff"],
            "person_id": people[t["staff"]],
            "enterprise_org_id": ids[t["enterprise"]],
            "school_org_id": ids[t["school"]],
            **{k: t[k] for k in ("term", "course", "class_hours")},
        }
        post(client, "/v1/part-time-teaching", body, key("teaching", t["staff"], t["term"], t["course"]))
    return (
        f"{len(bases)} training bases, {sum(len(v) for v in learners.values())} learners, {len(demo['programmes'])} "
        f"programmes with {enrolments} enrolments, {len(items)} internships, {len(demo['practices'])} teacher "
        f"practices and {len(demo['part_time_teaching'])} part-time teaching records (2023–2024)"
    )


def _register_people(client: httpx.Client, demo: dict[str, Any], ids: dict[str, str]) -> dict[str, str]:
    """The demo schools' teachers and the enterprises' part-time teaching staff as membership people (a teacher is
    one person, referenced by teacher practice); ids by name."""
    people: dict[str, str] = {}
    for p in [*demo["teachers"], *demo["staff"]]:
        body = {"name": p["name"], "org_id": ids[p["org"]], "title": p["title"], "tags": p["tags"]}
        people[p["name"]] = post(client, "/v1/people", body, key("person", p["org"], p["name"]))["id"]
    return people


def _learner_bodies(demo: dict[str, Any], ids: dict[str, str]) -> dict[str, list[dict]]:
    """Every cohort's registrations by its own organization, by cohort."""
    names = demo["names"]
    bodies: dict[str, list[dict]] = {}
    count = 0
    for c in demo["cohorts"]:
        bodies[c["name"]] = []
        for _ in range(c["count"]):
            number, gender = _id_number(count, (c["born_from"], c["born_to"]), names["regions"])
            bodies[c["name"]].append(
                {
                    "name": _name(count, gender, names),
                    "id_number": number,
                    "learner_type": c["learner_type"],
                    "org_id": ids[c["org"]],
                    "current_org_id": ids[c["org"]],
                }
            )
            count += 1
    return bodies


def _register(client: httpx.Client, bodies: dict[str, list[dict]], org: str | None) -> dict[str, list[str]]:
    """The cohorts' learners in one batch — by their own organizations (`org` None) or all by `org` (its own records
    of the same people) —; the record ids by cohort."""
    items = [{**b, "org_id": org or b["org_id"]} for rows in bodies.values() for b in rows]
    learner_ids = iter(batch(client, "/v1/learners/batch", items, key("learners", *([org] if org else []))))
    return {cohort: [next(learner_ids) for _ in rows] for cohort, rows in bodies.items()}


def _run_programme(
    client: httpx.Client,
    ids: dict[str, str],
    alliance: str,
    bases: dict[str, str],
    bodies: dict[str, list[dict]],
    learners: dict[str, list[str]],
    p: dict,
) -> int:
    """Create the programme (tagged with the alliance), enrol its `roster` (a cohort, or its `first` n) in one batch
    a week before it starts, then record attendance (`days`/`hours` of one who completed) and close every enrolment:
    most complete on the last day, the `dropped` ones leave on their day (having attended a quarter), the `failed`
    ones fail. The roster names the provider's own records: people of another organization are registered by the
    provider first."""
    body = {
        "name": p["name"],
        "kind": p["kind"],
        "provider_org_id": ids[p["provider"]],
        "alliance_id": alliance,
        "partner_org_ids": [ids[o] for o in p.get("partners", [])],
        "training_base_id": bases[p["base"]] if "base" in p else None,
        "occupation_code": p.get("occupation_code"),
        "major_code": p.get("major_code"),
        "start_on": p["start_on"],
        "end_on": p["end_on"],
        "planned_hours": p["planned_hours"],
        "capacity": p.get("capacity"),
    }
    programme = post(client, "/v1/programmes", body, key("programme", p["name"]))["id"]
    provider = ids[p["provider"]]
    roster_spec = [(r["cohort"], r.get("first")) for r in p["roster"]]
    outside = {c: bodies[c] for c, _ in roster_spec if bodies[c][0]["org_id"] != provider}
    own = {**learners, **(_register(client, outside, provider) if outside else {})}
    roster = [learner for cohort, n in roster_spec for learner in own[cohort][:n]]
    enrolled_on = (date.fromisoformat(p["start_on"]) - timedelta(days=7)).isoformat()
    items = [{"learner_id": learner, "programme_id": programme, "enrolled_on": enrolled_on} for learner in roster]
    enrolments = batch(client, "/v1/enrolments/batch", items, key("enrolments", p["name"]))
    dropped = {d["index"]: d["on"] for d in p.get("dropped", [])}
    for i, enrolment in enumerate(enrolments):
        days = p["days"] - i % 4 * 0.5  # a few missed a day or two
        score = 72 + i * 7 % 27
        if i in dropped:
            days, score = round(p["days"] / 4), None
            transition = {"to": "dropped", "effective_on": dropped[i], "reason": "本人申请退出"}
        elif i in p.get("failed", []):
            score = 52
            transition = {"to": "failed", "effective_on": p["end_on"], "reason": "考核未通过"}
        else:
            transition = {"to": "completed", "effective_on": p["end_on"], "reason": "考核合格"}
        attendance = {"days_attended": days, "hours_attended": days * p["hours"] / p["days"], "score": score}
        client.patch(f"/v1/enrolments/{enrolment}", json=attendance).raise_for_status()
        client.post(f"/v1/enrolments/{enrolment}/transitions", json=transition).raise_for_status()
    return len(enrolments)
