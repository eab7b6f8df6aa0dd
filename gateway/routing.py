"""The routing table (docs/architecture.md), as data: which service answers which resource.

Matching is by path segment (so `/v1/organizations-x` never matches `/v1/organizations`), longest
pattern first; the gateway's own (composed) routes are checked before any upstream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# (path pattern, service). `{id}` matches one segment. Order does not matter: longest wins.
ROUTES: list[tuple[str, str]] = [
    *[
        (f"/v1/{r}", "membership")
        for r in (
            "organizations",
            "alliances",
            "memberships",
            "committees",
            "people",
            "appointments",
            "designations",
            "meetings",
            "activities",
            "duties",
            "users",
            "api-keys",
            "auth",
            "reference",
            "webhooks",
        )
    ],
    *[
        (f"/v1/{r}", "training")
        for r in (
            "learners",
            "programmes",
            "enrolments",
            "certificates",
            "certified-posts",
            "appraisals",
            "internships",
            "teacher-practices",
            "part-time-teaching",
            "training-bases",
            "training-stats",
            "apprenticeships",
            "accreditations",
            "pilot-registrations",
        )
    ],
    *[
        (f"/v1/{r}", "matching")
        for r in (
            "demands",
            "offers",
            "allocations",
            "proposals",
            "agreements",
            "hires",
            "fairs",
            "matching-stats",
            "shortage-occupations",
            "matching-weights",
        )
    ],
]

# Answered by the gateway itself (composed or operational); these win over any upstream.
GATEWAY_ROUTES: list[str] = [
    "/health",
    "/health/ready",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/redoc",
    "/docs/oauth2-redirect",
    "/v1/reports",
]


@dataclass(frozen=True)
class Route:
    pattern: str
    target: str  # a service name, or "gateway"
    regex: re.Pattern[str]
    literal_length: int


def _compile(pattern: str, target: str) -> Route:
    parts = []
    for seg in pattern.strip("/").split("/"):
        parts.append("[^/]+" if seg.startswith("{") and seg.endswith("}") else re.escape(seg))
    regex = re.compile("^/" + "/".join(parts) + "(?:/|$)")
    return Route(pattern, target, regex, len(pattern.replace("{", "").replace("}", "")))


class RoutingTable:
    def __init__(self, routes: list[tuple[str, str]] = ROUTES, gateway_routes: list[str] = GATEWAY_ROUTES) -> None:
        compiled = [_compile(p, "gateway") for p in gateway_routes] + [_compile(p, s) for p, s in routes]
        # Gateway routes win; among the rest the longest pattern wins.
        self.routes = sorted(compiled, key=lambda r: (r.target != "gateway", -r.literal_length))
        # Fast path: most requests are `/v1/<resource>…` with a plain prefix route.
        self._plain: dict[str, str] = {p: s for p, s in routes if "{" not in p and p.count("/") == 2}
        self._has_patterns = any("{" in p or p.count("/") != 2 for p, _ in routes)
        self.services = sorted({s for _, s in routes})

    def resolve(self, path: str) -> str | None:
        """The target for `path`: a service name, "gateway", or None (unknown → 404)."""
        for r in self.routes:
            if r.target != "gateway":
                break
            if r.regex.match(path):
                return "gateway"
        if not self._has_patterns:
            parts = path.split("/", 3)
            if len(parts) >= 3:
                return self._plain.get(f"/{parts[1]}/{parts[2]}")
            return None
        for r in self.routes:
            if r.target != "gateway" and r.regex.match(path):
                return r.target
        return None
