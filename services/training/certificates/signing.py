"""The certificate signing key: Ed25519 signatures over the public verification answer (docs/api.md, "Certificate
verification").

The key is `TrainingSettings.certificate_signing_key` (an Ed25519 private key in PEM). Unset, a key is derived from
the internal-token key with HKDF — as chanjiao/tokens.py does for access tokens, with its own HKDF label, so the two
keys differ — in development and tests only: production refuses to start without one (services/training/settings.py).
Earlier keys stay published while answers signed with them may still be held by someone
(`certificate_previous_verification_keys`, public keys in PEM).

What is signed: the answer as a JSON object without its `signature` member, in its canonical form (JCS, RFC 8785).
The answer carries the signature in the body itself:

    "signature": {"alg": "EdDSA", "kid": "<RFC 7638 JWK thumbprint of the public key>", "value": "<base64url>"}

and is served as the JCS bytes of the whole object, so a verifier removes `signature`, canonicalises what is left
(JCS) and checks the Ed25519 signature (`value`, base64url without padding) with the key of `GET
/v1/certificates/verification-key` whose `kid` matches."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import rfc8785
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from services.training.settings import TrainingSettings

ALGORITHM = "EdDSA"
HKDF_INFO = b"certificate-verification-ed25519"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def canonical(value: Any) -> bytes:
    """The JCS (RFC 8785) bytes of a JSON value."""
    return rfc8785.dumps(value)


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def thumbprint(public: Ed25519PublicKey) -> str:
    """The key id: the RFC 7638 JWK thumbprint (SHA-256 over the required members `crv`, `kty`, `x` in
    lexicographic order, no whitespace), base64url."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw_public(public))}
    return b64url(hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest())


def public_jwk(public: Ed25519PublicKey) -> dict[str, str]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(raw_public(public)),
        "kid": thumbprint(public),
        "alg": ALGORITHM,
        "use": "sig",
    }


def derive_key(secret: str) -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"chanjiao", info=HKDF_INFO).derive(secret.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def _pem_text(pem: str) -> str:
    """A PEM as given in the environment: real line breaks, or written `\\n` on one line (an `.env` file)."""
    return pem.replace("\\n", "\n").strip()


def load_private_key(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(_pem_text(pem).encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("certificate_signing_key must be an Ed25519 private key in PEM")
    return key


def load_public_keys(pems: str) -> list[Ed25519PublicKey]:
    """Every `-----BEGIN PUBLIC KEY-----` block of `pems` (an Ed25519 public key each)."""
    keys: list[Ed25519PublicKey] = []
    marker = "-----BEGIN PUBLIC KEY-----"
    for block in _pem_text(pems).split(marker)[1:]:
        key = serialization.load_pem_public_key((marker + block).strip().encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("certificate_previous_verification_keys must hold Ed25519 public keys in PEM")
        keys.append(key)
    return keys


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclass
class CertificateSigner:
    """The current signing key and the public keys still published."""

    private_key: Ed25519PrivateKey
    previous: list[Ed25519PublicKey] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.kid = thumbprint(self.private_key.public_key())
        # How the current key id appears in an answer's canonical bytes (JCS: no whitespace, keys sorted).
        self._kid_marker = b'"kid":"' + self.kid.encode() + b'"'

    @classmethod
    def from_settings(cls, settings: TrainingSettings) -> CertificateSigner:
        if settings.certificate_signing_key is not None:
            private = load_private_key(settings.certificate_signing_key.get_secret_value())
        else:
            private = derive_key(settings.internal_token_key.get_secret_value())
        return cls(private, load_public_keys(settings.certificate_previous_verification_keys))

    def sign(self, answer: dict[str, Any]) -> bytes:
        """The served bytes: `answer` with its `signature` member, in JCS."""
        unsigned = {k: v for k, v in answer.items() if k != "signature"}
        value = self.private_key.sign(canonical(unsigned))
        return canonical({**unsigned, "signature": {"alg": ALGORITHM, "kid": self.kid, "value": b64url(value)}})

    def signed_by_current(self, body: bytes) -> bool:
        """Was this stored answer signed with the current key? (Its `kid` is in its canonical bytes; no string
        inside a JSON document can hold an unescaped `"`, so the marker matches only the signature's member.)"""
        return self._kid_marker in body

    def jwks(self) -> dict[str, Any]:
        keys = [public_jwk(self.private_key.public_key())]
        seen = {keys[0]["kid"]}
        for public in self.previous:
            jwk = public_jwk(public)
            if jwk["kid"] not in seen:
                seen.add(jwk["kid"])
                keys.append(jwk)
        return {"keys": keys}
