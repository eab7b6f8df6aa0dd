"""A bounded `schemathesis` run through the gateway, as a platform admin: every operation of the merged OpenAPI
document, a few generated requests each (valid and invalid), and every answer must be documented — no server
error, only documented status codes and content types, bodies that match their schemas.

The gateway listens on a real port (its own database for this module, as every test module has); schemathesis
runs as a separate process so the services keep answering in this event loop. The run is bounded by examples
per operation and by a time budget (`--max-time`), to stay within a few minutes on two cores."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from tests.gateway.conftest import Upstream

CHECKS = os.environ.get(
    "CHANJIAO_SCHEMATHESIS_CHECKS",
    "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
)
EXAMPLES = int(os.environ.get("CHANJIAO_SCHEMATHESIS_EXAMPLES", "3"))
MAX_SECONDS = int(os.environ.get("CHANJIAO_SCHEMATHESIS_SECONDS", "90"))


@pytest.fixture(scope="module")
async def listening(platform) -> AsyncIterator[str]:
    """The platform's gateway on 127.0.0.1 (its lifespan already runs in the `platform` fixture)."""
    directories = (
        platform.upstreams["training"].app.state.org_directory,
        platform.upstreams["matching"].app.state.membership_directory,
    )
    for directory in directories:
        await directory.use_transport(httpx.ASGITransport(app=platform.gateway))
    server = Upstream("gateway", platform.gateway, lifespan="off")
    await server.start()
    yield server.url
    await server.stop()
    for directory in directories:
        await directory.use_transport(None)


async def test_schemathesis_finds_no_undocumented_answer(platform, listening, tmp_path: Path):
    authorization = platform.admin_headers["Authorization"]
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", f"{listening}/openapi.json"),
        *("--checks", CHECKS, "--max-examples", str(EXAMPLES), "--max-time", str(MAX_SECONDS)),
        *("--phases", "examples,coverage,fuzzing", "--workers", "2", "--seed", "11"),
        *("--header", f"Authorization: {authorization}", "--header", "Accept-Language: en"),
        *("--generation-database", "none", "--no-color", "--request-timeout", "20"),
        *("--report", "junit", "--report-dir", str(tmp_path)),
    ]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=MAX_SECONDS + 240)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-20000:]
    suite = await asyncio.to_thread(junit_suite, tmp_path)
    operations = len(await documented_operations(platform))
    assert int(suite.get("tests", 0)) == operations, text[-5000:]
    assert suite.get("failures") == "0" and suite.get("errors") == "0", text[-20000:]
    assert "generated" in text and " 0 generated" not in text


def junit_suite(where: Path) -> ElementTree.Element:
    (report,) = where.glob("*.xml")
    return ElementTree.parse(report).getroot()


async def documented_operations(platform) -> list[str]:
    doc = (await platform.client.get("/openapi.json")).json()
    methods = ("get", "put", "post", "delete", "patch")
    return [f"{m.upper()} {p}" for p, item in doc["paths"].items() for m in item if m in methods]
