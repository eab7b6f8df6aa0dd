"""`GET /v1/certificates/due`: a read, registered for its tenant rule — an organization's due list is for its own
principals (and platform admins, services); another organization's, and the admins of alliances, get 403, as for the
organization's figures (organizations are public directory entries: refusing openly reveals nothing)."""

from tests.authz.harness import Case, Req, World, alliance_admin, org_admin, org_key, org_staff, private_read

READ_ONLY = ("training:read",)


@private_read("GET", "/v1/certificates/due")
async def read_due_certificates(w: World) -> Case:
    def check(r) -> None:
        body = r.json()
        assert body["items"] == [] and body["next_cursor"] is None, r.text

    return Case(
        Req("GET", "/v1/certificates/due", params={"org_id": w.org_a["id"], "within_days": 30}),
        right=org_key(w.org_a, scopes=READ_ONLY),
        wrong_tenant=[
            org_admin(w.org_b),
            org_staff(w.org_b),
            org_key(w.org_b, scopes=READ_ONLY),
            alliance_admin(w.alliance_x),  # A is a member of X: membership is not visibility
        ],
        wrong_tenant_status=403,
        check=check,
    )
