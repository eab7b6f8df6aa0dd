"""The public verification answer of a certificate: what anyone holding its code sees (docs/security.md, "Public
certificate verification").

It is built from the verification record's snapshot (the facts as issued, services/training/certificates/
verification.py — so it outlives the learner record's erasure) and the certificate's current stored status, reason,
status day, `valid_until` and `next_review_on` (a review moves them); the status is derived as of `checked_on`
(today in Asia/Shanghai) by services/training/certificates/rules.py. Nothing personal but the masked holder name:
no learner, person or holder-organization id, no ID number (a certificate number that is one is shown masked), no
phone.

The signed bytes are stored (`certificate_verifications.body`, `etag`, `signed_status`, `checked_on`, `signed_at`)
and served as they are; a read signs again (one UPDATE) only when the body is missing (a status change or a review
invalidated it), when the derived status or `checked_on` differs from what was signed, when the certificate's
version moved since, or when it was signed with a key that is no longer current (`is_fresh`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

from services.training.certificates.rules import AUTHORITY_LABELS, KINDS, STATUS_LABELS, CertificateKind, derive_status
from services.training.certificates.signing import CertificateSigner

ANSWER_TYPE = "chanjiao.certificate-verification"
ANSWER_VERSION = 1

AUTHORITY_LABELS_EN = {
    "platform_org": "member organization of the platform",
    "emergency_management": "emergency management authority",
    "market_regulation": "market regulation authority",
    "evaluation_org": "training and evaluation organization",
    "skill_appraisal_org": "skill level appraisal organization",
    "human_resources": "human resources and social security authority",
    "competition_organizer": "competition organizer",
    "other": "other",
}


@dataclass(frozen=True)
class CurrentFacts:
    """What of the certificate may change after issue, as stored now."""

    kind: str
    status: str
    status_reason: str | None
    status_changed_on: date | None
    valid_until: date | None
    next_review_on: date | None
    version: int


def derived_status(facts: CurrentFacts, today: date, window_days: int) -> str:
    return derive_status(
        kind=facts.kind,
        stored=facts.status,
        valid_until=facts.valid_until,
        next_review_on=facts.next_review_on,
        today=today,
        window_days=window_days,
    ).value


def statement(snapshot: dict[str, Any]) -> dict[str, str]:
    """Who vouches for the certificate, in plain words (zh, en)."""
    issuer = snapshot["issuer_name"]
    if snapshot["recorded"]:
        authority = snapshot["issuer_authority"]
        return {
            "zh": f"本证书由「{issuer}」（{AUTHORITY_LABELS.get(authority, authority)}）颁发，由持证人所在单位在本平台"
            "登记，并非由本平台或其成员单位签发。本平台仅证明该登记记录存在及其当前状态，不为证书本身的真实性担保，"
            "请向颁发机构核实。",
            "en": f"This certificate was issued by {issuer} ({AUTHORITY_LABELS_EN.get(authority, authority)}) and "
            "recorded on this platform by the holder's organization; it was not issued by the platform or its member "
            "organizations. The platform confirms only that the record exists and its current status; it does not "
            "vouch for the certificate itself — check with the issuing authority.",
        }
    return {
        "zh": f"本证书由本平台成员单位「{issuer}」签发，以上信息与签发单位在本平台的记录一致。",
        "en": f"This certificate was issued on this platform by its member organization {issuer}; the facts above are "
        "those of the issuer's record on the platform.",
    }


def build_answer(
    snapshot: dict[str, Any], facts: CurrentFacts, *, today: date, window_days: int
) -> tuple[dict[str, Any], str]:
    """The unsigned answer and its derived status."""
    status = derived_status(facts, today, window_days)
    rule = KINDS[CertificateKind(facts.kind)]
    stopped = facts.status != "active"  # suspended or revoked: say why and since when
    recorded = bool(snapshot["recorded"])
    zh, en = STATUS_LABELS[status]
    answer = {
        "type": ANSWER_TYPE,
        "version": ANSWER_VERSION,
        "status": status,
        "status_label": {"zh": zh, "en": en},
        "status_reason": facts.status_reason if stopped else None,
        "status_changed_on": facts.status_changed_on.isoformat() if stopped and facts.status_changed_on else None,
        "number": snapshot["number"],
        "kind": facts.kind,
        "kind_label": {"zh": rule.label, "en": rule.label_en},
        "level": snapshot["level"],
        "occupation_name": snapshot["occupation_name"],
        "occupation_code": snapshot["occupation_code"],
        "holder_name_masked": snapshot["holder_name_masked"],
        "issuer": {
            "name": snapshot["issuer_name"],
            "authority": snapshot["issuer_authority"],
            "authority_label": {
                "zh": AUTHORITY_LABELS.get(snapshot["issuer_authority"], snapshot["issuer_authority"]),
                "en": AUTHORITY_LABELS_EN.get(snapshot["issuer_authority"], snapshot["issuer_authority"]),
            },
            # An organization of the platform is named only as the issuer (a public directory entry).
            "org_id": snapshot.get("issuer_org_id"),
        },
        "issued_on": snapshot["issued_on"],
        "valid_until": facts.valid_until.isoformat() if facts.valid_until else None,
        "next_review_on": facts.next_review_on.isoformat() if facts.next_review_on else None,
        "recorded": recorded,
        "statement": statement(snapshot),
        "checked_on": today.isoformat(),
    }
    return answer, status


def etag_of(body: bytes, version: int) -> str:
    """A strong tag of the signed bytes, led by the certificate's version when it was signed."""
    return f'"{version}.{hashlib.sha256(body).hexdigest()[:24]}"'


