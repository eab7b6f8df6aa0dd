"""Certificate request/response models (docs/domain.md, "Certificates").

Two bodies, two routes — one clear design: `CertificateIssue` (`POST /v1/certificates`) is a certificate the caller's
organization issues on the platform (`issuer_org_id` is the caller's organization, which also holds it);
`CertificateRecord` (`POST /v1/certificates/records`) is a certificate an outside authority issued (应急管理局,
市场监督管理局, a 1+X 培训评价组织 …) that the caller's organization records for its learner or person
(`holder_org_id`), naming the issuer (`issuer_name`, `issuer_authority`). Both answer `CertificatePublic`, marked
`recorded` false or true."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate, today
from chanjiao.errors import FieldError, ValidationFailed
from chanjiao.pagination import Page
from services.training.certificates.rules import (
    AUTHORITY_LABELS,
    KINDS,
    STATUS_LABELS,
    CertificateKind,
    IssuerAuthority,
    Status,
)
from services.training.parties import not_null, required_text, short_text

Number = required_text("证书编号 Certificate number, as printed; unique per issuer", 64, "S370702202400123")
OccupationName = required_text("职业（工种）名称 Occupation (trade)", 100, "电工")
OccupationCode = short_text("职业编码（《职业分类大典》） Occupation code", 32, "6-31-01-03")
Level = short_text("等级 Level: one of the kind's levels when the kind has them (docs/domain.md)", 32, "中级")
IssuerName = required_text("发证机关名称 The issuer's name as printed", 100, "潍坊市应急管理局")
Evidence = short_text("证明材料 Evidence kept by the recorder (file reference or link)", 500, "档案柜 A-12 / 扫描件")
Reason = required_text("原因（必填） Reason (required)", 500, "证书持有人违规操作导致事故")
Note = short_text("备注 Note", 500, "理论与实操考核合格")

_HOLDER = "Exactly one of `learner_id` (a learner record of the holder organization) and `person_id` (a staff member: "
_HOLDER += "a membership person of the holder organization)."
_DATES = (
    "`valid_until` (last valid day) and `next_review_on` (复审) default from the kind (docs/domain.md, the kinds "
    "table); send them to override; both ≥ `issued_on`; `next_review_on` only for kinds with reviews."
)


EARLIEST = date(1950, 1, 1)  # no certificate on the platform was issued before this


def _errors(errors: list[FieldError]) -> None:
    if errors:
        names = ", ".join(str(e.loc[-1]) for e in errors)
        raise ValidationFailed(
            detail_zh=f"以下字段未通过校验：{names}",
            detail_en=f"These fields failed validation: {names}",
            errors=errors,
        )


def check_certificate_fields(values: dict[str, Any]) -> None:
    """The rules a body obeys by itself: one holder, the level against the kind, dates in order (422 naming each
    broken field)."""
    errors: list[FieldError] = []
    if (values.get("learner_id") is None) == (values.get("person_id") is None):
        errors.append(
            FieldError(
                ["body", "learner_id"],
                "learner_id 与 person_id 须且只能填写一个",
                "Give exactly one of learner_id and person_id",
                "holder",
            )
        )
    rule = KINDS[CertificateKind(values["kind"])]
    level = values.get("level")
    if level is None and rule.level_required:
        errors.append(
            FieldError(["body", "level"], f"{rule.label}须填写等级", f"A {rule.label_en} needs a level", "required")
        )
    elif level is not None and rule.levels is not None and level not in rule.levels:
        allowed = "、".join(rule.levels)
        errors.append(
            FieldError(
                ["body", "level"], f"等级须为：{allowed}", f"level must be one of: {', '.join(rule.levels)}", "level"
            )
        )
    issued_on = values["issued_on"]
    if not EARLIEST <= issued_on <= today():
        errors.append(
            FieldError(
                ["body", "issued_on"],
                f"发证日期须在 {EARLIEST.isoformat()} 至今天之间",
                f"issued_on must be between {EARLIEST.isoformat()} and today",
                "range",
            )
        )
    if values.get("valid_until") is not None and values["valid_until"] < issued_on:
        errors.append(
            FieldError(
                ["body", "valid_until"], "有效期至不能早于发证日期", "valid_until is before issued_on", "validity"
            )
        )
    if values.get("next_review_on") is not None:
        if rule.review_years is None:
            errors.append(
                FieldError(
                    ["body", "next_review_on"],
                    f"{rule.label}没有复审",
                    f"A {rule.label_en} has no reviews",
                    "no_reviews",
                )
            )
        elif values["next_review_on"] < issued_on:
            errors.append(
                FieldError(
                    ["body", "next_review_on"],
                    "复审日期不能早于发证日期",
                    "next_review_on is before issued_on",
                    "review_date",
                )
            )
    if values.get("issuer_authority") == IssuerAuthority.platform_org and values.get("issuer_org_id") is None:
        errors.append(
            FieldError(
                ["body", "issuer_org_id"],
                "发证机关为平台成员单位时须填写 issuer_org_id",
                "An issuer on the platform needs issuer_org_id",
                "required",
            )
        )
    _errors(errors)


class _CertificateFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: CertificateKind = Field(description="证书类别 Kind (docs/domain.md, the kinds table)")
    number: Number
    learner_id: uuid.UUID | None = Field(default=None, description="持证学员 The holder, a learner. " + _HOLDER)
    person_id: uuid.UUID | None = Field(
        default=None, description="持证人员（教职工、员工） The holder, a person. " + _HOLDER
    )
    occupation_name: OccupationName
    occupation_code: OccupationCode = None
    level: Level = None
    issued_on: IsoDate = Field(description="发证日期 Day of issue")
    valid_until: IsoDate | None = Field(default=None, description="有效期至（含） Last valid day. " + _DATES)
    next_review_on: IsoDate | None = Field(default=None, description="下次复审日期 Next review (复审) due. " + _DATES)
    programme_id: uuid.UUID | None = Field(
        default=None, description="培训项目 A programme the holder organization provides or is a partner of"
    )
    replaces_id: uuid.UUID | None = Field(
        default=None,
        description="换证/补证：被替换的证书 The certificate this one renews or replaces: the same holder organization "
        "and holder, not replaced yet (409 otherwise); it stays as it is and shows `replaced_by_id`",
    )

    _not_null = not_null("valid_until", "next_review_on")


_ISSUE_EXAMPLE = {
    "kind": "skill_level_1x",
    "number": "1X2024370700165",
    "learner_id": "019abf40-0000-7000-8000-000000000001",
    "issuer_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "occupation_name": "工业机器人操作与运维",
    "occupation_code": "6-31-01-10",
    "level": "中级",
    "issued_on": "2024-06-30",
}
_RECORD_EXAMPLE = {
    "kind": "special_operations",
    "number": "T370702198805120011",
    "person_id": "019abf30-1d2e-7a4b-8c5d-6e7f8a9b0c1d",
    "holder_org_id": "019abf2e-0000-7000-8000-000000000002",
    "issuer_name": "潍坊市应急管理局",
    "issuer_authority": "emergency_management",
    "occupation_name": "低压电工作业",
    "issued_on": "2023-03-15",
    "evidence": "扫描件：档案柜 A-12",
}


class CertificateIssue(_CertificateFields):
    """A certificate issued on the platform by the caller's organization, which holds it (its learner or person)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_ISSUE_EXAMPLE]})

    issuer_org_id: uuid.UUID = Field(
        description="发证单位 The issuing organization: the caller's own, active; it also holds the certificate"
    )


