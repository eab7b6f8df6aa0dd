"""公民身份号码 (GB 11643-1999) and mainland mobile numbers: normalise, validate, mask.

Per the domain rules the ID check is deliberately narrow: 18 characters, 17 digits plus a digit or
``X``, a real calendar date in positions 7–14 and the ISO 7064 MOD 11-2 check digit. No region or
age check — the standard's own example uses a historic county code and an 1880 birth date.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from chanjiao.validators.errors import CodeError

ID_LENGTH = 18
# W_i = 2^(18-i) mod 11 for positions 1–17.
ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
# Check character indexed by (Σ a_i·W_i) mod 11.
ID_CHECK_MAP = "10X98765432"

_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def normalize_id_number(raw: str) -> str:
    """Strip, fold full-width characters (NFKC), drop inner whitespace, upper-case ``x``."""
    text = unicodedata.normalize("NFKC", raw).upper()
    return "".join(text.split())


def compute_check_digit(first17: str) -> str:
    """The GB 11643 check character (``0``–``9`` or ``X``) for the 17 body digits."""
    if len(first17) != ID_LENGTH - 1 or not first17.isascii() or not first17.isdigit():
        raise CodeError(
            "charset",
            "计算校验码需要身份证号码的前17位数字",
            "The check digit is computed from exactly 17 digits",
        )
    total = sum(int(ch) * w for ch, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_MAP[total % 11]


def validate_id_number(number: str) -> None:
    """Raise :class:`CodeError` unless `number` is a valid 18-character resident ID number.

    Expects the normalised form (see :func:`normalize_id_number`). Rules, in order:
    ``length``, ``charset``, ``birth_date``, ``check_digit``.
    """
    if len(number) != ID_LENGTH:
        raise CodeError("length", "身份证号码应为18位", "A resident ID number has 18 characters")
    if not _ID_SHAPE.fullmatch(number):
        raise CodeError(
            "charset",
            "身份证号码前17位应为数字，最后一位为数字或X",
            "A resident ID number is 17 digits followed by a digit or X",
        )
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise CodeError(
            "birth_date",
            "身份证号码中的出生日期（第7至14位）不是有效日期",
            "Positions 7-14 of the resident ID number are not a valid date",
        ) from None
    if compute_check_digit(number[:17]) != number[17]:
        raise CodeError(
            "check_digit",
            "身份证号码校验码（第18位）不正确",
            "The check digit (position 18) of the resident ID number is wrong",
        )


def mask_id_number(number: str) -> str:
    """First 4 + twelve ``*`` + last 2, e.g. ``3701************34``.

    Only this masked form may leave a service.
    """
    n = normalize_id_number(number)
    if len(n) != ID_LENGTH:
        raise CodeError("length", "身份证号码应为18位", "A resident ID number has 18 characters")
    return f"{n[:4]}{'*' * 12}{n[-2:]}"


# A resident-ID-shaped run (17 digits and a digit or X) inside a longer text, not part of a longer digit run: a
# 特种作业操作证 is numbered with its holder's ID number, often with a letter in front (T370702…).
_ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def mask_id_numbers_in(text: str) -> str:
    """`text` with every resident-ID-shaped run masked like an ID number (``T3707************11``): what leaves a
    service of a code that may carry one (a certificate number)."""
    return _ID_NUMBER_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)


def derive_gender_and_birth_year(number: str) -> tuple[str, int]:
    """``('male' | 'female', birth_year)`` from a valid ID number (position 17 odd → male)."""
    n = normalize_id_number(number)
    validate_id_number(n)
    gender = "male" if int(n[16]) % 2 == 1 else "female"
    return gender, int(n[6:10])


def normalize_phone(raw: str) -> str:
    """Strip, fold full-width digits, drop spaces, hyphens and brackets.

    A ``+86``, ``0086`` or ``86`` prefix is dropped when exactly 11 digits follow it.
    """
    text = unicodedata.normalize("NFKC", raw)
    text = re.sub(r"[\s\-()]", "", text)
    for prefix in ("+86", "0086", "86"):
        # "86" alone is only a country code when 11 digits follow (a mobile number starts with 1).
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            return text[len(prefix) :]
    return text


def validate_phone(phone: str) -> None:
    """Raise :class:`CodeError` unless `phone` is an 11-digit mainland mobile number ``1[3-9]…``.

    Expects the normalised form (see :func:`normalize_phone`). Rules, in order: ``length``,
    ``charset``, ``prefix``.
    """
    if len(phone) != 11:
        raise CodeError("length", "手机号码应为11位", "A mobile number has 11 digits")
    if not phone.isascii() or not phone.isdigit():
        raise CodeError("charset", "手机号码只能包含数字", "A mobile number may contain only digits")
    if not _MOBILE.fullmatch(phone):
        raise CodeError(
            "prefix",
            "手机号码应以13至19开头",
            "A mainland mobile number starts with 13 to 19",
        )


def mask_phone(phone: str) -> str:
    """First 3 + ``****`` + last 4, e.g. ``138****5678``."""
    p = normalize_phone(phone)
    if len(p) != 11:
        raise CodeError("length", "手机号码应为11位", "A mobile number has 11 digits")
    return f"{p[:3]}****{p[-4:]}"
