import json
from pathlib import Path

import pytest

from chanjiao.validators import (
    CodeError,
    compute_check_character,
    normalize_credit_code,
    validate_credit_code,
)
from chanjiao.validators.credit_code import CHARSET, WEIGHTS

VECTORS = json.loads((Path(__file__).parent / "checksum_test_vectors.json").read_text("utf-8"))
USCC = VECTORS["uscc_gb32100_2015"]


def test_constants_match_the_vectors_file():
    assert CHARSET == USCC["charset"]
    assert list(WEIGHTS) == USCC["weights"]


@pytest.mark.parametrize("code", [v["code"] for v in USCC["valid"]])
def test_valid_vectors(code):
    validate_credit_code(code)
    assert compute_check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", [v["code"] for v in USCC["invalid"]])
def test_invalid_vectors(code):
    with pytest.raises(CodeError) as exc:
        validate_credit_code(code)
    assert exc.value.rule == "check_character"


def test_worked_example_check_character_is_3():
    assert compute_check_character("91350100M000100Y4") == "3"


def _with_valid_check(first17: str) -> str:
    return first17 + compute_check_character(first17)


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("", "length"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100I000100Y43", "charset"),  # I is not in the alphabet
        ("91350100O000100Y43", "charset"),
        ("91350100S000100Y43", "charset"),
        ("91350100V000100Y43", "charset"),
        ("91350100Z000100Y43", "charset"),
        ("91350100m000100Y43", "charset"),  # not normalised
        ("91350100M000100Y4Z", "check_character"),  # Z at position 18 is a wrong check char
        ("91350100M000100Y4I", "check_character"),
        ("91350100M000100Y40", "check_character"),
        ("9144030010001686XB", "check_character"),
        # correct GB 32100 check character, wrong GB 11714 check on positions 9-17
        (_with_valid_check("91350100M000100Y5"), "organization_code"),
        (_with_valid_check("91440300100012317"), "organization_code"),
    ],
)
def test_rules(code, rule):
    with pytest.raises(CodeError) as exc:
        validate_credit_code(code)
    assert exc.value.rule == rule
    assert isinstance(exc.value, ValueError)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),
        ("91350100m000100y43", "91350100M000100Y43"),
        ("  91350100 M000100 Y43\t", "91350100M000100Y43"),
        ("9144 0300 1000 1686 xa", "9144030010001686XA"),
        ("\u3000９１４４０３００１０００１２３１６ｌ\u3000", "91440300100012316L"),
    ],
)
def test_normalize(raw, expected):
    assert normalize_credit_code(raw) == expected
    validate_credit_code(normalize_credit_code(raw))


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y4Z",
        "91350100M000100Y40",
        "91350100M000100Y4",
        "91350100O000100Y43",
        _with_valid_check("91350100M000100Y5"),
    ],
)
def test_messages_never_contain_the_input(code):
    with pytest.raises(CodeError) as exc:
        validate_credit_code(code)
    err = exc.value
    for text in (err.message_zh, err.message_en, str(err), repr(err)):
        assert code not in text
        assert code[:8] not in text
    assert err.message_zh and err.message_en


def test_compute_check_character_rejects_bad_input():
    with pytest.raises(CodeError) as exc:
        compute_check_character("9135")
    assert exc.value.rule == "length"
    with pytest.raises(CodeError) as exc:
        compute_check_character("91350100I000100Y4")
    assert exc.value.rule == "charset"
