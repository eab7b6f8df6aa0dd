"""No router imports another noun's router (docs/architecture.md, "Where a change goes"): what two nouns share — an
example, a query parameter, an import-template answer — lives in a noun's `schemas.py` or in the kernel, so a
router can be read, moved or split without touching another noun."""

from __future__ import annotations

import grimp

ROUTE_MODULES = ("router", "routes_")


def _is_routes(module: str) -> bool:
    return module.rsplit(".", 1)[-1].startswith(ROUTE_MODULES)


def _noun(module: str) -> str:
    return module.rsplit(".", 1)[0]


def test_no_router_imports_another_nouns_router():
    graph = grimp.build_graph("services")
    crossing = sorted(
        f"{importer} -> {imported}"
        for importer in graph.modules
        if _is_routes(importer)
        for imported in graph.find_modules_directly_imported_by(importer)
        if _is_routes(imported) and _noun(imported) != _noun(importer)
    )
    assert crossing == []


def test_the_check_sees_the_routers():
    graph = grimp.build_graph("services")
    routers = [m for m in graph.modules if _is_routes(m)]
    assert "services.training.enrolments.router" in routers
    assert "services.membership.alliances.routes_import" in routers
    assert len(routers) > 20
