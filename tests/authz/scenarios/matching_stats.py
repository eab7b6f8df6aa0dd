"""`GET /v1/matching-stats`: a read, so no write scenario — but its tenant rule is checked here: an organization's
figures are for its own principals (and platform admins, services); another organization, and even the admin of an
alliance the organization belongs to, get 403 (organizations are public directory entries: refusing openly reveals
nothing, so this is 403 rather than the 404 of private records). An alliance's figures are for its admins."""

from tests.authz.harness import Case, Req, World, alliance_admin, org_admin, org_key, private_read

READ_ONLY = ("matching:read",)
PERIOD = {"period_start": "2026-01-01", "period_end": "2026-12-31"}


@private_read("GET", "/v1/matching-stats")
async def read_matching_stats(w: World) -> Case:
    def check(r) -> None:
        body = r.json()
        assert body["scope"] == "organization" and body["org_id"] == w.org_a["id"], r.text

    return Case(
        Req("GET", "/v1/matching-stats", params={"org_id": w.org_a["id"], **PERIOD}),
        right=org_key(w.org_a, scopes=READ_ONLY),
        wrong_tenant=[
            org_admin(w.org_b),
            org_key(w.org_b, scopes=READ_ONLY),
            alliance_admin(w.alliance_x),  # A is a member of X: the alliance reads X's figures, not A's own
            alliance_admin(w.alliance_y),
        ],
        wrong_tenant_status=403,
        check=check,
    )
