import json
from pathlib import Path

import pytest

from chanjiao.validators import (
    CodeError,
    compute_check_digit,
    derive_gender_and_birth_year,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)
from chanjiao.validators.id_card import ID_CHECK_MAP, ID_WEIGHTS

VECTORS = json.loads((Path(__file__).parent / "checksum_test_vectors.json").read_text("utf-8"))
RID = VECTORS["resident_id_gb11643_1999"]


def test_constants_match_the_vectors_file():
    assert list(ID_WEIGHTS) == RID["weights"]
    assert ID_CHECK_MAP == RID["check_map_by_sum_mod_11"]


@pytest.mark.parametrize("number", [v["code"] for v in RID["valid"]])
def test_valid_vectors(number):
    validate_id_number(number)
    assert compute_check_digit(number[:17]) == number[17]


@pytest.mark.parametrize("number", [v["code"] for v in RID["invalid"]])
def test_invalid_vectors(number):
    with pytest.raises(CodeError) as exc:
        validate_id_number(number)
    assert exc.value.rule == "check_digit"


@pytest.mark.parametrize(
    ("number", "rule"),
    [
        ("", "length"),
        ("11010519491231002", "length"),
        ("11010519491231002XX", "length"),
        ("110105194912310", "length"),  # old 15-digit form is not accepted
        ("11010519491231002x", "charset"),  # not normalised
        ("1101051949123100X2", "charset"),
        ("A1010519491231002X", "charset"),
        ("11010519491331002X", "birth_date"),  # month 13
        ("11010519490230002X", "birth_date"),  # 30 February
        ("11010519490229002X", "birth_date"),  # 1949 is not a leap year
        ("110105194912310029", "check_digit"),
    ],
)
def test_rules(number, rule):
    with pytest.raises(CodeError) as exc:
        validate_id_number(number)
    assert exc.value.rule == rule


def test_leap_day_and_old_dates_are_accepted():
    body = "11010520000229002"
    validate_id_number(body + compute_check_digit(body))
    body = "44052418000101001"  # no birth-date range check
    validate_id_number(body + compute_check_digit(body))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),
        (" １１０１０５１９４９１２３１００２ｘ ", "11010519491231002X"),
        ("440524 18800101 0014", "440524188001010014"),
    ],
)
def test_normalize(raw, expected):
    assert normalize_id_number(raw) == expected
    validate_id_number(expected)


@pytest.mark.parametrize(
    "number",
    ["110105194912310021", "11010519491331002X", "1101051949123100X2", "11010519491231002"],
)
def test_messages_never_contain_the_input(number):
    with pytest.raises(CodeError) as exc:
        validate_id_number(number)
    err = exc.value
    for text in (err.message_zh, err.message_en, str(err), repr(err)):
        assert number not in text
        assert number[6:14] not in text  # nor the birth date


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("370102199001011234", "3701************34"),
        ("11010519491231002X", "1101************2X"),
        ("11010519491231002x", "1101************2X"),
    ],
)
def test_mask_id_number(number, masked):
    assert mask_id_number(number) == masked
    assert len(masked) == 18


def test_mask_id_number_rejects_wrong_length():
    with pytest.raises(CodeError):
        mask_id_number("1234")


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("11010519491231002X", ("female", 1949)),
        ("440524188001010014", ("male", 1880)),
    ],
)
def test_gender_and_birth_year_from_the_standard_examples(number, expected):
    assert derive_gender_and_birth_year(number) == expected


def test_gender_and_birth_year_requires_a_valid_number():
    with pytest.raises(CodeError):
        derive_gender_and_birth_year("110105194912310021")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("008619912345678", "19912345678"),
        ("１３８１２３４５６７８", "13812345678"),
    ],
)
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected
    validate_phone(expected)


@pytest.mark.parametrize(
    ("phone", "rule"),
    [
        ("1381234567", "length"),
        ("138123456789", "length"),
        ("", "length"),
        ("1381234567a", "charset"),
        ("+8613812345678", "length"),  # not normalised
        ("138 1234567", "charset"),
        ("12812345678", "prefix"),
        ("10012345678", "prefix"),
        ("23812345678", "prefix"),
    ],
)
def test_phone_rules(phone, rule):
    with pytest.raises(CodeError) as exc:
        validate_phone(phone)
    assert exc.value.rule == rule
    for text in (exc.value.message_zh, exc.value.message_en):
        assert len(phone) < 4 or phone not in text


@pytest.mark.parametrize("prefix", [str(n) for n in range(13, 20)])
def test_phone_prefixes_13_to_19(prefix):
    validate_phone(prefix + "912345678")


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138 1234 5678") == "138****5678"
    with pytest.raises(CodeError):
        mask_phone("12345")
