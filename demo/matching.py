"""The demo's matching records (`matching.json`): members' demands (an order class 订单班, a modern apprenticeship,
internships) and the schools' offers (graduates, interns), posted in the demo alliance and opened today, and
school-enterprise agreements with their history and a funding ledger (committed amounts and dated payments) —
loaded through the API with the alliance (`demo/alliance.py`). Every organization they name is a member now."""

from __future__ import annotations

import httpx

from demo.client import data, key, post


def _postings(client: httpx.Client, noun: str, rows: list[dict], ids: dict[str, str], alliance: str) -> int:
    """Demands or offers (`noun`), each created by its organization's record and opened."""
    for row in rows:
        body = {**{k: v for k, v in row.items() if k != "org"}, "org_id": ids[row["org"]], "alliance_id": alliance}
        posting = post(client, f"/v1/{noun}", body, key(noun, row["org"], row["title"]))
        post(client, f"/v1/{noun}/{posting['id']}/transitions", {"to": "open", "reason": "演示数据发布"})
    return len(rows)


def load_matching(client: httpx.Client, ids: dict[str, str], alliance: str) -> str:
    """Demands, offers and agreements with their funding — what `/v1/matching-stats` adds up."""
    demo = data("matching")
    demands = _postings(client, "demands", demo["demands"], ids, alliance)
    offers = _postings(client, "offers", demo["offers"], ids, alliance)
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
    return f"{demands} demands and {offers} offers open, {len(demo['agreements'])} agreements with {payments} payments"
