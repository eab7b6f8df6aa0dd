"""The demo's matching records (`matching.json`): members' demands (an order class 订单班, a modern apprenticeship,
internships) and the schools' offers (graduates, interns), posted in the demo alliance and opened today,
school-enterprise agreements with their history and a funding ledger (committed amounts and dated payments), and the
alliance's 供需对接会 where every demand and offer is registered — loaded through the API with the alliance
(`demo/alliance.py`). Every organization they name is a member now."""

from __future__ import annotations

import httpx

from demo.client import data, key, post


def _postings(
    client: httpx.Client, noun: str, rows: list[dict], ids: dict[str, str], alliance: str
) -> list[tuple[str, str]]:
    """Demands or offers (`noun`), each created by its organization's record and opened; (organization, id) each."""
    out = []
    for row in rows:
        body = {**{k: v for k, v in row.items() if k != "org"}, "org_id": ids[row["org"]], "alliance_id": alliance}
        posting = post(client, f"/v1/{noun}", body, key(noun, row["org"], row["title"]))
        if posting["status"] == "draft":
            post(client, f"/v1/{noun}/{posting['id']}/transitions", {"to": "open", "reason": "演示数据发布"})
        out.append((ids[row["org"]], posting["id"]))
    return out


def _fair(client: httpx.Client, fair: dict, ids: dict[str, str], alliance: str, postings: dict[str, list]) -> int:
    """The alliance's fair, open, with every demand and offer registered; the number registered."""
    body = {
        "organizer_org_id": ids[fair["organizer"]],
        "alliance_id": alliance,
        **{k: fair[k] for k in ("title", "held_on", "region_code")},
    }
    made = post(client, "/v1/fairs", body, key("fair", fair["title"]))
    if made["status"] == "planned":
        post(client, f"/v1/fairs/{made['id']}/transitions", {"to": "open"}, key("fair-open", fair["title"]))
    registered = 0
    for field, rows in (("demand_id", postings["demands"]), ("offer_id", postings["offers"])):
        for _org, posting_id in rows:
            path = f"/v1/fairs/{made['id']}/registrations"
            post(client, path, {field: posting_id}, key("fair-registration", fair["title"], posting_id))
            registered += 1
    return registered


def load_matching(client: httpx.Client, ids: dict[str, str], alliance: str) -> str:
    """Demands, offers and agreements with their funding — what `/v1/matching-stats` adds up."""
    demo = data("matching")
    postings = {noun: _postings(client, noun, demo[noun], ids, alliance) for noun in ("demands", "offers")}
    demands, offers = len(postings["demands"]), len(postings["offers"])
    registered = _fair(client, demo["fair"], ids, alliance, postings)
    payments = 0
    for a in demo["agreements"]:
        body = {
            **{k: a[k] for k in ("kind", "title", "period_start", "period_end", "planned_students")},
            "committed_amount": a["committed_amount"],
            "parties": [{"org_id": ids[p["org"]], "role": p["role"]} for p in a["parties"]],
            "alliance_id": alliance,
        }
        if "payer" in a:
            body["payer_org_id"] = ids[a["payer"]]
        agreement = post(client, "/v1/agreements", body, key("agreement", a["title"]))["id"]
        for step in a["steps"]:
            post(client, f"/v1/agreements/{agreement}/transitions", step)
        for p in a["payments"]:
            body = {**p, "payer_org_id": ids[a["payer"]]}
            post(client, f"/v1/agreements/{agreement}/payments", body, key("payment", a["title"], p["paid_on"]))
            payments += 1
    return (
        f"{demands} demands and {offers} offers open, a fair with {registered} registered, "
        f"{len(demo['agreements'])} agreements with {payments} payments"
    )
