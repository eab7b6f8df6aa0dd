"""The demo's yearly facts of members (`facts.json`): a year of school facts (intake by major and channel, 全日制在校生,
专业群, facilities) and enterprise facts (staff, R&D staff, size, ownership, cooperation money, 产教融合 office) of the
demo alliance's member schools and enterprises — loaded through the API with the alliance (`demo/alliance.py`); what
`GET /v1/alliances/{id}/member-facts?year=` sums. Every organization they name is a member in that year."""

from __future__ import annotations

import httpx

from demo.client import data


def load_facts(client: httpx.Client, ids: dict[str, str], alliance: str) -> str:
    """Each school's and enterprise's facts of the year, put as a whole (a second run changes nothing)."""
    demo = data("facts")
    year = demo["year"]
    for kind, rows in (("school", demo["schools"]), ("enterprise", demo["enterprises"])):
        for row in rows:
            body = {k: v for k, v in row.items() if k != "org"}
            r = client.put(f"/v1/organizations/{ids[row['org']]}/{kind}-years/{year}", json=body)
            r.raise_for_status()
    return f"{len(demo['schools'])} schools' and {len(demo['enterprises'])} enterprises' facts of {year}"
