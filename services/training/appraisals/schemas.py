"""Appraisal request/response models (docs/domain.md, "Appraisal 技能鉴定").

`AppraisalCreate` is a whole batch with its results: the appraising organization (the caller's own), the certificate
kind and level, the occupation, the day, and its candidates — each a learner record of that organization with a
result (pass, fail or absent), an optional score and, for a pass, the number of the certificate issued to them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from services.training.certificates.rules import KINDS, CertificateKind
from services.training.parties import required_text, short_text

MAX_CANDIDATES = 1000

OccupationName = required_text("职业（工种）名称 Occupation (trade)", 100, "工业机器人系统运维员")
OccupationCode = short_text("职业编码（《职业分类大典》） Occupation code", 32, "6-31-01-10")
Level = required_text("等级 Level: one of the certificate kind's levels (docs/domain.md)", 32, "四级/中级工")
CertificateNumber = required_text(
    "证书编号 Number of the certificate issued to a passing candidate; unique per issuer", 64, "S3707022024000123"
)


class AppraisalKind(StrEnum):
    """The certificates an appraisal leads to: 职业技能等级证书 or 1+X 职业技能等级证书."""

    skill_level = "skill_level"
    skill_level_1x = "skill_level_1x"


class Result(StrEnum):
    passed = "pass"  # 合格
    failed = "fail"  # 不合格
    absent = "absent"  # 缺考


RESULT_LABELS = {"pass": "合格", "fail": "不合格", "absent": "缺考"}

PASS_RATE_RULE = (
    "合格率 = passed ÷ sat, where sat (鉴定人次) = passed + failed — absent candidates did not sit and count in "
    "neither; a ratio between 0 and 1 rounded to 4 places; null when nobody sat"
)


class CandidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    learner_id: uuid.UUID = Field(
        description="考生 A learner record the appraising organization registered; once per batch"
    )
    result: Result = Field(description="鉴定结果 pass (合格) | fail (不合格) | absent (缺考)")
    score: Decimal | None = Field(
        default=None,
        ge=0,
        le=100,
        max_digits=5,
        decimal_places=2,
        description="成绩 Score between 0 and 100 (two decimals at most); none for an absent candidate",
    )
    certificate_number: CertificateNumber | None = Field(
        default=None,
        description="证书编号 Required for a pass, refused otherwise: the number of the certificate issued with the "
        "batch, unique per issuer (the appraising organization) and within the batch",
    )


_EXAMPLE_ONE = {
    "org_id": "019abf2e-0000-7000-8000-000000000002",
    "certificate_kind": "skill_level_1x",
    "occupation_name": "工业机器人操作与运维",
    "level": "中级",
    "appraised_on": "2026-06-20",
    "candidates": [
        {
            "learner_id": "019abf40-0000-7000-8000-000000000001",
            "result": "pass",
            "score": 80,
            "certificate_number": "1X2026370700001",
        }
    ],
}
_EXAMPLE_BODY = {
    "org_id": "019abf2e-0000-7000-8000-000000000002",
    "certificate_kind": "skill_level",
    "occupation_name": "工业机器人系统运维员",
    "occupation_code": "6-31-01-10",
    "level": "四级/中级工",
    "appraised_on": "2026-11-20",
    "candidates": [
        {
            "learner_id": "019abf40-0000-7000-8000-000000000001",
            "result": "pass",
            "score": 86.5,
            "certificate_number": "S3707022026000001",
        },
        {"learner_id": "019abf40-0000-7000-8000-000000000002", "result": "fail", "score": 52},
        {"learner_id": "019abf40-0000-7000-8000-000000000003", "result": "absent"},
    ],
}


class AppraisalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE_ONE, _EXAMPLE_BODY]})

    org_id: uuid.UUID = Field(
        description="鉴定单位 The appraising organization: the caller's own, active; it holds the candidates' learner "
        "records and issues the certificates"
    )
    certificate_kind: AppraisalKind = Field(
        description="证书类别 skill_level (职业技能等级证书) | skill_level_1x (1+X 职业技能等级证书)"
    )
    occupation_name: OccupationName
    occupation_code: OccupationCode = None
    level: Level
    appraised_on: IsoDate = Field(
        description="鉴定日期 Day of the appraisal (not in the future); the certificates' `issued_on`"
    )
    programme_id: uuid.UUID | None = Field(
        default=None,
        description="培训项目 A programme the appraising organization provides or partners in; named on the "
        "certificates",
    )
    candidates: list[CandidateIn] = Field(
        min_length=1, max_length=MAX_CANDIDATES, description="考生 1 to 1000 candidates, each learner once"
    )


class CandidatePublic(BaseModel):
    learner_id: uuid.UUID
    learner_name: str = Field(description="考生姓名 The learner record's current name")
    result: Result
    result_label: str = Field(description="鉴定结果 合格 | 不合格 | 缺考")
    score: float | None
    certificate_id: uuid.UUID | None = Field(
        description="The certificate issued with the batch (`/v1/certificates/{id}`); null unless the result is pass"
    )


class AppraisalPublic(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID = Field(description="鉴定单位 The appraising organization (issuer of the certificates)")
    certificate_kind: AppraisalKind
    certificate_kind_label: str = Field(description="证书类别名称 The kind's Chinese name")
    occupation_name: str
    occupation_code: str | None
    level: str
    appraised_on: IsoDate
    programme_id: uuid.UUID | None
    sat: int = Field(description="鉴定人次 Candidates who sat: passed + failed (absent ones did not)")
    passed: int = Field(description="合格 Candidates who passed (each got a certificate)")
    failed: int = Field(description="不合格 Candidates who failed")
    absent: int = Field(description="缺考 Candidates who did not sit")
    pass_rate: float | None = Field(description=PASS_RATE_RULE)
    version: int = Field(description="Always 1: a batch is recorded once; the ETag is this number in quotes")
    created_at: datetime
    updated_at: datetime


class AppraisalDetail(AppraisalPublic):
    candidates: list[CandidatePublic] = Field(description="考生 The candidates in the order they were sent")


class AppraisalPage(Page[AppraisalPublic]):
    pass


def pass_rate(passed: int, sat: int) -> float | None:
    """合格率 = passed ÷ sat, rounded half up to 4 places; None when nobody sat."""
    if not sat:
        return None
    return float((Decimal(passed) / Decimal(sat)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def render(row: Any) -> AppraisalPublic:
    """The public form of an appraisal row (without its candidates)."""
    sat = row.passed + row.failed
    return AppraisalPublic(
        id=row.id,
        org_id=row.org_id,
        certificate_kind=row.certificate_kind,
        certificate_kind_label=KINDS[CertificateKind(row.certificate_kind)].label,
        occupation_name=row.occupation_name,
        occupation_code=row.occupation_code,
        level=row.level,
        appraised_on=row.appraised_on,
        programme_id=row.programme_id,
        sat=sat,
        passed=row.passed,
        failed=row.failed,
        absent=row.absent,
        pass_rate=pass_rate(row.passed, sat),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def render_detail(row: Any, candidates: list[tuple[Any, str]]) -> AppraisalDetail:
    """The appraisal with its candidates: (candidate row, the learner's current name) in batch order."""
    return AppraisalDetail(
        **render(row).model_dump(),
        candidates=[
            CandidatePublic(
                learner_id=c.learner_id,
                learner_name=name,
                result=c.result,
                result_label=RESULT_LABELS[c.result],
                score=float(c.score) if c.score is not None else None,
                certificate_id=c.certificate_id,
            )
            for c, name in candidates
        ],
    )
