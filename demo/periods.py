"""The demo's 2023 programmes with their commissioning body, project level, funding source and target groups
(`periods.json`): national, provincial, municipal and industry projects, a three-year order class and a
现场工程师 class opened in September 2023, a 特种设备 course apart from 特种作业 — loaded through the API into the demo
alliance. `/v1/training-stats?year=2023` counts them as opened in 2023 (`commissioned` by level)."""

from __future__ import annotations

import httpx

from demo.client import data, key, post

PLAIN = ("name", "kind", "start_on", "end_on", "planned_hours", "capacity", "commissioned_by", "project_level")


def load_periods(client: httpx.Client, ids: dict[str, str], alliance: str) -> str:
    """Programmes of the alliance's members for one year with the commissioning fields; a summary line."""
    rows = data("periods")["programmes"]
    commissioned = 0
    for row in rows:
        body = {k: row[k] for k in PLAIN if k in row}
        body |= {
            "provider_org_id": ids[row["provider"]],
            "alliance_id": alliance,
            "partner_org_ids": [ids[p] for p in row.get("partners", [])],
            "funding_source": row.get("funding_source"),
            "target_groups": row.get("target_groups", []),
        }
        if "commissioned_by_org" in row:
            body["commissioned_by_org_id"] = ids[row["commissioned_by_org"]]
        post(client, "/v1/programmes", body, key("periods-programme", row["name"]))
        commissioned += row.get("project_level", "none") != "none"
    return f"{len(rows)} programmes of 2023 ({commissioned} commissioned projects)"