def signed_version(etag: str | None) -> int | None:
    if not etag:
        return None
    head = etag.strip('"').split(".", 1)[0]
    return int(head) if head.isdigit() else None


def is_fresh(
    *,
    body: bytes | None,
    etag: str | None,
    signed_status: str | None,
    checked_on: date | None,
    facts: CurrentFacts,
    status: str,
    today: date,
    signer: CertificateSigner,
) -> bool:
    """May the stored body be served as it is?"""
    return (
        body is not None
        and signed_status == status
        and checked_on == today
        and signed_version(etag) == facts.version
        and signer.signed_by_current(body)
    )


# ---- the page a phone opens from the QR code -----------------------------------------------------------------
LABELS = {
    "title": ("证书核验", "Certificate verification"),
    "kind": ("证书类别", "Certificate"),
    "level": ("等级", "Level"),
    "occupation": ("职业（工种）", "Occupation"),
    "number": ("证书编号", "Number"),
    "holder": ("持证人", "Holder"),
    "issuer": ("颁发单位", "Issuer"),
    "issued_on": ("发证日期", "Issued on"),
    "valid_until": ("有效期至", "Valid until"),
    "next_review_on": ("下次复审", "Next review"),
    "reason": ("原因", "Reason"),
    "since": ("日期", "Since"),
    "checked_on": ("核验日期", "Checked on"),
    "recorded": ("登记证书（非平台签发）", "Recorded certificate (not issued by the platform)"),
    "machine": (
        "机器核验：以 Accept: application/json 请求本地址，得到带 Ed25519 签名的核验结果；公钥见 "
        "/v1/certificates/verification-key。",
        "For machines: request this address with Accept: application/json for the Ed25519-signed answer; the keys "
        "are at /v1/certificates/verification-key.",
    ),
    "not_found": ("未找到该证书", "No such certificate"),
    "not_found_text": (
        "核验码无效或不存在。请确认扫描的是证书上的二维码，或向发证单位核实。",
        "The verification code is not valid. Scan the QR code printed on the certificate again, or ask the issuer.",
    ),
    "none": ("无", "none"),
}
STATUS_COLOURS = {
    "valid": "#116329",
    "expiring": "#9a6700",
    "expired": "#6e7781",
    "suspended": "#bc4c00",
    "revoked": "#cf222e",
}
CSS = (
    "body{font-family:system-ui,-apple-system,'PingFang SC','Noto Sans CJK SC',sans-serif;margin:0;padding:1rem;"
    "color:#1f2328;background:#f6f8fa}main{max-width:36rem;margin:0 auto;background:#fff;border-radius:8px;"
    "padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}h1{font-size:1.1rem;margin:0 0 .5rem}"
    "#status{font-size:2.75rem;font-weight:700;margin:.25rem 0 .75rem;line-height:1.15}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}dt{color:#57606a}dd{margin:0}"
    ".note{font-size:.9rem;color:#57606a;margin-top:1rem}.recorded{border-left:4px solid #9a6700;padding:.5rem;"
    "background:#fff8c5;margin:.75rem 0}"
)
# No script, no outside resource: the page's own inline style only.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _page(lang: str, title: str, inner: str) -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>{inner}</main></body></html>"
    )


def render_page(answer: dict[str, Any], *, english: bool) -> str:
    """The answer as a small HTML page (every value escaped), Chinese unless `english`."""
    i = 1 if english else 0
    lang = "en" if english else "zh-CN"

    def label(key: str) -> str:
        return escape(LABELS[key][i])

    def text(value: Any) -> str:
        return escape(str(value)) if value not in (None, "") else label("none")

    status = answer["status"]
    key = "en" if english else "zh"
    open_, close = (" (", ")") if english else ("（", "）")
    rows = [
        ("kind", answer["kind_label"][key]),
        ("level", answer.get("level")),
        ("occupation", answer.get("occupation_name")),
        ("number", answer.get("number")),
        ("holder", answer.get("holder_name_masked")),
        ("issuer", "{}{}{}{}".format(answer["issuer"]["name"], open_, answer["issuer"]["authority_label"][key], close)),
        ("issued_on", answer.get("issued_on")),
        ("valid_until", answer.get("valid_until")),
        ("next_review_on", answer.get("next_review_on")),
        ("checked_on", answer.get("checked_on")),
    ]
    if answer.get("status_reason"):
        rows[:0] = [("reason", answer["status_reason"]), ("since", answer.get("status_changed_on"))]
    items = "".join(f"<dt>{label(k)}</dt><dd>{text(v)}</dd>" for k, v in rows)
    recorded = f'<p class="recorded"><strong>{label("recorded")}</strong></p>' if answer.get("recorded") else ""
    inner = (
        f"<h1>{label('title')}</h1>"
        f'<p id="status" class="status-{escape(status)}" style="color:{STATUS_COLOURS.get(status, "#1f2328")}">'
        f"{escape(answer['status_label'][key])}</p>"
        f"{recorded}<dl>{items}</dl>"
        f'<p class="note" id="statement">{escape(answer["statement"][key])}</p>'
        f'<p class="note">{label("machine")}</p>'
    )
    return _page(lang, LABELS["title"][i], inner)


def render_not_found(*, english: bool) -> str:
    i = 1 if english else 0
    inner = (
        f"<h1>{escape(LABELS['title'][i])}</h1>"
        f'<p id="status" style="color:#57606a">{escape(LABELS["not_found"][i])}</p>'
        f"<p>{escape(LABELS['not_found_text'][i])}</p>"
    )
    return _page("en" if english else "zh-CN", LABELS["title"][i], inner)
