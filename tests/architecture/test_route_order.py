"""Routers can be included in any order: no literal path (`/batch`, `/imports`, `/import-template.xlsx`, `/me`)
can be matched by a route with a path parameter, because an `{…_id}` parameter typed `uuid.UUID` matches only a
UUID-shaped segment (chanjiao/routes.py). Checked on every route of every service, and by building the services
with their routers in reverse order: the literal paths still answer as themselves."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import compile_path

from chanjiao.auth import api_routes
from services.matching.main import ROUTERS as MATCHING_ROUTERS
from services.matching.main import create_app as matching_app
from services.matching.settings import MatchingSettings
from services.membership.main import ROUTERS as MEMBERSHIP_ROUTERS
from services.membership.main import create_app as membership_app
from services.training.main import ROUTERS as TRAINING_ROUTERS
from services.training.main import create_app as training_app
from services.training.settings import TrainingSettings
from tests.conftest import ADMIN, TEST_KEY, membership_settings, token_headers

A_UUID = "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b"
PARAM = re.compile(r"\{([^}:]+)(:[^}]+)?\}")


def _sample(path: str) -> str:
    """A concrete path of the template `path`: a UUID for a UUID-typed parameter, a word for any other."""
    return PARAM.sub(lambda m: A_UUID if m.group(2) == ":uuid_segment" else "some-word", path)


def _routes(app: FastAPI) -> list[tuple[str, set[str]]]:
    return [(r.path, set(r.methods or ())) for r in api_routes(app.router.routes) if getattr(r, "path", None)]


def _clashes(app: FastAPI) -> list[str]:
    """Every (path, other template) where a route of the other template would take a request for that path — a
    route whose matching would depend on the order in which the routers were included."""
    routes = _routes(app)
    out = []
    for path, methods in routes:
        sample = _sample(path)
        for other, other_methods in routes:
            if other == path or not methods & other_methods:
                continue
            regex, _, _ = compile_path(other)
            if regex.match(sample):
                out.append(f"{sorted(methods & other_methods)} {path} is matched by {other}")
    return sorted(set(out))


@pytest.mark.parametrize(
    "build",
    [membership_app, training_app, matching_app],
    ids=["membership", "training", "matching"],
)
def test_no_route_can_take_another_routes_path(build: Any) -> None:
    app = build()
    assert _routes(app), "no routes found"
    assert _clashes(app) == []


def test_a_literal_path_beside_an_id_route_is_not_matched_by_it() -> None:
    app = training_app()
    paths = [p for p, _ in _routes(app)]
    assert "/v1/learners/batch" in paths and "/v1/learners/{learner_id:uuid_segment}" in paths
    regex, _, _ = compile_path("/v1/learners/{learner_id:uuid_segment}")
    assert regex.match(f"/v1/learners/{A_UUID}") and not regex.match("/v1/learners/batch")


async def _literal_answers(app: FastAPI, base: str, literals: dict[str, str], templates: tuple[str, ...]) -> None:
    """In `app` (routers in whatever order it was built with): each template answers as itself (200), and each
    literal POST path is 405 naming POST for a GET — never a 404/422 of an `/{id}` route."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base, headers=token_headers(ADMIN)) as client:
            for path in templates:
                r = await client.get(path, headers={"Accept": "application/json"})
                assert r.status_code == 200, (path, r.status_code, r.text)
                assert isinstance(r.json(), list) and r.json(), path
            for path, allowed in literals.items():
                r = await client.get(path)
                assert r.status_code == 405, (path, r.status_code, r.text)
                assert r.headers["allow"] == allowed, path


@pytest.mark.parametrize("order", ["declared", "reversed"])
async def test_training_literal_paths_answer_with_the_routers_in_any_order(database, order: str) -> None:
    routers = TRAINING_ROUTERS if order == "declared" else tuple(reversed(TRAINING_ROUTERS))
    settings = TrainingSettings(database_url=database.urls["training"], internal_token_key=TEST_KEY)
    await _literal_answers(
        training_app(settings, routers=routers),
        "http://training",
        {
            "/v1/learners/batch": "POST",
            "/v1/learners/imports": "POST",
            "/v1/enrolments/batch": "POST",
            "/v1/enrolments/imports": "POST",
        },
        ("/v1/learners/import-template.xlsx", "/v1/enrolments/import-template.xlsx"),
    )


@pytest.mark.parametrize("order", ["declared", "reversed"])
async def test_membership_literal_paths_answer_with_the_routers_in_any_order(database, order: str) -> None:
    routers = MEMBERSHIP_ROUTERS if order == "declared" else tuple(reversed(MEMBERSHIP_ROUTERS))
    await _literal_answers(
        membership_app(membership_settings(database, internal_token_key=TEST_KEY), routers=routers),
        "http://membership",
        {"/v1/organizations/batch": "POST", "/v1/organizations/imports": "POST"},
        ("/v1/organizations/import-template.xlsx",),
    )


@pytest.mark.parametrize("order", ["declared", "reversed"])
async def test_matching_literal_paths_answer_with_the_routers_in_any_order(database, order: str) -> None:
    routers = MATCHING_ROUTERS if order == "declared" else tuple(reversed(MATCHING_ROUTERS))
    settings = MatchingSettings(database_url=database.urls["matching"], internal_token_key=TEST_KEY)
    await _literal_answers(
        matching_app(settings, routers=routers),
        "http://matching",
        {
            "/v1/demands/batch": "POST",
            "/v1/demands/imports": "POST",
            "/v1/offers/batch": "POST",
            "/v1/offers/imports": "POST",
        },
        ("/v1/demands/import-template.xlsx", "/v1/offers/import-template.xlsx"),
    )
