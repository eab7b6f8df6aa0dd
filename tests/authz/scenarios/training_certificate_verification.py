"""Certificate verification (services/training/certificates/routes_verify.py): `GET /v1/certificates/verify` and
`/verification-key` are public reads (`allow(public=True)`, `x-access.public` in the document; their anonymous
answers are tested in tests/training/test_certificate_verify*.py). The QR code and the verification counts of a
certificate are private to its holder organization (and platform admins, services with `training:read`): to any
other tenant — an alliance the holder belongs to included — the certificate is 404."""

from datetime import date

from tests.authz.harness import Case, Req, World, alliance_admin, org_admin, org_key, org_staff, private_read
from tests.training.certificate_verify_support import issue

READ_ONLY = ("training:read",)


async def _certificate(w: World):
    async def make():
        return await issue(
            w.platform.apps["training"], holder_org_id=w.org_a["id"], issued_on=date(2025, 1, 1), valid_until=None
        )

    return await w.memo("verified-certificate", make)


def _wrong(w: World) -> list:
    return [org_admin(w.org_b), org_key(w.org_b, scopes=READ_ONLY), alliance_admin(w.alliance_x), org_staff(w.school_a)]


@private_read("GET", "/v1/certificates/{certificate_id}/qr")
async def read_qr(w: World) -> Case:
    cert = await _certificate(w)

    def check(r) -> None:
        assert r.headers["content-type"] == "image/png" and r.content.startswith(b"\x89PNG"), r.headers

    return Case(
        Req("GET", f"/v1/certificates/{cert.id}/qr"),
        right=org_key(w.org_a, scopes=READ_ONLY),
        wrong_tenant=_wrong(w),
        check=check,
    )


@private_read("GET", "/v1/certificates/{certificate_id}/verifications")
async def read_verification_counts(w: World) -> Case:
    cert = await _certificate(w)

    def check(r) -> None:
        assert r.json()["certificate_id"] == str(cert.id), r.text

    return Case(
        Req("GET", f"/v1/certificates/{cert.id}/verifications"),
        right=org_staff(w.org_a, scopes=READ_ONLY),
        wrong_tenant=_wrong(w),
        check=check,
    )
