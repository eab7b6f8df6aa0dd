"""A learner's personal data: ID numbers of each `id_type` (normalise, validate, mask, derive), the keyed hash
that de-duplicates them, the field cipher that stores them, and phones. No I/O.

Rules (docs/learners.md):

* every number is normalised first: NFKC (full-width → ASCII), upper case (`x` → `X`), every space removed;
* `resident_id` 居民身份证: 18 characters, a real date in positions 7–14 and the GB 11643 (ISO 7064 MOD 11-2)
  check digit — no region or age check; gender (position 17) and birth *year* are derived;
* `passport` 护照: 5–20 letters and digits;
* `hk_macau_permit` 港澳居民来往内地通行证: `H`/`M` + 8 or 10 digits, or an 18-character 港澳居民居住证 number
  (810000…/820000…, GB 11643 check digit);
* `taiwan_permit` 台湾居民来往大陆通行证: 8 or 10 digits, or an 18-character 台湾居民居住证 number (830000…,
  GB 11643 check digit);
* `foreigner_permanent` 外国人永久居留身份证: 3 letters + 12 digits (2004 card), or 18 characters starting with
  `9` with the GB 11643 check digit (2023 card).

Only the masked form leaves the service: an 18-character number as first 4 + 12 `*` + last 2
(`3701************34`); a shorter one as first 2 + `*` … + last 2 (first 1 and last 1 under 8 characters).

The keyed hash is HMAC-SHA256 of ``"<id_type>:<normalised number>"`` under a key derived (HKDF, its own purpose)
from the personal-data secret, so the hash column cannot be brute-forced from the 10⁹-odd possible resident IDs
without the secret. Previous secrets (key rotation) still find existing learners: look-ups try every key.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from functools import lru_cache

from chanjiao.crypto import FieldCipher, derive_key, field_cipher
from chanjiao.spreadsheets import aliases
from chanjiao.validators import (
    CodeError,
    compute_check_digit,
    mask_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)
from services.training.learners.models import ID_TYPE_LABELS

# HKDF purposes: the cipher of the ID number and phone, and the key of the de-duplication hash.
CIPHER_PURPOSE = "training/personal-data"
HASH_PURPOSE = "training/personal-data/id-number-hash"

_ALNUM = re.compile(r"[A-Z0-9]+")
_HK_MACAU = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?")
_TAIWAN = re.compile(r"[0-9]{8}(?:[0-9]{2})?")
_FOREIGNER_2004 = re.compile(r"[A-Z]{3}[0-9]{12}")

# What a spreadsheet cell may say for each document type (learner, enrolment and certificate imports alike).
ID_TYPE_ALIASES = aliases(
    ID_TYPE_LABELS,
    {
        "身份证": "resident_id",
        "居民身份证": "resident_id",
        "港澳通行证": "hk_macau_permit",
        "回乡证": "hk_macau_permit",
        "港澳居民居住证": "hk_macau_permit",
        "台胞证": "taiwan_permit",
        "台湾居民居住证": "taiwan_permit",
        "永居证": "foreigner_permanent",
        "外国人永久居留证": "foreigner_permanent",
    },
)


def normalize_number(raw: str) -> str:
    """NFKC, upper case, every whitespace character removed."""
    return "".join(unicodedata.normalize("NFKC", raw).upper().split())


def _charset(label_zh: str, label_en: str) -> CodeError:
    return CodeError("charset", f"{label_zh}格式不正确", f"The {label_en} has an invalid format")


def _eighteen_with_check_digit(number: str, prefixes: tuple[str, ...], label_zh: str, label_en: str) -> None:
    if not number.startswith(prefixes) or not number[:17].isdigit() or not re.fullmatch(r"[0-9X]", number[17]):
        raise _charset(label_zh, label_en)
    if compute_check_digit(number[:17]) != number[17]:
        raise CodeError(
            "check_digit",
            f"{label_zh}校验码（第18位）不正确",
            f"The check digit (position 18) of the {label_en} is wrong",
        )


def validate_number(id_type: str, number: str) -> None:
    """Raise `CodeError` (rule: length, charset, birth_date, check_digit) unless `number` (normalised) is a
    well-formed number of `id_type`. Messages never contain the number."""
    if id_type == "resident_id":
        validate_id_number(number)
    elif id_type == "passport":
        if not 5 <= len(number) <= 20:
            raise CodeError("length", "护照号码应为5至20个字符", "A passport number has 5 to 20 characters")
        if not _ALNUM.fullmatch(number):
            raise CodeError("charset", "护照号码只能包含字母和数字", "A passport number has only letters and digits")
    elif id_type == "hk_macau_permit":
        if len(number) == 18:
            _eighteen_with_check_digit(
                number, ("810000", "820000"), "港澳居民居住证号码", "HK/Macau residence permit number"
            )
        elif len(number) not in (9, 11):
            raise CodeError("length", "港澳通行证号码应为9或11位", "A HK/Macau permit number has 9 or 11 characters")
        elif not _HK_MACAU.fullmatch(number):
            raise CodeError(
                "charset", "港澳通行证号码应为H或M加数字", "A HK/Macau permit number is H or M followed by digits"
            )
    elif id_type == "taiwan_permit":
        if len(number) == 18:
            _eighteen_with_check_digit(number, ("830000",), "台湾居民居住证号码", "Taiwan residence permit number")
        elif len(number) not in (8, 10):
            raise CodeError(
                "length", "台湾居民来往大陆通行证号码应为8或10位", "A Taiwan permit number has 8 or 10 digits"
            )
        elif not _TAIWAN.fullmatch(number):
            raise CodeError(
                "charset", "台湾居民来往大陆通行证号码只能包含数字", "A Taiwan permit number has only digits"
            )
    elif id_type == "foreigner_permanent":
        if len(number) == 18:
            _eighteen_with_check_digit(number, ("9",), "外国人永久居留身份证号码", "permanent residence ID number")
        elif len(number) != 15:
            raise CodeError(
                "length",
                "外国人永久居留身份证号码应为15或18位",
                "A permanent residence ID number has 15 or 18 characters",
            )
        elif not _FOREIGNER_2004.fullmatch(number):
            raise CodeError(
                "charset",
                "外国人永久居留身份证号码应为3个字母加12位数字",
                "A 15-character permanent residence ID is 3 letters and 12 digits",
            )
    else:  # the schema's enum rules this out
        raise CodeError("id_type", "证件类型不受支持", "Unsupported document type")


def mask_number(number: str) -> str:
    """The only form of a number that leaves the service."""
    if len(number) == 18:
        return mask_id_number(number)
    keep = 2 if len(number) >= 8 else 1
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


def gender_and_birth_year(id_type: str, number: str) -> tuple[str | None, int | None]:
    """Derived from resident IDs only (a full birth date would undo the mask, so only the year). `number` is
    normalised and was validated (`validate_number`): position 17 odd → male, positions 7–10 the year — as
    `chanjiao.validators.derive_gender_and_birth_year`, without checking the number a second time."""
    if id_type != "resident_id":
        return None, None
    return ("male" if int(number[16]) % 2 == 1 else "female"), int(number[6:10])


def clean_phone(raw: str) -> str:
    """Normalised and validated (11-digit mainland mobile), else `CodeError`."""
    phone = normalize_phone(raw)
    validate_phone(phone)
    return phone


# ---- keys -----------------------------------------------------------------------------------------------
@lru_cache(maxsize=16)
def _hash_key(secret: str) -> bytes:
    return derive_key(secret, HASH_PURPOSE)


class PersonalData:
    """The keys of one service configuration: the field cipher and the hash keys (current first)."""

    def __init__(self, current: str, previous: tuple[str, ...] = ()) -> None:
        self.cipher: FieldCipher = field_cipher(current, CIPHER_PURPOSE, previous)
        self._hash_keys = (_hash_key(current), *(_hash_key(p) for p in previous))

    def __repr__(self) -> str:
        return "PersonalData(<keys hidden>)"

    def hash(self, id_type: str, number: str) -> bytes:
        """The keyed hash stored in `learners.id_number_hash` (current key)."""
        return self.hashes(id_type, number)[0]

    def hashes(self, id_type: str, number: str) -> list[bytes]:
        """The hash under every key, current first (a look-up matches rows hashed before a rotation)."""
        message = f"{id_type}:{number}".encode()
        return [hmac.digest(k, message, "sha256") for k in self._hash_keys]


def id_number_context(learner_id: object) -> str:
    """Associated data of the ID-number ciphertext: it decrypts only for this row and column."""
    return f"training.learners.id_number:{learner_id}"


def phone_context(learner_id: object) -> str:
    return f"training.learners.phone:{learner_id}"


def names_match(a: str, b: str) -> bool:
    """Same person's name: case, spacing, full-width forms and the middle-dot variants of 少数民族 and
    foreign names (· • ． ・) are not differences."""

    def key(s: str) -> str:
        s = unicodedata.normalize("NFKC", s).casefold()
        for dot in ("•", "・", "．", ".", "‧", "･"):
            s = s.replace(dot, "·")
        return "".join(s.split())

    return key(a) == key(b)
