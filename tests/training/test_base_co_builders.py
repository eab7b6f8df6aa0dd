"""`/v1/training-bases/{id}/co-builders`: a base has one owner and any number of co-builders 共建单位 with their
investment (CNY), share (≤ 100 % in total) and in-kind contribution; the owner writes, the owner and the co-builders
read, anyone else gets 404; the figure 共建共享实训基地 counts bases both co-built and shared."""

import pytest


@pytest.fixture(scope="module")
async def world(tp):
    return {
        "owner": await tp.new_org("higher_vocational"),
        "a": await tp.new_org("enterprise"),
        "b": await tp.new_org("enterprise"),
        "stranger": await tp.new_org("enterprise"),
    }


async def _base(tp, owner: str, **extra) -> str:
    body = {"owner_org_id": owner, "name": "化工仿真实训基地", "kind": "productive", **extra}
    r = await tp.as_org(owner).post("/v1/training-bases", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_the_owner_writes_co_builders_read_others_get_404(tp, world):
    """seed 000「多元投入」: co-builders put money, shares and equipment into a base the owner runs."""
    base = await _base(tp, world["owner"], shared=True)
    url = f"/v1/training-bases/{base}/co-builders"
    owner, a, stranger = tp.as_org(world["owner"]), tp.as_org(world["a"]), tp.as_org(world["stranger"])
    entry = {
        "org_id": world["a"],
        "investment_cny": "1200000.00",
        "share_percent": "30",
        "in_kind": "捐赠DCS仿真系统 1 套",
    }
    assert (await a.post(url, json=entry)).status_code == 403  # a co-builder does not write the list
    r = await owner.post(url, json={**entry, "since": "2022-09-01"})
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["role"], got["role_label"], got["investment_cny"], got["share_percent"], got["since"]) == (
        "co_builder",
        "共建单位",
        "1200000.00",
        "30.00",
        "2022-09-01",
    )
    # the co-builder reads the list and its entry; a stranger gets 404 for both (the base itself is a directory)
    listed = await a.get(url)
    assert listed.status_code == 200 and [i["id"] for i in listed.json()["items"]] == [got["id"]]
    assert (await a.get(f"{url}/{got['id']}")).status_code == 200
    assert (await stranger.get(url)).status_code == 404
    assert (await stranger.get(f"{url}/{got['id']}")).status_code == 404
    assert (await stranger.get(f"/v1/training-bases/{base}")).status_code == 200

    # shares total at most 100 %: 30 + 80 is refused naming the field and the rule, in Chinese and in English
    r = await owner.post(url, json={"org_id": world["b"], "share_percent": "80"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert [(e["loc"], e["type"]) for e in r.json()["errors"]] == [(["body", "share_percent"], "share_total")]
    r = await owner.post(url, json={"org_id": world["b"], "share_percent": "80"}, headers={"Accept-Language": "en"})
    assert "at most 100" in r.json()["errors"][0]["msg"]
    r = await owner.post(url, json={"org_id": world["b"], "share_percent": "70", "investment_cny": 500000})
    assert r.status_code == 201, r.text
    b_id = r.json()["id"]
    assert r.json()["investment_cny"] == "500000.00"
    r = await owner.patch(f"{url}/{b_id}", json={"share_percent": "70.01"})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "share_total"
    assert (await a.patch(f"{url}/{b_id}", json={"share_percent": "60"})).status_code == 403
    r = await owner.patch(
        f"{url}/{b_id}", json={"share_percent": "60", "in_kind": "共建实训车间"}, headers={"If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.json()["share_percent"] == "60.00" and r.json()["version"] == 2

    # once per base; never the owner itself; no negative money, no zero share
    assert (await owner.post(url, json={"org_id": world["a"]})).status_code == 409
    for bad, field in (
        ({"org_id": world["owner"]}, "org_id"),
        ({"org_id": world["stranger"], "investment_cny": "-1"}, "investment_cny"),
        ({"org_id": world["stranger"], "share_percent": "0"}, "share_percent"),
        ({"org_id": world["stranger"], "share_percent": "100.5"}, "share_percent"),
    ):
        r = await owner.post(url, json=bad)
        assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == field, (bad, r.text)

    # removing a co-builder: the stranger's 404 and the co-builder's 403, then gone from the list
    assert (await a.delete(f"{url}/{b_id}")).status_code == 403
    assert (await owner.delete(f"{url}/{b_id}", headers={"If-Match": '"1"'})).status_code == 412
    assert (await owner.delete(f"{url}/{b_id}")).status_code == 204
    assert [i["id"] for i in (await owner.get(url)).json()["items"]] == [got["id"]]
    assert (await tp.as_org(world["b"]).get(url)).status_code == 404  # no longer a co-builder: no longer a reader
    assert (await owner.get(f"/v1/training-bases/{base}/co-builders/{b_id}")).status_code == 404


async def test_co_built_shared_bases_of_an_alliance(tp):
    """seed 001「集团共建共享实训基地 32 个」: bases of the members that are co-built (≥ 1 co-builder since on or before
    the year's last day) and shared 开放共享, counted as of the year's last day."""
    alliance = await tp.new_alliance()
    school, outsider, partner = (
        await tp.new_org("higher_vocational"),
        await tp.new_org("higher_vocational"),
        await tp.new_org("enterprise"),
    )
    await tp.join(school, alliance, "2021-01-01")
    owner = tp.as_org(school)

    async def co_build(base: str, since: str | None) -> str:
        r = await owner.post(f"/v1/training-bases/{base}/co-builders", json={"org_id": partner, "since": since})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    both = await _base(tp, school, shared=True)
    await co_build(both, "2022-09-01")
    await _base(tp, school, shared=True)  # shared, not co-built
    co_only = await _base(tp, school, shared=False)
    await co_build(co_only, None)
    later = await _base(tp, school, shared=True)
    await co_build(later, "2024-03-01")  # co-built from 2024 on
    dropped = await _base(tp, school, shared=True)
    gone = await co_build(dropped, "2020-01-01")
    r = await owner.delete(f"/v1/training-bases/{dropped}/co-builders/{gone}")
    assert r.status_code == 204
    outside = await _base(tp, outsider, shared=True)  # not a member
    r = await tp.as_org(outsider).post(f"/v1/training-bases/{outside}/co-builders", json={"org_id": partner})
    assert r.status_code == 201

    figures = {}
    for year in (2023, 2024):
        r = await tp.as_alliance(alliance).get(
            "/v1/training-stats",
            params={"alliance_id": alliance, "period_start": f"{year}-01-01", "period_end": f"{year}-12-31"},
        )
        assert r.status_code == 200, r.text
        b = r.json()["training_bases"]
        figures[year] = (b["total"], b["shared"], b["co_built"], b["co_built_shared"])
    assert figures == {2023: (5, 4, 2, 1), 2024: (5, 4, 3, 2)}
