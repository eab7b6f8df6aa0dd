"""Membership's startup hook for identity: build the runtime, then make sure a platform admin can exist.

When no active platform admin exists: with `CHANJIAO_BOOTSTRAP_ADMIN=<login>:<password>` (split on the
first colon; password rules apply, a weak one stops the start with a clear error) that admin is
created; otherwise a one-time setup token (24 h) is printed to standard error — never to the JSON
logs — for `POST /v1/auth/setup`. Replicas starting together serialise on an advisory lock, so
only one admin is created. There is no default password anywhere."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from services.membership.identity import service
from services.membership.identity.runtime import identity_of

log = logging.getLogger("chanjiao.identity")


async def identity_startup(app: FastAPI) -> None:
    ident = identity_of(app)
    await ident.passwords.prepare()
    async with app.state.sessionmaker() as session:
        secret = await service.bootstrap(session, ident)
        await session.commit()
    if secret is not None:
        service.announce_setup_token(secret, ident.settings.gateway_url)
        log.warning("no platform admin exists: a one-time setup token was printed to standard error")