class CertificateRecord(_CertificateFields):
    """A certificate an outside authority issued, recorded by the caller's organization for its learner or person:
    marked recorded, not issued by the platform, everywhere."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_RECORD_EXAMPLE]})

    holder_org_id: uuid.UUID = Field(
        description="记录单位 The recording organization: the caller's own, active; its learner or person holds it"
    )
    issuer_name: IssuerName
    issuer_authority: IssuerAuthority = Field(
        description="发证机关类别 The issuing authority's kind; `platform_org` only with `issuer_org_id`"
    )
    issuer_org_id: uuid.UUID | None = Field(
        default=None,
        description="发证单位（平台成员） With `issuer_authority: platform_org`: the issuer, an existing organization",
    )
    evidence: Evidence = None


class CertificateStatusAction(BaseModel):
    """The body of a revocation, a suspension or a reinstatement."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "证书持有人违规操作导致事故", "effective_on": "2026-11-20"}]},
    )

    reason: Reason
    effective_on: IsoDate | None = Field(
        default=None,
        description="生效日期 Effective day: default today (Asia/Shanghai); not before the issue or the last change, "
        "not in the future",
    )

    _not_null = not_null("effective_on")


class CertificateReviewCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reviewed_on": "2026-03-10", "result": "pass", "note": "理论与实操考核合格"}]},
    )

    reviewed_on: IsoDate = Field(description="复审日期 Day of the review: not before issue, not in the future")
    result: Literal["pass", "fail"] = Field(description="复审结论 pass | fail")
    next_due_on: IsoDate | None = Field(
        default=None,
        description="下次复审日期 On a pass: the next review's day (> reviewed_on); default reviewed_on + the kind's "
        "review period",
    )
    note: Note = None

    _not_null = not_null("next_due_on")


