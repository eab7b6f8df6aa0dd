"""The revocation list of a certificate's Open Badges credential through the gateway, anonymous, against the real
training service: it answers without credentials, is public in the document, and shares the per-IP verification
bucket with `GET /v1/certificates/verify` (its path is below it: gateway/ratelimit.py, `VERIFY_PATHS`)."""

from __future__ import annotations

from services.training.certificates.badge import revocation_list_url
from tests.gateway.conftest import Platform
from tests.gateway.test_certificate_verify_gateway import gateway_before
from tests.training.certificate_verify_support import issue, training_app

VERIFY = "/v1/certificates/verify"
LIST = "/v1/certificates/verify/revocation-list"


async def _certificate(platform: Platform, name: str):
    org = (
        await platform.client.post(
            "/v1/organizations", json={"name": name, "org_type": "higher_vocational", "region_code": "370702"}
        )
    ).json()
    return await issue(training_app(platform), holder_org_id=org["id"])


async def test_the_revocation_list_answers_anyone_and_is_public_in_the_document(platform: Platform) -> None:
    cert = await _certificate(platform, "徽章测试学校")
    r = await platform.anonymous.get(LIST, params={"code": cert.code})
    assert r.status_code == 200, r.text
    base = training_app(platform).state.settings.public_base_url
    assert r.json() == {
        "id": revocation_list_url(base, cert.code),
        "issuer": f"urn:uuid:{cert.holder_org_id}",
        "revokedCredentials": [],
    }
    assert r.headers["cache-control"] == "public, max-age=60"
    doc = (await platform.anonymous.get("/openapi.json")).json()
    op = doc["paths"][LIST]["get"]
    assert op["x-access"] == {"public": True} and op["security"] == []
    badge_op = doc["paths"]["/v1/certificates/{certificate_id}/badge"]["get"]
    assert set(badge_op["responses"]["200"]["content"]) == {"application/json", "application/vc+jwt"}


async def test_the_revocation_list_shares_the_verification_bucket(platform: Platform) -> None:
    cert = await _certificate(platform, "徽章限流测试学校")
    async with gateway_before(platform, rate_limit_verify_per_minute=6, rate_limit_verify_burst=2) as client:
        assert (await client.get(VERIFY, params={"code": cert.code})).status_code == 200
        assert (await client.get(LIST, params={"code": cert.code})).status_code == 200
        r = await client.get(LIST, params={"code": cert.code})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert (await client.get(VERIFY, params={"code": cert.code})).status_code == 429
