"""Bodies and public forms of an organization's dated type/region changes (`/v1/organizations/{id}/changes`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chanjiao.dates import IsoDate
from chanjiao.pagination import Page
from services.membership.organizations.models import ORG_TYPE_LABELS, OrgType
from services.membership.organizations.schemas import RegionCode, _optional_text


class ChangeCreate(BaseModel):
    """A dated change of type and/or region; a field left out keeps its current value."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"org_type": "technician_college", "effective_on": "2024-09-01", "reason": "技工学校升格为技师学院"}
            ]
        },
    )

    org_type: OrgType | None = Field(default=None, description="新的单位类型 The type from `effective_on`")
    region_code: RegionCode | None = Field(default=None, description="新的行政区划代码 The region from `effective_on`")
    effective_on: IsoDate | None = Field(
        default=None,
        description="生效日期 (default today, Asia/Shanghai); not in the future, not before the latest change",
    )
    reason: Annotated[str | None, Field(max_length=500, description="原因"), AfterValidator(_optional_text)] = None


class ChangePublic(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    from_org_type: OrgType
    from_org_type_label: str
    to_org_type: OrgType
    to_org_type_label: str
    from_region_code: str | None
    to_region_code: str | None
    effective_on: IsoDate
    reason: str | None
    actor: str
    recorded_at: datetime
    updated_at: datetime = Field(description="最后变更时间（= recorded_at，变更记录不再改变）— equals `recorded_at`")


class ChangePage(Page[ChangePublic]):
    pass


def render_change(row: Any) -> ChangePublic:
    return ChangePublic(
        id=row.id,
        org_id=row.org_id,
        from_org_type=row.from_org_type,
        from_org_type_label=ORG_TYPE_LABELS[row.from_org_type],
        to_org_type=row.to_org_type,
        to_org_type_label=ORG_TYPE_LABELS[row.to_org_type],
        from_region_code=row.from_region_code,
        to_region_code=row.to_region_code,
        effective_on=row.effective_on,
        reason=row.reason,
        actor=row.actor,
        recorded_at=row.recorded_at,
        updated_at=row.updated_at,
    )
