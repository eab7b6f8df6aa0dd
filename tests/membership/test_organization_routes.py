"""The organization routes' literal paths (`/batch`, `/imports`, `/import-template.xlsx`) are never taken for an
`/{org_id}`, in whatever order the routes are registered: an id matches only a UUID-shaped segment
(chanjiao/routes.py; tests/architecture/test_route_order.py)."""


async def test_a_literal_path_answers_as_itself_not_as_an_id(membership_client):
    r = await membership_client.get("/v1/organizations/import-template.xlsx", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()[0]["heading"] == "单位名称"
    # A method the literal path does not have is 405 naming its own methods — not a 422 about a malformed id.
    for path, allowed in (("/v1/organizations/batch", "POST"), ("/v1/organizations/imports", "POST")):
        r = await membership_client.get(path)
        assert r.status_code == 405, (path, r.status_code, r.text)
        assert r.headers["allow"] == allowed
        r = await membership_client.delete(path)
        assert r.status_code == 405, (path, r.status_code, r.text)


async def test_metrics_name_the_full_route_templates(membership_client):
    await membership_client.get("/v1/organizations")
    await membership_client.get("/v1/organizations/019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b")
    text = (await membership_client.get("/metrics")).text
    assert 'route="/v1/organizations"' in text and 'route="/v1/organizations/{org_id' in text
