"""The field types, code references and transition bodies the demand and offer schemas share
(docs/matching-core.md).

Codes are checked like everywhere else (chanjiao/validators/codes.py, docs/reference-data.md): a malformed code is
422 naming the field; a well-formed code missing from the shipped tables (chanjiao/refdata) is accepted and shown
with `code_known: false`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from chanjiao import refdata
from chanjiao.dates import IsoDate
from chanjiao.validators import (
    CodeError,
    normalize_code,
    normalize_name,
    validate_major_code,
    validate_occupation_code,
    validate_region_code,
)
from services.matching.postings import STATUS_LABELS, PostingStatus, PreferredCertificateKind


# ---- text ----------------------------------------------------------------------------------------------------------
def _clean_text(value: str | None, max_len: int) -> str | None:
    if value is None:
        return None
    text = normalize_name(value) if max_len <= 200 else value.strip()
    if any((ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7F for c in text):
        raise CodeError("charset", "不能包含控制字符", "Control characters are not allowed")
    if len(text) > max_len:
        raise CodeError("length", f"长度至多为 {max_len} 个字符", f"At most {max_len} characters")
    return text or None


def _required_text(value: str, max_len: int) -> str:
    text = _clean_text(value, max_len)
    if text is None:
        raise CodeError("required", "不能为空", "May not be empty")
    return text


Title = Annotated[
    str,
    Field(min_length=1, max_length=400, description="标题 — title (1–100 characters)", examples=["数控技术订单班"]),
    AfterValidator(lambda v: _required_text(v, 100)),
]
Description = Annotated[
    str | None,
    Field(max_length=8000, description="说明 — description (at most 4000 characters)"),
    AfterValidator(lambda v: _clean_text(v, 4000)),
]
Reason = Annotated[
    str | None,
    Field(max_length=2000, description="原因 — reason of the change (at most 500 characters)"),
    AfterValidator(lambda v: _clean_text(v, 500)),
]


# ---- codes ---------------------------------------------------------------------------------------------------------
def _codes(values: list[str], validate: Any) -> list[str]:
    out: list[str] = []
    for raw in values:
        code = normalize_code(raw)
        validate(code)
        if code not in out:
            out.append(code)
    return out


def _region(value: str | None) -> str | None:
    if value is None:
        return None
    code = normalize_code(value)
    validate_region_code(code, province_codes=refdata.province_codes())
    return code


MajorCodes = Annotated[
    list[Annotated[str, Field(max_length=20)]],
    Field(
        max_length=50,
        description="专业代码 — vocational major codes (职业教育专业目录: 6 digits, optional K); a well-formed code "
        "missing from the shipped catalogue is accepted and shown with `code_known: false`; duplicates are dropped",
        examples=[["460103"]],
    ),
    AfterValidator(lambda v: _codes(v, validate_major_code)),
]
OccupationCodes = Annotated[
    list[Annotated[str, Field(max_length=20)]],
    Field(
        max_length=50,
        description="职业代码 — occupation codes (职业分类大典 2022: X, X-XX, X-XX-XX or X-XX-XX-XX); a well-formed "
        "code missing from the shipped table is accepted and shown with `code_known: false`; duplicates are dropped",
        examples=[["6-18-01-01"]],
    ),
    AfterValidator(lambda v: _codes(v, validate_occupation_code)),
]
RegionCode = Annotated[
    str | None,
    Field(
        max_length=20,
        description="行政区划代码 — region code (6 digits; the province part must exist; an unknown code is "
        "accepted and flagged `code_known: false`)",
        examples=["370702"],
    ),
    AfterValidator(_region),
]


class PostingCodeRef(BaseModel):
    code: str
    name: str | None = Field(default=None, description="参考表中的名称 — name from the reference table (null: unknown)")
    code_known: bool = Field(description="false when the code is well-formed but not in the shipped table")


@lru_cache(maxsize=1)
def _major_names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in refdata.majors()}


@lru_cache(maxsize=1)
def _occupation_names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in refdata.occupations()}


@lru_cache(maxsize=1)
def _region_names() -> dict[str, str]:
    return {r["code"]: r["name"] for r in refdata.regions()}


def _refs(codes: list[str], names: dict[str, str]) -> list[PostingCodeRef]:
    return [PostingCodeRef(code=c, name=names.get(c), code_known=c in names) for c in codes]


def majors(codes: list[str]) -> list[PostingCodeRef]:
    return _refs(codes, _major_names())


def occupations(codes: list[str]) -> list[PostingCodeRef]:
    return _refs(codes, _occupation_names())


def region(code: str | None) -> PostingCodeRef | None:
    return None if code is None else _refs([code], _region_names())[0]


def unknown_codes(
    majors: list[PostingCodeRef], occupations: list[PostingCodeRef], region: PostingCodeRef | None
) -> list[str]:
    """The fields holding a well-formed code the shipped tables do not know (the flag of the answer)."""
    out = [f"major_codes/{r.code}" for r in majors if not r.code_known]
    out += [f"occupation_codes/{r.code}" for r in occupations if not r.code_known]
    if region is not None and not region.code_known:
        out.append(f"region_code/{region.code}")
    return out


# ---- preferred certificates ----------------------------------------------------------------------------------------
class PreferredCertificate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: PreferredCertificateKind = Field(
        description="证书类别 — certificate kind (the kinds of the training service's certificates)"
    )
    occupation_code: Annotated[
        str | None,
        Field(max_length=20, description="职业代码 — occupation code (职业分类大典 2022), optional"),
    ] = None
    level: Annotated[
        str | None,
        Field(max_length=200, description="等级 — level as the certificate names it (e.g. 四级/中级工), optional"),
        AfterValidator(lambda v: _clean_text(v, 50)),
    ] = None

    @field_validator("occupation_code")
    @classmethod
    def _occupation(cls, v: str | None) -> str | None:
        if v is None:
            return None
        code = normalize_code(v)
        validate_occupation_code(code)
        return code


PreferredCertificates = Annotated[
    list[PreferredCertificate],
    Field(max_length=20, description="优先的证书 — preferred certificates (at most 20)"),
]


# ---- transitions ---------------------------------------------------------------------------------------------------
class PostingTransitionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"to": "open", "effective_on": "2026-12-03"}]}
    )

    to: PostingStatus = Field(description="目标状态 — the status to move to (docs/matching-core.md, state machine)")
    effective_on: IsoDate | None = Field(
        default=None, description="生效日期 — effective date (default today, Asia/Shanghai; not before the last one)"
    )
    reason: Reason = None


class PostingTransition(BaseModel):
    seq: int = Field(description="序号 — 1 for the first change")
    from_status: PostingStatus
    to_status: PostingStatus
    to_label: str = Field(description="目标状态的中文名称")
    effective_on: date
    reason: str | None
    actor: str
    recorded_at: datetime


class PostingHistory(BaseModel):
    id: uuid.UUID = Field(description="需求或供给 — the demand or offer")
    status: PostingStatus
    items: list[PostingTransition]


def render_transition(row: Any) -> PostingTransition:
    return PostingTransition(
        seq=row.seq,
        from_status=row.from_status,
        to_status=row.to_status,
        to_label=STATUS_LABELS[row.to_status],
        effective_on=row.effective_on,
        reason=row.reason,
        actor=row.actor,
        recorded_at=row.recorded_at,
    )
