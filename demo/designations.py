"""The demo's designation register (`designations.json`): the alliance's 全国示范性职业教育集团 from 培育 to
its acceptance (验收), a school's 国家“双高”专业群, a 市域产教联合体, two teachers' 山东省技术技能大师 titles and two
members' people in the 行指委 — loaded through the API with the alliance (`demo/alliance.py`)."""

from __future__ import annotations

import httpx

from demo.client import data, key, post


def _person(client: httpx.Client, ids: dict[str, str], org: str, name: str) -> str:
    body = {"name": name, "org_id": ids[org]}
    return post(client, "/v1/people", body, key("person", org, name))["id"]


def load_designations(client: httpx.Client, ids: dict[str, str], alliance: str) -> str:
    """Register entries with their steps, titles and outside posts — what `/v1/designations/stats` adds up."""
    demo = data("designations")
    entries = 0
    for e in demo["entries"]:
        first, *later = e["steps"]
        body = {k: e[k] for k in ("programme_name", "level", "batch", "recognising_body")} | first
        body["subject_kind"] = e["subject"]
        if e["subject"] == "alliance":
            body["subject_id"] = alliance
        else:
            body |= {"org_id": ids[e["org"]], "subject_name": e["subject_name"], "alliance_id": alliance}
        made = post(client, "/v1/designations", body, key("designation", e["programme_name"], e["subject"]))
        for step in later:
            post(client, f"/v1/designations/{made['id']}/stages", step)
        entries += 1
    for t in demo["teachers"]:
        person = _person(client, ids, t["org"], t["name"])
        body = {
            "programme_name": t["title"],
            "level": "provincial",
            "stage": "recognised",
            "on": t["on"],
            "recognising_body": t["body"],
            "subject_kind": "person",
            "subject_id": person,
            "alliance_id": alliance,
        }
        post(client, "/v1/designations", body, key("title", t["org"], t["name"], t["title"]))
        entries += 1
    for p in demo["posts"]:
        person = _person(client, ids, p["org"], p["name"])
        body = {k: v for k, v in p.items() if k not in ("org", "name")}
        post(
            client, f"/v1/people/{person}/outside-posts", body, key("outside-post", p["org"], p["name"], p["body_name"])
        )
    return f"{entries} designations and titles, {len(demo['posts'])} outside posts"