class CertificatePublic(BaseModel):
    id: uuid.UUID
    kind: CertificateKind
    kind_label: str = Field(description="证书类别名称 The kind's Chinese name")
    number: str = Field(
        description="证书编号；其中的身份证号码部分脱敏显示 — The certificate number; a resident ID number inside it "
        "(a 特种作业操作证 is numbered with its holder's ID number) is shown masked, T3707************11"
    )
    recorded: bool = Field(
        description="true: recorded, not issued by the platform (an outside authority issued it; public verification "
        "says so instead of vouching for it); false: issued on the platform by `issuer_org_id`"
    )
    issuer_authority: IssuerAuthority
    issuer_authority_label: str
    issuer_org_id: uuid.UUID | None
    issuer_name: str = Field(description="发证单位名称 The issuer's name as on the certificate")
    holder_org_id: uuid.UUID = Field(description="持证人所属单位 The organization that holds it (sees and writes it)")
    learner_id: uuid.UUID | None
    person_id: uuid.UUID | None
    holder_name: str = Field(description="持证人姓名 The holder's name when issued or recorded")
    occupation_name: str
    occupation_code: str | None
    level: str | None
    issued_on: IsoDate
    valid_until: IsoDate | None
    next_review_on: IsoDate | None
    programme_id: uuid.UUID | None
    appraisal_id: uuid.UUID | None
    status: Status = Field(
        description="状态 Derived when read as of `status_on`: valid | expiring | expired | suspended | revoked"
    )
    status_label: str = Field(description="状态名称 The status in Chinese")
    status_on: IsoDate = Field(description="The day the status was derived for (today, or the `as_of` asked)")
    status_reason: str | None = Field(description="暂停/撤销原因 Reason of the suspension or revocation")
    status_changed_on: IsoDate | None
    replaces_id: uuid.UUID | None
    replaced_by_id: uuid.UUID | None = Field(
        description="换证/补证：替换本证的新证书 The certificate replacing this one"
    )
    evidence: str | None
    verification_code: str | None = Field(
        description="核验码 The public verification code (≥ 128 random bits); null only while a certificate written "
        "in bulk has no verification record yet"
    )
    verification_url: str | None = Field(
        description="核验链接 What the QR code holds (from the configured public base URL); null with the code"
    )
    version: int = Field(description="Incremented on every change; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class CertificatePage(Page[CertificatePublic]):
    pass


class CertificateStatusChangePublic(BaseModel):
    id: uuid.UUID
    certificate_id: uuid.UUID
    action: Literal["suspension", "revocation", "reinstatement", "failed_review"]
    from_status: str
    to_status: str
    reason: str
    effective_on: IsoDate
    actor: str
    created_at: datetime


class CertificateStatusChangePage(Page[CertificateStatusChangePublic]):
    pass


class CertificateReviewPublic(BaseModel):
    id: uuid.UUID
    certificate_id: uuid.UUID
    reviewed_on: IsoDate
    result: Literal["pass", "fail"]
    next_due_on: IsoDate | None
    note: str | None
    actor: str
    created_at: datetime


class CertificateReviewPage(Page[CertificateReviewPublic]):
    pass


class CertificateReviewResult(CertificateReviewPublic):
    certificate: CertificatePublic = Field(description="The certificate as it is after the review")


def render(
    row: Any, *, code: str | None, url: str | None, replaced_by_id: uuid.UUID | None, status: Status, status_on: date
) -> CertificatePublic:
    """The public form of a certificate row; the service gives what is not in the row (certificates.service)."""
    return CertificatePublic(
        id=row.id,
        kind=row.kind,
        kind_label=KINDS[CertificateKind(row.kind)].label,
        number=row.number,
        recorded=row.recorded,
        issuer_authority=row.issuer_authority,
        issuer_authority_label=AUTHORITY_LABELS[row.issuer_authority],
        issuer_org_id=row.issuer_org_id,
        issuer_name=row.issuer_name,
        holder_org_id=row.holder_org_id,
        learner_id=row.learner_id,
        person_id=row.person_id,
        holder_name=row.holder_name,
        occupation_name=row.occupation_name,
        occupation_code=row.occupation_code,
        level=row.level,
        issued_on=row.issued_on,
        valid_until=row.valid_until,
        next_review_on=row.next_review_on,
        programme_id=row.programme_id,
        appraisal_id=row.appraisal_id,
        status=status,
        status_label=STATUS_LABELS[status.value][0],
        status_on=status_on,
        status_reason=row.status_reason,
        status_changed_on=row.status_changed_on,
        replaces_id=row.replaces_id,
        replaced_by_id=replaced_by_id,
        evidence=row.evidence,
        verification_code=code,
        verification_url=url,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def render_review(row: Any) -> CertificateReviewPublic:
    return CertificateReviewPublic.model_validate(row, from_attributes=True)


def render_status_change(row: Any) -> CertificateStatusChangePublic:
    return CertificateStatusChangePublic.model_validate(row, from_attributes=True)
