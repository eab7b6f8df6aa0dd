"""The demo's apprentices and who may appraise (`apprentice.json`): the 现代学徒制 class of the demo training records
(demo/training.json) with a school mentor and an enterprise mentor for each apprentice and a 三方协议 each; the
steel group's 省冶金职业技能鉴定站; a school's 30 1+X pilot registrations — loaded through the API after
demo/training.py."""

from __future__ import annotations

import httpx

from demo.client import data, key, post


def _people(client: httpx.Client, rows: list[dict], org: str) -> list[str]:
    body = [{"name": p["name"], "org_id": org, "title": p["title"], "tags": p["tags"]} for p in rows]
    return [post(client, "/v1/people", b, key("apprentice-person", org, b["name"]))["id"] for b in body]


def _apprentices(client: httpx.Client, a: dict, ids: dict[str, str]) -> int:
    school, enterprise = ids[a["school"]], ids[a["enterprise"]]
    params = {"provider_org_id": school, "kind": "modern_apprenticeship", "limit": 100}
    programme = next(p for p in client.get("/v1/programmes", params=params).json()["items"] if p["name"] == a["class"])
    enrolled = client.get("/v1/enrolments", params={"programme_id": programme["id"], "limit": 100}).json()["items"]
    learners = [e["learner_id"] for e in enrolled if e["status"] != "dropped"][: a["apprentices"]]
    teachers = _people(client, a["school_mentors"], school)
    masters = _people(client, a["enterprise_mentors"], enterprise)
    for i, learner in enumerate(learners):
        body = {
            "learner_id": learner,
            "school_org_id": school,
            "enterprise_org_id": enterprise,
            "programme_id": programme["id"],
            "school_mentor_person_id": teachers[i % len(teachers)],
            "enterprise_mentor_person_id": masters[i % len(masters)],
            "start_on": a["start_on"],
            "recruited_on": a["recruited_on"],
            "contract_kind": "tripartite",
            "contract_number": f"MYHZ-XT-2023-{i + 1:03d}",
            "contract_signed_on": a["contract_signed_on"],
            "contract_parties": ["school", "enterprise", "apprentice"],
        }
        post(client, "/v1/apprenticeships", body, key("apprenticeship", learner))
    return len(learners)


def load_apprentice(client: httpx.Client, ids: dict[str, str], alliance: str) -> str:
    """Apprentices with their two mentors and contracts, an appraisal station and 1+X pilot registrations — what
    `/v1/training-stats/apprenticeships` and `/v1/training-stats/accreditations` add up."""
    demo = data("apprentice")
    apprentices = _apprentices(client, demo["apprenticeship"], ids)
    for a in demo["accreditations"]:
        body = {**{k: v for k, v in a.items() if k != "org"}, "org_id": ids[a["org"]]}
        post(client, "/v1/accreditations", body, key("accreditation", a["org"], a["name"]))
    pilots = demo["pilot_registrations"]
    for i, name in enumerate(pilots["certificates"]):
        body = {
            "school_org_id": ids[pilots["school"]],
            "certificate_name": name,
            "evaluation_org_name": pilots["evaluation_org_name"],
            "batch": 1 + i // 10,
            "registered_on": ["2019-06-20", "2020-01-10", "2020-12-01"][i // 10],
        }
        post(client, "/v1/pilot-registrations", body, key("pilot-registration", pilots["school"], name))
    return (
        f"{apprentices} apprentices with two mentors each, {len(demo['accreditations'])} appraisal station, "
        f"{len(pilots['certificates'])} 1+X pilot registrations"
    )
