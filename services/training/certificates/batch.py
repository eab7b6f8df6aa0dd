"""Many certificates at once: `POST /v1/certificates/batch` (≤ 1000 items, answered per item) and the spreadsheet
import (`imports.py`), both through `create_many`.

An item is shaped like the body of `POST /v1/certificates` (issued: `issuer_org_id`) or, with `"recorded": true`,
like the body of `POST /v1/certificates/records` (`holder_org_id`, `issuer_name`, `issuer_authority`, …); a
replacement (`replaces_id`, 换证/补证) is a one-off and goes through the single routes. Each item obeys the rules of
its single route (`router.py`):

- the organizations the items issue or record for must be ones the caller acts for (else 403 for the whole batch,
  nothing written) and active (the organization directory, once per organization, before anything is written);
- per item: the body's own rules (`schemas.check_certificate_fields`, 422), the holder — a learner record of the
  holder organization (another organization's record is 404 `learner-not-found`, exactly like a missing one; an
  erased one 409) or a membership person of it (422 `person_not_found`) — the programme (422), a recorded item's
  `issuer_org_id` (422), and the number unique per issuer (409 naming `number`: taken, or twice in the batch).

The checks read everything once for the batch (one statement for the learners, one for the programmes); the
writes are `many.write_many`'s single statement. Valid items commit, invalid ones touch nothing; with
`atomic=true` any failure saves nothing (docs/api.md, "Batch endpoints")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao.auth import Principal
from chanjiao.batch import (
    NOT_COMMITTED,
    BatchRejected,
    ParsedBatch,
    Timings,
    item_problem,
    raw_connection,
    validation_failure,
)
from chanjiao.errors import AppError, FieldError, ValidationFailed, field_error
from services.training.certificates import many, service
from services.training.certificates.rules import (
    CertificateKind,
    IssuerAuthority,
    default_next_review,
    default_valid_until,
)
from services.training.certificates.schemas import (
    CertificateIssue,
    CertificateRecord,
    Evidence,
    IssuerName,
    _CertificateFields,
    check_certificate_fields,
)
from services.training.learners.service import erased, principal_org
from services.training.learners.service import not_found as learner_not_found
from services.training.orgs import OrgDirectory
from services.training.parties import ensure_party
from services.training.settings import TrainingSettings


class CertificateBatchItem(_CertificateFields):
    """One item of `POST /v1/certificates/batch`: an issued certificate (`recorded` false, the default: the fields of
    `CertificateIssue`) or a recorded one (`recorded: true`: the fields of `CertificateRecord`). No `replaces_id`: a
    replacement goes through `POST /v1/certificates` or `/records`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "skill_level",
                    "number": "S370702202400123",
                    "learner_id": "019abf40-0000-7000-8000-000000000001",
                    "issuer_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "occupation_name": "电工",
                    "level": "四级/中级工",
                    "issued_on": "2024-06-30",
                }
            ]
        },
    )

    recorded: bool = Field(
        default=False,
        description="false (default): issued on the platform by `issuer_org_id` (as `POST /v1/certificates`); "
        "true: recorded from an outside issuer by `holder_org_id` (as `POST /v1/certificates/records`)",
    )
    issuer_org_id: uuid.UUID | None = Field(
        default=None,
        description="发证单位：issued — the caller's organization (required); recorded — an issuer on the platform",
    )
    holder_org_id: uuid.UUID | None = Field(
        default=None, description="记录单位：recorded only (required) — the caller's organization"
    )
    issuer_name: IssuerName | None = Field(default=None, description="发证机关名称：recorded only (required)")
    issuer_authority: IssuerAuthority | None = Field(default=None, description="发证机关类别：recorded only (required)")
    evidence: Evidence = None
    replaces_id: None = Field(
        default=None,
        description="Not in a batch: a replacement (换证/补证) goes through `POST /v1/certificates` or `/records`",
    )

    def single(self) -> CertificateIssue | CertificateRecord:
        """The body of the single route this item stands for (its validation errors name this item's fields). The
        fields were validated with this item, by the same types: when the route's own fields are as it needs them,
        the body is built without validating again (a thousand items per batch)."""
        model: type[CertificateIssue | CertificateRecord] = CertificateRecord if self.recorded else CertificateIssue
        v = self.__dict__
        if self.recorded:
            fits = v["holder_org_id"] and v["issuer_name"] and v["issuer_authority"]
        else:
            fits = v["issuer_org_id"] and not any(v[k] for k in _RECORD_ONLY)
        if fits:
            return model.model_construct(**{k: v[k] for k in model.model_fields})
        return model.model_validate(self.model_dump(exclude={"recorded"}, exclude_none=True))


_RECORD_ONLY = ("holder_org_id", "issuer_name", "issuer_authority", "evidence")


class CertificateBatchItemResult(BaseModel):
    index: int = Field(description="Position of the item in `items` (from 0)")
    status: int = Field(description="201 created; 4xx the item's problem; 424 valid but not committed (atomic)")
    id: uuid.UUID | None = None
    problem: dict[str, Any] | None = Field(default=None, description="RFC 9457 problem of a failed item")


