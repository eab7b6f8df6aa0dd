"""Requests and answers of invitations: making one, and claiming it."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chanjiao.validators import CodeError
from services.membership.identity.columns import OrgRole
from services.membership.identity.fields import DisplayName, Login, Password, Secret


class ClaimRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"invitation_token": "cji_…", "login": "wang.jianhua", "password": "…", "display_name": "王建华"}
            ]
        },
    )
    invitation_token: Secret
    login: Login
    password: Password
    display_name: DisplayName | None = Field(
        default=None, description="For a new account; defaults to the invitation's name, else the login"
    )


class InvitationCreate(BaseModel):
    """Either `org_id` + `role` (a member of an organization) or `alliance_id` (an alliance admin)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"org_id": "019abf2e-7c3a-7d2e-9b1a-3f0c2d4e5a6b", "role": "org_admin", "display_name": "王建华"},
                {"alliance_id": "019abf2d-1111-7abc-8def-0123456789ab", "display_name": "联盟秘书处"},
            ]
        },
    )
    org_id: uuid.UUID | None = None
    role: OrgRole | None = Field(default=None, description="With `org_id`: org_admin 单位管理员 | org_staff 工作人员")
    alliance_id: uuid.UUID | None = None
    display_name: DisplayName | None = None

    @model_validator(mode="after")
    def _one_target(self) -> InvitationCreate:
        if (self.org_id is None) == (self.alliance_id is None):
            raise CodeError(
                "one_target", "org_id 与 alliance_id 须且只须给一个", "Give exactly one of org_id and alliance_id"
            )
        if self.org_id is not None and self.role is None:
            raise CodeError("role_required", "给出 org_id 时须给出 role", "role is required with org_id")
        if self.alliance_id is not None and self.role is not None:
            raise CodeError("role_without_org", "role 只能与 org_id 一起给出", "role goes with org_id only")
        return self


class InvitationCreated(BaseModel):
    id: uuid.UUID
    invitation_token: str = Field(description="Shown once: hand it to the invitee (no mail is sent)")
    expires_at: datetime
    org_id: uuid.UUID | None
    role: OrgRole | None
    alliance_id: uuid.UUID | None
    display_name: str | None
