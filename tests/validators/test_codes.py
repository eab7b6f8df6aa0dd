import pytest

from chanjiao.validators import (
    CodeError,
    industry_code_level,
    normalize_code,
    occupation_code_level,
    validate_industry_code,
    validate_major_code,
    validate_occupation_code,
    validate_region_code,
)


def _rule(fn, code, **kw):
    with pytest.raises(CodeError) as exc:
        fn(code, **kw)
    for text in (exc.value.message_zh, exc.value.message_en):
        assert len(code) < 4 or code not in text
    return exc.value.rule


@pytest.mark.parametrize("code", ["110000", "110105", "441900", "999999", "000000"])
def test_region_format_ok(code):
    validate_region_code(code)


@pytest.mark.parametrize("code", ["", "11010", "1101050", "11010X", "１１０１０５", " 110105", "11-105"])
def test_region_format_bad(code):
    assert _rule(validate_region_code, code) == "format"


def test_region_province_part():
    provinces = {"11", "44"}
    validate_region_code("110105", province_codes=provinces)
    assert _rule(validate_region_code, "999999", province_codes=provinces) == "province"
    assert _rule(validate_region_code, "99999", province_codes=provinces) == "format"


@pytest.mark.parametrize("code", ["610101", "520401K", "310101", "710214"])
def test_major_ok(code):
    validate_major_code(code)


@pytest.mark.parametrize("code", ["", "61", "6101", "61010", "6101011", "520401k", "520401KK", "K520401"])
def test_major_bad(code):
    assert _rule(validate_major_code, code) == "format"


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("2", 1),
        ("2-02", 2),
        ("2-02-10", 3),
        ("2-02-10-03", 4),
        ("4-04-05-09", 4),
        ("8-00-00-00", 4),
    ],
)
def test_occupation_ok(code, level):
    validate_occupation_code(code)
    assert occupation_code_level(code) == level


@pytest.mark.parametrize(
    "code",
    ["", "0", "9", "9-01", "2-2", "2-02-1", "2-02-10-3", "2-02-10-03-01", "20210", "2_02", "2-02-"],
)
def test_occupation_bad(code):
    assert _rule(validate_occupation_code, code) == "format"


@pytest.mark.parametrize(("code", "level"), [("A", 1), ("T", 1), ("01", 2), ("011", 3), ("0111", 4), ("3531", 4)])
def test_industry_ok(code, level):
    validate_industry_code(code)
    assert industry_code_level(code) == level


@pytest.mark.parametrize("code", ["", "U", "Z", "a", "1", "01111", "A01", "0A"])
def test_industry_bad(code):
    assert _rule(validate_industry_code, code) == "format"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" 520401k ", "520401K"), ("５２０４０１Ｋ", "520401K"), ("c 3531", "C3531")],
)
def test_normalize_code(raw, expected):
    assert normalize_code(raw) == expected
