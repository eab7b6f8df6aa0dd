"""Every service caps request bodies itself (chanjiao/bodies.py, installed by `create_service_app`), so a service
reached by another service — or directly — is protected like the gateway: a declared length over the route's
limit is refused before the body is read, a chunked body is cut off once it passes the limit, and the batch and
import routes have their larger limits. Which routes get which limit is checked against the OpenAPI documents."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from chanjiao.bodies import BATCH_SEGMENTS, IMPORT_SEGMENTS, BodyLimits
from services.matching.settings import MatchingSettings
from services.training.settings import TrainingSettings
from tests.conftest import ADMIN, TEST_KEY, membership_settings, scanning_client, token_headers
from tests.gateway.conftest import Upstream, send_partly

KiB = 1024
LIMITS = {"max_body_bytes": 64 * KiB, "max_batch_body_bytes": 128 * KiB, "max_import_body_bytes": 256 * KiB}
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
async def membership(database) -> AsyncIterator[Upstream]:
    """The membership service on a socket, with small limits."""
    from services.membership.main import create_app

    server = Upstream("membership", create_app(membership_settings(database, **LIMITS)))
    await server.start()
    yield server
    await server.stop()


async def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(membership):
    # Straight to the service, no internal token, 200 MB announced and nothing sent: 413 at once.
    answer = await send_partly(
        membership.port, "POST", "/v1/organizations", {**JSON, "content-length": "209715200"}, []
    )
    assert answer.status == 413 and answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["x-request-id"]
    body = answer.json()
    assert body["max_bytes"] == 64 * KiB and body["detail"] == "请求体不能超过 64 KiB（65536 字节）"
    english = {**JSON, "content-length": str(64 * KiB + 1), "accept-language": "en"}
    body = (await send_partly(membership.port, "POST", "/v1/organizations", english, [])).json()
    assert body["detail"] == "The request body may not exceed 64 KiB (65536 bytes)"


async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(membership, caplog):
    headers = {**JSON, **token_headers(ADMIN)}
    chunks = [b'{"name": "' + b"x" * (8 * KiB)] * 10
    with caplog.at_level(logging.WARNING):
        answer = await send_partly(membership.port, "POST", "/v1/organizations", headers, chunks, chunked=True)
    assert answer.status == 413 and answer.json()["max_bytes"] == 64 * KiB
    assert answer.sent <= 90 * KiB  # answered while the client was still sending
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "a refused body is not a server error"


async def test_a_batch_route_reads_past_the_default_limit_and_stops_at_its_own(membership):
    headers = {**JSON, **token_headers(ADMIN)}
    item = b'{"name": "' + b"x" * 1000 + b'", "org_type": "enterprise", "region_code": "370102"}'
    body = b'{"items": [' + b",".join([item] * 100) + b"]}"  # ~105 KiB: over the default, within the batch limit
    answer = await send_partly(
        membership.port, "POST", "/v1/organizations/batch", {**headers, "content-length": str(len(body))}, [body]
    )
    assert answer.status != 413 and answer.status < 500, answer.body
    big = b'{"items": [' + b",".join([item] * 130) + b"]}"
    answer = await send_partly(
        membership.port, "POST", "/v1/organizations/batch", headers, [big[:50000], big[50000:]], chunked=True
    )
    assert answer.status == 413 and answer.json()["max_bytes"] == 128 * KiB


async def test_the_import_route_has_the_import_limit(membership):
    headers = {**token_headers(ADMIN), "content-type": "multipart/form-data; boundary=b"}
    chunks = [b"--b\r\n" + b"x" * (100 * KiB)] * 2  # over the batch limit, within the import limit …
    answer = await send_partly(
        membership.port, "POST", "/v1/organizations/imports", headers, chunks, chunked=True, finish=True
    )
    assert answer.status != 413, answer.body  # … so the route reads it (and finds no file in it)
    answer = await send_partly(
        membership.port, "POST", "/v1/organizations/imports", {**headers, "content-length": str(256 * KiB + 1)}, []
    )
    assert answer.status == 413 and answer.json()["max_bytes"] == 256 * KiB


async def test_service_to_service_calls_are_capped_too(database):
    """In process (as another service's client would call it): the same rule, without a socket."""
    from services.training.main import create_app

    app = create_app(TrainingSettings(database_url=database.urls["training"], internal_token_key=TEST_KEY, **LIMITS))
    async with app.router.lifespan_context(app):
        async with scanning_client(
            transport=httpx.ASGITransport(app=app), base_url="http://training", headers=token_headers(ADMIN)
        ) as client:
            r = await client.post("/v1/programmes", content=b"[" * (64 * KiB + 1), headers=JSON)
            assert r.status_code == 413 and r.json()["type"].endswith(":payload-too-large")

            async def stream():
                for _ in range(10):
                    yield b" " * (8 * KiB)

            r = await client.post("/v1/learners/batch", content=stream(), headers=JSON)
            assert r.status_code != 413  # 80 KiB: within the batch limit (and not JSON: 400)
            assert r.status_code == 400


def _operations() -> list[tuple[str, str, dict]]:
    from services.matching.main import create_app as matching
    from services.membership.main import create_app as membership
    from services.training.main import create_app as training

    ops = []
    for factory, settings in (
        (membership, membership_settings_stub()),
        (training, TrainingSettings(internal_token_key=TEST_KEY)),
        (matching, MatchingSettings(internal_token_key=TEST_KEY)),
    ):
        for path, item in factory(settings).openapi()["paths"].items():
            for method, op in item.items():
                ops.append((method, path, op))
    return ops


def membership_settings_stub():
    from services.membership.settings import MembershipSettings

    return MembershipSettings(internal_token_key=TEST_KEY)


def test_every_upload_and_batch_route_gets_its_larger_limit_and_no_other_route_does():
    """Read from the services' OpenAPI: a route that takes a multipart upload is an import route, a route whose
    body is a batch (`{"items": [...]}`) is a batch route — so a new one cannot be added without its limit."""
    limits = BodyLimits(default=1, batch=2, imports=3)
    uploads, batches = set(), set()
    for method, path, op in _operations():
        content = op.get("requestBody", {}).get("content", {})
        if "multipart/form-data" in content:
            uploads.add((method, path))
            assert limits.for_path(path) == 3, f"{method} {path} takes an upload but has not the import limit"
        elif "items" in content.get("application/json", {}).get("schema", {}).get("properties", {}):
            batches.add((method, path))
            assert limits.for_path(path) == 2, f"{method} {path} takes a batch but has not the batch limit"
        elif method in ("post", "put", "patch"):
            assert limits.for_path(path) == 1, f"{method} {path} has a larger limit than it needs"
    assert len(uploads) == 14 and len(batches) >= 8
    assert {p.rpartition("/")[2] for _, p in uploads} == IMPORT_SEGMENTS
    assert {p.rpartition("/")[2] for _, p in batches} == BATCH_SEGMENTS
