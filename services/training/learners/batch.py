"""Many learners at once: `POST /v1/learners/batch` (≤ 1000 items, answered per item) and the roster import
(`.xlsx`/`.csv`, a report naming row, field and rule — never a cell's value).

Both register exactly as `POST /v1/learners` does (`service.register_learner`), set-based (`many.register_many`): a
document the caller's organization registered already is `existing` (its own record), a different name for it is a
`conflict`; another organization's record of the same person changes nothing (the row is `created` — the
organization's own record)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import spreadsheets
from chanjiao.batch import NOT_COMMITTED, BatchCounts, BatchRejected, ParsedBatch, Timings
from chanjiao.errors import AppError, problem_body, translate_validation_error
from chanjiao.spreadsheets import Column, ImportColumn, Table, aliases, build_template, text_key
from services.training.learners import many
from services.training.learners.many import CheckOrgs, Entry
from services.training.learners.models import ID_TYPE_LABELS, LEARNER_TYPE_LABELS
from services.training.learners.personal import ID_TYPE_ALIASES, PersonalData
from services.training.learners.schemas import (
    LearnerBatchItemResult,
    LearnerCreate,
    LearnerImportRejection,
    LearnerImportReport,
)


def _outcome(exc: AppError) -> str:
    if exc.status == 409:
        return "conflict"
    return "invalid" if exc.status == 422 else "error"


@dataclass
class BatchOutcome(BatchCounts):
    results: list[LearnerBatchItemResult] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)


async def create_many(
    session: AsyncSession,
    *,
    parsed: ParsedBatch[LearnerCreate],
    resolve_org: Callable[[uuid.UUID | None], uuid.UUID],
    check_orgs: CheckOrgs,
    pd: PersonalData,
    actor: str,
    atomic: bool,
    english: bool,
    instance: str,
    request_id: str | None,
) -> BatchOutcome:
    """Every item's result; the valid ones registered (with `atomic`, none when any item failed)."""
    outcome = BatchOutcome()
    if parsed.parse_ms:
        outcome.timings.marks["parse"] = parsed.parse_ms
    errors: dict[int, AppError] = dict(parsed.errors)
    entries: list[Entry | None] = []
    for index, data in enumerate(parsed.items):
        entry = None
        if data is not None:
            try:
                entry = Entry(data, resolve_org(data.org_id))
            except AppError as exc:
                if exc.status >= 500:
                    raise
                errors[index] = exc
        entries.append(entry)
    done = await many.register_many(
        session,
        entries,
        check_orgs=check_orgs,
        pd=pd,
        actor=actor,
        save=not (atomic and errors),
        all_or_nothing=atomic,
        timings=outcome.timings,
    )
    for index, result in enumerate(done):
        if isinstance(result, many.Done):
            status, what = (201, "created") if result.created else (200, "existing")
            outcome.results.append(LearnerBatchItemResult(index=index, status=status, outcome=what, id=result.id))
            continue
        error = result if result is not None else errors[index]
        outcome.results.append(
            LearnerBatchItemResult(
                index=index,
                status=error.status,
                outcome=_outcome(error),
                problem=problem_body(
                    slug=error.slug,
                    title=error.title_en if english else error.title_zh,
                    status=error.status,
                    detail=(error.detail_en if english else error.detail_zh) or error.slug,
                    instance=f"{instance}#/items/{index}",
                    request_id=request_id,
                    errors=[e.render(english) for e in error.errors],
                    extra=error.extra,
                ),
            )
        )
    outcome.timings.lap("results")
    return outcome


def reject_atomic(outcome: BatchOutcome) -> BatchRejected:
    """The 422 of an atomic batch with errors: every item's result, valid ones as 424 (not committed)."""
    results = [
        r.model_copy(update={"status": NOT_COMMITTED, "outcome": "not_committed", "id": None}) if r.status < 400 else r
        for r in outcome.results
    ]
    return BatchRejected(
        detail_zh=f"{outcome.failed} 项未通过，整批未保存（atomic=true）",
        detail_en=f"{outcome.failed} item(s) failed; with atomic=true nothing was saved",
        extra={
            "committed": False,
            "created": 0,
            "existing": 0,
            "failed": outcome.failed,
            "results": [r.model_dump(mode="json", exclude_none=True) for r in results],
        },
    )


