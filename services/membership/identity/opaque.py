"""Opaque secrets: refresh tokens, API keys and one-time tokens.

Each is `<prefix>_` + 43 URL-safe characters (256 random bits). Only the SHA-256 digest is stored:
the secrets are high-entropy, so a fast hash is as safe as argon2 and costs nothing per request.
The prefix tells a leaked secret's kind at a glance (and lets secret scanners find them)."""

from __future__ import annotations

import hashlib
import secrets

REFRESH = "cjr"  # refresh token
API_KEY = "cjk"  # API key
INVITATION = "cji"  # invitation
RESET = "cjp"  # password reset
SETUP = "cjs"  # first-start setup

# How much of an API key is kept in clear for recognition ("cjk_" + 8 characters).
SHOWN_PREFIX = 12


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def looks_like(secret: object, prefix: str) -> bool:
    """A cheap shape check before any database lookup (malformed → rejected without a query)."""
    return isinstance(secret, str) and secret.startswith(prefix + "_") and 20 <= len(secret) <= 200


def login_key(login: str) -> bytes:
    """What lockout counts failures under: the lower-cased login, hashed (unknown logins too)."""
    return hashlib.sha256(b"login:" + login.strip().lower().encode()).digest()
