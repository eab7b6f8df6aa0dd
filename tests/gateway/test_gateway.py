"""Gateway → services over real HTTP."""

from __future__ import annotations

import uuid

import httpx

from chanjiao.auth import INTERNAL_TOKEN_HEADER


async def test_health_reports_every_service(platform):
    r = await platform.client.get("/health")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ok",
        "services": {s: {"status": "ok", "database": "ok"} for s in ("membership", "training", "matching")},
    }
    assert (await platform.client.get("/health/ready")).status_code == 200


async def test_create_and_read_through_the_gateway(platform):
    body = {"name": "山东化工职业学院", "org_type": "higher_vocational", "region_code": "370702"}
    r = await platform.client.post("/v1/organizations", json=body, headers={"X-Request-ID": "req-abc-123"})
    assert r.status_code == 201, r.text
    assert r.headers["x-request-id"] == "req-abc-123"
    got = await platform.client.get(r.headers["location"])
    assert got.status_code == 200 and got.json()["name"] == "山东化工职业学院"
    assert got.headers["etag"] == '"1"'
    assert len(got.headers.get_list("date")) <= 1
    assert "transfer-encoding" not in got.headers or got.headers["transfer-encoding"] == "chunked"


async def test_bad_credit_code_is_422_problem_through_the_gateway(platform):
    r = await platform.client.post(
        "/v1/organizations",
        headers={"Accept-Language": "en"},
        json={
            "name": "某某公司",
            "org_type": "enterprise",
            "region_code": "370102",
            "credit_code": "91350100M000100Y4Z",
        },
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["loc"] == ["body", "credit_code"] and "M000100Y4Z" not in r.text
    assert r.json()["title"] == "Validation failed"


async def test_request_id_generated_when_absent_or_unsafe(platform):
    r = await platform.client.get("/v1/organizations", params={"limit": 1})
    assert len(r.headers["x-request-id"]) == 32
    r = await platform.client.get(
        "/v1/organizations", params={"limit": 1}, headers={"X-Request-ID": "bad id\twith tab"}
    )
    assert r.headers["x-request-id"] != "bad id\twith tab"


async def test_clients_cannot_forge_the_internal_token(platform):
    membership = platform.upstreams["membership"].url
    async with httpx.AsyncClient() as direct:
        r = await direct.get(f"{membership}/v1/organizations")
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
        r = await direct.get(f"{membership}/v1/organizations", headers={INTERNAL_TOKEN_HEADER: "forged.token.x"})
        assert r.status_code == 401
    # A token sent by a client to the gateway is dropped, and the gateway's own one is used instead.
    r = await platform.client.get("/v1/organizations", headers={INTERNAL_TOKEN_HEADER: "forged.token.x"})
    assert r.status_code == 200


async def test_unknown_paths_are_problem_404(platform):
    r = await platform.client.get("/v1/no-such-thing")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = await platform.client.get("/v1/organizationsX")
    assert r.status_code == 404


async def test_a_stopped_service_is_503_while_the_others_answer(platform):
    training = platform.upstreams["training"]
    await training.stop()
    try:
        r = await platform.client.get("/v1/learners")
        assert r.status_code == 503
        assert r.headers["retry-after"] == "5"
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"].endswith("service-unavailable")
        assert (await platform.client.get("/v1/organizations", params={"limit": 1})).status_code == 200
        health = (await platform.client.get("/health")).json()
        assert health["status"] == "degraded" and health["services"]["training"]["status"] == "unavailable"
        assert health["services"]["membership"]["status"] == "ok"
        assert (await platform.client.get("/health/ready")).status_code == 503
    finally:
        await training.start()
    r = await platform.client.get("/v1/learners")
    assert r.status_code == 200  # training answers again
    assert (await platform.client.get("/health")).json()["status"] == "ok"


async def test_merged_openapi(platform):
    r = await platform.client.get("/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert "/v1/organizations" in doc["paths"] and "/v1/reference/regions" in doc["paths"]
    assert "/health/ready" in doc["paths"]
    assert "Problem" in doc["components"]["schemas"]
    groups = {g["name"]: g["tags"] for g in doc["x-tagGroups"]}
    assert "organizations" in groups["membership"]
    ops = [op for item in doc["paths"].values() for op in item.values() if isinstance(op, dict)]
    ids = [op["operationId"] for op in ops]
    assert len(ids) == len(set(ids)) and "organizations_create_organization" in ids
    assert all(op.get("summary") and op.get("description") for op in ops), "every route has summary + description"
    html = await platform.client.get("/docs")
    assert html.status_code == 200 and "swagger" in html.text.lower()
    assert (await platform.client.get("/redoc")).status_code == 200


async def test_metrics_on_the_gateway(platform):
    await platform.client.get("/v1/organizations", params={"limit": 1})
    text = (await platform.client.get("/metrics")).text
    assert 'chanjiao_gateway_upstream_requests_total{status="200",upstream="membership"}' in text


async def test_large_bodies_stream_both_ways(platform):
    names = [f"流式测试单位{uuid.uuid4().hex[:8]}" for _ in range(3)]
    for n in names:
        await platform.client.post("/v1/organizations", json={"name": n, "org_type": "other", "region_code": "110105"})
    r = await platform.client.get("/v1/reference/industries", params={"limit": 500})
    assert r.status_code == 200 and len(r.json()["items"]) == 500


async def test_every_documented_success_has_an_example(platform):
    doc = (await platform.client.get("/openapi.json")).json()
    missing = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            # (an operation whose only success is 204 has no body to show)
            if path.startswith("/v1/") and method in ("get", "post", "patch") and set(op["responses"]) & {"200", "201"}:
                ok = next((op["responses"][c] for c in ("200", "201") if c in op["responses"]), {})
                content = ok.get("content", {})
                # A JSON answer shows a JSON example; an answer with no JSON form (a QR code image) one of its own.
                shown = [content["application/json"]] if "application/json" in content else list(content.values())
                if not any("example" in c or "examples" in c for c in shown):
                    missing.append(f"{method.upper()} {path}")
    assert missing == []


async def test_every_schema_reference_resolves_and_every_json_body_has_an_example(platform):
    """Hand-written parts of the document (`openapi_extra`: upload and batch bodies) refer to components by name;
    a renamed model must not leave a dangling `$ref` in the merged document Swagger UI renders."""
    doc = (await platform.client.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    dangling: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.removeprefix("#/components/schemas/") not in schemas:
                dangling.append(f"{where}: {ref}")
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    walk(doc, "#")
    assert dangling == []
    bare = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            body = (
                op.get("requestBody", {}).get("content", {}).get("application/json") if isinstance(op, dict) else None
            )
            if path.startswith("/v1/") and body is not None:
                schema = body.get("schema", {})
                target = schemas.get(schema.get("$ref", "").removeprefix("#/components/schemas/"), schema)
                if not ({"example", "examples"} & (set(body) | set(target))):
                    bare.append(f"{method.upper()} {path}")
    assert bare == []
    batch = doc["paths"]["/v1/enrolments/batch"]["post"]["requestBody"]["content"]["application/json"]
    assert batch["schema"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/EnrolmentCreate"}
