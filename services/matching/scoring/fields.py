"""Code structure the components compare: a major's 专业类 and 专业大类 across education levels, a region's city and
province, and the names shown in reasons (all from chanjiao.refdata; unknown well-formed codes still compare by
their digits)."""

from __future__ import annotations

from functools import lru_cache

from chanjiao import refdata
from services.matching.scoring.profiles import EDUCATION_LEVELS, level_of_major


def category_key(code: str) -> str:
    """The 专业大类 of a major (or class) code, the same at every level: 46 (专科), 66 (中职) and 26 (本科) are all
    装备制造大类, key "c05". A code outside the three ranges keeps its own two digits."""
    level = level_of_major(code)
    if level is None:
        return code[:2]
    return f"c{int(code[:2]) - EDUCATION_LEVELS[level][3]:02d}"


def class_key(code: str) -> str:
    """The 专业类 across levels: 4601 and 6601 (机械设计制造类) share the key "c05-01"."""
    return f"{category_key(code)}-{code[2:4]}"


@lru_cache(maxsize=1)
def _majors() -> dict[str, dict]:
    return {m["code6"]: m for m in refdata.majors()}


@lru_cache(maxsize=1)
def _class_names() -> dict[str, str]:
    return {class_key(m["code6"]): m["class_name"] for m in refdata.majors()}


@lru_cache(maxsize=1)
def _category_names() -> dict[str, str]:
    return {category_key(m["code6"]): m["category_name"] for m in refdata.majors()}


def major_name(code: str) -> str:
    row = _majors().get(code[:6])
    return row["name"] if row else ""


def class_name(code: str) -> str:
    return _class_names().get(class_key(code), "")


def category_name(code: str) -> str:
    return _category_names().get(category_key(code), "")


@lru_cache(maxsize=1)
def _occupation_names() -> dict[str, str]:
    return {o["code"]: o["name"] for o in refdata.occupations()}


def occupation_name(code: str) -> str:
    return _occupation_names().get(code, "")


@lru_cache(maxsize=1)
def _regions() -> dict[str, dict]:
    return {r["code"]: r for r in refdata.regions()}


def region_parts(code: str) -> tuple[str | None, str]:
    """(city code or None for a province-level code, province code) of a six-digit region code. Codes not in the
    table are read by their digits: XXYY00 is a city when YY is not 00, a county's city is XXYY00."""
    row = _regions().get(code)
    if row is not None:
        return row["city_code"], row["province_code"]
    province = code[:2] + "0000"
    return (None if code[2:4] == "00" else code[:4] + "00"), province


def region_name(code: str | None) -> str:
    row = _regions().get(code or "")
    return row["name"] if row else ""


def normalize_major(code: str) -> str:
    return code.strip().upper().removesuffix("K")[:6]


def occupation_prefixes(code: str) -> tuple[str, str]:
    """(小类, 中类) of an occupation code in its canonical form X-XX-XX-XX ('' where the code is shorter)."""
    parts = code.split("-")
    return ("-".join(parts[:3]) if len(parts) >= 3 else ""), ("-".join(parts[:2]) if len(parts) >= 2 else "")
