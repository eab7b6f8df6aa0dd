"""The verification answer's signature, checked the way an outsider would: the published JWKS, the RFC 7638 key id
recomputed here, JCS (RFC 8785) and libsodium (PyNaCl) — not `cryptography`, which signs; key rotation; and the
signing key's settings (docs/api.md, "Certificate verification")."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date

import nacl.exceptions
import nacl.signing
import pytest
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from chanjiao.tokens import derive_signing_key
from services.training.certificates import routes_verify
from services.training.certificates.signing import CertificateSigner, public_pem
from services.training.settings import TrainingSettings
from tests.training.certificate_verify_support import issue, stored_answer, training_app
from tests.training.conftest import TrainingPlatform

VERIFY = "/v1/certificates/verify"
KEYS = "/v1/certificates/verification-key"


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def rfc7638(jwk: dict) -> str:
    """The JWK thumbprint, computed from RFC 7638 §3.2 for an OKP key: {"crv","kty","x"} in that order."""
    members = '{"crv":"' + jwk["crv"] + '","kty":"' + jwk["kty"] + '","x":"' + jwk["x"] + '"}'
    return base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()


def check_with_nacl(body: bytes, jwks: dict) -> str:
    """Verify an answer as an outsider: find the key by `kid`, drop `signature`, JCS, Ed25519 (libsodium)."""
    answer = json.loads(body)
    signature = answer.pop("signature")
    assert signature["alg"] == "EdDSA"
    keys = {k["kid"]: k for k in jwks["keys"]}
    jwk = keys[signature["kid"]]
    assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
    assert rfc7638(jwk) == jwk["kid"], "the key id is the RFC 7638 thumbprint"
    nacl.signing.VerifyKey(unb64(jwk["x"])).verify(rfc8785.dumps(answer), unb64(signature["value"]))
    return signature["kid"]


@pytest.fixture(scope="module")
async def school(tp: TrainingPlatform) -> str:
    return await tp.new_org("higher_vocational")


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    monkeypatch.setattr(routes_verify, "today", lambda: date(2026, 12, 3))


async def test_the_signature_verifies_with_the_published_key_using_libsodium(tp, school):
    cert = await issue(training_app(tp.platform), holder_org_id=school)
    r = await tp.anonymous.get(VERIFY, params={"code": cert.code})
    keys = await tp.anonymous.get(KEYS)
    assert keys.status_code == 200 and keys.headers["cache-control"] == "public, max-age=300"
    assert (
        keys.headers["etag"]
        and (await tp.anonymous.get(KEYS, headers={"If-None-Match": keys.headers["etag"]})).status_code == 304
    )
    check_with_nacl(r.content, keys.json())

    # Anything changed, and the signature no longer holds.
    tampered = json.loads(r.content)
    tampered["status"] = "revoked"
    with pytest.raises(nacl.exceptions.BadSignatureError):
        check_with_nacl(rfc8785.dumps(tampered), keys.json())
    tampered = json.loads(r.content)
    tampered["holder_name_masked"] = "李*明"
    with pytest.raises(nacl.exceptions.BadSignatureError):
        check_with_nacl(rfc8785.dumps(tampered), keys.json())


async def test_a_rotated_key_re_signs_answers_and_the_old_key_stays_published(tp, school):
    app = training_app(tp.platform)
    cert = await issue(app, holder_org_id=school)
    old_answer = (await tp.anonymous.get(VERIFY, params={"code": cert.code})).content
    old_signer: CertificateSigner = app.state.certificate_signer
    old_kid = json.loads(old_answer)["signature"]["kid"]
    assert old_kid == old_signer.kid

    # The service restarted with a new key and the old public key among the previous ones.
    new_pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    settings = TrainingSettings(
        internal_token_key=app.state.settings.internal_token_key,
        certificate_signing_key=new_pem.replace("\n", "\\n"),  # as one line of an .env file
        certificate_previous_verification_keys=public_pem(old_signer.private_key.public_key()),
    )
    app.state.certificate_signer = CertificateSigner.from_settings(settings)
    try:
        jwks = (await tp.anonymous.get(KEYS)).json()
        new_kid = app.state.certificate_signer.kid
        assert [k["kid"] for k in jwks["keys"]] == [new_kid, old_kid]
        before = await stored_answer(app, cert.id)
        r = await tp.anonymous.get(VERIFY, params={"code": cert.code})
        assert check_with_nacl(r.content, jwks) == new_kid, "signed again with the current key"
        assert (await stored_answer(app, cert.id)).etag != before.etag
        assert check_with_nacl(old_answer, jwks) == old_kid, "an answer signed before still verifies"
    finally:
        app.state.certificate_signer = old_signer
    # Back to the first key: the answer is signed with it again on the next read.
    r = await tp.anonymous.get(VERIFY, params={"code": cert.code})
    assert json.loads(r.content)["signature"]["kid"] == old_kid


def test_production_refuses_to_run_without_a_signing_key():
    base = {
        "environment": "production",
        "internal_token_key": "k" * 40,
        "database_url": "postgresql+asyncpg://u:p@db:5432/chanjiao",
        "public_base_url": "https://chanjiao.example.cn",
    }
    with pytest.raises(ValueError, match="certificate_signing_key must be set in production"):
        TrainingSettings(**base)
    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    signer = CertificateSigner.from_settings(TrainingSettings(**base, certificate_signing_key=pem))
    assert len(signer.jwks()["keys"]) == 1


def test_the_development_key_is_derived_from_the_internal_key_and_differs_from_the_access_token_key():
    a = CertificateSigner.from_settings(TrainingSettings(internal_token_key="a" * 40))
    assert a.kid == CertificateSigner.from_settings(TrainingSettings(internal_token_key="a" * 40)).kid
    assert a.kid != CertificateSigner.from_settings(TrainingSettings(internal_token_key="b" * 40)).kid
    token_key = derive_signing_key("a" * 40).public_key()
    assert a.private_key.public_key().public_bytes_raw() != token_key.public_bytes_raw()


def test_a_key_that_is_not_ed25519_is_refused():
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    with pytest.raises(ValueError, match="Ed25519"):
        CertificateSigner.from_settings(TrainingSettings(certificate_signing_key=pem))
