"""A certificate's Open Badges 3.0 credential (services/training/certificates/routes_badge.py): `GET
/v1/certificates/{id}/badge` is private to the certificate's holder organization (and platform admins, services with
`training:read`): to any other tenant — an alliance the holder belongs to included — the certificate is 404. The
revocation list its `credentialStatus` points at (`GET /v1/certificates/verify/revocation-list`) is a public read
(`allow(public=True)`); its anonymous answers are tested in tests/training/test_certificate_badge.py."""

from datetime import date

from tests.authz.harness import Case, Req, World, alliance_admin, org_admin, org_key, org_staff, private_read
from tests.training.certificate_verify_support import issue

READ_ONLY = ("training:read",)


@private_read("GET", "/v1/certificates/{certificate_id}/badge")
async def read_badge(w: World) -> Case:
    async def make():
        return await issue(
            w.platform.apps["training"], holder_org_id=w.org_a["id"], issued_on=date(2025, 1, 1), valid_until=None
        )

    cert = await w.memo("badged-certificate", make)

    def check(r) -> None:
        assert r.headers["content-type"].startswith("application/json"), r.headers
        body = r.json()
        assert body["type"] == ["VerifiableCredential", "OpenBadgeCredential"], body
        assert body["id"].endswith(f"/v1/certificates/verify?code={cert.code}"), body

    return Case(
        Req("GET", f"/v1/certificates/{cert.id}/badge"),
        right=org_key(w.org_a, scopes=READ_ONLY),
        wrong_tenant=[
            org_admin(w.org_b),
            org_key(w.org_b, scopes=READ_ONLY),
            alliance_admin(w.alliance_x),
            org_staff(w.school_a),
        ],
        check=check,
    )
