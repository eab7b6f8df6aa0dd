"""持证上岗: of each post's holders on a day, how many hold a certificate that satisfies the post on that day — and
why each of the others does not (docs/domain.md, "Certified posts and compliance").

Three statements for the whole organization, whatever its size: its live posts, their holders on the day (with a
learner holder's current name), and every certificate of those holders of the posts' kinds issued by that day,
with its stored status as of the day from the status history. The derived status is then
`rules.derive_status` as of that day, in Python.

A certificate satisfies a post when it is of the post's kind; of its occupation when the post names one (the same
code or a code under it — `6-29-03` takes `6-29-03-01` —, or, where either side has no code, the same occupation
name); its derived status on the day is `valid` or `expiring`; and its level is the post's `min_level` or a higher
one (the kind's levels, lowest first, in services/training/certificates/rules.py)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.validators import normalize_name
from services.training.certificates.models import Certificate, CertificateStatusChange
from services.training.certificates.rules import KINDS, CertificateKind, Status, StoredStatus, derive_status
from services.training.certified_posts.models import CertifiedPost, CertifiedPostHolder
from services.training.certified_posts.schemas import (
    WHY_LABELS,
    CertificateCompliance,
    ComplianceTotal,
    MissingHolder,
    MissingWhy,
    PostCompliance,
    ratio,
)
from services.training.certified_posts.service import level_rank
from services.training.learners.models import Learner

GOOD = (Status.valid, Status.expiring)
STORED = frozenset(s.value for s in StoredStatus)
# When no certificate satisfies the post, the reason given is the closest one: a valid certificate of too low a
# level, then a suspended one (it may be reinstated), an expired one, a revoked one, none at all.
WHY_ORDER = (MissingWhy.level_too_low, MissingWhy.suspended, MissingWhy.expired, MissingWhy.revoked)


def _stored_as_of(as_of: date) -> sa.ColumnElement[Any]:
    """A certificate's stored status on `as_of`: the status its last change on or before that day set; before its
    first change, the status that change left; without changes, the stored one."""
    c: Any = Certificate
    s: Any = CertificateStatusChange
    last = (
        sa.select(s.to_status)
        .where(s.certificate_id == c.id, s.effective_on <= as_of)
        .order_by(s.effective_on.desc(), s.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    first_after = (
        sa.select(s.from_status)
        .where(s.certificate_id == c.id, s.effective_on > as_of)
        .order_by(s.effective_on, s.created_at)
        .limit(1)
        .scalar_subquery()
    )
    return sa.func.coalesce(last, first_after, c.status)


def _occupation_matches(post: Any, cert: Any) -> bool:
    if post.occupation_code is None and post.occupation_name is None:
        return True
    if post.occupation_code is not None and cert.occupation_code is not None:
        return cert.occupation_code == post.occupation_code or cert.occupation_code.startswith(
            post.occupation_code + "-"
        )
    if post.occupation_name is None:
        return False
    return normalize_name(cert.occupation_name or "") == normalize_name(post.occupation_name)


def _verdict(post: Any, certs: list[Any], as_of: date, window_days: int) -> tuple[MissingWhy | None, Any]:
    """(None, certificate) when a certificate satisfies the post; else the reason and the certificate it is about."""
    reasons: dict[MissingWhy, Any] = {}
    floor = level_rank(post.required_kind, post.min_level) if post.min_level is not None else None
    for cert in certs:
        if cert.kind != post.required_kind or not _occupation_matches(post, cert):
            continue
        stored = cert.stored_as_of if cert.stored_as_of in STORED else cert.status
        status = derive_status(
            kind=cert.kind,
            stored=stored,
            valid_until=cert.valid_until,
            next_review_on=cert.next_review_on,
            today=as_of,
            window_days=window_days,
        )
        if status in GOOD:
            if floor is None or level_rank(cert.kind, cert.level) >= floor:
                return None, cert
            reasons.setdefault(MissingWhy.level_too_low, cert)
        else:
            reasons.setdefault(MissingWhy(status.value), cert)
    for why in WHY_ORDER:
        if why in reasons:
            return why, reasons[why]
    return MissingWhy.none, None


async def compute(session: AsyncSession, *, org_id: uuid.UUID, as_of: date, window_days: int) -> CertificateCompliance:
    p: Any = CertifiedPost
    h: Any = CertifiedPostHolder
    c: Any = Certificate
    live = sa.select(CertifiedPost).where(p.org_id == org_id, p.deleted_at.is_(None))
    posts = (await session.execute(live)).scalars().all()
    holders = (
        await session.execute(
            sa.select(h.id, h.post_id, h.person_id, h.learner_id, h.holder_name, Learner.name.label("learner_name"))
            .join(CertifiedPost, p.id == h.post_id)
            .outerjoin(Learner, Learner.id == h.learner_id)  # type: ignore[arg-type]
            .where(
                h.org_id == org_id,
                p.deleted_at.is_(None),
                h.since <= as_of,
                sa.or_(h.until.is_(None), h.until > as_of),
            )
            .order_by(h.since, h.id)
        )
    ).all()
    persons = sorted({x.person_id for x in holders if x.person_id is not None})
    learners = sorted({x.learner_id for x in holders if x.learner_id is not None})
    kinds = sorted({x.required_kind for x in posts})
    certs: list[Any] = []
    if holders:
        certs = list(
            (
                await session.execute(
                    sa.select(
                        c.id,
                        c.kind,
                        c.person_id,
                        c.learner_id,
                        c.occupation_name,
                        c.occupation_code,
                        c.level,
                        c.valid_until,
                        c.next_review_on,
                        c.status,
                        _stored_as_of(as_of).label("stored_as_of"),
                    )
                    .where(
                        c.holder_org_id == org_id,
                        c.kind.in_(kinds),
                        c.issued_on <= as_of,
                        sa.or_(c.person_id.in_(persons), c.learner_id.in_(learners)),
                    )
                    .order_by(c.issued_on.desc(), c.id)
                )
            ).all()
        )
    held: dict[tuple[str, uuid.UUID], list[Any]] = defaultdict(list)
    for cert in certs:
        held[("person", cert.person_id) if cert.person_id is not None else ("learner", cert.learner_id)].append(cert)
    by_post: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for x in holders:
        by_post[x.post_id].append(x)

    answers = []
    for post in sorted(posts, key=lambda x: (x.name, x.id)):
        missing = []
        on_post = by_post[post.id]
        for x in on_post:
            key = ("person", x.person_id) if x.person_id is not None else ("learner", x.learner_id)
            why, cert = _verdict(post, held[key], as_of, window_days)
            if why is not None:
                missing.append(
                    MissingHolder(
                        holder_id=x.id,
                        person_id=x.person_id,
                        learner_id=x.learner_id,
                        name=x.holder_name if x.person_id is not None else x.learner_name,
                        why=why,
                        why_label=WHY_LABELS[why.value],
                        certificate_id=cert.id if cert is not None else None,
                    )
                )
        certified = len(on_post) - len(missing)
        answers.append(
            PostCompliance(
                post_id=post.id,
                name=post.name,
                required_kind=post.required_kind,
                required_kind_label=KINDS[CertificateKind(post.required_kind)].label,
                occupation_name=post.occupation_name,
                occupation_code=post.occupation_code,
                min_level=post.min_level,
                headcount=post.headcount,
                holders=len(on_post),
                certified=certified,
                rate=ratio(certified, len(on_post)),
                vacancies=max(post.headcount - len(on_post), 0) if post.headcount is not None else None,
                missing=missing,
            )
        )
    total_holders = sum(a.holders for a in answers)
    total_certified = sum(a.certified for a in answers)
    return CertificateCompliance(
        org_id=org_id,
        as_of=as_of,
        posts=answers,
        total=ComplianceTotal(
            posts=len(answers),
            holders=total_holders,
            certified=total_certified,
            rate=ratio(total_certified, total_holders),
            missing=total_holders - total_certified,
        ),
    )
