"""Access tokens for people (mobile apps, the docs' Authorize button): Ed25519-signed JWTs.

Membership signs them (it owns identity); the gateway verifies them locally with the public key
from `GET /v1/auth/jwks`, so a request with a token never costs a call to membership.
The signing key is `CHANJIAO_MEMBERSHIP_JWT_SIGNING_KEY` (an Ed25519 private key, PEM); when it is
not set it is derived from the internal-token key with HKDF, so an installation has one secret
fewer to manage (whoever holds the internal key can already act as the gateway).

Claims: `iss`/`aud` fixed, `sub` = user id, `sid` = the refresh-token family (session), `org`,
`roles`, `alliances`, `scopes`, `iat`, `exp`, `jti`.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwt.algorithms import OKPAlgorithm

from chanjiao.auth import Principal
from chanjiao.errors import Unauthorized

ISSUER = "chanjiao"
AUDIENCE = "chanjiao-api"
ALGORITHM = "EdDSA"


def derive_signing_key(secret: str) -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"chanjiao", info=b"access-token-ed25519").derive(
        secret.encode()
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def load_signing_key(pem: str | None, fallback_secret: str) -> Ed25519PrivateKey:
    if not pem:
        return derive_signing_key(fallback_secret)
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("jwt_signing_key must be an Ed25519 private key in PEM")
    return key


def generate_signing_key_pem() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_jwk(private: Ed25519PrivateKey) -> dict[str, Any]:
    public = private.public_key()
    jwk: dict[str, Any] = OKPAlgorithm.to_jwk(public, as_dict=True)
    jwk.update({"kid": key_id(public), "alg": ALGORITHM, "use": "sig"})
    return jwk


@dataclass
class AccessTokenIssuer:
    private_key: Ed25519PrivateKey
    ttl_seconds: int = 900

    def __post_init__(self) -> None:
        self.kid = key_id(self.private_key.public_key())

    def issue(
        self,
        *,
        user_id: str,
        session_id: str,
        org_id: str | None,
        roles: tuple[str, ...],
        alliances: tuple[str, ...],
        scopes: tuple[str, ...],
        now: float | None = None,
    ) -> tuple[str, int]:
        """The token and its lifetime in seconds."""
        now = time.time() if now is None else now
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": user_id,
            "sid": session_id,
            "org": org_id,
            "roles": list(roles),
            "alliances": list(alliances),
            "scopes": list(scopes),
            "iat": int(now),
            "exp": int(now) + self.ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid})
        return token, self.ttl_seconds

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(self.private_key)]}


class AccessTokenExpired(Unauthorized):
    """A genuine access token (signature verified) past its expiry: its holder refreshes it."""


@dataclass
class AccessTokenVerifier:
    """Verifies access tokens against a JWKS (the gateway's side). Verified tokens are remembered
    until they expire, so a client reusing its token costs one dictionary lookup per request."""

    keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    leeway_seconds: int = 5
    _cache: dict[str, tuple[float, Principal]] = field(default_factory=dict)

    def load_jwks(self, jwks: dict[str, Any]) -> None:
        keys: dict[str, Ed25519PublicKey] = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and "kid" in jwk:
                key = OKPAlgorithm.from_jwk(jwk)
                if isinstance(key, Ed25519PublicKey):
                    keys[str(jwk["kid"])] = key
        self.keys = keys
        self._cache.clear()

    @staticmethod
    def unverified_kid(token: str) -> str | None:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            return None
        return str(kid) if kid else None

    def verify(self, token: str) -> Principal:
        now = time.time()
        hit = self._cache.get(token)
        if hit is not None:
            if hit[0] > now:
                return hit[1]
            del self._cache[token]
        invalid = Unauthorized(detail_zh="访问令牌无效或已过期", detail_en="The access token is invalid or expired")
        kid = self.unverified_kid(token)
        key = self.keys.get(kid) if kid else None
        if key is None:
            raise invalid
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:  # checked after the signature: a genuine token, past its `exp`
            raise AccessTokenExpired(detail_zh="访问令牌已过期", detail_en="The access token expired") from exc
        except jwt.PyJWTError as exc:
            raise invalid from exc
        principal = Principal(
            kind="user",
            subject=str(claims["sub"]),
            org_id=claims.get("org"),
            roles=tuple(claims.get("roles") or ()),
            scopes=tuple(claims.get("scopes") or ()),
            alliances=tuple(claims.get("alliances") or ()),
        )
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[token] = (float(claims["exp"]), principal)
        return principal
