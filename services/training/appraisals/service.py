"""Skill appraisal rules and writes (技能鉴定): a batch is checked whole — the level against the certificate kind, the
day, each candidate's result, score and certificate number, each learner a record of the appraising organization —
then written in the caller's transaction with the certificates of its passing candidates, issued through
`certificates.service.create` (each with its verification record, audit row and event) and the batch's own audit row
and event `appraisal.created`. Any refusal leaves nothing: the router commits once, after the last write. Knows
nothing of HTTP (the router checks the caller and the organization first); docs/domain.md, "Appraisal 技能鉴定"."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.dates import today
from chanjiao.errors import FieldError, NotFound, ValidationFailed
from chanjiao.ids import new_id
from chanjiao.resources import Audit, load_kept, now
from chanjiao.sync import Since, SyncPage, sync_page
from services.training.accreditations.checks import check_accredited, check_pilot_registered
from services.training.appraisals.models import Appraisal, AppraisalCandidate
from services.training.appraisals.schemas import AppraisalCreate, Result
from services.training.certificates import service as certificates
from services.training.certificates.rules import KINDS, CertificateKind
from services.training.certificates.schemas import CertificateIssue
from services.training.db import kernel
from services.training.learners.models import Learner
from services.training.learners.service import LearnerErased, LearnerNotFound
from services.training.parties import can_read, visible_filter
from services.training.settings import TrainingSettings

ENTITY = "appraisal"
AUDIT = Audit(kernel, ENTITY)
EARLIEST = date(1950, 1, 1)


class AppraisalNotFound(NotFound):
    slug = "appraisal-not-found"
    title_zh, title_en = "技能鉴定记录不存在", "Appraisal not found"


def not_found() -> AppraisalNotFound:
    return AppraisalNotFound(detail_zh="没有该技能鉴定记录", detail_en="No such appraisal")


def _at(i: int, name: str) -> list[str | int]:
    return ["body", "candidates", i, name]


def _refuse(errors: list[FieldError]) -> None:
    if errors:
        names = ", ".join(".".join(str(p) for p in e.loc[1:]) for e in errors)
        raise ValidationFailed(
            detail_zh=f"以下字段未通过校验：{names}；整批未保存",
            detail_en=f"These fields failed validation: {names}; nothing of the batch was saved",
            errors=errors,
        )


def check_batch(data: AppraisalCreate) -> None:
    """The rules a batch obeys by itself (422 naming every broken field, `candidates[i].<field>` for a candidate):
    the level one of the kind's levels, the day between 1950 and today, a certificate number for each pass and only
    for a pass, no score for an absent candidate, each learner and each number once in the batch."""
    errors: list[FieldError] = []
    rule = KINDS[CertificateKind(data.certificate_kind.value)]
    if rule.levels is not None and data.level not in rule.levels:
        errors.append(
            FieldError(
                ["body", "level"],
                f"{rule.label}的等级须为：{'、'.join(rule.levels)}",
                f"A {rule.label_en}'s level is one of: {', '.join(rule.levels)}",
                "level",
            )
        )
    if not EARLIEST <= data.appraised_on <= today():
        errors.append(
            FieldError(
                ["body", "appraised_on"],
                f"鉴定日期须在 {EARLIEST.isoformat()} 至今天之间",
                f"appraised_on must be between {EARLIEST.isoformat()} and today",
                "range",
            )
        )
    learners: set[uuid.UUID] = set()
    numbers: set[str] = set()
    for i, c in enumerate(data.candidates):
        if c.learner_id in learners:
            errors.append(
                FieldError(_at(i, "learner_id"), "同一考生在本批出现多次", "Learner twice in the batch", "duplicate")
            )
        learners.add(c.learner_id)
        if c.result == Result.passed and c.certificate_number is None:
            errors.append(
                FieldError(
                    _at(i, "certificate_number"),
                    "合格考生须填写证书编号",
                    "A pass needs its certificate number",
                    "required",
                )
            )
        elif c.result != Result.passed and c.certificate_number is not None:
            errors.append(
                FieldError(
                    _at(i, "certificate_number"),
                    "只有合格考生才颁发证书",
                    "Only a pass gets a certificate",
                    "pass_only",
                )
            )
        elif c.certificate_number is not None:
            if c.certificate_number in numbers:
                errors.append(
                    FieldError(
                        _at(i, "certificate_number"), "证书编号在本批重复", "Number twice in the batch", "duplicate"
                    )
                )
            numbers.add(c.certificate_number)
        if c.result == Result.absent and c.score is not None:
            errors.append(FieldError(_at(i, "score"), "缺考考生没有成绩", "An absent candidate has no score", "absent"))
    _refuse(errors)


async def candidates_learners(
    session: AsyncSession, principal: Principal, data: AppraisalCreate
) -> dict[uuid.UUID, Learner]:
    """The candidates' learner records, each one the appraising organization registered: another organization's, a
    deleted one or none at all is 404 naming `candidates[i].learner_id` — the same answer, so no batch reveals
    another organization's learner (a platform admin naming another organization's record gets 422
    `learner_not_of_org`); an erased one is 409."""
    ids = [c.learner_id for c in data.candidates]
    t: Any = Learner
    rows = (await session.execute(sa.select(t).where(t.id.in_(ids), t.deleted_at.is_(None)))).scalars()
    found = {r.id: r for r in rows}
    for i, c in enumerate(data.candidates):
        learner = found.get(c.learner_id)
        at = _at(i, "learner_id")
        if learner is None or (learner.owner_org_id != data.org_id and not principal.is_platform_admin):
            raise LearnerNotFound(
                detail_zh=f"candidates[{i}]：本单位没有该学员",
                detail_en=f"candidates[{i}]: no such learner of the appraising organization",
                errors=[
                    FieldError(at, "本单位没有该学员", "No such learner of this organization", "learner_not_found")
                ],
            )
        if learner.owner_org_id != data.org_id:
            raise ValidationFailed(
                detail_zh=f"candidates[{i}]：考生须是鉴定单位登记的学员",
                detail_en=f"candidates[{i}]: the learner must be a record of the appraising organization",
                errors=[FieldError(at, "考生须是鉴定单位登记的学员", "Not a learner of org_id", "learner_not_of_org")],
            )
        if learner.erased_at is not None:
            raise LearnerErased(
                detail_zh=f"candidates[{i}]：该学员的个人信息已注销，不能参加鉴定",
                detail_en=f"candidates[{i}]: this learner's personal data was erased; it cannot be appraised",
                errors=[FieldError(at, "学员信息已注销", "Learner erased", "erased")],
            )
    return found


async def check_register(session: AsyncSession, data: AppraisalCreate, settings: TrainingSettings) -> None:
    """Who may appraise (services/training/accreditations/checks.py): the appraising organization is accredited for the
    occupation and level on the day, and for a 1+X batch has registered the certificate as a pilot."""
    kind = data.certificate_kind.value
    strict = settings.accreditation_strict
    await check_accredited(
        session,
        org_id=data.org_id,
        certificate_kind=kind,
        occupation_code=data.occupation_code,
        occupation_name=data.occupation_name,
        level=data.level,
        on=data.appraised_on,
        strict=strict,
    )
    if kind == "skill_level_1x":
        await check_pilot_registered(
            session,
            org_id=data.org_id,
            certificate_name=data.occupation_name,
            level=data.level,
            on=data.appraised_on,
            strict=strict,
        )


# ---- reads ---------------------------------------------------------------------------------------------------------
async def get_visible(session: AsyncSession, principal: Principal, appraisal_id: uuid.UUID) -> Appraisal:
    """A batch the caller may read (the appraising organization's principals, services with `training:read`,
    platform admins); anyone else gets 404, as for a batch that does not exist."""
    row = await load_kept(session, Appraisal, appraisal_id, not_found=not_found)
    if not can_read(principal, row.org_id):
        raise not_found()
    return row


async def candidates_of(session: AsyncSession, appraisal_id: uuid.UUID) -> list[tuple[AppraisalCandidate, str]]:
    """The batch's candidates in the order sent, each with its learner's current name."""
    c: Any = AppraisalCandidate
    t: Any = Learner
    stmt = sa.select(c, t.name).join(t, t.id == c.learner_id).where(c.appraisal_id == appraisal_id).order_by(c.position)
    return [(row, name) for row, name in (await session.execute(stmt)).all()]


async def page(
    session: AsyncSession,
    principal: Principal,
    *,
    where: Iterable[sa.ColumnElement[bool]],
    since: Since,
    cursor: str | None,
    limit: int,
) -> SyncPage:
    stmt = sa.select(Appraisal)
    visible = visible_filter(principal, Appraisal.org_id)
    if visible is not None:
        stmt = stmt.where(visible)
    for clause in where:
        stmt = stmt.where(clause)
    return await sync_page(session, stmt, Appraisal, since=since, cursor=cursor, limit=limit)


# ---- the batch -----------------------------------------------------------------------------------------------------
def _issue_body(data: AppraisalCreate, learner_id: uuid.UUID, number: str) -> CertificateIssue:
    return CertificateIssue(
        kind=CertificateKind(data.certificate_kind.value),
        number=number,
        learner_id=learner_id,
        issuer_org_id=data.org_id,
        occupation_name=data.occupation_name,
        occupation_code=data.occupation_code,
        level=data.level,
        issued_on=data.appraised_on,
        programme_id=data.programme_id,
    )


def _number_taken_at(i: int) -> certificates.CertificateNumberTaken:
    return certificates.CertificateNumberTaken(
        detail_zh=f"candidates[{i}]：鉴定单位已有同一编号的证书；整批未保存",
        detail_en=f"candidates[{i}]: the appraising organization already has a certificate with this number; nothing "
        "of the batch was saved",
        extra={"field": f"candidates[{i}].certificate_number"},
        errors=[
            FieldError(_at(i, "certificate_number"), "编号已被使用", "Number already used by this issuer", "unique")
        ],
    )


async def create(
    session: AsyncSession,
    *,
    principal: Principal,
    data: AppraisalCreate,
    issuer_name: str,
    settings: TrainingSettings,
    actor: str,
) -> tuple[Appraisal, list[tuple[AppraisalCandidate, str]]]:
    """Record the batch and issue its passing candidates' certificates (issued on `appraised_on`, naming the batch)
    in the caller's transaction; the organization was checked by the router. Returns the batch and its candidates
    with their names."""
    check_batch(data)
    await check_register(session, data, settings)
    learners = await candidates_learners(session, principal, data)
    await certificates.check_programme(session, data.programme_id, data.org_id)
    counts = {r: sum(1 for c in data.candidates if c.result == r) for r in Result}
    stamp = now()
    row = Appraisal(
        id=new_id(),
        org_id=data.org_id,
        certificate_kind=data.certificate_kind.value,
        occupation_name=data.occupation_name,
        occupation_code=data.occupation_code,
        level=data.level,
        appraised_on=data.appraised_on,
        programme_id=data.programme_id,
        passed=counts[Result.passed],
        failed=counts[Result.failed],
        absent=counts[Result.absent],
        version=1,
        created_at=stamp,
        updated_at=stamp,
    )
    session.add(row)
    await session.flush()
    out: list[tuple[AppraisalCandidate, str]] = []
    for i, c in enumerate(data.candidates):
        learner = learners[c.learner_id]
        certificate_id = None
        if c.result == Result.passed:
            assert c.certificate_number is not None  # check_batch
            try:
                cert = await certificates.create(
                    session,
                    data=_issue_body(data, c.learner_id, c.certificate_number),
                    holder_org_id=data.org_id,
                    holder_name=learner.name,
                    issuer_name=issuer_name,
                    settings=settings,
                    actor=actor,
                    appraisal_id=row.id,
                )
            except certificates.CertificateNumberTaken:
                raise _number_taken_at(i) from None
            certificate_id = cert.id
        candidate = AppraisalCandidate(
            id=new_id(),
            appraisal_id=row.id,
            position=i,
            learner_id=c.learner_id,
            result=c.result.value,
            score=c.score,
            certificate_id=certificate_id,
        )
        session.add(candidate)
        out.append((candidate, learner.name))
    await session.flush()
    # The batch's audit row and its event `appraisal.created`: its counts, and its candidates by id only.
    after = AUDIT.snapshot(row)
    results = [{"learner_id": c.learner_id, "result": c.result, "certificate_id": c.certificate_id} for c, _ in out]
    await AUDIT.record(
        session, row, action="create", actor=actor, before=None, after=after, payload={**after, "candidates": results}
    )
    return row, out
