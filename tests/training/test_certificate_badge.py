"""A certificate as an Open Badges 3.0 credential (docs/api.md, "Certificates as Open Badges 3.0"): the credential
validates against the Open Badges 3.0 AchievementCredential JSON Schema of the VC Data Model 2.0 generation
(tests/training/data/ob_v3p0_achievementcredential.schema.json) and carries every field a verifier needs; its VC-JWT
verifies with the published JWKS using libsodium (PyNaCl) over the JWS signing input — not pyjwt, which signs; a
suspended or revoked certificate's badge still answers and the revocation list it points at says so; nothing
personal is in it."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing
import pytest
import sqlalchemy as sa
from jsonschema import Draft201909Validator

from services.training.certificates import routes_badge, routes_verify
from services.training.certificates.badge import ACHIEVEMENT_TYPES
from services.training.certificates.models import CertificateVerification
from services.training.certificates.rules import CertificateKind
from tests.training.certificate_support import ISSUE, RECORD, issue, new_world, record
from tests.training.certificate_verify_support import training_app
from tests.training.conftest import TrainingPlatform
from tests.training.test_certificate_verify_privacy import assert_nothing_personal
from tests.training.test_certificate_verify_signature import rfc7638
from tests.training.test_learners_api import resident_id

SCHEMA = json.loads((Path(__file__).parent / "data" / "ob_v3p0_achievementcredential.schema.json").read_text())
KEYS = "/v1/certificates/verification-key"
TODAY = date(2026, 12, 3)


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def base_url(tp: TrainingPlatform) -> str:
    return training_app(tp.platform).state.settings.public_base_url.rstrip("/")


def list_path(badge: dict[str, Any], tp: TrainingPlatform) -> str:
    """The revocation list's path and query, as a verifier would fetch `credentialStatus.id` through the gateway."""
    url = badge["credentialStatus"]["id"]
    assert url.startswith(base_url(tp) + "/v1/certificates/verify/revocation-list?code="), url
    return url[len(base_url(tp)) :]


