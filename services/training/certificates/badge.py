"""A certificate as an Open Badges 3.0 credential (docs/api.md, "Certificates as Open Badges 3.0"): an
`OpenBadgeCredential` on the VC Data Model 2.0 context, secured with a VC-JWT (VC-JOSE-COSE: the credential is the
JWT claims set) signed EdDSA with the certificate signing key of services/training/certificates/signing.py, the key
that signs the public verification answers and is published at `GET /v1/certificates/verification-key`.

What the credential says is what the public verification answer says (services/training/certificates/public.py) and
nothing more personal: the holder is identified by a salted SHA-256 of the holder record's id (`identityType`
`systemId`), never by name, ID number or phone; the certificate number is left out too, because for some kinds (the
特种作业操作证) the number is often the holder's resident ID number. Its status travels as a `1EdTechRevocationList`
entry whose list is answered publicly, under the verification endpoint, by the certificate's verification code
(`revocation_list`)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import jwt

from services.training.certificates.public import AUTHORITY_LABELS_EN, statement
from services.training.certificates.rules import AUTHORITY_LABELS, KINDS, STATUS_LABELS, CertificateKind
from services.training.certificates.signing import ALGORITHM, CertificateSigner
from services.training.certificates.verification import VERIFY_PATH, verification_url

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
# The status method Open Badges 3.0 names in its verification steps: the verifier fetches the list at
# `credentialStatus.id` and finds the credential's id among `revokedCredentials`.
STATUS_TYPE = "1EdTechRevocationList"
REVOCATION_LIST_PATH = VERIFY_PATH + "/revocation-list"
JWT_TYPE = "vc+jwt"
# Calendar days are Asia/Shanghai days (chanjiao/dates.py).
OFFSET = "+08:00"
# Open Badges 3.0 `achievementType` of each kind (the spec's AchievementType vocabulary).
ACHIEVEMENT_TYPES: dict[CertificateKind, str] = {
    CertificateKind.skill_level_1x: "Certificate",
    CertificateKind.skill_level: "Certification",
    CertificateKind.vocational_qualification: "Certification",
    CertificateKind.special_operations: "License",
    CertificateKind.special_equipment: "License",
    CertificateKind.completion: "CertificateOfCompletion",
    CertificateKind.competition_award: "Award",
    CertificateKind.other: "Achievement",
}
# Statuses under which the revocation list names the credential: it must not be trusted any more (an expiry by an
# overdue review comes before `validUntil`, so the list says it too).
LISTED = {"suspended", "revoked", "expired"}
_ISSUER_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://chanjiao/open-badges/issuers")
_ACHIEVEMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://chanjiao/open-badges/achievements")


def credential_id(public_base_url: str, code: str) -> str:
    """The credential's id: its public verification URL (the link of its QR code), under the configured public base
    URL — it resolves to the signed verification answer, and names no internal id."""
    return verification_url(public_base_url, code)


def revocation_list_url(public_base_url: str, code: str) -> str:
    return f"{public_base_url.rstrip('/')}{REVOCATION_LIST_PATH}?code={quote(code, safe='')}"


def issuer_profile_id(facts: dict[str, Any]) -> str:
    """An organization of the platform by its id; an outside authority by a name-based UUID (the same for every
    certificate recorded with that authority and name)."""
    if not facts["recorded"] and facts.get("issuer_org_id"):
        return f"urn:uuid:{facts['issuer_org_id']}"
    return f"urn:uuid:{uuid.uuid5(_ISSUER_NAMESPACE, facts['issuer_authority'] + '/' + facts['issuer_name'])}"


def subject_salt(certificate_id: uuid.UUID) -> str:
    """Published with the hash (as Open Badges requires); one per certificate, so two badges of the same holder do
    not share a hash."""
    return hashlib.sha256(b"chanjiao.badge.subject:" + certificate_id.bytes).hexdigest()[:32]


def identity_hash(holder_id: uuid.UUID, salt: str) -> str:
    """`sha256$<hex>` of the holder record's id followed by the salt (Open Badges `IdentityHash`)."""
    return "sha256$" + hashlib.sha256((str(holder_id) + salt).encode()).hexdigest()


def _title(facts: dict[str, Any]) -> str:
    rule = KINDS[CertificateKind(facts["kind"])]
    parts = [rule.label, facts["occupation_name"]] + ([facts["level"]] if facts.get("level") else [])
    return " · ".join(parts)


def _title_en(facts: dict[str, Any]) -> str:
    rule = KINDS[CertificateKind(facts["kind"])]
    return f"{rule.label_en}: {facts['occupation_name']}" + (f" ({facts['level']})" if facts.get("level") else "")


