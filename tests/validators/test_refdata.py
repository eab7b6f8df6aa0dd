import re
from collections import Counter

import pytest

from chanjiao import refdata
from chanjiao.validators import (
    validate_industry_code,
    validate_major_code,
    validate_occupation_code,
    validate_region_code,
)

TABLES = [refdata.regions, refdata.majors, refdata.occupations, refdata.industries]


@pytest.mark.parametrize("table", TABLES, ids=lambda f: f.__name__)
def test_common_shape_and_unique_codes(table):
    rows = table()
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    for r in rows:
        assert {"code", "name", "level", "parent_code"} <= r.keys()
        assert r["name"] and r["name"] == r["name"].strip()


@pytest.mark.parametrize("table", TABLES, ids=lambda f: f.__name__)
def test_cached(table):
    assert table() is table()


def test_regions():
    rows = refdata.regions()
    assert len(rows) == 3348  # 3351 source rows minus 3 county-level placeholders
    assert Counter(r["level"] for r in rows) == {"province": 31, "city": 342, "county": 2975}
    assert sum(r["functional_area"] for r in rows) == 124
    by_code = {r["code"]: r for r in rows}
    for r in rows:
        validate_region_code(r["code"], province_codes=refdata.province_codes())
        if r["level"] == "province":
            assert r["parent_code"] is None and r["city_code"] is None
        else:
            assert by_code[r["parent_code"]]["level"] != "county"
            assert r["province_code"] == r["code"][:2] + "0000"
    assert by_code["441900"]["level"] == "city"
    assert by_code["110105"]["parent_code"] == "110100"


def test_province_codes():
    codes = refdata.province_codes()
    assert len(codes) == 34
    assert {"11", "44", "65"} <= codes
    assert {"71", "81", "82"} <= codes  # TW, HK, MO: in GB/T 2260, added to the NBS source's 31
    assert "99" not in codes


def test_majors():
    rows = refdata.majors()
    assert len(rows) == 1313
    assert Counter(r["level_key"] for r in rows) == {
        "voc_secondary": 344,
        "voc_associate": 732,
        "voc_bachelor": 237,
    }
    assert sum(r["is_supplement"] for r in rows) == 46
    assert sum(r["state_controlled"] for r in rows) == 41
    for r in rows:
        validate_major_code(r["code"])
        assert r["code"].endswith("K") == r["state_controlled"]
        assert r["parent_code"] == r["class_code"] == r["code"][:4]
        assert r["category_code"] == r["code"][:2]
        assert r["class_name"] and r["category_name"]


def test_occupations():
    rows = refdata.occupations()
    assert len(rows) == 2048  # 2051 source rows minus 3 identical duplicates
    assert Counter(r["level"] for r in rows) == {1: 8, 2: 72, 3: 336, 4: 1632}
    by_code = {r["code"]: r for r in rows}
    for r in rows:
        validate_occupation_code(r["code"])
        assert r["code"].count("-") + 1 == r["level"]
        if r["level"] > 1:
            assert r["parent_code"] == r["code"].rsplit("-", 1)[0]
        else:
            assert r["parent_code"] is None
        assert not re.search(r"\s|[LS]$", r["name"])
    # The source's 2-03-01-00 is both a 小类 and its only 细类; both are kept.
    assert by_code["2-03-01"]["level"] == 3 and by_code["2-03-01-00"]["level"] == 4
    assert by_code["2-01-06-06"]["name"] == "地球科学研究人员"
    assert by_code["2-02-38-05"]["definition"]
    missing_parents = {r["parent_code"] for r in rows if r["parent_code"]} - by_code.keys()
    assert len(missing_parents) == 100  # documented gap: 小类/中类 rows absent from the source


def test_industries():
    rows = refdata.industries()
    assert len(rows) == 1971
    assert Counter(r["level"] for r in rows) == {1: 20, 2: 97, 3: 473, 4: 1381}
    by_code = {r["code"]: r for r in rows}
    for r in rows:
        validate_industry_code(r["code"])
        if r["level"] == 1:
            assert r["parent_code"] is None and r["section"] == r["code"]
        else:
            parent = by_code[r["parent_code"]]
            assert parent["level"] == r["level"] - 1
            assert parent["section"] == r["section"]
    assert by_code["3531"]["name"] == "食品、酒、饮料及茶生产专用设备制造"
    assert by_code["37"]["name"] == "铁路、船舶、航空航天和其他运输设备制造业"
    assert by_code["0111"]["name"] == "稻谷种植"
