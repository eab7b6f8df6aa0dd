"""Programmes carry who commissioned them and at which level (国家/省/市/行业 project), the funding source and the
target groups, with Chinese labels; the kinds the seeds keep apart (特种作业 vs 特种设备) and the ones they name
(现场工程师, 定向/定岗, 学训班, 安全培训) are kinds of their own."""

from __future__ import annotations

import io
import uuid

import pytest
from openpyxl import load_workbook

from chanjiao.spreadsheets import XLSX

BODY = {"name": "2023年退役军人技能提升培训班", "start_on": "2023-04-01", "end_on": "2023-06-30"}


@pytest.fixture(scope="module")
async def org(tp) -> str:
    return await tp.new_org("higher_vocational")


async def test_a_commissioned_project_with_level_funding_and_target_groups(tp, org):
    """seed 001「承接国家、省、市级培养培训项目 30 个」 and「利用好士官培训、职业农民培训和援非培训等项目」: a programme
    records the body that commissioned it, its level, who pays and whom it trains."""
    client = tp.as_org(org)
    commissioner = await tp.new_org("government")
    body = {
        **BODY,
        "kind": "upskilling",
        "provider_org_id": org,
        "commissioned_by": " 山东省退役军人事务厅 ",
        "commissioned_by_org_id": commissioner,
        "project_level": "provincial",
        "funding_source": "skills_upgrade_fund",
        "target_groups": ["veterans", "sergeants", "veterans"],
    }
    r = await client.post("/v1/programmes", json=body)
    assert r.status_code == 201, r.text
    p = r.json()
    assert (p["commissioned_by"], p["commissioned_by_org_id"]) == ("山东省退役军人事务厅", commissioner)
    assert (p["project_level"], p["project_level_label"]) == ("provincial", "省级")
    assert (p["funding_source"], p["funding_source_label"]) == ("skills_upgrade_fund", "职业技能提升行动专账资金")
    assert (p["target_groups"], p["target_group_labels"]) == (["veterans", "sergeants"], ["退役军人", "士官"])

    r = await client.patch(
        f"/v1/programmes/{p['id']}",
        json={"target_groups": ["farmers", "foreign_aid"], "funding_source": None},
        headers={"If-Match": r.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["target_group_labels"] == ["农民/职业农民", "援外培训学员"] and r.json()["funding_source"] is None
    # A level without the body that commissioned it is refused, naming the field; nothing changes.
    r2 = await client.patch(
        f"/v1/programmes/{p['id']}", json={"commissioned_by": None}, headers={"If-Match": r.headers["etag"]}
    )
    assert r2.status_code == 422 and [e["loc"] for e in r2.json()["errors"]] == [["body", "commissioned_by"]]
    assert (await client.get(f"/v1/programmes/{p['id']}")).json()["commissioned_by"] == "山东省退役军人事务厅"

    # The export carries the new columns with their labels.
    x = await client.get("/v1/programmes", params={"provider_org_id": org}, headers={"Accept": XLSX})
    rows = list(load_workbook(io.BytesIO(x.content)).worksheets[0].iter_rows(values_only=True))
    row = dict(zip(rows[0], next(r for r in rows[1:] if p["id"] in r), strict=True))
    assert (row["委托单位"], row["项目级别"], row["培训对象"]) == (
        "山东省退役军人事务厅",
        "省级",
        "农民/职业农民、援外培训学员",
    )


async def test_commission_fields_are_checked_and_named(tp, org):
    client = tp.as_org(org)
    base = {**BODY, "kind": "upskilling", "provider_org_id": org}

    async def fields(**extra) -> set[str]:
        r = await client.post("/v1/programmes", json=base | extra)
        assert r.status_code == 422, r.text
        return {str(e["loc"][1]) for e in r.json()["errors"]}

    assert await fields(project_level="national") == {"commissioned_by"}
    assert await fields(project_level="county", commissioned_by="某县人社局") == {"project_level"}
    assert await fields(funding_source="lottery") == {"funding_source"}
    assert await fields(target_groups=["retirees"]) == {"target_groups"}
    assert await fields(commissioned_by="某", project_level="municipal") == {"commissioned_by"}
    assert await fields(commissioned_by="潍坊市人社局", commissioned_by_org_id=str(uuid.uuid4())) == {
        "commissioned_by_org_id"
    }
    r = await client.post(
        "/v1/programmes", json=base | {"project_level": "national"}, headers={"Accept-Language": "en"}
    )
    assert "commission" in r.json()["errors"][0]["msg"]
    # Without them a programme is the provider's own: level none, no funding source, no target groups.
    r = await client.post("/v1/programmes", json=base)
    assert r.status_code == 201
    assert (r.json()["project_level"], r.json()["project_level_label"], r.json()["target_groups"]) == (
        "none",
        "非委托项目",
        [],
    )


async def test_special_equipment_training_is_not_special_operations(tp, org):
    """seed 000「应急局特种作业（安全管理、电工、电焊工等）、市场监督管理局特种设备作业（天车工、叉车工）培训」:
    two kinds; and the kinds seed 001 and 003 name — 现场工程师, 定向/定岗, 学训班, 安全培训."""
    client = tp.as_org(org)
    labels = {}
    for kind in (
        "special_operations",
        "special_equipment",
        "field_engineer",
        "targeted",
        "study_training",
        "safety_training",
    ):
        r = await client.post("/v1/programmes", json={**BODY, "kind": kind, "provider_org_id": org})
        assert r.status_code == 201, r.text
        labels[kind] = r.json()["kind_label"]
    assert labels == {
        "special_operations": "特种作业培训",
        "special_equipment": "特种设备作业人员培训",
        "field_engineer": "现场工程师培养",
        "targeted": "定向/定岗培训",
        "study_training": "学训班",
        "safety_training": "安全培训",
    }
    r = await client.get("/v1/programmes", params={"provider_org_id": org, "kind": "special_equipment"})
    assert [p["kind"] for p in r.json()["items"]] == ["special_equipment"]