def check_jwt_with_nacl(token: str, jwks: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS as an outsider: the key by `kid` from the JWKS, Ed25519 (libsodium) over
    `<header>.<payload>` (RFC 7515 §5.2); the header and the claims."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(unb64(header_b64))
    assert header == {"alg": "EdDSA", "kid": header["kid"], "typ": "vc+jwt"}, header
    jwk = {k["kid"]: k for k in jwks["keys"]}[header["kid"]]
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519") and rfc7638(jwk) == header["kid"]
    nacl.signing.VerifyKey(unb64(jwk["x"])).verify(f"{header_b64}.{payload_b64}".encode(), unb64(signature_b64))
    return header, json.loads(unb64(payload_b64))


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    monkeypatch.setattr(routes_badge, "today", lambda: TODAY)
    monkeypatch.setattr(routes_verify, "today", lambda: TODAY)


@pytest.fixture(scope="module")
async def world(tp: TrainingPlatform, database) -> dict[str, Any]:
    return await new_world(tp, database)


async def test_an_issued_certificate_is_an_open_badges_3_credential(tp, world):
    cert = await issue(tp, world, kind="skill_level_1x", level="中级", valid_until="2027-06-30", issued_on="2024-06-30")
    # The Host header names another site: every URL still comes from the configured public base URL.
    r = await tp.as_org(world["school"]).get(
        f"{ISSUE}/{cert['id']}/badge", headers={"Host": "evil.test", "X-Forwarded-Host": "evil.test"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["cache-control"] == "no-store"
    badge = r.json()
    errors = sorted(Draft201909Validator(SCHEMA).iter_errors(badge), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    assert "evil.test" not in r.text

    base = base_url(tp)
    assert badge["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    # The credential's id is its public verification URL: it resolves, and names no internal id.
    assert badge["id"] == cert["verification_url"] == f"{base}/v1/certificates/verify?code={cert['verification_code']}"
    assert badge["name"] == "1+X 职业技能等级证书 · 数控车工 · 中级"
    issuer = badge["issuer"]
    assert issuer["type"] == ["Profile"] and issuer["id"] == f"urn:uuid:{world['school']}"
    assert issuer["name"] == cert["issuer_name"] and "本平台成员单位" in issuer["description"]
    assert datetime.fromisoformat(badge["validFrom"]) == datetime.fromisoformat("2024-06-30T00:00:00+08:00")
    assert datetime.fromisoformat(badge["validUntil"]) == datetime.fromisoformat("2027-06-30T23:59:59+08:00")
    subject = badge["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and "id" not in subject
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["id"].startswith("urn:uuid:")
    assert achievement["achievementType"] == "Certificate"
    assert achievement["name"] == badge["name"] and achievement["description"]
    assert "考核合格" in achievement["criteria"]["narrative"]
    # The holder: a salted SHA-256 of the learner record's id, which the holder organization can match.
    (identity,) = subject["identifier"]
    assert identity["type"] == "IdentityObject" and identity["hashed"] is True
    assert identity["identityType"] == "systemId" and len(identity["salt"]) >= 16
    expected = hashlib.sha256((world["learner"] + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert badge["credentialStatus"]["type"] == "1EdTechRevocationList"
    assert list_path(badge, tp) == f"/v1/certificates/verify/revocation-list?code={cert['verification_code']}"
    assert cert["verification_url"] in badge["description"]
    token = (await tp.as_org(world["school"]).get(f"{ISSUE}/{cert['id']}/badge", params={"format": "jwt"})).text
    _, claims = check_jwt_with_nacl(token, (await tp.anonymous.get(KEYS)).json())
    assert claims["exp"] == int(datetime.fromisoformat(badge["validUntil"]).timestamp()), "the JWT expires with it"

    # Another certificate of the same learner: another salt, so the two badges share no holder hash.
    other = await issue(tp, world)
    again = (await tp.as_org(world["school"]).get(f"{ISSUE}/{other['id']}/badge")).json()
    assert again["credentialSubject"]["identifier"][0]["identityHash"] != identity["identityHash"]
    assert again["credentialSubject"]["achievement"]["achievementType"] == "CertificateOfCompletion"
    assert "validUntil" not in again  # a completion certificate does not expire


async def test_a_recorded_certificate_names_its_outside_issuer_and_says_the_platform_only_recorded_it(tp, world):
    cert = await record(tp, world)
    r = await tp.as_org(world["enterprise"]).get(f"{ISSUE}/{cert['id']}/badge")
    assert r.status_code == 200, r.text
    badge = r.json()
    assert not list(Draft201909Validator(SCHEMA).iter_errors(badge))
    issuer = badge["issuer"]
    assert issuer["name"] == "潍坊市应急管理局"
    assert issuer["id"].startswith("urn:uuid:") and world["enterprise"] not in issuer["id"]
    assert (
        "由持证人所在单位在本平台登记" in issuer["description"]
        and "not issued by the platform" in issuer["description"]
    )
    assert "并非由本平台或其成员单位签发" in badge["description"]
    assert badge["credentialSubject"]["achievement"]["achievementType"] == "License"
    # 特种作业操作证: valid 6 years from issue
    assert badge["validUntil"].startswith("2030-03-15T23:59:59")
    # The same authority and name: the same issuer profile on every certificate recorded with it.
    again = (await tp.as_org(world["enterprise"]).get(f"{ISSUE}/{(await record(tp, world))['id']}/badge")).json()
    assert again["issuer"]["id"] == issuer["id"]


async def test_the_vc_jwt_verifies_with_the_published_key_using_libsodium(tp, world):
    cert = await issue(tp, world)
    school = tp.as_org(world["school"])
    r = await school.get(f"{ISSUE}/{cert['id']}/badge", params={"format": "jwt"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vc+jwt")
    assert r.headers["cache-control"] == "no-store"
    token = r.text
    jwks = (await tp.anonymous.get(KEYS)).json()
    header, claims = check_jwt_with_nacl(token, jwks)
    assert header["kid"] == jwks["keys"][0]["kid"], "signed with the current key, the one verification answers use"
    # The claims are the credential itself (VC-JOSE-COSE), the same as the JSON answer, with the registered claims
    # Open Badges 3.0 asks of a JWT payload.
    badge = (await school.get(f"{ISSUE}/{cert['id']}/badge")).json()
    registered = {k: claims.pop(k) for k in ("iss", "jti", "nbf", "exp") if k in claims}
    assert claims == badge
    assert not list(Draft201909Validator(SCHEMA).iter_errors(claims))
    assert registered == {
        "iss": badge["issuer"]["id"],
        "jti": badge["id"],
        "nbf": int(datetime.fromisoformat("2024-06-30T00:00:00+08:00").timestamp()),
    }, "a completion certificate without expiry: no `exp`"

    # Any change to the claims, and the signature no longer holds.
    header_b64, _, signature_b64 = token.split(".")
    forged = dict(claims, validUntil="2099-12-31T23:59:59+08:00")
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    with pytest.raises(nacl.exceptions.BadSignatureError):
        check_jwt_with_nacl(f"{header_b64}.{payload}.{signature_b64}", jwks)


async def test_a_revoked_certificate_s_badge_still_answers_and_its_status_list_says_revoked(tp, world):
    cert = await issue(tp, world, kind="special_operations", issued_on="2024-03-01")
    school = tp.as_org(world["school"])
    badge = (await school.get(f"{ISSUE}/{cert['id']}/badge")).json()
    path = list_path(badge, tp)

    listed = await tp.anonymous.get(path)
    assert listed.status_code == 200, listed.text
    assert listed.headers["cache-control"] == "public, max-age=60"
    assert listed.json() == {
        "id": badge["credentialStatus"]["id"],
        "issuer": badge["issuer"]["id"],
        "revokedCredentials": [],
    }

    # Suspended: listed; reinstated: off the list again.
    r = await school.post(
        f"{ISSUE}/{cert['id']}/suspension", json={"reason": "复审材料待核查", "effective_on": "2026-11-01"}
    )
    assert r.status_code == 200, r.text
    (entry,) = (await tp.anonymous.get(path)).json()["revokedCredentials"]
    assert entry["id"] == badge["id"] and entry["revoked"] is True
    assert "suspended" in entry["revocationReason"] and "复审材料待核查" in entry["revocationReason"]
    assert (await school.post(f"{ISSUE}/{cert['id']}/reinstatement", json={"reason": "核查通过"})).status_code == 200
    assert (await tp.anonymous.get(path)).json()["revokedCredentials"] == []

    r = await school.post(f"{ISSUE}/{cert['id']}/revocation", json={"reason": "证书信息有误"})
    assert r.status_code == 200, r.text
    after = await school.get(f"{ISSUE}/{cert['id']}/badge")
    assert after.status_code == 200, "a revoked certificate's badge still answers"
    assert after.json() == badge, "the credential itself does not change: its status list does"
    verified = await tp.anonymous.get("/v1/certificates/verify", params={"code": cert["verification_code"]})
    assert verified.json()["status"] == "revoked"
    (entry,) = (await tp.anonymous.get(path)).json()["revokedCredentials"]
    assert entry == {
        "id": badge["id"],
        "revoked": True,
        "revocationReason": f"已撤销 revoked：证书信息有误（{verified.json()['status_changed_on']}）",
    }


async def test_a_certificate_expired_by_its_dates_is_listed_too(tp, world):
    cert = await issue(tp, world, issued_on="2020-01-01", valid_until="2025-12-31")
    badge = (await tp.as_org(world["school"]).get(f"{ISSUE}/{cert['id']}/badge")).json()
    (entry,) = (await tp.anonymous.get(list_path(badge, tp))).json()["revokedCredentials"]
    assert entry == {"id": badge["id"], "revoked": True, "revocationReason": "已过期 expired"}


async def test_no_personal_data_in_the_badge_nor_its_jwt(tp, world):
    number, phone = resident_id(2003, "female"), "13812345678"
    r = await tp.as_org(world["school"]).post(
        "/v1/learners", json={"name": "欧阳春晓", "id_number": number, "phone": phone, "learner_type": "student"}
    )
    assert r.status_code == 201, r.text
    learner = r.json()
    # The certificate number is left out of the badge: a 特种作业操作证's number is often the holder's resident ID
    # number (not sent here: the records answer echoes the number, and the suite fails on any ID number answered).
    cert_number = f"T{uuid.uuid4().hex[:10].upper()}"
    r = await tp.as_org(world["school"]).post(
        RECORD,
        json={
            "kind": "special_operations",
            "number": cert_number,
            "learner_id": learner["id"],
            "holder_org_id": world["school"],
            "issuer_name": "潍坊市应急管理局",
            "issuer_authority": "emergency_management",
            "occupation_name": "低压电工作业",
            "issued_on": "2024-03-15",
        },
    )
    assert r.status_code == 201, r.text
    cert = r.json()
    school = tp.as_org(world["school"])
    badge = (await school.get(f"{ISSUE}/{cert['id']}/badge")).json()
    token = (await school.get(f"{ISSUE}/{cert['id']}/badge", params={"format": "jwt"})).text
    header, claims = check_jwt_with_nacl(token, (await tp.anonymous.get(KEYS)).json())
    listed = (await tp.anonymous.get(list_path(badge, tp))).json()
    secrets = {
        "ID number": number,
        "ID number's last digits": number[-6:],
        "masked ID number": learner["id_number_masked"],
        "phone": phone,
        "phone's last digits": phone[-4:],
        "masked phone": learner["phone_masked"],
        "full name": "欧阳春晓",
        "masked name": "欧**晓",
        "learner id": learner["id"],
        "holder organization": world["school"],
        "certificate number": cert_number,
        "certificate id": cert["id"],
    }
    for document in (badge, claims, header, listed):
        assert_nothing_personal(document, secrets, allowed={})


async def test_another_tenant_and_unknown_codes_get_404(tp, world):
    cert = await issue(tp, world)
    r = await tp.as_org(world["other"]).get(f"{ISSUE}/{cert['id']}/badge")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert (await tp.as_org(world["school"]).get(f"{ISSUE}/{uuid.uuid4()}/badge")).status_code == 404
    bad = await tp.as_org(world["school"]).get(f"{ISSUE}/{cert['id']}/badge", params={"format": "xml"})
    assert bad.status_code in (400, 422) and "format" in bad.text
    for code in ("A" * 32, "short", None):
        params = {"code": code} if code else {}
        r = await tp.anonymous.get("/v1/certificates/verify/revocation-list", params=params)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json"), r.text


async def test_a_certificate_without_its_verification_record_yet_is_409_not_a_badge_without_status(tp, world):
    cert = await issue(tp, world)
    # As a bulk write leaves it until its verification record is written.
    async with training_app(tp.platform).state.sessionmaker() as session, session.begin():
        await session.execute(
            sa.delete(CertificateVerification).where(CertificateVerification.certificate_id == uuid.UUID(cert["id"]))
        )
    r = await tp.as_org(world["school"]).get(f"{ISSUE}/{cert['id']}/badge", headers={"Accept-Language": "en"})
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert r.json()["type"].endswith("certificate-not-published") and "verification record" in r.json()["detail"]


def test_every_kind_has_an_achievement_type_of_the_open_badges_vocabulary():
    vocabulary = SCHEMA["$defs"]["Achievement"]["properties"]["achievementType"]["oneOf"][0]["enum"]
    assert set(ACHIEVEMENT_TYPES) == set(CertificateKind)
    assert all(t in vocabulary for t in ACHIEVEMENT_TYPES.values()), ACHIEVEMENT_TYPES
