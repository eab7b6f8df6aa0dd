"""Requests and answers of API keys, and of their introspection by the gateway."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from chanjiao.auth import SCOPES
from chanjiao.dates import AwareDatetime
from chanjiao.pagination import Page
from chanjiao.validators import CodeError
from services.membership.identity.fields import DisplayName


def _scopes(values: list[str]) -> list[str]:
    unknown = [s for s in values if s not in SCOPES]
    if unknown:
        raise CodeError(
            "unknown_scope",
            f"未知的权限范围，可选：{', '.join(SCOPES)}",
            f"Unknown scope; choose from: {', '.join(SCOPES)}",
        )
    order = list(SCOPES)
    return sorted(set(values), key=order.index)


ScopeList = Annotated[
    list[str],
    Field(
        min_length=1,
        max_length=len(SCOPES),
        description="Scopes of the key, a non-empty subset of: " + ", ".join(SCOPES),
        examples=[["membership:read", "training:write"]],
    ),
    AfterValidator(_scopes),
]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "教务系统对接",
                    "org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b",
                    "scopes": ["membership:read", "training:write"],
                    "expires_at": "2027-12-31T00:00:00+08:00",
                }
            ]
        },
    )
    name: DisplayName
    org_id: uuid.UUID | None = None
    alliance_id: uuid.UUID | None = None
    scopes: ScopeList
    expires_at: AwareDatetime | None = Field(default=None, description="Optional; must be in the future")

    @model_validator(mode="after")
    def _one_owner(self) -> ApiKeyCreate:
        if (self.org_id is None) == (self.alliance_id is None):
            raise CodeError(
                "one_target", "org_id 与 alliance_id 须且只须给一个", "Give exactly one of org_id and alliance_id"
            )
        return self


class ApiKeyPublic(BaseModel):
    id: uuid.UUID
    name: str
    org_id: uuid.UUID | None
    alliance_id: uuid.UUID | None
    scopes: list[str]
    prefix: str = Field(description="The key's first characters, to recognise it; the key itself is not kept")
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(description="Updated at most once a minute")
    active: bool
    updated_at: datetime = Field(
        description="最后变更时间 Last change of this record: creation, revocation or `last_used_at`"
    )


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="Shown once: send it as `X-API-Key`. It cannot be read again")


class ApiKeyPage(Page[ApiKeyPublic]):
    pass


class IntrospectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"api_key": "cjk_…"}]})
    api_key: str = Field(max_length=512, description="The key exactly as the client sent it in `X-API-Key`")


class PrincipalOut(BaseModel):
    kind: Literal["api_key"]
    subject: str
    org_id: str | None
    roles: list[str]
    scopes: list[str]
    alliances: list[str]


class IntrospectResponse(BaseModel):
    active: bool
    principal: PrincipalOut | None = Field(default=None, description="Present only when active")
    expires_at: datetime | None = Field(default=None, description="Present (possibly null) only when active")
