"""Shared set-up of the agreement tests: a school, an enterprise and an outsider enterprise, created through the
gateway, and a helper that makes an agreement between the first two."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.training.conftest import TrainingPlatform


@dataclass
class Parties:
    school: str
    enterprise: str
    outsider: str


async def parties(mp: TrainingPlatform) -> Parties:
    return Parties(
        school=await mp.new_org("higher_vocational"),
        enterprise=await mp.new_org("enterprise"),
        outsider=await mp.new_org("enterprise"),
    )


def body(p: Parties, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "order_class",
        "title": "数控技术订单班合作协议",
        "parties": [{"org_id": p.school, "role": "school"}, {"org_id": p.enterprise, "role": "enterprise"}],
        "period_start": "2025-09-01",
        "period_end": "2028-06-30",
        "planned_students": 40,
        "committed_amount": "1000.00",
        "payer_org_id": p.enterprise,
        **overrides,
    }


async def agreement(client: httpx.AsyncClient, p: Parties, *, signed: bool = False, **overrides: Any) -> dict:
    r = await client.post("/v1/agreements", json=body(p, **overrides))
    assert r.status_code == 201, r.text
    if signed:
        r = await client.post(
            f"/v1/agreements/{r.json()['id']}/transitions", json={"to": "signed", "effective_on": "2025-08-20"}
        )
        assert r.status_code == 200, r.text
    return r.json()
