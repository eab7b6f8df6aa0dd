"""The certificate import: a register of certificates kept in Excel (`.xlsx`/`.csv`, Chinese headings) →
certificates of one holder organization.

A row names its learner by ID number (证件类型 + 证件号码: looked up by the keyed hash among the holder
organization's own learner records only — the number is never stored or echoed here) or by 学员ID — or, for a
certificate of the organization's staff (an enterprise's 特种作业操作证), its membership person by 人员ID. A row with
发证机关 is a recorded certificate (an outside issuer: `recorded: true`), one without is issued by the holder
organization itself. The rows that resolve go through the same set-based path as `POST /v1/certificates/batch`
(`batch.create_many`), numbers de-duplicated by issuer; the report names each rejected row with field, column and
rule — never a cell's value. A dry run does every check and writes nothing (the caller rolls back as well)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from chanjiao import spreadsheets
from chanjiao.auth import Principal
from chanjiao.batch import ParsedBatch
from chanjiao.errors import AppError, translate_validation_error
from chanjiao.spreadsheets import Column, ImportColumn, Table, aliases, build_template, text_key
from chanjiao.validators import CodeError
from services.training.certificates import batch
from services.training.certificates.batch import CertificateBatchItem
from services.training.certificates.rules import AUTHORITY_LABELS, KINDS
from services.training.learners import personal
from services.training.learners.models import ID_TYPE_LABELS, Learner
from services.training.orgs import OrgDirectory
from services.training.settings import TrainingSettings

COLUMNS = (
    Column("证书类别", "kind", True, "必填；如 1+X 职业技能等级证书、职业技能等级证书、特种作业操作证（或代码）"),
    Column("证书编号", "number", True, "必填；同一发证单位内唯一"),
    Column("证件类型", "id_type", False, "默认 居民身份证；可填 护照、港澳居民来往内地通行证等"),
    Column("证件号码", "id_number", False, "与 学员ID 二选一：学员须已由本单位登记（POST /v1/learners 或学员导入）"),
    Column("学员ID", "learner_id", False, "与 证件号码 二选一：学员的 id（UUID）"),
    Column(
        "人员ID", "person_id", False, "职工的证书填写：本单位人员（成员单位人员）的 id（UUID），代替 证件号码/学员ID"
    ),
    Column("姓名", "name", False, "可选；填写时须与登记的姓名一致（核对用）"),
    Column("职业名称", "occupation_name", True, "必填；职业（工种）名称"),
    Column("职业编码", "occupation_code", False, "《职业分类大典》编码"),
    Column("等级", "level", False, "证书类别有等级时必填，须为该类别的等级之一"),
    Column("发证日期", "issued_on", True, "必填；YYYY-MM-DD"),
    Column("有效期至", "valid_until", False, "YYYY-MM-DD；留空按证书类别推算"),
    Column("下次复审日期", "next_review_on", False, "YYYY-MM-DD；留空按证书类别推算"),
    Column("培训项目ID", "programme_id", False, "本单位举办或合作的培训项目的 id（UUID）"),
    Column("发证机关", "issuer_name", False, "外部机关颁发的证书填写（如 潍坊市应急管理局）；留空为本单位颁发"),
    Column(
        "发证机关类别", "issuer_authority", False, "填写 发证机关 时必填；如 应急管理部门、市场监督管理部门（或代码）"
    ),
    Column("发证单位ID", "issuer_org_id", False, "发证机关是平台成员单位时填写其 id（UUID）"),
    Column("证明材料", "evidence", False, "外部证书的证明材料（档案位置或链接）"),
)
_BY_FIELD = {c.field: c for c in COLUMNS}
_DATES = ("issued_on", "valid_until", "next_review_on")


KIND_ALIASES = aliases({k.value: r.label for k, r in KINDS.items()})
AUTHORITY_ALIASES = aliases(dict(AUTHORITY_LABELS))
ID_TYPE_ALIASES = personal.ID_TYPE_ALIASES


class CertificateImportRejection(BaseModel):
    row: int = Field(description="Spreadsheet row number (the heading row is 1)")
    field: str | None = Field(description="Field name, e.g. number")
    column: str | None = Field(description="Column heading, e.g. 证书编号")
    rule: str = Field(description="The rule broken, e.g. missing, learner_not_found, unique, level")
    message: str


class CertificateImportReport(BaseModel):
    dry_run: bool
    rows: int = Field(description="Data rows read (blank rows are not counted)")
    created: int = Field(description="Certificates created (or, in a dry run, that would be)")
    rejected: list[CertificateImportRejection] = Field(
        description="拒绝的行：每行违反的每条规则各一条，按行号排列 One entry per rule a rejected row breaks, in row "
        "order; never a cell's value"
    )
    ignored_columns: list[str] = Field(description="Letters of columns whose heading is not in the table")


def describe_columns() -> list[ImportColumn]:
    return spreadsheets.describe_columns(COLUMNS)


def template() -> bytes:
    """Blocking: the import template."""
    return build_template(
        "证书",
        COLUMNS,
        choices={
            "kind": [r.label for r in KINDS.values()],
            "id_type": list(ID_TYPE_LABELS.values()),
            "issuer_authority": list(AUTHORITY_LABELS.values()),
        },
        notes=[
            [],
            ["说明"],
            ["每行一张证书；持证学员用 证件号码（可加 证件类型）或 学员ID 指定，须已由本单位登记。"],
            ["填写 发证机关 的行登记为外部机关颁发的证书；留空则为本单位颁发。"],
            ["编号已存在或本表内重复的行被拒绝；报告中只写行号、列名与规则，不回显单元格内容。"],
            ["试运行（dry_run=true）只检查不保存。最多 10,000 行、5 MiB。"],
        ],
    )


def _reject(out: list[CertificateImportRejection], row: int, fld: str | None, rule: str, message: str) -> None:
    column = _BY_FIELD[fld].heading if fld in _BY_FIELD else None
    out.append(CertificateImportRejection(row=row, field=fld, column=column, rule=rule, message=message))


def _field_of(loc: list[Any]) -> str | None:
    return next((str(p) for p in reversed(loc) if isinstance(p, str) and p not in ("body", "items")), None)


def _item(cells: dict[str, str], org_id: uuid.UUID) -> dict[str, Any]:
    """The batch item a row stands for (its learner still to be found when named by ID number)."""
    item: dict[str, Any] = {
        k: v for k, v in cells.items() if k not in ("id_type", "id_number", "name") and k in _BY_FIELD
    }
    item["kind"] = KIND_ALIASES.get(text_key(cells["kind"]), cells["kind"]) if "kind" in cells else None
    for d in _DATES:
        if d in item:
            item[d] = item[d][:10]
    if "issuer_name" in cells:
        item["recorded"] = True
        item["holder_org_id"] = str(org_id)
        if "issuer_authority" in cells:
            item["issuer_authority"] = AUTHORITY_ALIASES.get(
                text_key(cells["issuer_authority"]), cells["issuer_authority"]
            )
    else:
        item["issuer_org_id"] = str(org_id)
    return item


async def run_import(
    session: AsyncSession,
    *,
    table: Table,
    org_id: uuid.UUID,
    principal: Principal,
    directory: OrgDirectory,
    pd: personal.PersonalData,
    settings: TrainingSettings,
    english: bool,
    dry_run: bool,
) -> CertificateImportReport:
    report = CertificateImportReport(dry_run=dry_run, rows=0, created=0, rejected=[], ignored_columns=table.ignored)
    rows = [(number, cells) for number, values in table.rows if (cells := table.cells(values))]
    report.rows = len(rows)
    errors: dict[int, list[CertificateImportRejection]] = {number: [] for number, _ in rows}

    # The learners named by ID number: one look-up by keyed hash among the holder organization's records.
    wanted: dict[int, list[bytes]] = {}
    for number, cells in rows:
        if "learner_id" in cells or "person_id" in cells or "id_number" not in cells:
            continue
        id_type = ID_TYPE_ALIASES.get(text_key(cells.get("id_type", "resident_id")))
        if id_type is None:
            _reject(errors[number], number, "id_type", "enum", "Unknown ID type" if english else "证件类型不正确")
            continue
        num = personal.normalize_number(cells["id_number"])
        try:
            personal.validate_number(id_type, num)
        except CodeError as exc:
            _reject(errors[number], number, "id_number", exc.rule, exc.message_en if english else exc.message_zh)
            continue
        wanted[number] = pd.hashes(id_type, num)
    found: dict[bytes, tuple[uuid.UUID, str]] = {}
    all_hashes = [h for hs in wanted.values() for h in hs]
    if all_hashes:
        lr: Any = Learner
        result = await session.execute(
            sa.select(lr.id_number_hash, lr.id, lr.name).where(
                lr.id_number_hash.in_(all_hashes), lr.owner_org_id == org_id, lr.deleted_at.is_(None)
            )
        )
        found = {r.id_number_hash: (r.id, r.name) for r in result}

    items: list[CertificateBatchItem | None] = []
    item_rows: list[tuple[int, str]] = []  # (row number, the field that named the learner)
    for number, cells in rows:
        out = errors[number]
        item = _item(cells, org_id)
        by = "learner_id"
        if "person_id" in cells:
            by = "person_id"
            if "learner_id" in cells or "id_number" in cells:
                _reject(
                    out,
                    number,
                    "person_id",
                    "holder_twice",
                    "Give 人员ID or a learner, not both" if english else "人员ID 与 学员（证件号码/学员ID）只能填一项",
                )
        elif "learner_id" not in cells and number in wanted:
            hit = next((found[h] for h in wanted[number] if h in found), None)
            if hit is None:
                _reject(
                    out,
                    number,
                    "id_number",
                    "learner_not_found",
                    "No learner is registered with this ID number" if english else "没有以该证件号码登记的学员",
                )
            elif "name" in cells and not personal.names_match(cells["name"], hit[1]):
                _reject(
                    out,
                    number,
                    "name",
                    "name_mismatch",
                    "The name differs from the registered learner's" if english else "姓名与登记的学员不一致",
                )
            else:
                item["learner_id"], by = str(hit[0]), "id_number"
        elif "learner_id" not in cells and "id_number" not in cells:
            _reject(
                out,
                number,
                "id_number",
                "missing",
                "Give 证件号码 or 学员ID" if english else "须填写 证件号码 或 学员ID",
            )
        missing = [c.field for c in COLUMNS if c.required and c.field not in cells]
        for fld in missing:
            _reject(out, number, fld, "missing", "Required" if english else "必须填写")
        if "issuer_name" in cells and "issuer_authority" not in cells:
            _reject(out, number, "issuer_authority", "missing", "Required" if english else "必须填写")
        if "learner_id" not in item and "person_id" not in item:
            item["learner_id"] = str(uuid.UUID(int=0))  # stands in, so that only the cells written are judged
        try:
            data = CertificateBatchItem.model_validate({k: v for k, v in item.items() if v is not None})
            data.single()
        except ValidationError as exc:
            for e in exc.errors():
                fe = translate_validation_error(e)
                fld = next((str(p) for p in fe.loc if isinstance(p, str)), None)
                if fld not in missing and not any(r.field == fld for r in out):
                    _reject(out, number, fld, fe.type, fe.msg_en if english else fe.msg_zh)
            continue
        if out:
            continue
        items.append(data)
        item_rows.append((number, by))
    for out in errors.values():
        report.rejected += out

    if items:
        outcome = await batch.create_many(
            session,
            parsed=ParsedBatch(items, {}),
            principal=principal,
            directory=directory,
            settings=settings,
            atomic=False,
            save=not dry_run,
            english=english,
            instance="/v1/certificates/imports",
            request_id=None,
        )
        for index, (number, by) in enumerate(item_rows):
            exc = outcome.errors.get(index)
            if exc is None:
                report.created += 1
            else:
                _report_error(report.rejected, number, by, exc, english)
    report.rejected.sort(key=lambda r: r.row)
    return report


def _report_error(out: list[CertificateImportRejection], row: int, by: str, exc: AppError, english: bool) -> None:
    if exc.errors:
        for e in exc.errors:
            fld = _field_of(list(e.loc))
            _reject(
                out, row, by if fld in ("learner_id", "person_id") else fld, e.type, e.msg_en if english else e.msg_zh
            )
        return
    fld = exc.extra.get("field") or (by if exc.slug.startswith(("learner", "person")) else None)
    _reject(out, row, fld, exc.slug, (exc.detail_en if english else exc.detail_zh) or exc.slug)
