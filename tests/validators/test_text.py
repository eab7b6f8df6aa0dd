import pytest

from chanjiao.validators import cjk_bigrams, normalize_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  山东职业学院  ", "山东职业学院"),
        ("山东  职业\t\n学院", "山东 职业 学院"),
        ("中国平安保险（集团）股份有限公司", "中国平安保险（集团）股份有限公司"),
        ("\u3000济南、青岛\u3000\u3000联盟\u3000", "济南、青岛 联盟"),
        ("ABC  Tech", "ABC Tech"),
        ("", ""),
    ],
)
def test_normalize_name(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("数控技术", ["数控", "控技", "技术"]),
        ("数 控\u3000技术", ["数控", "控技", "技术"]),
        ("哈哈哈", ["哈哈"]),
        ("技术技术", ["技术", "术技"]),
        ("ＡＢｃ", ["ab", "bc"]),
        ("数", ["数"]),
        ("Ａ", ["a"]),
        (" 数 ", ["数"]),
        ("", []),
        ("   ", []),
    ],
)
def test_cjk_bigrams(text, expected):
    assert cjk_bigrams(text) == expected
