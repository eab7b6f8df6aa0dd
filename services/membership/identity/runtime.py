"""What the identity routes need besides the database, built once at startup (`app.state.identity`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from chanjiao.tokens import AccessTokenIssuer, load_signing_key
from services.membership.identity.passwords import Passwords
from services.membership.settings import MembershipSettings


@dataclass
class Identity:
    settings: MembershipSettings
    passwords: Passwords
    issuer: AccessTokenIssuer

    @classmethod
    def from_settings(cls, settings: MembershipSettings) -> Identity:
        pem = settings.jwt_signing_key.get_secret_value() if settings.jwt_signing_key else None
        key = load_signing_key(pem, settings.internal_token_key.get_secret_value())
        return cls(
            settings=settings,
            passwords=Passwords.from_settings(settings),
            issuer=AccessTokenIssuer(key, ttl_seconds=settings.access_token_ttl_seconds),
        )


def identity_of(app: FastAPI) -> Identity:
    ident = getattr(app.state, "identity", None)
    if ident is None:
        ident = app.state.identity = Identity.from_settings(app.state.settings)
    return ident


def get_identity(request: Request) -> Identity:
    return identity_of(request.app)


IdentityDep = Annotated[Identity, Depends(get_identity)]