def _criteria(facts: dict[str, Any]) -> str:
    rule = KINDS[CertificateKind(facts["kind"])]
    authority = facts["issuer_authority"]
    level = f"（{facts['level']}）" if facts.get("level") else ""
    if facts["recorded"]:
        zh = (
            f"持证人取得「{facts['issuer_name']}」（{AUTHORITY_LABELS.get(authority, authority)}）颁发的{rule.label}"
            f"{level}，职业（工种）：{facts['occupation_name']}；按颁发机构的要求取得。"
        )
        en = (
            f"The holder obtained the {rule.label_en} for {facts['occupation_name']} issued by {facts['issuer_name']} "
            f"({AUTHORITY_LABELS_EN.get(authority, authority)}), on that authority's requirements."
        )
    else:
        zh = (
            f"经「{facts['issuer_name']}」考核合格，取得{rule.label}{level}，职业（工种）：{facts['occupation_name']}。"
        )
        en = (
            f"Assessed and passed by {facts['issuer_name']}, which issued the {rule.label_en} for "
            f"{facts['occupation_name']} on this platform."
        )
    return f"{zh}\n\n{en}"


def credential(
    facts: dict[str, Any],
    *,
    certificate_id: uuid.UUID,
    holder_id: uuid.UUID,
    valid_until: date | None,
    code: str,
    public_base_url: str,
) -> dict[str, Any]:
    """The unsigned `OpenBadgeCredential` of a certificate. `facts` are its public facts (the shape of
    `verification.snapshot`: kind, recorded, issuer name/authority/org id, occupation, level, issued_on);
    `holder_id` is the learner or person record it is held by (only its salted hash goes out)."""
    rule = KINDS[CertificateKind(facts["kind"])]
    says = statement(facts)
    verify = credential_id(public_base_url, code)
    salt = subject_salt(certificate_id)
    achievement_key = "/".join(
        [issuer_profile_id(facts), facts["kind"], facts.get("occupation_code") or facts["occupation_name"]]
        + [facts.get("level") or ""]
    )
    achievement: dict[str, Any] = {
        "id": f"urn:uuid:{uuid.uuid5(_ACHIEVEMENT_NAMESPACE, achievement_key)}",
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES[CertificateKind(facts["kind"])],
        "name": _title(facts),
        "description": f"{rule.label}（{facts['occupation_name']}）— {_title_en(facts)}",
        "criteria": {"narrative": _criteria(facts)},
        "fieldOfStudy": facts["occupation_name"],
        "inLanguage": "zh-CN",
    }
    if facts.get("occupation_code"):
        achievement["humanCode"] = facts["occupation_code"]
    issuer = {
        "id": issuer_profile_id(facts),
        "type": ["Profile"],
        "name": facts["issuer_name"],
        "description": f"{says['zh']}\n\n{says['en']}",
    }
    out: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": credential_id(public_base_url, code),
        "type": list(CREDENTIAL_TYPES),
        "name": _title(facts),
        "description": f"{says['zh']} 在线核验：{verify}\n\n{says['en']} Verify online: {verify}",
        "issuer": issuer,
        "validFrom": f"{facts['issued_on']}T00:00:00{OFFSET}",
    }
    if valid_until is not None:
        # `valid_until` is the last day it is valid: to the end of that day.
        out["validUntil"] = f"{valid_until.isoformat()}T23:59:59{OFFSET}"
    out["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "systemId",
                "hashed": True,
                "identityHash": identity_hash(holder_id, salt),
                "salt": salt,
            }
        ],
        "achievement": achievement,
    }
    out["credentialStatus"] = {"id": revocation_list_url(public_base_url, code), "type": STATUS_TYPE}
    return out


def jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The JWT claims set: the credential itself (VC-JOSE-COSE) with the registered claims Open Badges 3.0 asks of
    its JWT payload — `iss` (issuer.id), `jti` (id), `nbf` (validFrom) and `exp` (validUntil, when it has one).
    `sub` would be `credentialSubject.id`, which the credential does not have: its subject is an `identifier`."""
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(datetime.fromisoformat(credential["validFrom"]).timestamp()),
    }
    if "validUntil" in credential:
        claims["exp"] = int(datetime.fromisoformat(credential["validUntil"]).timestamp())
    return claims


def sign(credential: dict[str, Any], signer: CertificateSigner) -> str:
    """The compact JWS of the credential: header `{"alg": "EdDSA", "kid": <key id>, "typ": "vc+jwt"}`, the claims
    of `jwt_claims`."""
    return jwt.encode(
        jwt_claims(credential), signer.private_key, algorithm=ALGORITHM, headers={"kid": signer.kid, "typ": JWT_TYPE}
    )


def revocation_list(
    facts: dict[str, Any],
    *,
    status: str,
    status_reason: str | None,
    status_changed_on: date | None,
    code: str,
    public_base_url: str,
) -> dict[str, Any]:
    """The 1EdTech revocation list of one credential: it names the credential (`revoked: true`, with the status
    and its reason) while the certificate is suspended, revoked or expired, and is empty otherwise — a
    reinstatement takes it off again."""
    listed: list[dict[str, Any]] = []
    if status in LISTED:
        zh, en = STATUS_LABELS[status]
        reason = f"{zh} {en}"
        if status_reason and status != "expired":
            reason += f"：{status_reason}"
        if status_changed_on and status != "expired":
            reason += f"（{status_changed_on.isoformat()}）"
        listed.append(
            {
                "id": credential_id(public_base_url, code),
                "revoked": True,
                "revocationReason": reason,
            }
        )
    return {
        "id": revocation_list_url(public_base_url, code),
        "issuer": issuer_profile_id(facts),
        "revokedCredentials": listed,
    }
