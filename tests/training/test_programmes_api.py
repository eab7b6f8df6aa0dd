"""Programmes through the gateway: CRUD with If-Match and soft delete, the 17 kinds, organizations checked in
the membership service (inactive → 422, down past the TTL → 503 and nothing written), codes flagged
`code_known`, tenants (wrong org → 403, another tenant's read → 404, filtered lists)."""

from __future__ import annotations

import asyncio
import uuid

import sqlalchemy as sa

from services.training.programmes.models import KIND_LABELS, Programme

BODY = {
    "name": "2025级数控技术订单班",
    "kind": "order_class",
    "start_on": "2025-09-01",
    "end_on": "2026-06-30",
    "planned_hours": 480,
    "capacity": 40,
    "delivery": "offline",
}


async def _programme(tp, client, org: str, **extra) -> dict:
    r = await client.post("/v1/programmes", json={**BODY, "provider_org_id": org, **extra})
    assert r.status_code == 201, r.text
    return r.json()


async def _count(tp) -> int:
    engine = tp.platform.upstreams["training"].app.state.engine
    async with engine.connect() as conn:
        return (await conn.execute(sa.select(sa.func.count()).select_from(Programme))).scalar_one()


class TestCreate:
    async def test_created_with_labels_codes_and_partners(self, tp):
        school, enterprise = await tp.new_org(), await tp.new_org("enterprise")
        alliance = await tp.new_alliance()
        clerk = tp.as_org(school, "org_staff")
        r = await clerk.post(
            "/v1/programmes",
            json={
                **BODY,
                "provider_org_id": school,
                "partner_org_ids": [enterprise],
                "alliance_id": alliance,
                "occupation_code": "6-18-01-01",
                "major_code": "９９９９９９",  # full-width, well-formed, not in the table
            },
            headers={"Idempotency-Key": "p-1"},
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert r.headers["etag"] == '"1"' and r.headers["location"] == f"/v1/programmes/{body['id']}"
        assert body["kind_label"] == "订单班" and body["delivery_label"] == "线下"
        assert body["partner_org_ids"] == [enterprise] and body["alliance_id"] == alliance
        assert body["occupation"]["code_known"] is True and body["occupation"]["name"]
        assert body["major"] == {"code": "999999", "name": None, "code_known": False}
        assert body["capacity"] == 40 and body["enrolled_count"] == 0 and body["seats_left"] == 40
        replay = await clerk.post(
            "/v1/programmes",
            json={
                **BODY,
                "provider_org_id": school,
                "partner_org_ids": [enterprise],
                "alliance_id": alliance,
                "occupation_code": "6-18-01-01",
                "major_code": "９９９９９９",
            },
            headers={"Idempotency-Key": "p-1"},
        )
        assert replay.status_code == 201 and replay.json()["id"] == body["id"]

    async def test_every_kind_has_a_label(self, tp):
        org = await tp.new_org("enterprise")
        client = tp.as_org(org)
        assert len(KIND_LABELS) == 17  # the 12 kinds and 特种设备, 现场工程师, 定向/定岗, 学训班, 安全培训
        for kind, label in KIND_LABELS.items():
            body = await _programme(tp, client, org, kind=kind, capacity=None)
            assert body["kind_label"] == label and body["capacity"] is None and body["seats_left"] is None

    async def test_end_before_start_is_422_naming_end_on(self, tp):
        org = await tp.new_org()
        r = await tp.as_org(org).post(
            "/v1/programmes", json={**BODY, "provider_org_id": org, "start_on": "2025-09-01", "end_on": "2025-08-31"}
        )
        assert r.status_code == 422
        assert [e["loc"] for e in r.json()["errors"]] == [["body", "end_on"]]

    async def test_malformed_codes_and_bad_values(self, tp):
        org = await tp.new_org()
        r = await tp.as_org(org).post(
            "/v1/programmes",
            json={
                **BODY,
                "provider_org_id": org,
                "occupation_code": "9-99",
                "major_code": "46",
                "kind": "x",
                "capacity": 0,
                "delivery": "mail",
            },
        )
        assert r.status_code == 422
        assert {e["loc"][-1] for e in r.json()["errors"]} == {
            "occupation_code",
            "major_code",
            "kind",
            "capacity",
            "delivery",
        }

    async def test_inactive_or_unknown_organizations_are_422(self, tp):
        org, partner = await tp.new_org(), await tp.new_org("enterprise")
        await tp.deactivate(partner, "2024-01-01")
        client = tp.as_org(org)
        r = await client.post(
            "/v1/programmes",
            json={
                **BODY,
                "provider_org_id": org,
                "partner_org_ids": [partner, str(uuid.uuid4())],
                "alliance_id": str(uuid.uuid4()),
            },
        )
        assert r.status_code == 422, r.text
        assert {tuple(e["loc"]): e["type"] for e in r.json()["errors"]} == {
            ("body", "partner_org_ids", 0): "organization_inactive",
            ("body", "partner_org_ids", 1): "organization_not_found",
            ("body", "alliance_id"): "alliance_not_found",
        }
        inactive = await tp.new_org()
        await tp.deactivate(inactive, "2024-01-01")
        r = await tp.admin.post("/v1/programmes", json={**BODY, "provider_org_id": inactive})
        assert r.status_code == 422
        assert r.json()["errors"][0]["loc"] == ["body", "provider_org_id"]

    async def test_unknown_training_base_is_422(self, tp):
        org = await tp.new_org()
        r = await tp.as_org(org).post(
            "/v1/programmes", json={**BODY, "provider_org_id": org, "training_base_id": str(uuid.uuid4())}
        )
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "training_base_id"]

    async def test_another_org_is_403(self, tp):
        a, b = await tp.new_org(), await tp.new_org()
        r = await tp.as_org(b).post("/v1/programmes", json={**BODY, "provider_org_id": a})
        assert r.status_code == 403
        r = await tp.as_org(a, scopes=("training:read",)).post("/v1/programmes", json={**BODY, "provider_org_id": a})
        assert r.status_code == 403 and "training:write" in r.json()["detail"]

    async def test_membership_down_past_the_ttl_is_503_and_nothing_is_written(self, tp):
        warm = await tp.new_org()
        await _programme(tp, tp.as_org(warm), warm)  # the training app's directory exists
        directory = tp.platform.upstreams["training"].app.state.org_directory
        membership = tp.platform.upstreams["membership"]
        ttl = directory.ttl
        directory.ttl = 1.5  # answers cached from now on live 1.5 s
        try:
            org = await tp.new_org()
            client = tp.as_org(org)
            await _programme(tp, client, org)  # the org's answer is cached
            before = await _count(tp)
            await membership.stop()
            r = await client.post("/v1/programmes", json={**BODY, "provider_org_id": org})
            assert r.status_code == 201  # within the TTL: the cached answer
            before += 1
            await asyncio.sleep(1.6)
            r = await client.post("/v1/programmes", json={**BODY, "provider_org_id": org})
            assert r.status_code == 503, r.text
            assert r.headers.get("retry-after")
            assert await _count(tp) == before
        finally:
            directory.ttl = ttl
            await membership.start()
        r = await client.post("/v1/programmes", json={**BODY, "provider_org_id": org})
        assert r.status_code == 201


