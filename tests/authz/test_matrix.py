"""The authorisation matrix: every write route of the merged OpenAPI, called with no credentials, the wrong
role, the wrong scope, the wrong tenant and the right principal (see `tests/authz/harness.py`)."""

from __future__ import annotations

import re

import pytest

from chanjiao.auth import api_routes, route_access
from tests.authz import scenarios  # noqa: F401 - registers every scenario
from tests.authz.harness import PRIVATE_READS, SCENARIOS, Case, Platform, RouteId, World, as_list


def _label(route: RouteId) -> str:
    return f"{route[0]} {route[1]}"


def _template_regex(template: str) -> re.Pattern[str]:
    parts = [("[^/]+" if seg.startswith("{") else re.escape(seg)) for seg in template.split("/")]
    return re.compile("^" + "/".join(parts) + "$")


def _problem(r) -> str:
    return f"{r.status_code} {r.text[:300]}"


# ---- (a) coverage: every write route declares access and has a scenario ------------------------------------
def test_every_write_route_declares_access_and_has_a_scenario(platform: Platform) -> None:
    ops = platform.write_operations()
    undeclared = sorted(_label(k) for k, op in ops.items() if "x-access" not in op)
    missing = sorted(_label(k) for k in ops if k not in SCENARIOS)
    stale = sorted(_label(k) for k in SCENARIOS if k not in ops)
    assert not undeclared, "write routes without an access declaration (allow(...)):\n  " + "\n  ".join(undeclared)
    assert not missing, "write routes without an authorisation scenario (tests/authz/scenarios):\n  " + "\n  ".join(
        missing
    )
    assert not stale, "scenarios for routes that no longer exist:\n  " + "\n  ".join(stale)
    stale_reads = sorted(_label(k) for k in PRIVATE_READS if k not in platform.operations())
    assert not stale_reads, "private-read scenarios for routes that no longer exist:\n  " + "\n  ".join(stale_reads)


def test_every_v1_route_has_exactly_one_access_declaration(platform: Platform) -> None:
    wrong = []
    for name, app in platform.apps.items():
        for route in api_routes(app.routes):
            if not getattr(route, "methods", None) or not route.path.startswith("/v1/"):
                continue
            declared = [d for d in route.dependencies if hasattr(getattr(d, "dependency", None), "__access__")]
            if len(declared) != 1 or route_access(route) is None:
                wrong.append(f"{name}: {sorted(route.methods)} {route.path} has {len(declared)}")
    assert not wrong, "every /v1 route needs exactly one allow(...):\n  " + "\n  ".join(wrong)


# ---- (b) the matrix ------------------------------------------------------------------------------------------
async def _case(world: World, route: RouteId, registry) -> tuple[Case, dict]:
    op = world.platform.operations().get(route)
    if op is None:
        pytest.fail(f"{_label(route)} is not in the merged OpenAPI (stale scenario)")
    case = await registry[route](world)
    assert case.request.method.upper() == route[0], f"scenario of {_label(route)} sends {case.request.method}"
    assert _template_regex(route[1]).match(case.request.path), (
        f"scenario of {_label(route)} sends {case.request.path}, which does not fit the template"
    )
    return case, op


@pytest.mark.parametrize("route", sorted(SCENARIOS), ids=_label)
async def test_write_route(world: World, route: RouteId) -> None:
    case, op = await _case(world, route, SCENARIOS)
    access = op.get("x-access")
    assert access is not None, f"{_label(route)} has no x-access"
    req = case.request
    if access["public"]:
        assert case.public, f"{_label(route)} is public in its declaration but its scenario says otherwise"
    else:
        assert not case.public, f"{_label(route)}: the scenario says public, the route is not"
        wrong_role = as_list(case.wrong_role)
        wrong_tenant = as_list(case.wrong_tenant)
        assert case.right is not None, f"{_label(route)}: a non-public route needs a `right` principal"
        assert wrong_role, f"{_label(route)}: name at least one principal of the wrong role"
        if access["tenant"]:
            assert wrong_tenant, f"{_label(route)} declares tenant={access['tenant']}: name a wrong-tenant principal"

        r = await world.send(None, req)
        assert r.status_code == 401, f"{_label(route)} without credentials: {_problem(r)}"
        assert "bearer" in r.headers.get("www-authenticate", "").lower(), f"{_label(route)}: 401 w/o WWW-Authenticate"

        for p in wrong_role:
            r = await world.send(p, req)
            assert r.status_code == 403, f"{_label(route)} as wrong role {p.kind}/{p.roles}: {_problem(r)}"
            assert r.headers["content-type"].startswith("application/problem+json")

        # The right principal without the route's scopes: 403 naming the scope (platform admins hold every scope).
        if access["scopes"] and not case.right.is_platform_admin:
            lacking = type(case.right)(
                **{
                    **case.right.__dict__,
                    "scopes": tuple(s for s in case.right.scopes if s not in access["scopes"]),
                }
            )
            r = await world.send(lacking, req)
            assert r.status_code == 403, f"{_label(route)} without scope {access['scopes']}: {_problem(r)}"
            assert all(s in r.json()["detail"] for s in access["scopes"]), r.text

        for p in wrong_tenant:
            r = await world.send(p, req)
            assert r.status_code == (case.wrong_tenant_status or 403), (
                f"{_label(route)} as wrong tenant {p.kind}/{p.roles} org={p.org_id} alliances={p.alliances}: "
                f"{_problem(r)}"
            )

    r = await world.send(case.right, req)
    assert r.status_code in case.expected, f"{_label(route)} as the right principal: {_problem(r)}"
    if case.check is not None:
        result = case.check(r)
        if hasattr(result, "__await__"):
            await result


# ---- (c) private reads: another tenant's record is 404 ------------------------------------------------------------
@pytest.mark.parametrize("route", sorted(PRIVATE_READS), ids=_label)
async def test_private_read(world: World, route: RouteId) -> None:
    case, _ = await _case(world, route, PRIVATE_READS)
    wrong = as_list(case.wrong_tenant)
    assert wrong, f"{_label(route)}: name the principals that may not see the record"
    status = case.wrong_tenant_status or 404
    for p in wrong:
        r = await world.send(p, case.request)
        assert r.status_code == status, f"{_label(route)} as {p.kind}/{p.roles} org={p.org_id}: {_problem(r)}"
    r = await world.send(case.right, case.request)
    assert r.status_code in case.expected, f"{_label(route)} as the right principal: {_problem(r)}"
    if case.check is not None:
        case.check(r)
