"""The demo alliance carries a year of governance (demo/governance.json): loaded through the membership API, its
figures say what seed 001 and seed 003 report — one 常务理事会 a year, members admitted by a 理事会 resolution,
expert lectures counted — and its duties are due, accepted and overdue."""

from __future__ import annotations

import asyncio

import httpx

from demo.alliance import load_alliance
from demo.governance import load_governance


class _Bridge(httpx.BaseTransport):
    """A blocking transport for the demo's loaders (run in a worker thread) that sends each request through the
    test's in-process membership client on the event loop."""

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        self.client, self.loop = client, loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        call = self.client.request(
            request.method, request.url.raw_path.decode(), content=request.read(), headers=dict(request.headers)
        )
        answer = asyncio.run_coroutine_threadsafe(call, self.loop).result(timeout=120)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


async def test_the_demo_alliance_carries_a_year_of_governance(membership_client):
    """seed 001「每年召开 1 次常务理事会」and seed 003「专家报告会19次」 for the demo alliance's 2025."""
    c = membership_client
    loop = asyncio.get_running_loop()

    def load() -> tuple[str, str]:
        with httpx.Client(base_url="http://membership", transport=_Bridge(c, loop)) as client:
            loaded = load_alliance(client)
            assert loaded.alliance is not None
            return loaded.alliance, load_governance(client, loaded.ids, loaded.alliance)

    alliance, summary = await asyncio.to_thread(load)
    assert summary.startswith("2 meetings in 2025 (2 admissions by resolution), 8 activities, 3 duties"), summary
    year = {"alliance_id": alliance, "year": 2025}
    meetings = (await c.get("/v1/meetings/figures", params=year)).json()
    kinds = {k["kind"]: k["count"] for k in meetings["by_kind"]}
    assert (kinds["standing_council"], kinds["council"], meetings["quorate"]) == (1, 1, 2), meetings
    assert meetings["resolutions_adopted"] == 5
    activities = (await c.get("/v1/activities/figures", params=year)).json()
    assert {k["kind"]: k["count"] for k in activities["by_kind"]}["lecture"] == 4
    assert activities["headcount"] == 978
    duties = (await c.get("/v1/duties/figures", params=year)).json()
    assert (duties["due"], duties["accepted"], duties["overdue"]) == (3, 1, 2), duties
    # the admissions name the 理事会 and its resolution
    council = next(
        m
        for m in (await c.get("/v1/meetings", params={"alliance_id": alliance})).json()["items"]
        if m["kind"] == "council"
    )
    joined = (
        await c.get("/v1/memberships", params={"alliance_id": alliance, "status": "active", "limit": 100})
    ).json()["items"]
    decided = []
    for m in joined:
        events = (await c.get(f"/v1/memberships/{m['id']}")).json()["events"]
        decided += [(m["org_name"], e["resolution_no"]) for e in events if e["meeting_id"] == council["id"]]
    assert sorted(decided) == [("山东工业职业学院", 3), ("济南职业学院", 2)]