class TestReadUpdateDelete:
    async def test_tenants_read_others_get_404(self, tp):
        school, enterprise, other = await tp.new_org(), await tp.new_org("enterprise"), await tp.new_org()
        alliance = await tp.new_alliance()
        p = await _programme(tp, tp.as_org(school), school, partner_org_ids=[enterprise], alliance_id=alliance)
        for client in (tp.as_org(school, "org_staff"), tp.as_org(enterprise), tp.as_alliance(alliance), tp.admin):
            r = await client.get(f"/v1/programmes/{p['id']}")
            assert r.status_code == 200, r.text
        r = await tp.as_org(other).get(f"/v1/programmes/{p['id']}")
        assert r.status_code == 404
        listed = await tp.as_org(other).get("/v1/programmes", params={"provider_org_id": school})
        assert listed.status_code == 200 and listed.json()["items"] == []
        listed = await tp.as_org(enterprise).get("/v1/programmes")
        assert [i["id"] for i in listed.json()["items"]] == [p["id"]]

    async def test_list_filters(self, tp):
        org = await tp.new_org()
        alliance = await tp.new_alliance()
        client = tp.as_org(org)
        a = await _programme(tp, client, org, kind="upskilling", end_on="2025-12-31", alliance_id=alliance)
        b = await _programme(tp, client, org, kind="order_class", start_on="2024-03-01", end_on="2024-06-30")

        async def ids(**params) -> list[str]:
            r = await client.get("/v1/programmes", params={"provider_org_id": org, **params})
            assert r.status_code == 200, r.text
            return [i["id"] for i in r.json()["items"]]

        assert await ids() == [a["id"], b["id"]]
        assert await ids(kind="order_class") == [b["id"]]
        assert await ids(alliance_id=alliance) == [a["id"]]
        assert await ids(period_start="2025-01-01", period_end="2025-12-31") == [a["id"]]
        assert await ids(period_start="2024-06-30", period_end="2024-06-30") == [b["id"]]
        assert await ids(limit=1) == [a["id"]]
        r = await client.get("/v1/programmes", params={"period_start": "2025-01-02", "period_end": "2025-01-01"})
        assert r.status_code == 422

    async def test_patch_with_if_match_and_delete(self, tp):
        org, partner = await tp.new_org(), await tp.new_org("enterprise")
        client = tp.as_org(org)
        p = await _programme(tp, client, org)
        since = p["updated_at"]
        r = await client.patch(
            f"/v1/programmes/{p['id']}",
            json={"capacity": 45, "partner_org_ids": [partner]},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 200, r.text
        assert r.json()["capacity"] == 45 and r.json()["version"] == 2 and r.headers["etag"] == '"2"'
        stale = await client.patch(f"/v1/programmes/{p['id']}", json={"name": "改名"}, headers={"If-Match": '"1"'})
        assert stale.status_code == 412
        r = await client.patch(f"/v1/programmes/{p['id']}", json={"end_on": "2025-08-01"})
        assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "end_on"]
        r = await client.patch(f"/v1/programmes/{p['id']}", json={"provider_org_id": partner})
        assert r.status_code == 422
        r = await tp.as_org(partner).patch(f"/v1/programmes/{p['id']}", json={"capacity": 50})
        assert r.status_code == 403  # partners read, the provider writes
        changed = await client.get("/v1/programmes", params={"updated_since": since})
        assert [i["id"] for i in changed.json()["items"]] == [p["id"]]
        r = await client.delete(f"/v1/programmes/{p['id']}", headers={"If-Match": '"1"'})
        assert r.status_code == 412
        r = await client.delete(f"/v1/programmes/{p['id']}")
        assert r.status_code == 204
        assert (await client.get(f"/v1/programmes/{p['id']}")).status_code == 404
        sync = await client.get("/v1/programmes", params={"updated_since": since, "include_deleted": "true"})
        assert sync.json()["items"] == [
            {"id": p["id"], "deleted": True, "deleted_at": sync.json()["items"][0]["deleted_at"]}
        ]
