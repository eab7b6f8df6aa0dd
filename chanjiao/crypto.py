"""Field encryption for personal data at rest (phone numbers, ID numbers).

AES-256-GCM with a 32-byte key derived by HKDF-SHA256 from a service secret (its
`internal_token_key`) and a `purpose`, so one secret yields independent keys per use. A token is
``version (1 byte) ‖ nonce (12 bytes) ‖ ciphertext+tag``; the caller's `context` (e.g.
``"membership.people.phone:<id>"``) is bound in as associated data, so a ciphertext copied to another
row or column does not decrypt. Errors never contain the plaintext.

The key follows the secret: rotating `internal_token_key` makes stored ciphertexts unreadable
unless the old secret is passed in `previous` while the data is re-encrypted.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"\x01"
NONCE_BYTES = 12
_SALT = b"chanjiao/field-encryption/v1"


class DecryptionError(ValueError):
    """A token is malformed, was made with another key, or belongs to another context."""


def derive_key(secret: str | bytes, purpose: str) -> bytes:
    """A 256-bit key for `purpose` from `secret` (HKDF-SHA256, fixed salt, purpose as info)."""
    if isinstance(secret, str):
        secret = secret.encode()
    if not secret:
        raise ValueError("an empty secret cannot derive a key")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose.encode()).derive(secret)


class FieldCipher:
    """Encrypts short strings for one purpose; decrypts with the current key, then any previous one."""

    def __init__(self, key: bytes, previous: tuple[bytes, ...] = ()) -> None:
        if len(key) != 32 or any(len(k) != 32 for k in previous):
            raise ValueError("keys must be 32 bytes")
        self._current = AESGCM(key)
        self._all = (self._current, *(AESGCM(k) for k in previous))

    def __repr__(self) -> str:
        return "FieldCipher(<keys hidden>)"

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return VERSION + nonce + self._current.encrypt(nonce, plaintext.encode(), context.encode())

    def encrypt_many(self, items: Sequence[tuple[str, str]]) -> list[bytes]:
        """`encrypt` of each (plaintext, context), in order: the same tokens, each with its own 12 random nonce
        bytes — taken from the OS in one call for the lot rather than one call per value."""
        nonces = os.urandom(NONCE_BYTES * len(items))
        seal = self._current.encrypt
        out = []
        for k, (plaintext, context) in enumerate(items):
            nonce = nonces[k * NONCE_BYTES : (k + 1) * NONCE_BYTES]
            out.append(VERSION + nonce + seal(nonce, plaintext.encode(), context.encode()))
        return out

    def decrypt(self, token: bytes, *, context: str) -> str:
        token = bytes(token)
        if len(token) < 1 + NONCE_BYTES + 16 or token[:1] != VERSION:
            raise DecryptionError("not a field-encryption token of a known version")
        nonce, body = token[1 : 1 + NONCE_BYTES], token[1 + NONCE_BYTES :]
        for aead in self._all:
            try:
                return aead.decrypt(nonce, body, context.encode()).decode()
            except InvalidTag:
                continue
        raise DecryptionError("the token does not decrypt with these keys in this context")


@lru_cache(maxsize=32)
def field_cipher(secret: str, purpose: str, previous: tuple[str, ...] = ()) -> FieldCipher:
    """The cipher for `purpose` under `secret` (cached: HKDF runs once per secret and purpose)."""
    return FieldCipher(derive_key(secret, purpose), tuple(derive_key(p, purpose) for p in previous))
