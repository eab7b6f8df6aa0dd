"""Country codes of organizations: ISO 3166-1 alpha-2 (pycountry's table), with Chinese names from its zh_CN
translation. 台湾, 香港 and 澳门 are regions of China (region codes 710000, 810000, 820000), not countries."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry

from chanjiao.validators import CodeError

HOME = "CN"
CHINESE_REGIONS = {"TW": "710000", "HK": "810000", "MO": "820000"}


@cache
def _zh() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)


def validate(value: str) -> str:
    """The normalised code (upper case, trimmed), or a `CodeError` naming the rule."""
    code = value.strip().upper()
    if code in CHINESE_REGIONS:
        raise CodeError(
            "chinese_region",
            f"台湾、香港、澳门是中国的地区：国家代码填 CN，行政区划代码填 {CHINESE_REGIONS[code]}",
            f"Taiwan, Hong Kong and Macao are regions of China: use CN with region code {CHINESE_REGIONS[code]}",
        )
    if len(code) != 2 or not code.isascii() or not code.isalpha() or pycountry.countries.get(alpha_2=code) is None:
        raise CodeError(
            "iso3166", "国家代码应为 ISO 3166-1 两位字母代码，如 DE", "An ISO 3166-1 alpha-2 country code, e.g. DE"
        )
    return code


def name_zh(code: str) -> str | None:
    """The country's Chinese name (德国 for DE), None for an unknown code."""
    country = pycountry.countries.get(alpha_2=code)
    return None if country is None else _zh().gettext(country.name)
