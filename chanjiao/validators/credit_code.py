"""统一社会信用代码 (unified social credit code), GB 32100-2015.

Layout: position 1 登记管理部门码, 2 机构类别码, 3–8 登记管理机关行政区划码, 9–17 主体标识码
(the GB 11714 组织机构代码, which carries its own check character at position 17), 18 check
character. Characters come from a 31-symbol alphabet without I, O, S, V and Z, so a letter's value
is its index in that alphabet — never ``ord(c) - 55``.

The GB 11714 check on positions 9–17 is enforced as rule ``"organization_code"``: all four valid
test vectors in ``tests/validators/checksum_test_vectors.json`` (three of them real listed
companies) satisfy it.
"""

from __future__ import annotations

import unicodedata

from chanjiao.validators.errors import CodeError

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {ch: i for i, ch in enumerate(CHARSET)}
# W_i = 3^(i-1) mod 31 for positions 1–17.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
LENGTH = 18

# GB 11714-1997: weights on the first 8 characters of the 9-character organisation code.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def normalize_credit_code(raw: str) -> str:
    """Strip, fold full-width characters to ASCII (NFKC), upper-case, drop inner whitespace."""
    text = unicodedata.normalize("NFKC", raw).upper()
    return "".join(text.split())


def compute_check_character(first17: str) -> str:
    """The GB 32100 check character (position 18) for 17 characters of the code alphabet."""
    if len(first17) != LENGTH - 1:
        raise CodeError(
            "length",
            "计算校验码需要统一社会信用代码的前17位",
            "The check character is computed from exactly 17 characters",
        )
    if any(ch not in _VALUES for ch in first17):
        raise _charset_error()
    total = sum(_VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def _org_code_check(first8: str) -> str:
    # GB 11714 values: digits as themselves, letters A=10 … Z=35 (full Latin alphabet here).
    total = sum(int(ch, 36) * w for ch, w in zip(first8, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def validate_credit_code(code: str) -> None:
    """Raise :class:`CodeError` unless `code` is a well-formed, correctly checked credit code.

    Expects the normalised form (see :func:`normalize_credit_code`). Rules, in order:
    ``length``, ``charset``, ``check_character``, ``organization_code``.
    """
    if len(code) != LENGTH:
        raise CodeError(
            "length",
            "统一社会信用代码应为18位",
            "A unified social credit code has 18 characters",
        )
    # Position 18 is judged by the check rule alone: any other character there, even one outside
    # the alphabet (the standard's rejected example ends in Z), is a wrong check character.
    if any(ch not in _VALUES for ch in code[:17]):
        raise _charset_error()
    if compute_check_character(code[:17]) != code[17]:
        raise CodeError(
            "check_character",
            "统一社会信用代码校验码（第18位）不正确",
            "The check character (position 18) of the unified social credit code is wrong",
        )
    org = code[8:17]
    if _org_code_check(org[:8]) != org[8]:
        raise CodeError(
            "organization_code",
            "统一社会信用代码第9至17位（组织机构代码）校验码不正确",
            "Positions 9-17 (organization code) of the unified social credit code fail their check",
        )


def _charset_error() -> CodeError:
    return CodeError(
        "charset",
        "统一社会信用代码只能包含数字和大写字母（不含 I、O、S、V、Z）",
        "A unified social credit code may contain only digits and upper-case letters other than I, O, S, V and Z",
    )
