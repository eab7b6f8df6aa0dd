"""Every parameter of the merged OpenAPI document (path, query, header) is described in both languages, Chinese
first, then English; the shared ones (`limit`, `cursor`, `If-Match`, `If-None-Match`, `Idempotency-Key`, `atomic`,
`dry_run`) read the same on every route, from their one definition; every summary is bilingual too."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest

from chanjiao.openapi import PATH_PARAMETERS, document_path_parameters, operations

# A Chinese character, then (later) an English word.
BILINGUAL = re.compile(r"[\u4e00-\u9fff].*[A-Za-z]{3,}", re.S)
SHARED = {
    ("query", "limit"),
    ("query", "cursor"),
    ("header", "if-match"),
    ("header", "if-none-match"),
    ("header", "idempotency-key"),
    ("query", "atomic"),
    ("query", "dry_run"),
}


@pytest.fixture(scope="module")
async def doc(platform) -> dict[str, Any]:
    r = await platform.client.get("/openapi.json")
    assert r.status_code == 200
    return r.json()


def _parameters(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{m.upper()} {p}", prm) for p, m, op in operations(doc) for prm in op.get("parameters", [])]


async def test_every_parameter_is_described_in_chinese_then_english(doc):
    params = _parameters(doc)
    assert len(params) > 250
    assert {prm["in"] for _, prm in params} >= {"path", "query", "header"}
    bad = [
        f"{where} {prm['in']} {prm['name']}: {prm.get('description')!r}"
        for where, prm in params
        if not BILINGUAL.search(prm.get("description") or "")
    ]
    assert bad == []


async def test_shared_parameters_read_the_same_everywhere(doc):
    texts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for _, prm in _parameters(doc):
        key = (prm["in"], prm["name"].lower())
        if key in SHARED:
            texts[key].add(prm["description"])
    assert set(texts) == SHARED
    assert {k: v for k, v in texts.items() if len(v) != 1} == {}


async def test_every_summary_is_bilingual(doc):
    assert [f"{m.upper()} {p}" for p, m, op in operations(doc) if not BILINGUAL.search(op.get("summary") or "")] == []


def test_a_path_parameter_keeps_its_own_description():
    schema = {
        "paths": {
            "/v1/x/{org_id}/{year}": {
                "get": {
                    "parameters": [
                        {"in": "path", "name": "org_id"},
                        {"in": "path", "name": "year", "description": "年份 Year"},
                        {"in": "query", "name": "org_id"},
                    ]
                }
            }
        }
    }
    params = document_path_parameters(schema)["paths"]["/v1/x/{org_id}/{year}"]["get"]["parameters"]
    assert [p.get("description") for p in params] == [PATH_PARAMETERS["org_id"], "年份 Year", None]