# ---- the roster import ------------------------------------------------------------------------------------------
COLUMNS = (
    Column("姓名", "name", True, "必填；2–50 个字符"),
    Column(
        "证件类型",
        "id_type",
        False,
        "默认 居民身份证；可填 护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、外国人永久居留身份证（或代码）",
    ),
    Column("证件号码", "id_number", True, "必填；居民身份证须为18位且校验码正确（全角、小写x、空格会被规范化）"),
    Column("手机号", "phone", False, "11 位大陆手机号码"),
    Column(
        "学员类型",
        "learner_type",
        True,
        "必填；学生、企业职工、教师、社会人员（或代码 student/employee/teacher/social）",
    ),
)
_BY_FIELD = {c.field: c for c in COLUMNS}


LEARNER_TYPE_ALIASES = aliases(
    LEARNER_TYPE_LABELS, {"职工": "employee", "员工": "employee", "在校生": "student", "社会": "social"}
)


def describe_columns() -> list[ImportColumn]:
    return spreadsheets.describe_columns(COLUMNS)


def template() -> bytes:
    """Blocking: the roster template."""
    return build_template(
        "学员",
        COLUMNS,
        choices={"id_type": list(ID_TYPE_LABELS.values()), "learner_type": list(LEARNER_TYPE_LABELS.values())},
    )


def _reject(number: int, fld: str | None, rule: str, message: str) -> LearnerImportRejection:
    column = _BY_FIELD[fld].heading if fld in _BY_FIELD else None
    return LearnerImportRejection(row=number, field=fld, column=column, rule=rule, message=message)


async def run_import(
    session: AsyncSession,
    *,
    table: Table,
    org_id: uuid.UUID,
    current_org_id: uuid.UUID | None,
    check_orgs: CheckOrgs,
    pd: PersonalData,
    actor: str,
    english: bool,
    dry_run: bool,
) -> LearnerImportReport:
    """Check every row, then register the valid ones together in the caller's transaction (`many.register_many`); a
    dry run does every check and writes nothing (the caller rolls back as well)."""
    report = LearnerImportReport(
        dry_run=dry_run, rows=0, created=0, existing=0, rejected=[], ignored_columns=table.ignored
    )
    rejected: list[tuple[int, LearnerImportRejection]] = []
    entries: list[Entry | None] = []
    row_numbers: list[int] = []
    for number, values in table.rows:
        cells = table.cells(values)
        if not cells:
            continue
        report.rows += 1
        body: dict[str, Any] = dict(cells)
        if "id_type" in body:
            body["id_type"] = ID_TYPE_ALIASES.get(text_key(body["id_type"]), body["id_type"])
        if "learner_type" in body:
            body["learner_type"] = LEARNER_TYPE_ALIASES.get(text_key(body["learner_type"]), body["learner_type"])
        body["current_org_id"] = current_org_id
        # Every rule the row breaks is reported: the missing required cells, and the rules of the others.
        missing = [c.field for c in COLUMNS if c.required and c.field not in body]
        errors = [_reject(number, f, "missing", "Required" if english else "必须填写") for f in missing]
        data: LearnerCreate | None = None
        try:
            data = LearnerCreate.model_validate(body)
        except ValidationError as exc:
            for e in exc.errors():
                fe = translate_validation_error(e)
                fld = next((str(p) for p in fe.loc if isinstance(p, str)), None)
                if fld not in missing:
                    errors.append(_reject(number, fld, fe.type, fe.msg_en if english else fe.msg_zh))
        if errors or data is None:
            rejected += [(number, r) for r in errors]
            continue
        entries.append(Entry(data, org_id))
        row_numbers.append(number)
    results = await many.register_many(session, entries, check_orgs=check_orgs, pd=pd, actor=actor, save=not dry_run)
    for number, result in zip(row_numbers, results, strict=True):
        if isinstance(result, many.Done):
            if result.created:
                report.created += 1
            else:
                report.existing += 1
        elif result is not None and result.errors:
            for e in result.errors:
                fld = next((str(p) for p in reversed(e.loc) if isinstance(p, str) and p != "body"), None)
                rejected.append((number, _reject(number, fld, e.type, e.msg_en if english else e.msg_zh)))
        elif result is not None:
            detail = (result.detail_en if english else result.detail_zh) or result.slug
            rejected.append((number, _reject(number, result.extra.get("field"), result.slug, detail)))
    report.rejected = [r for _, r in sorted(rejected, key=lambda pair: pair[0])]  # row order (a stable sort)
    return report
