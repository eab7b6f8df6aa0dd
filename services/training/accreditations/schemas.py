"""Accreditation and 1+X pilot registration request/response models, and their `render`s."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from services.training.accreditations.models import KIND_LABELS, AccreditationKind
from services.training.parties import Tombstone, not_null, required_text, short_text

KIND_DESCRIPTION = (
    "资质类型: appraisal_station 职业技能鉴定站 · recognition_org 职业技能等级认定机构（评价机构） · exam_site 考点 · "
    "x_exam_site 1+X 考核站点"
)
LEVELS_DESCRIPTION = (
    "可鉴定等级 The levels it may appraise (a skill-level accreditation: 五级/初级工 … 首席技师; a 1+X site: "
    "初级, 中级, 高级); empty: every level of the occupation"
)
Name = required_text("资质名称 Name of the station or site", 100, "山东省冶金职业技能鉴定站")
GrantingBody = required_text("批准机关 Granting body", 100, "山东省人力资源和社会保障厅")
CertificateNumber = short_text("资质证书编号 Number of the accreditation's certificate", 64, "鲁人社鉴字〔2019〕12号")
OccupationName = required_text("职业（工种）或 1+X 证书名称 Occupation or 1+X certificate", 100, "炼钢工")
OccupationCode = short_text("职业编码（《职业分类大典》） Occupation code", 32, "6-25-01-02")
CertificateName = required_text("1+X 证书名称 Name of the 1+X certificate", 100, "工业机器人操作与运维")
EvaluationOrg = short_text(
    "培训评价组织 Evaluation organization of the certificate", 100, "北京新奥时代科技有限责任公司"
)


class OccupationScope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: OccupationCode = None
    name: OccupationName
    levels: list[str] = Field(default_factory=list, max_length=7, description=LEVELS_DESCRIPTION)


_ACCREDITATION_IN = {
    "org_id": "019abf2e-0000-7000-8000-000000000002",
    "kind": "appraisal_station",
    "name": "山东省冶金职业技能鉴定站",
    "granting_body": "山东省人力资源和社会保障厅",
    "certificate_number": "鲁人社鉴字〔2019〕12号",
    "valid_from": "2019-07-01",
    "valid_until": "2029-06-30",
    "occupations": [{"code": "6-25-01-02", "name": "炼钢工", "levels": ["四级/中级工", "三级/高级工"]}],
}


class AccreditationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_ACCREDITATION_IN]})

    org_id: uuid.UUID = Field(
        description="获准单位: the accredited organization, existing and active; the caller's own"
    )
    kind: AccreditationKind = Field(description=KIND_DESCRIPTION)
    name: Name
    granting_body: GrantingBody
    certificate_number: CertificateNumber = None
    valid_from: IsoDate = Field(description="有效期起")
    valid_until: IsoDate | None = Field(default=None, description="有效期止 (≥ valid_from); none: open-ended")
    occupations: list[OccupationScope] = Field(
        min_length=1, max_length=200, description="可鉴定的职业（工种）和等级 Occupations and levels it may appraise"
    )


class AccreditationUpdate(BaseModel):
    """Partial update: only the fields sent change; the organization never changes."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"valid_until": "2031-06-30"}]})

    kind: AccreditationKind | None = Field(default=None, description=KIND_DESCRIPTION)
    name: Name | None = None
    granting_body: GrantingBody | None = None
    certificate_number: CertificateNumber = None
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None
    occupations: list[OccupationScope] | None = Field(default=None, min_length=1, max_length=200)

    _not_null = not_null("kind", "name", "granting_body", "valid_from", "occupations")


class AccreditationPublic(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    kind: AccreditationKind = Field(description=KIND_DESCRIPTION)
    kind_label: str = Field(description="资质类型的中文名称")
    name: str
    granting_body: str
    certificate_number: str | None
    valid_from: IsoDate
    valid_until: IsoDate | None
    occupations: list[OccupationScope]
    version: int
    created_at: datetime
    updated_at: datetime


class AccreditationPage(Page[AccreditationPublic | Tombstone]):
    pass


_REGISTRATION_IN = {
    "school_org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
    "certificate_name": "工业机器人操作与运维",
    "evaluation_org_name": "北京新奥时代科技有限责任公司",
    "batch": 1,
    "registered_on": "2019-06-20",
    "levels": ["初级", "中级", "高级"],
}


class PilotRegistrationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_REGISTRATION_IN]})

    school_org_id: uuid.UUID = Field(description="试点院校: an existing, active organization; the caller's own")
    certificate_name: CertificateName
    evaluation_org_name: EvaluationOrg = None
    batch: int | None = Field(default=None, ge=1, le=20, description="试点批次 (第几批)")
    registered_on: IsoDate = Field(description="备案日期")
    levels: list[str] = Field(
        default_factory=list, max_length=3, description="备案等级 初级 · 中级 · 高级; empty: every level"
    )


class PilotRegistrationUpdate(BaseModel):
    """Partial update: only the fields sent change; the school never changes."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"batch": 2}]})

    certificate_name: CertificateName | None = None
    evaluation_org_name: EvaluationOrg = None
    batch: int | None = Field(default=None, ge=1, le=20)
    registered_on: IsoDate | None = None
    levels: list[str] | None = Field(default=None, max_length=3)

    _not_null = not_null("certificate_name", "registered_on", "levels")


class PilotRegistrationPublic(BaseModel):
    id: uuid.UUID
    school_org_id: uuid.UUID
    certificate_name: str
    evaluation_org_name: str | None
    batch: int | None
    registered_on: IsoDate
    levels: list[str]
    version: int
    created_at: datetime
    updated_at: datetime


class PilotRegistrationPage(Page[PilotRegistrationPublic | Tombstone]):
    pass


def render(row: Any) -> AccreditationPublic:
    return AccreditationPublic(
        id=row.id,
        org_id=row.org_id,
        kind=row.kind,
        kind_label=KIND_LABELS[row.kind],
        name=row.name,
        granting_body=row.granting_body,
        certificate_number=row.certificate_number,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        occupations=[OccupationScope(**o) for o in row.occupations],
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def render_registration(row: Any) -> PilotRegistrationPublic:
    return PilotRegistrationPublic(
        id=row.id,
        school_org_id=row.school_org_id,
        certificate_name=row.certificate_name,
        evaluation_org_name=row.evaluation_org_name,
        batch=row.batch,
        registered_on=row.registered_on,
        levels=list(row.levels or []),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
