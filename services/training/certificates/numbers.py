"""A certificate number that carries a resident ID number — how it is kept (docs/domain.md, "Certificates").

A 特种作业操作证 is numbered with its holder's resident ID number, often behind a letter (T370702198805120011). Such
a number is personal data, so it is kept like the learners' ID numbers (services/training/learners/personal.py):

* `certificates.number` holds the number as it may be shown — the ID-number run masked (T3707************11) — and
  that is what every answer, audit row, event and verification snapshot carries;
* `certificates.number_key` is what the number is unique by: the number itself when it carries no ID number, else
  ``hmac:`` and the hex keyed hash (HMAC-SHA256 under a key derived from the service's personal-data key) — the
  masked form alone would make two holders from the same city with the same last two digits collide;
* `certificates.number_ciphertext` holds the whole number, AES-GCM under the personal-data key, bound to the row —
  so the number as printed is never lost, and it never leaves the service.

A number without an ID-number run is stored as given, `number_key` equal to it and no ciphertext.
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from functools import lru_cache

from chanjiao.crypto import FieldCipher, derive_key, field_cipher
from chanjiao.settings import ServiceSettings
from chanjiao.validators.id_card import mask_id_numbers_in

HASH_PURPOSE = "training/certificate-number-hash"
CIPHER_PURPOSE = "training/certificate-number"
HASHED = "hmac:"


@lru_cache(maxsize=16)
def _hash_key(secret: str) -> bytes:
    return derive_key(secret, HASH_PURPOSE)


def number_context(certificate_id: uuid.UUID) -> str:
    """Associated data of the number's ciphertext: it decrypts only for this certificate."""
    return f"training.certificates.number:{certificate_id}"


@dataclass(frozen=True)
class Kept:
    """A number as it is stored: shown (`number`), unique by (`key`), and sealed when it carries an ID number."""

    number: str
    key: str
    sealed: bool


class Numbers:
    """The keys of one service configuration for certificate numbers (current first, then the previous ones)."""

    def __init__(self, settings: ServiceSettings) -> None:
        current, previous = settings.personal_data_secrets()
        self._keys = (_hash_key(current), *(_hash_key(p) for p in previous))
        self.cipher: FieldCipher = field_cipher(current, CIPHER_PURPOSE, previous)

    def __repr__(self) -> str:
        return "Numbers(<keys hidden>)"

    def keep(self, number: str) -> Kept:
        shown = mask_id_numbers_in(number)
        if shown == number:
            return Kept(number=number, key=number, sealed=False)
        return Kept(number=shown, key=self._hashed(number, self._keys[0]), sealed=True)

    def keys(self, number: str) -> list[str]:
        """What `number_key` may hold for `number`: under the current key and every previous one (a look-up finds a
        number kept before a key rotation)."""
        if mask_id_numbers_in(number) == number:
            return [number]
        return [self._hashed(number, k) for k in self._keys]

    def seal(self, number: str, certificate_id: uuid.UUID) -> bytes:
        return self.cipher.encrypt(number, context=number_context(certificate_id))

    def seal_many(self, numbers: list[tuple[str, uuid.UUID]]) -> list[bytes]:
        return self.cipher.encrypt_many([(n, number_context(cid)) for n, cid in numbers])

    @staticmethod
    def _hashed(number: str, key: bytes) -> str:
        return HASHED + hmac.digest(key, number.encode(), "sha256").hex()