class CertificateBatchResult(BaseModel):
    committed: bool
    created: int
    failed: int
    results: list[CertificateBatchItemResult]


@dataclass
class BatchOutcome:
    results: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    failed: int = 0
    timings: Timings = field(default_factory=Timings)
    errors: dict[int, AppError] = field(default_factory=dict)  # the failed items' problems, by index


def _itemised(exc: ValidationFailed, index: int) -> ValidationFailed:
    """A body rule's 422 (locations `body.<field>`) as item `index`'s (`body.items.<index>.<field>`)."""
    errors = [FieldError(["body", "items", index, *e.loc[1:]], e.msg_zh, e.msg_en, e.type) for e in exc.errors]
    return ValidationFailed(detail_zh=exc.detail_zh, detail_en=exc.detail_en, errors=errors)


def _item_error(loc: list[str | int], rule: str, zh: str, en: str) -> ValidationFailed:
    return field_error(loc, rule, zh, en)


def number_problem(problem: str, index: int) -> AppError:
    exc = service.number_taken()
    loc: list[str | int] = ["body", "items", index, "number"]
    if problem == "number_twice":
        return service.CertificateNumberTaken(
            detail_zh="同一发证单位的同一编号在本批中出现了两次",
            detail_en="The same issuer and number appear twice in this batch",
            extra={"field": "number"},
            errors=[FieldError(loc, "编号在本批中重复", "Number repeated in this batch", "unique")],
        )
    return service.CertificateNumberTaken(
        detail_zh=exc.detail_zh,
        detail_en=exc.detail_en,
        extra={"field": "number"},
        errors=[FieldError(loc, "编号已被使用", "Number already used by this issuer", "unique")],
    )


def own_orgs(principal: Principal, bodies: list[CertificateIssue | CertificateRecord | None]) -> set[uuid.UUID]:
    """The organizations the items issue or record for; 403 for the whole batch when the caller does not act for one
    of them (nothing is written)."""
    orgs = {_holder_org(b) for b in bodies if b is not None}
    for org in sorted(orgs):
        ensure_party(principal, org)
    return orgs


def _holder_org(body: CertificateIssue | CertificateRecord) -> uuid.UUID:
    return body.holder_org_id if isinstance(body, CertificateRecord) else body.issuer_org_id


