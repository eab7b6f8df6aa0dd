"""Helpers of the fair and allocation tests: a fair with an enterprise, two schools and an alliance, made through the
gateway."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.matching.conftest import MatchingPlatform


@dataclass
class FairWorld:
    alliance: str
    organizer: str  # a school of the alliance that organizes the fair
    enterprise: str
    school_a: str
    school_b: str


async def fair_world(mp: MatchingPlatform) -> FairWorld:
    alliance = await mp.new_alliance()
    organizer = await mp.new_org("higher_vocational")
    enterprise = await mp.new_org("enterprise")
    school_a = await mp.new_org("higher_vocational")
    school_b = await mp.new_org("secondary_vocational")
    return FairWorld(alliance, organizer, enterprise, school_a, school_b)


async def new_fair(mp: MatchingPlatform, w: FairWorld, *, open_it: bool = True, **extra: Any) -> dict[str, Any]:
    body = {
        "organizer_org_id": w.organizer,
        "alliance_id": w.alliance,
        "title": "2024年校园人才双选会",
        "held_on": "2024-05-18",
        **extra,
    }
    r = await mp.as_org(w.organizer).post("/v1/fairs", json=body)
    assert r.status_code == 201, r.text
    fair = r.json()
    if open_it:
        r = await mp.as_alliance(w.alliance).post(f"/v1/fairs/{fair['id']}/transitions", json={"to": "open"})
        assert r.status_code == 200, r.text
        fair = r.json()
    return fair


async def register(mp: MatchingPlatform, fair_id: str, org_id: str, **posting: str) -> dict[str, Any]:
    r = await mp.as_org(org_id, "org_staff").post(f"/v1/fairs/{fair_id}/registrations", json=posting)
    assert r.status_code == 201, r.text
    return r.json()
