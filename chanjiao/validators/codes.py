"""Well-formedness of classification codes: format only, no table look-ups.

Whether a well-formed code is *known* is a separate question answered against
:mod:`chanjiao.refdata` plus the overrides table; an unknown but well-formed code is accepted and
flagged ``code_known: false`` (docs/reference-data.md). The one exception is the region code's province
part, which is part of well-formedness (``999999`` is 422): pass ``province_codes`` (e.g.
``chanjiao.refdata.province_codes()``) to check it here without this module reading any table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from chanjiao.validators.errors import CodeError

_REGION = re.compile(r"[0-9]{6}")
_MAJOR = re.compile(r"[0-9]{6}K?")
# CSCO 2022: 大类 X, 中类 X-XX, 小类 X-XX-XX, 细类 (occupation) X-XX-XX-XX.
_OCCUPATION = re.compile(r"[1-8](?:-[0-9]{2}){0,3}")
# GB/T 4754-2017: 门类 A–T, 大类 2 digits, 中类 3 digits, 小类 4 digits.
_INDUSTRY = re.compile(r"[A-T]|[0-9]{2,4}")


def normalize_code(raw: str) -> str:
    """Strip, fold full-width characters (NFKC), upper-case, drop inner whitespace."""
    return "".join(unicodedata.normalize("NFKC", raw).upper().split())


def validate_region_code(code: str, *, province_codes: Collection[str] | None = None) -> None:
    """Exactly six ASCII digits (rule ``format``).

    With `province_codes` (2-digit prefixes), the first two digits must be one of them
    (rule ``province``).
    """
    if not _REGION.fullmatch(code):
        raise CodeError("format", "行政区划代码应为6位数字", "A region code is exactly 6 digits")
    if province_codes is not None and code[:2] not in province_codes:
        raise CodeError(
            "province",
            "行政区划代码的前两位不是有效的省级代码",
            "The first two digits of the region code are not a known province",
        )


def validate_major_code(code: str) -> None:
    """A vocational major (专业) code: 6 digits, optionally followed by ``K`` (rule ``format``).

    The 2-digit 专业大类 and 4-digit 专业类 codes are not major codes and are rejected.
    """
    if not _MAJOR.fullmatch(code):
        raise CodeError(
            "format",
            "专业代码应为6位数字，国家控制布点专业可带后缀K",
            "A major code is 6 digits, optionally followed by K",
        )


def validate_occupation_code(code: str) -> None:
    """CSCO 2022 code at any level: ``X``, ``X-XX``, ``X-XX-XX`` or ``X-XX-XX-XX``.

    Rule ``format``; ``X`` is the 大类 digit 1–8.
    """
    if not _OCCUPATION.fullmatch(code):
        raise CodeError(
            "format",
            "职业代码格式应为 X、X-XX、X-XX-XX 或 X-XX-XX-XX（X 为1至8）",
            "An occupation code has the form X, X-XX, X-XX-XX or X-XX-XX-XX (X from 1 to 8)",
        )


def occupation_code_level(code: str) -> int:
    """1 (大类) to 4 (细类) for a well-formed occupation code."""
    validate_occupation_code(code)
    return code.count("-") + 1


def validate_industry_code(code: str) -> None:
    """GB/T 4754-2017: a section letter ``A``–``T`` or 2, 3 or 4 digits (rule ``format``)."""
    if not _INDUSTRY.fullmatch(code):
        raise CodeError(
            "format",
            "行业代码应为门类字母A至T，或2至4位数字",
            "An industry code is a section letter A-T or 2 to 4 digits",
        )


def industry_code_level(code: str) -> int:
    """1 (门类) to 4 (小类) for a well-formed industry code."""
    validate_industry_code(code)
    return 1 if code.isalpha() else len(code)