async def _learners(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The learner records the items name (owner, name, erased), in one statement (an array, not a bind per id)."""
    if not ids:
        return {}
    apg = await raw_connection(session)
    rows = await apg.fetch(
        "select id, owner_org_id, name, erased_at from learners where id = any($1::uuid[]) and deleted_at is null",
        list(ids),
    )
    return {r["id"]: SimpleNamespace(**r) for r in rows}


async def _programmes(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, Any]:
    if not ids:
        return {}
    apg = await raw_connection(session)
    rows = await apg.fetch(
        "select id, provider_org_id, partner_org_ids from programmes where id = any($1::uuid[]) and deleted_at is null",
        list(ids),
    )
    return {r["id"]: SimpleNamespace(**r) for r in rows}


async def create_many(
    session: AsyncSession,
    *,
    parsed: ParsedBatch[CertificateBatchItem],
    principal: Principal,
    directory: OrgDirectory,
    settings: TrainingSettings,
    atomic: bool,
    save: bool = True,
    english: bool,
    instance: str,
    request_id: str | None,
) -> BatchOutcome:
    """Every item's result; the valid ones written (with `atomic`, none when any item failed; with `save=False`,
    none: a dry run)."""
    outcome = BatchOutcome()
    if parsed.parse_ms:
        outcome.timings.marks["parse"] = parsed.parse_ms
    errors: dict[int, AppError] = dict(parsed.errors)
    bodies: list[CertificateIssue | CertificateRecord | None] = []
    for index, item in enumerate(parsed.items):
        body = None
        if item is not None:
            try:
                body = item.single()
                check_certificate_fields(body.model_dump())
            except ValidationError as exc:
                body, errors[index] = None, validation_failure(exc, ["body", "items", index])
            except ValidationFailed as exc:
                body, errors[index] = None, _itemised(exc, index)
        bodies.append(body)
    outcome.timings.lap("validate")

    # The organizations: the caller's own (else 403 for the whole batch), active (else 422/503 for the whole batch).
    own_orgs(principal, bodies)
    refs: dict[str, uuid.UUID | None] = {}  # `items.<first item naming it>.<field>` → organization
    for index, body in enumerate(bodies):
        if body is not None and _holder_org(body) not in refs.values():
            refs[f"items.{index}.{'holder_org_id' if isinstance(body, CertificateRecord) else 'issuer_org_id'}"] = (
                _holder_org(body)
            )
    infos = await directory.require_active(refs) if refs else {}
    names = {info.id: info.name for info in infos.values()}
    learners = await _learners(session, {b.learner_id for b in bodies if b is not None and b.learner_id})
    programmes = await _programmes(session, {b.programme_id for b in bodies if b is not None and b.programme_id})
    outcome.timings.lap("check_orgs")

    own = None if principal.is_platform_admin else principal_org(principal)
    items: list[many.Item] = []
    for index, body in enumerate(bodies):
        if body is None:
            continue
        try:
            items.append(await _checked(index, body, own, learners, programmes, names, directory))
        except AppError as exc:
            if exc.status >= 500:
                raise
            errors[index] = exc
    outcome.timings.lap("check_items")

    written, problems = await many.write_many(
        session,
        items,
        settings=settings,
        actor=principal.actor,
        save=save and not (atomic and errors),
        all_or_nothing=atomic,
    )
    for index, problem in problems.items():
        errors[index] = number_problem(problem, index)
    outcome.timings.lap("write")
    for index in range(len(parsed.items)):
        exc = errors.get(index)
        if exc is None:
            outcome.results.append({"index": index, "status": 201, "id": str(written[index]) if save else None})
            continue
        problem = item_problem(exc, english=english, instance=f"{instance}#/items/{index}", request_id=request_id)
        outcome.results.append({"index": index, "status": exc.status, "problem": problem})
    outcome.errors = errors
    outcome.failed = len(errors)
    outcome.created = len(parsed.items) - len(errors)
    outcome.timings.lap("results")
    return outcome


async def _checked(
    index: int,
    body: CertificateIssue | CertificateRecord,
    own: uuid.UUID | None,
    learners: dict[uuid.UUID, Any],
    programmes: dict[uuid.UUID, Any],
    names: dict[uuid.UUID, str],
    directory: OrgDirectory,
) -> many.Item:
    """One item's holder, programme and issuer checked, as the single routes check them; its row to write."""
    loc: list[str | int] = ["body", "items", index]
    holder_org = _holder_org(body)
    if body.learner_id is not None:
        learner = learners.get(body.learner_id)
        if learner is None or (own is not None and learner.owner_org_id != own):
            raise learner_not_found()
        if learner.owner_org_id != holder_org:
            raise _item_error(
                [*loc, "learner_id"],
                "learner_not_of_holder",
                "学员须是持证单位登记的学员",
                "The learner must be a record of the holder organization",
            )
        if learner.erased_at is not None:
            raise erased()
        holder_name = learner.name
    else:
        assert body.person_id is not None  # check_certificate_fields: exactly one holder
        try:
            holder_name = (await directory.require_person_of("person_id", body.person_id, holder_org)).name
        except ValidationFailed as exc:
            raise _itemised(exc, index) from None
    if body.programme_id is not None:
        p = programmes.get(body.programme_id)
        if p is None or (p.provider_org_id != holder_org and holder_org not in (p.partner_org_ids or [])):
            raise _item_error(
                [*loc, "programme_id"],
                "programme_not_of_issuer",
                "没有该培训项目，或本单位不是其举办或合作单位",
                "No such programme provided or partnered by this organization",
            )
    kind = CertificateKind(body.kind)
    recorded = isinstance(body, CertificateRecord)
    if recorded:
        if body.issuer_org_id is not None and await directory.get(body.issuer_org_id) is None:
            raise _item_error([*loc, "issuer_org_id"], "organization_not_found", "单位不存在", "No such organization")
        issuer_name, authority, evidence = body.issuer_name, body.issuer_authority.value, body.evidence
    else:
        issuer_name, authority, evidence = names[holder_org], IssuerAuthority.platform_org.value, None
    return many.Item(
        index=index,
        kind=kind.value,
        number=body.number,
        recorded=recorded,
        issuer_authority=authority,
        issuer_org_id=body.issuer_org_id,
        issuer_name=issuer_name,
        holder_org_id=holder_org,
        learner_id=body.learner_id,
        person_id=body.person_id,
        holder_name=holder_name,
        occupation_name=body.occupation_name,
        occupation_code=body.occupation_code,
        level=body.level,
        issued_on=body.issued_on,
        valid_until=body.valid_until or default_valid_until(kind, body.issued_on),
        next_review_on=body.next_review_on or default_next_review(kind, body.issued_on),
        programme_id=body.programme_id,
        evidence=evidence,
    )


def reject_atomic(outcome: BatchOutcome) -> BatchRejected:
    """The 422 of an atomic batch with errors: every item's result, valid ones as 424 (not committed)."""
    results = [
        {k: v for k, v in r.items() if k != "id"} | {"status": NOT_COMMITTED} if r["status"] == 201 else r
        for r in outcome.results
    ]
    return BatchRejected(
        detail_zh=f"{outcome.failed} 项未通过，整批未保存（atomic=true）",
        detail_en=f"{outcome.failed} item(s) failed; with atomic=true nothing was saved",
        extra={"committed": False, "created": 0, "failed": outcome.failed, "results": results},
    )
