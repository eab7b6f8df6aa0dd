"""A client generated from the merged OpenAPI document with `openapi-python-client` (as a new user would make one)
builds without a single warning and takes a tour of the platform through the gateway: log in, create an
organization and find it in the list, enrol a learner, record the enrolment's completion, enrol a batch."""

from __future__ import annotations

import asyncio
import importlib
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import httpx
import pytest

from chanjiao.dates import today
from demo.training import _id_number
from tests.gateway.conftest import BOOTSTRAP_ADMIN

PACKAGE = "chanjiao_generated_client"


@pytest.fixture(scope="module")
async def generated(platform, tmp_path_factory) -> AsyncIterator[ModuleType]:
    doc = (await platform.client.get("/openapi.json")).json()
    where = tmp_path_factory.mktemp("client")
    (where / "openapi.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    # no post-generation hooks (formatters): the generated code is imported, not read; images (a certificate's QR
    # code) are bytes to the client, as its documentation suggests for media types it has no reader for
    images = (
        "content_type_overrides:\n  image/png: application/octet-stream\n  image/svg+xml: application/octet-stream\n"
    )
    (where / "config.yaml").write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n{images}", encoding="utf-8")
    run = await asyncio.to_thread(
        subprocess.run,
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(where / "openapi.json"), "--config", str(where / "config.yaml")),
            *("--output-path", str(where / PACKAGE), "--meta", "none", "--fail-on-warning"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


async def test_the_generated_client_has_every_operation_and_typed_bulk_answers(generated, platform):
    doc = (await platform.client.get("/openapi.json")).json()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            tag = op["tags"][0].replace("-", "_")
            api = module(f"api.{tag}.{op['operationId']}")
            assert hasattr(api, "asyncio_detailed"), f"{method.upper()} {path} is missing from the client"
    for model in ("EnrolmentBatchResult", "LearnerImportReport", "OrganizationImportReport", "InternshipBatchResult"):
        assert hasattr(generated.models, model)


@pytest.fixture(scope="module")
async def training_reaches_membership(platform) -> AsyncIterator[None]:
    """Training asks membership about organizations through the gateway (as in tests/training/conftest.py)."""
    directory = platform.upstreams["training"].app.state.org_directory
    await directory.use_transport(httpx.ASGITransport(app=platform.gateway))
    yield
    await directory.use_transport(None)


async def test_a_tour_through_the_generated_client(generated, platform, training_reaches_membership):
    models = generated.models
    transport = httpx.ASGITransport(app=platform.gateway, client=("203.0.113.41", 4000))

    def client(token: str | None = None) -> Any:
        http = httpx.AsyncClient(transport=transport, base_url="http://gateway")
        if token is None:
            return generated.Client(base_url="http://gateway").set_async_httpx_client(http)
        http.headers["Authorization"] = f"Bearer {token}"
        return generated.AuthenticatedClient(base_url="http://gateway", token=token).set_async_httpx_client(http)

    login = await module("api.auth.auth_token").asyncio_detailed(
        client=client(),
        body=models.BodyAuthToken(grant_type="password", username=BOOTSTRAP_ADMIN[0], password=BOOTSTRAP_ADMIN[1]),
    )
    assert login.status_code == 200 and isinstance(login.parsed, models.TokenResponse), login.content
    admin = client(login.parsed.access_token)

    name = f"生成客户端培训公司{uuid.uuid4().hex[:6]}"
    created = await module("api.organizations.organizations_create_organization").asyncio_detailed(
        client=admin,
        body=models.OrganizationCreate.from_dict(
            {"name": name, "org_type": "training_company", "region_code": "110105"}
        ),
    )
    assert created.status_code == 201 and isinstance(created.parsed, models.OrganizationPublic), created.content
    provider = created.parsed.id
    listed = await module("api.organizations.organizations_list_organizations").asyncio_detailed(client=admin, q=name)
    assert isinstance(listed.parsed, models.OrganizationPage)
    assert [o.id for o in listed.parsed.items] == [provider]

    programme = await module("api.programmes.programmes_create_programme").asyncio_detailed(
        client=admin,
        body=models.ProgrammeCreate.from_dict(
            {
                "name": "生成客户端数控订单班",
                "kind": "order_class",
                "start_on": "2025-09-01",
                "end_on": "2026-06-30",
                "planned_hours": 480,
                "delivery": "offline",
                "provider_org_id": str(provider),
            }
        ),
    )
    assert isinstance(programme.parsed, models.ProgrammePublic), programme.content
    learners = []
    for i in range(3):
        number, _ = _id_number(uuid.uuid4().int % 900 + i, (2003, 2005))
        body = {"name": f"学员{i}", "id_number": number, "learner_type": "student", "org_id": str(provider)}
        r = await module("api.learners.learners_create_learner").asyncio_detailed(
            client=admin, body=models.LearnerCreate.from_dict(body)
        )
        assert isinstance(r.parsed, models.LearnerPublic), r.content
        learners.append(str(r.parsed.id))

    enrolled = await module("api.enrolments.enrolments_create_enrolment").asyncio_detailed(
        client=admin,
        body=models.EnrolmentCreate.from_dict({"learner_id": learners[0], "programme_id": str(programme.parsed.id)}),
    )
    assert isinstance(enrolled.parsed, models.EnrolmentPublic), enrolled.content
    done = await module("api.enrolments.enrolments_transition_enrolment").asyncio_detailed(
        enrolled.parsed.id,
        client=admin,
        body=models.EnrolmentTransitionCreate.from_dict({"to": "dropped", "effective_on": today().isoformat()}),
    )
    assert done.status_code == 200 and isinstance(done.parsed, models.EnrolmentPublic), done.content
    assert str(done.parsed.status) == "dropped"

    batch = await module("api.enrolments.enrolments_create_batch").asyncio_detailed(
        client=admin,
        body=models.EnrolmentsCreateBatchEnrolmentCreateBatch.from_dict(
            {"items": [{"learner_id": lid, "programme_id": str(programme.parsed.id)} for lid in learners[1:]]}
        ),
    )
    assert isinstance(batch.parsed, models.EnrolmentBatchResult), batch.content
    assert batch.parsed.committed and batch.parsed.created == 2
    assert [item.status for item in batch.parsed.results] == [201, 201]

    refused = await module("api.enrolments.enrolments_get_enrolment").asyncio_detailed(uuid.uuid4(), client=admin)
    assert refused.status_code == 404 and isinstance(refused.parsed, models.Problem)
